package dev.redismigrate.api.outbox;

import dev.redismigrate.api.Ids;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.WorkerCommand;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

/**
 * Queues commands for the workers inside the caller's transaction (transactional outbox): a command
 * is published if and only if its transaction commits, and {@link OutboxRelay} retries until Kafka
 * has it.
 */
@ApplicationScoped
public class Outbox {
    /** Fired on every add; the relay observes it after commit. */
    public record Added() {
    }

    private final Event<Added> added;

    Outbox(Event<Added> added) {
        this.added = added;
    }

    /** Queues the command for its topic, with its key. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void add(WorkerCommand command) {
        OutboxRecord r = new OutboxRecord();
        r.topic = command.topic();
        r.messageKey = command.key();
        r.payload = MessageCodec.encode(command);
        r.createdAt = Ids.now();
        r.persist();
        added.fire(new Added());
    }
}
