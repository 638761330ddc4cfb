package dev.redismigrate.common.pipeline;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.limits.Pacer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Applies entries to the target in order over one connection, pipelined: up to a bounded number of
 * commands and bytes are in flight, and the first refusal stops the writer. Knows which db the
 * connection has selected and selects another only when an entry needs it. Methods are
 * synchronized so that a progress timer may flush while the reading thread writes.
 */
public final class EntryWriter implements EntrySink {
    private record InFlight(CompletableFuture<Object> reply, Entry entry, long bytes) {
    }

    /** commands per write to the socket */
    private static final int SEND_EVERY = 128;
    /** a command this large goes out at once rather than waiting for company */
    private static final long SEND_NOW_BYTES = 1 << 20;

    private final RedisLink target;
    private final int maxCommands;
    private final long maxBytes;
    private final long replyTimeoutMillis;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private long bytesInFlight;
    private int selectedDb = 0; // a new connection starts in db 0
    private long bytesApplied;

    /** holds the writes to a migration's commands_per_second (null: none) */
    private volatile Pacer pacer;

    /** Writes at most as many commands per second as the pacer allows (its rate may change while writing). */
    @Override
    public EntryWriter pacedBy(Pacer commands) {
        this.pacer = commands;
        return this;
    }

    public EntryWriter(RedisLink target, int maxCommands, long maxBytes, long replyTimeoutMillis) {
        this.target = target;
        this.maxCommands = maxCommands;
        this.maxBytes = maxBytes;
        this.replyTimeoutMillis = replyTimeoutMillis;
    }

    /**
     * Queues one entry; blocks while the pipeline is full. The reply is for callers that must read
     * it (EXEC); refusals are raised by the writer itself.
     */
    @Override
    public synchronized CompletableFuture<Object> write(Entry entry) {
        if (pacer != null && pacer.rate() > 0) {
            target.sendQueued(); // what waits behind the pacer must not hold back what is queued already
            pacer.acquire(1);
        }
        if (entry.db() != selectedDb) {
            byte[][] select = {"SELECT".getBytes(StandardCharsets.US_ASCII),
                    Integer.toString(entry.db()).getBytes(StandardCharsets.US_ASCII)};
            push(new Entry(entry.db(), select, -1));
            selectedDb = entry.db();
        }
        return push(entry);
    }

    private CompletableFuture<Object> push(Entry entry) {
        long bytes = entry.size();
        while (!inFlight.isEmpty() && (inFlight.size() >= maxCommands || bytesInFlight + bytes > maxBytes)) {
            awaitOldest();
        }
        CompletableFuture<Object> reply = entry.isExec() ? target.send(entry.argv()) : target.queue(entry.argv());
        inFlight.add(new InFlight(reply, entry, bytes));
        bytesInFlight += bytes;
        if (target.queuedCount() >= SEND_EVERY || bytes >= SEND_NOW_BYTES) {
            target.sendQueued();
        }
        // collect what already answered, so the window never waits on old news; without sending what
        // is queued: that would send a command at a time (a socket write and an event-loop wake-up each)
        // whenever the target keeps up, instead of SEND_EVERY together
        while (!inFlight.isEmpty() && inFlight.peek().reply().isDone()) {
            collect(inFlight.poll());
        }
        return reply;
    }

    private void awaitOldest() {
        target.sendQueued(); // what we wait for may still be queued
        collect(inFlight.poll());
    }

    /** Accounts for the oldest command in flight, waiting for its reply if need be; raises a refusal. */
    private void collect(InFlight oldest) {
        bytesInFlight -= oldest.bytes();
        try {
            awaitReply(oldest);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetWriteException("interrupted while writing to " + target.endpoint().address());
        } catch (TimeoutException e) {
            throw new TargetWriteException(target.endpoint().address() + " did not answer "
                    + oldest.entry().name() + " within " + replyTimeoutMillis + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisAccessException || e.getCause() instanceof org.redisson.client.RedisConnectionException) {
                // the connection broke under it (RedisLink fails what a dead socket owed): not a refusal
                throw new TargetLostException("lost the connection to the target " + target.endpoint().address()
                        + " while it was applying " + oldest.entry().name() + ": " + e.getCause().getMessage());
            }
            throw new TargetWriteException("the target " + target.endpoint().address() + " refused "
                    + oldest.entry().name() + " in db " + oldest.entry().db() + ": "
                    + RedisAccessException.from("", e.getCause()).getMessage().substring(2));
        }
        bytesApplied += oldest.bytes();
    }

    /** Waits for a reply, but not for one that a broken connection will never bring. */
    private void awaitReply(InFlight command) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(replyTimeoutMillis);
        while (true) {
            try {
                command.reply().get(200, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException notYet) {
                if (!target.isOpen()) {
                    throw new TargetLostException("lost the connection to the target " + target.endpoint().address()
                            + " while it was applying " + command.entry().name());
                }
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
            }
        }
    }

    /** Sends what is held back for company now, without waiting for replies. */
    @Override
    public synchronized void sendPending() {
        target.sendQueued();
    }

    /** Waits until every queued entry has been answered. */
    @Override
    public synchronized void flush() {
        while (!inFlight.isEmpty()) {
            awaitOldest();
        }
    }

    @Override
    public synchronized long bytesApplied() {
        return bytesApplied;
    }

    @Override
    public void close() {
        target.close();
    }
}
