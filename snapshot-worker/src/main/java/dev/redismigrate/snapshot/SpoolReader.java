package dev.redismigrate.snapshot;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.PostRdbSyncEvent;
import com.moilioncircle.redis.replicator.rdb.dump.datatype.DumpKeyValuePair;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.pipeline.EntryReader;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.common.value.RestoreCommand;
import dev.redismigrate.snapshot.spool.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The replication method's snapshot reader: parses the spooled RDB (while it is still being written)
 * as a replica loads it, with the {@link ChunkingRdbVisitor}. A whole key is a {@code RESTORE}
 * entry (its payload's checksum is sealed on a writer thread); a big value comes as its chunks'
 * commands, each on the key ({@code argv[1]}), followed by no RESTORE. The parser pushes, so it runs
 * on a thread of its own and hands over batches through a queue of two (memory stays bounded by
 * a few batches whatever the RDB); the reader ends (null) when the parse ended: see
 * {@link #complete} and {@link #failure} for how.
 */
final class SpoolReader implements EntryReader<Void> {
    private static final Logger LOG = Logger.getLogger(SpoolReader.class);
    private static final int BATCH_ENTRIES = 512;
    private static final long BATCH_BYTES = 1 << 20;
    private static final EntryBatch<Void> END = new EntryBatch<>(List.of(), 0, null);

    private final Replicator parser;
    private final MigratedKeys migratedKeys;
    /** holds the read to the migration's limits.keys_per_second */
    private final Pacer keysPacer;
    private final BlockingQueue<EntryBatch<Void>> ready = new ArrayBlockingQueue<>(2);
    private volatile Thread thread;
    private volatile boolean closed;
    private volatile boolean complete;
    private volatile Throwable failure;
    private boolean ended;
    /** the parser thread's batch being filled */
    private List<Entry> entries = new ArrayList<>();
    private int keys;
    private long bytes;

    SpoolReader(InputStream rdb, MigratedKeys migratedKeys, long bigValueBytes, int chunkBytes, Pacer keysPacer)
            throws IOException {
        this.parser = new SpoolParser(rdb);
        this.migratedKeys = migratedKeys;
        this.keysPacer = keysPacer;
        parser.setRdbVisitor(new ChunkingRdbVisitor(parser, bigValueBytes, chunkBytes, (db, key, command) -> {
            if (migratedKeys.selects(db, key)) {
                add(new Entry(migratedKeys.targetDb(db), command, -1), 0);
            }
        }));
        parser.addEventListener((r, event) -> {
            if (closed) {
                return;
            }
            if (event instanceof DumpKeyValuePair kv) {
                int db = (int) kv.getDb().getDbNumber();
                if (migratedKeys.selects(db, kv.getKey())) {
                    add(new Entry(migratedKeys.targetDb(db), RestoreCommand.of(kv.getKey(), kv.getValue(), kv.getExpiredMs()), -1), 1);
                    keysPacer.acquire(1); // limits.keys_per_second
                }
            } else if (event instanceof ChunkingRdbVisitor.ChunkedKey kv) {
                if (migratedKeys.selects((int) kv.getDb().getDbNumber(), kv.getKey())) {
                    keys++;
                    keysPacer.acquire(1); // limits.keys_per_second
                }
            } else if (event instanceof PostRdbSyncEvent) {
                handOver();
                complete = true;
            }
        });
        parser.addExceptionListener((r, t, event) -> {
            fail(t);
            closeParser();
        });
    }

    /** Whether the whole RDB was read (its end reached). */
    boolean complete() {
        return complete;
    }

    /** Whether the parse ended (its last batch was handed out), complete or not; not so when {@link #next} was interrupted. */
    boolean parseEnded() {
        return ended;
    }

    /**
     * Why the parse ended early, or null: the spool's end (the link's or the disk's failure, {@link
     * Spool.IncompleteException}), or the RDB's own bytes, which a new snapshot would hold again: an
     * {@link UnreadableValueException}, also for a parse that failed on them (a format read wrongly);
     * retried, such a copy ran a minute of new snapshots and ended naming the links it closed itself.
     */
    Throwable failure() {
        return failure;
    }

    /** Records the parse's first failure, told apart once ({@link #failure}); none after a close. */
    private void fail(Throwable t) {
        if (failure == null && !closed) {
            failure = classified(t);
        }
    }

    private static Throwable classified(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Spool.IncompleteException || c instanceof UnreadableValueException) {
                return c;
            }
        }
        if (t instanceof VirtualMachineError) {
            return t; // out of memory, say: no fault of the RDB's bytes (the library's parse errors may be AssertionErrors)
        }
        return new UnreadableValueException("the source's RDB could not be parsed (" + t
                + "); the copy stopped rather than skip what follows", t);
    }

    @Override
    public EntryBatch<Void> next(Duration wait) {
        if (ended) {
            return null;
        }
        if (thread == null) {
            thread = MigrationThreads.factory("spool-reader").newThread(this::parse);
            thread.start();
        }
        EntryBatch<Void> batch;
        try {
            batch = ready.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        if (batch == END) {
            ended = true;
            return null;
        }
        return batch == null ? EntryBatch.empty() : batch;
    }

    private void parse() {
        try {
            parser.open();
        } catch (Throwable t) {
            fail(t);
        } finally {
            if (!closed) {
                handOver();
            }
            put(END);
        }
    }

    /** The parser thread: adds an entry to the batch, handed over once full. */
    private void add(Entry entry, int wholeKeys) {
        entries.add(entry);
        keys += wholeKeys;
        bytes += entry.size();
        if (entries.size() >= BATCH_ENTRIES || bytes >= BATCH_BYTES) {
            handOver();
        }
    }

    private void handOver() {
        if (entries.isEmpty() && keys == 0) {
            return;
        }
        EntryBatch<Void> batch = new EntryBatch<>(entries, keys, null);
        entries = new ArrayList<>();
        keys = 0;
        bytes = 0;
        if (!put(batch)) {
            throw new IllegalStateException("the spool's reader was closed"); // ends the parse here
        }
    }

    /** Waits for room in the queue, unless the reader is closed. @return whether it was queued */
    private boolean put(EntryBatch<Void> batch) {
        try {
            while (!closed) {
                if (ready.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Ends the parse soon, from any thread (a stop); what was parsed and not taken is dropped. */
    void abort() {
        closed = true;
        closeParser();
    }

    /** Ends the parse (the pump ended: done, stopped, or the target refused) and waits for its thread. */
    @Override
    public void close() {
        abort();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeParser() {
        try {
            parser.close();
        } catch (IOException | RuntimeException e) {
            LOG.debugf("closing the RDB parser: %s", e.toString());
        }
    }
}
