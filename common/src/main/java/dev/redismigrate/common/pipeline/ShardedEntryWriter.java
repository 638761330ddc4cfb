package dev.redismigrate.common.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Applies entries whose relative order only matters per shard (e.g. per key, as in a snapshot)
 * over several {@link EntrySink}s at once (standalone or cluster targets), each on its own thread and connection. The caller
 * picks the shard; entries of one shard are applied in the order given. Entries wait in a queue
 * per shard whose bytes are bounded (together with each writer's own in-flight bound, this bounds
 * memory), so a fast producer blocks instead of filling the heap. Entries are handed over in
 * batches: a hand-over between threads per entry would cost more than the entry's write. The first
 * refusal of any writer is raised to the caller at its next call. One thread calls
 * {@link #write} and {@link #flush}.
 */
public final class ShardedEntryWriter implements AutoCloseable {
    /** a queue element: entries to apply, or a request to flush */
    private record Item(List<Entry> entries, int kib, CountDownLatch flushed) {
    }

    private static final long POLL_MILLIS = 100;
    /** entries and bytes the caller collects for a shard before handing them over */
    private static final int BATCH_ENTRIES = 256;
    private static final int BATCH_KIB = 256;

    private final List<EntrySink> writers;
    private final List<BlockingQueue<Item>> queues = new ArrayList<>();
    /** per shard: what the caller collected and has not handed over yet, and its size in KiB */
    private final List<List<Entry>> batches = new ArrayList<>();
    private final int[] batchKib;
    private final List<Thread> threads = new ArrayList<>();
    /** bytes of entries waiting in the queues, in KiB so that large budgets fit a semaphore */
    private final Semaphore queuedKib;
    private final int maxQueuedKib;
    private final BooleanSupplier abandoned;
    private final Consumer<Entry> beforeWrite;
    private volatile RuntimeException failure;
    private volatile boolean closed;

    /**
     * @param writers one per shard, each on a connection of its own; closed with this
     * @param maxQueuedBytes bytes of entries waiting for their writer, over all shards
     * @param threadFactory makes the writer threads, one per shard (daemon threads: a stop does not wait on them)
     * @param abandoned true once the caller gave up (a stop): a blocked call returns instead of waiting on
     * @param beforeWrite work on an entry that the writer's thread does rather than the caller's
     */
    public ShardedEntryWriter(List<? extends EntrySink> writers, long maxQueuedBytes, ThreadFactory threadFactory,
            BooleanSupplier abandoned, Consumer<Entry> beforeWrite) {
        this.writers = List.copyOf(writers);
        this.maxQueuedKib = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxQueuedBytes >> 10));
        this.queuedKib = new Semaphore(maxQueuedKib);
        this.abandoned = abandoned;
        this.beforeWrite = beforeWrite;
        this.batchKib = new int[this.writers.size()];
        for (int i = 0; i < this.writers.size(); i++) {
            batches.add(new ArrayList<>());
            BlockingQueue<Item> queue = new ArrayBlockingQueue<>(1024);
            EntrySink writer = this.writers.get(i);
            Thread thread = threadFactory.newThread(() -> drain(queue, writer));
            queues.add(queue);
            threads.add(thread);
            thread.start();
        }
    }

    public int shards() {
        return writers.size();
    }

    /** The shard (writer) of a key: each key always goes the same way, so its commands stay in order. */
    public int shardOf(byte[] key) {
        return Math.floorMod(Arrays.hashCode(key), writers.size());
    }

    /** Queues an entry for the writer of {@code shard}; blocks while the queues are full. */
    public void write(int shard, Entry entry) {
        checkUsable();
        List<Entry> batch = batches.get(shard);
        batch.add(entry);
        batchKib[shard] += kib(entry);
        if (batch.size() >= BATCH_ENTRIES || batchKib[shard] >= BATCH_KIB) {
            handOver(shard);
        }
    }

    private void handOver(int shard) {
        List<Entry> batch = batches.get(shard);
        if (batch.isEmpty()) {
            return;
        }
        int kib = Math.min(maxQueuedKib, batchKib[shard]);
        try {
            while (!queuedKib.tryAcquire(kib, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                checkUsable();
            }
            Item item = new Item(batch, kib, null);
            while (!queues.get(shard).offer(item, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                checkUsable();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetWriteException("interrupted while queuing a write");
        }
        batches.set(shard, new ArrayList<>());
        batchKib[shard] = 0;
    }

    /** Returns once every entry queued so far has been acknowledged by the target. */
    public void flush() {
        CountDownLatch flushed = new CountDownLatch(writers.size());
        try {
            for (int shard = 0; shard < queues.size(); shard++) {
                handOver(shard);
                while (!queues.get(shard).offer(new Item(null, 0, flushed), POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    checkUsable();
                }
            }
            while (!flushed.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                checkUsable();
            }
            checkUsable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetWriteException("interrupted while waiting for the target");
        }
    }

    /** Bytes of entries the target has acknowledged, over all writers. */
    public long bytesApplied() {
        long sum = 0;
        for (EntrySink writer : writers) {
            sum += writer.bytesApplied();
        }
        return sum;
    }

    private void checkUsable() {
        if (failure != null) {
            throw failure;
        }
        if (closed || abandoned.getAsBoolean()) {
            throw new TargetWriteException("the writes were abandoned");
        }
    }

    private void drain(BlockingQueue<Item> queue, EntrySink writer) {
        try {
            while (!closed) {
                Item item = queue.poll();
                if (item == null) {
                    // nothing more for now: what the writer holds back for company goes out
                    writer.sendPending();
                    item = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (item == null) {
                        continue;
                    }
                }
                if (item.flushed() != null) {
                    writer.flush();
                    item.flushed().countDown();
                } else {
                    queuedKib.release(item.kib());
                    for (Entry entry : item.entries()) {
                        beforeWrite.accept(entry);
                        writer.write(entry);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            }
        }
    }

    private int kib(Entry entry) {
        return (int) Math.min(maxQueuedKib, 1 + (entry.size() >> 10));
    }

    /** Stops the writer threads (entries still queued are dropped) and closes the writers. */
    @Override
    public void close() {
        closed = true;
        for (Thread thread : threads) {
            thread.interrupt();
        }
        for (Thread thread : threads) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (EntrySink writer : writers) {
            writer.close();
        }
    }
}
