package dev.redismigrate.stream;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.cmd.impl.DefaultCommand;
import com.moilioncircle.redis.replicator.cmd.impl.SelectCommand;
import com.moilioncircle.redis.replicator.event.AbstractEvent;
import com.moilioncircle.redis.replicator.event.Event;
import com.moilioncircle.redis.replicator.event.PreCommandSyncEvent;
import com.moilioncircle.redis.replicator.event.PreRdbSyncEvent;
import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.replication.SourceReplicas;
import dev.redismigrate.stream.failover.StreamSource;
import dev.redismigrate.worker.SlotMoves;
import dev.redismigrate.worker.changelog.CapturedCommand;
import dev.redismigrate.worker.changelog.ChangeLogAppender;
import dev.redismigrate.worker.changelog.ChangeLogPosition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The stream's reader: follows the source as a replica (PSYNC continue) and appends every command
 * to the migration's change log at the pace of the source, whatever the target does; the applier
 * reads the log. A lost link is reconnected from the last command captured (the source's backlog
 * permitting); a source that answers with a full sync instead can no longer serve that offset. A
 * cluster source's shard reconnects to whichever node masters it then ({@link StreamSource}): after
 * a failover the promoted replica continues the old master's history. A key that another shard hands
 * over by MIGRATE ends the migration before it is appended ({@link SlotMoves#keyImported}).
 */
final class StreamCapture implements Runnable {
    private static final Logger LOG = Logger.getLogger(StreamCapture.class);

    /** What the task hears of the capture, and how it opens a link that its stop closes. */
    interface Owner {
        void open(Replicator link) throws IOException;

        void closeLink();

        /** whether the task ends (stop, failure, superseded): the capture then ends too */
        boolean ending();

        void started();

        void offsetLost(String reason);

        void failed(String reason);
    }

    private final StreamRequest request;
    private final RedisConnector connector;
    private final List<String> commandNames;
    private final ChangeLogAppender log;
    private final StreamConfig config;
    private final Owner owner;
    private final ReplicationOffset start;
    private final StreamSource source;

    private volatile boolean linkUp;
    private volatile Replicator link;
    private int db;

    StreamCapture(StreamRequest request, RedisConnector connector, List<String> commandNames, ChangeLogAppender log,
            StreamConfig config, ReplicationOffset start, StreamSource source, Owner owner) {
        this.source = source;
        this.request = request;
        this.connector = connector;
        this.commandNames = commandNames;
        this.log = log;
        this.config = config;
        this.start = start;
        this.owner = owner;
        this.db = start.db();
        log.startsAt(start.offset()); // its first record continues from there (ChangeBatch#start)
    }

    /** Where the next link continues: after the last command appended, else where the capture began. */
    private ReplicationOffset position() {
        ChangeLogPosition appended = log.appended();
        return appended == null ? start : new ReplicationOffset(appended.replId(), appended.offset(), appended.db());
    }

    @Override
    public void run() {
        long outageStart = System.nanoTime();
        long backoffMillis = 200;
        while (!owner.ending()) {
            ReplicationOffset from = position();
            Replicator rep = SourceReplicas.replicaOf(source.endpoint(), connector, commandNames, from, 10_000);
            rep.addEventListener((r, event) -> onEvent(event));
            rep.addExceptionListener((r, t, event) -> owner.failed("cannot capture a command from the source: " + t.getMessage()));
            linkUp = false;
            link = rep;
            String lostReason;
            try {
                owner.open(rep);
                lostReason = "the source closed the replication link";
            } catch (Throwable t) {
                lostReason = SourceReplicas.reason(t);
            }
            if (owner.ending()) {
                break;
            }
            long now = System.nanoTime();
            if (linkUp) { // a new outage starts now
                outageStart = now;
                backoffMillis = 200;
            } else if (now - outageStart > config.reconnectFor().toNanos()) {
                owner.failed("lost the source " + source.address() + " for more than "
                        + config.reconnectFor().toSeconds() + " s: " + lostReason);
                break;
            }
            LOG.warnf("migration %s: source link lost (%s); capturing again from %s", request.migrationId(), lostReason, from);
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            backoffMillis = Math.min(backoffMillis * 2, 5_000);
            if (source.relocate()) { // a failover: the promoted replica continues from the same offset
                backoffMillis = 200;
            }
        }
        try {
            log.flush();
        } catch (RuntimeException e) {
            owner.failed(e.getMessage());
        }
    }

    private void onEvent(Event event) {
        if (owner.ending()) {
            return;
        }
        if (event instanceof PreRdbSyncEvent) {
            owner.offsetLost("the source can no longer continue from offset " + position()
                    + " (its replication backlog was overwritten, or it was restarted)");
            owner.closeLink();
            return;
        }
        if (event instanceof PreCommandSyncEvent) {
            linkUp = true;
            owner.started();
            return;
        }
        long end = event instanceof AbstractEvent e && e.getContext().getOffsets() != null
                ? e.getContext().getOffsets().getV2() : -1;
        byte[][] argv;
        if (event instanceof SelectCommand select) {
            db = select.getIndex();
            argv = new byte[][] {ascii("SELECT"), ascii(Integer.toString(db))};
        } else if (event instanceof DefaultCommand command) {
            argv = new byte[command.getArgs().length + 1][];
            argv[0] = command.getCommand();
            System.arraycopy(command.getArgs(), 0, argv, 1, command.getArgs().length);
            if (argv.length == 2 && "SELECT".equalsIgnoreCase(new String(argv[0], StandardCharsets.US_ASCII))) {
                db = Integer.parseInt(new String(argv[1], StandardCharsets.US_ASCII));
            }
        } else {
            return;
        }
        if (request.shard() != null && request.slots() != null && argv.length > 1
                && "RESTORE-ASKING".equalsIgnoreCase(new String(argv[0], StandardCharsets.US_ASCII))) {
            // another shard handed this key over (resharding): its delete there and this restore here reach the
            // target in no common order, so the migration ends before the restore is applied (SlotWatchedTask)
            owner.failed(SlotMoves.keyImported(connector, source.endpoint(), request.shard(), request.slots(),
                    HashSlot.of(argv[1])));
            owner.closeLink();
            return;
        }
        try {
            log.append(link.getConfiguration().getReplId(), new CapturedCommand(db, argv, end));
        } catch (RuntimeException e) {
            owner.failed(e.getMessage());
            owner.closeLink();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
