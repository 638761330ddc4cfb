package dev.redismigrate.api.outbox;

import dev.redismigrate.api.Ids;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.contract.StopRequest;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.contract.VerifyRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.util.UUID;

/**
 * Queues commands for the workers inside the caller's transaction (transactional outbox): a command
 * is published if and only if its transaction commits, and {@link OutboxRelay} retries until Kafka
 * has it.
 */
@ApplicationScoped
public class Outbox {
    public static final String SNAPSHOT_REQUESTS = "snapshot-requests";
    public static final String STREAM_REQUESTS = "stream-requests";
    public static final String CONTROL = "control";
    public static final String VERIFY_REQUESTS = "verify-requests";

    /** Fired on every add; the relay observes it after commit. */
    public record Added() {
    }

    private final Event<Added> added;

    Outbox(Event<Added> added) {
        this.added = added;
    }

    /** @param command a SnapshotRequest, StreamRequest, StopRequest or VerifyRequest, keyed by its migration */
    @Transactional(Transactional.TxType.MANDATORY)
    public void add(UUID migrationId, Object command) {
        OutboxRecord r = new OutboxRecord();
        r.channel = channelOf(command);
        r.messageKey = keyOf(migrationId, command);
        r.payload = MessageCodec.encode(command);
        r.createdAt = Ids.now();
        r.persist();
        added.fire(new Added());
    }

    /** The parts of a split scan have keys of their own, so that they spread over the snapshot workers. */
    static String keyOf(UUID migrationId, Object command) {
        if (command instanceof SnapshotRequest s && s.part() != null) {
            return migrationId + "/" + s.part();
        }
        return migrationId.toString();
    }

    static String channelOf(Object command) {
        if (command instanceof SnapshotRequest) {
            return SNAPSHOT_REQUESTS;
        }
        if (command instanceof StreamRequest) {
            return STREAM_REQUESTS;
        }
        if (command instanceof StopRequest) {
            return CONTROL;
        }
        if (command instanceof VerifyRequest) {
            return VERIFY_REQUESTS;
        }
        throw new IllegalArgumentException("not a worker command: " + command.getClass().getName());
    }
}
