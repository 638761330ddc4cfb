package dev.redismigrate.common.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Applies entries whose relative order only matters per shard (e.g. per key, as in a snapshot)
 * over several {@link EntryWriter}s at once, each on its own thread and connection. The caller
 * picks the shard; entries of one shard are applied in the order given. Entries wait in a queue
 * per shard whose bytes are bounded (together with each writer's own in-flight bound, this bounds
 * memory), so a fast producer blocks instead of filling the heap. The first refusal of any writer
 * is raised to the caller at its next call.
 */
public final class ShardedEntryWriter implements AutoCloseable {
    /** a queue element: an entry to apply, or a request to flush */
    private record Item(Entry entry, CountDownLatch flushed) {
    }

    private static final long POLL_MILLIS = 100;

    private final List<EntryWriter> writers;
    private final List<BlockingQueue<Item>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    /** bytes of entries waiting in the queues, in KiB so that large budgets fit a semaphore */
    private final Semaphore queuedKib;
    private final int maxQueuedKib;
    private final BooleanSupplier abandoned;
    private volatile RuntimeException failure;
    private volatile boolean closed;

    /**
     * @param writers one per shard, each on a connection of its own; closed with this
     * @param maxQueuedBytes bytes of entries waiting for their writer, over all shards
     * @param abandoned true once the caller gave up (a stop): a blocked call returns instead of waiting on
     */
    public ShardedEntryWriter(List<EntryWriter> writers, long maxQueuedBytes, String threadName, BooleanSupplier abandoned) {
        this.writers = List.copyOf(writers);
        this.maxQueuedKib = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxQueuedBytes >> 10));
        this.queuedKib = new Semaphore(maxQueuedKib);
        this.abandoned = abandoned;
        for (int i = 0; i < this.writers.size(); i++) {
            BlockingQueue<Item> queue = new ArrayBlockingQueue<>(4096);
            EntryWriter writer = this.writers.get(i);
            Thread thread = new Thread(() -> drain(queue, writer), threadName + "-" + i);
            thread.setDaemon(true);
            queues.add(queue);
            threads.add(thread);
            thread.start();
        }
    }

    public int shards() {
        return writers.size();
    }

    /** Queues an entry for the writer of {@code shard}; blocks while the queues are full. */
    public void write(int shard, Entry entry) {
        int kib = kib(entry);
        try {
            while (!queuedKib.tryAcquire(kib, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                checkUsable();
            }
            checkUsable();
            Item item = new Item(entry, null);
            while (!queues.get(shard).offer(item, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                checkUsable();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetWriteException("interrupted while queuing a write");
        }
    }

    /** Returns once every entry queued so far has been acknowledged by the target. */
    public void flush() {
        CountDownLatch flushed = new CountDownLatch(writers.size());
        try {
            for (BlockingQueue<Item> queue : queues) {
                while (!queue.offer(new Item(null, flushed), POLL_MILLIS, TimeUnit.MILLISECONDS)) {
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
        for (EntryWriter writer : writers) {
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

    private void drain(BlockingQueue<Item> queue, EntryWriter writer) {
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
                    queuedKib.release(kib(item.entry()));
                    if (failure == null) {
                        writer.write(item.entry());
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
        for (EntryWriter writer : writers) {
            writer.close();
        }
    }
}
