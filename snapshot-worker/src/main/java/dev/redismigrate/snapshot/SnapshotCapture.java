package dev.redismigrate.snapshot;

import dev.redismigrate.common.threads.MigrationThreads;
import com.moilioncircle.redis.replicator.Configuration;
import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.cmd.impl.DefaultCommand;
import com.moilioncircle.redis.replicator.event.PreCommandSyncEvent;
import dev.redismigrate.common.replication.RdbTransfer;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.snapshot.spool.Spool;
import dev.redismigrate.worker.changelog.CapturedCommand;
import dev.redismigrate.worker.changelog.ChangeLogAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The snapshot's reader: holds the replication link and reads it at network speed whatever the
 * target does, so the source never buffers for us past its output-buffer limit. The RDB's bytes go
 * to the {@link Spool} as they come, unparsed (it is the link's {@link RdbTransfer.Sink}: the
 * applier's parse is the only walk over the RDB), every command after the RDB to the migration's
 * change log, until {@link #close}.
 */
final class SnapshotCapture implements AutoCloseable, RdbTransfer.Sink {
    private static final Logger LOG = Logger.getLogger(SnapshotCapture.class);

    /** Opens the link as the task's current one (so a stop closes it) and blocks until it ends. */
    interface LinkOpener {
        void open(Replicator link) throws IOException;
    }

    private final Replicator link;
    private final Spool spool;
    private final ChangeLogAppender changeLog;
    private final Thread thread;

    private volatile boolean closing;
    private volatile ReplicationOffset rdbOffset;
    private volatile Throwable failure;
    private int db = -1;

    /** @param link makes the full sync whose RDB comes to this capture ({@code SourceReplicas.fullSync}) */
    SnapshotCapture(Function<RdbTransfer.Sink, Replicator> link, Spool spool, ChangeLogAppender changeLog,
            LinkOpener opener) {
        this.link = link.apply(this);
        this.spool = spool;
        this.changeLog = changeLog;
        this.link.addEventListener((r, event) -> onEvent(event));
        this.link.addExceptionListener((r, t, event) -> fail(t));
        this.thread = MigrationThreads.factory("snapshot-capture").newThread(() -> {
            try {
                opener.open(this.link);
            } catch (Throwable t) {
                if (!closing) {
                    fail(t);
                }
            } finally {
                spool.fail(failure == null ? "the source closed the replication link" : failure.getMessage());
            }
        });
    }

    void start() {
        thread.start();
    }

    /** The link's thread, with the RDB's bytes as they come. */
    @Override
    public void write(byte[] bytes, int offset, int length) {
        try {
            spool.write(bytes, offset, length);
        } catch (IOException e) {
            throw new SpoolFailure(e);
        }
    }

    @Override
    public void end() {
        // the moment the RDB's end was read, which the source's log can be held against: a diskless source
        // holds every write for this link until an ACK after this (see SourceReplica.heartbeat)
        LOG.infof("RDB of %d bytes received; acknowledging it", spool.bytesWritten());
        try {
            spool.finish();
        } catch (IOException e) {
            throw new SpoolFailure(e);
        }
    }

    private void onEvent(Object event) {
        if (event instanceof PreCommandSyncEvent) {
            // the library records the FULLRESYNC id and offset only once the RDB is read
            Configuration c = link.getConfiguration();
            rdbOffset = new ReplicationOffset(c.getReplId(), c.getReplOffset(), -1);
            changeLog.startsAt(rdbOffset.offset()); // the commands continue from the RDB (ChangeBatch#start)
            LOG.debugf("RDB of %d bytes spooled; capturing the commands after %s", spool.bytesWritten(), rdbOffset);
        } else if (event instanceof DefaultCommand command && !closing) {
            byte[][] argv = new byte[command.getArgs().length + 1][];
            argv[0] = command.getCommand();
            System.arraycopy(command.getArgs(), 0, argv, 1, command.getArgs().length);
            if (argv.length == 2 && "SELECT".equalsIgnoreCase(new String(argv[0], StandardCharsets.US_ASCII))) {
                db = Integer.parseInt(new String(argv[1], StandardCharsets.US_ASCII));
            }
            long end = command.getContext().getOffsets().getV2();
            try {
                changeLog.append(link.getConfiguration().getReplId(), new CapturedCommand(db, argv, end));
            } catch (RuntimeException e) {
                // the RDB is in: the stream continues after what the log holds, from the source's backlog
                LOG.warnf("%s; the snapshot's link stops capturing here", e.getMessage());
                closing = true;
                closeLink();
            }
        }
    }

    private void fail(Throwable t) {
        if (failure == null && !closing) {
            failure = t instanceof SpoolFailure s ? s.getCause() : t;
        }
        spool.fail(failure == null ? "the replication link was closed" : String.valueOf(failure.getMessage()));
        closeLink();
    }

    /** Where the RDB ends in the source's history (null until it has arrived). */
    ReplicationOffset rdbOffset() {
        return rdbOffset;
    }

    /** Waits a little for the RDB's offset: the library learns it just after the RDB's last byte. */
    ReplicationOffset awaitRdbOffset() {
        long until = System.nanoTime() + 5_000_000_000L;
        while (rdbOffset == null && thread.isAlive() && System.nanoTime() < until) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return rdbOffset;
    }

    /** Why the link ended early (null: it did not, or was closed by us). */
    Throwable failure() {
        return failure;
    }

    /** Ends the capture: the link closes, the change log gets what was read. */
    @Override
    public void close() {
        closing = true;
        closeLink();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            changeLog.flush();
        } catch (RuntimeException e) {
            // the stream continues after what the log holds: only the backlog must cover more
            LOG.warnf("the change log did not take the last commands of the snapshot's link: %s", e.getMessage());
        }
    }

    private void closeLink() {
        try {
            link.close();
        } catch (IOException | RuntimeException e) {
            LOG.debugf("closing the replication link: %s", e.toString());
        }
    }

    private static final class SpoolFailure extends RuntimeException {
        SpoolFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
