package dev.redismigrate.common.pipeline;

import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.redis.RespSocket;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * A writer into one standalone target: what {@link EntryWriter} does (pipelined, bounded in
 * commands and bytes in flight, tracking its {@code SELECT}, the first refusal stops it), but over
 * a {@link RespSocket}, encoding in the caller's thread and reading the replies there too, with no
 * Redisson command, event-loop hand-over or decoder per command (the stream's apply spent about
 * 40% of its worker's CPU in those). For writes whose replies nobody reads (a snapshot, a scan)
 * {@link #write} answers null and keeps nothing of a command sent but its name and db; one made
 * {@link #keepingReplies} answers each entry's reply as {@link RespSocket#readValue} reads it (an
 * {@code EXEC}'s array, a {@code GET}'s bytes), completed once it is read: at a flush, when the window
 * is full, or when replies wait at the socket. An {@code EXEC} goes out at once. One thread uses it
 * (or callers synchronize); {@link #bytesApplied} may be read from another.
 */
public final class SocketEntryWriter implements EntrySink {
    /** commands between two looks at whether replies have arrived */
    private static final int PEEK_EVERY = 32;

    private final RespSocket target;
    private final int maxCommands;
    private final long maxBytes;
    /**
     * the name (argv[0]) and db of each command sent and not answered yet, oldest first (a ring),
     * for the errors that name it: not its arguments, which are encoded into the socket's buffer as
     * they are written; kept until the reply, a window of payloads (16 MiB per writer by default)
     * stayed alive through the young collections and was copied by each (measured 12-06: the GC pauses
     * of two 1,000,000-key copies fell from 3.7 s to 2.6 s once the payloads died as they were sent)
     */
    private final byte[][] inFlightName;
    private final int[] inFlightDb;
    private final long[] inFlightBytes;
    /** the replies handed out, by ring slot (null: keeps none, or a SELECT of its own) */
    private final CompletableFuture<Object>[] replies;
    private int oldest;
    private int count;
    private long bytesInFlight;
    private int pushes;
    private int selectedDb = 0; // a new connection starts in db 0
    private volatile long bytesApplied;
    private volatile Pacer pacer;

    public SocketEntryWriter(RespSocket target, int maxCommands, long maxBytes) {
        this(target, maxCommands, maxBytes, false);
    }

    @SuppressWarnings("unchecked")
    private SocketEntryWriter(RespSocket target, int maxCommands, long maxBytes, boolean keepReplies) {
        this.target = target;
        this.maxCommands = Math.max(1, maxCommands);
        this.maxBytes = maxBytes;
        // a SELECT may come with each entry
        this.inFlightName = new byte[this.maxCommands + 1][];
        this.inFlightDb = new int[this.maxCommands + 1];
        this.inFlightBytes = new long[this.maxCommands + 1];
        this.replies = keepReplies ? new CompletableFuture[this.maxCommands + 1] : null;
    }

    /** A writer whose {@link #write} answers each entry's reply (the stream's transactions read theirs). */
    public static SocketEntryWriter keepingReplies(RespSocket target, int maxCommands, long maxBytes) {
        return new SocketEntryWriter(target, maxCommands, maxBytes, true);
    }

    @Override
    public SocketEntryWriter pacedBy(Pacer commands) {
        this.pacer = commands;
        return this;
    }

    /**
     * Queues one entry; blocks while the pipeline is full. Answers null, or (one {@link #keepingReplies})
     * the entry's reply, completed once read.
     */
    @Override
    public CompletableFuture<Object> write(Entry entry) {
        Pacer paced = pacer;
        if (paced != null && paced.rate() > 0) {
            send(); // what waits behind the pacer must not hold back what is queued already
            paced.acquire(1);
        }
        if (entry.db() != selectedDb) {
            push(new Entry(entry.db(), new byte[][] {"SELECT".getBytes(StandardCharsets.US_ASCII),
                    Integer.toString(entry.db()).getBytes(StandardCharsets.US_ASCII)}, -1), null);
            selectedDb = entry.db();
        }
        CompletableFuture<Object> reply = replies == null ? null : new CompletableFuture<>();
        push(entry, reply);
        if (reply != null && entry.isExec()) {
            send(); // a transaction's end: the target may run it now
        }
        return reply;
    }

    private void push(Entry entry, CompletableFuture<Object> reply) {
        long bytes = entry.size();
        while (count > 0 && (count >= maxCommands || bytesInFlight + bytes > maxBytes)) {
            awaitOldest();
        }
        try {
            target.write(entry.argv());
        } catch (IOException e) {
            throw lost(entry.name(), e);
        }
        int slot = (oldest + count) % inFlightName.length;
        inFlightName[slot] = entry.argv()[0];
        inFlightDb[slot] = entry.db();
        inFlightBytes[slot] = bytes;
        if (replies != null) {
            replies[slot] = reply;
        }
        count++;
        bytesInFlight += bytes;
        // collect what already answered, so the window never waits on old news (asking the socket
        // costs a system call: only every so often)
        try {
            while (count > 0 && (target.replyBuffered() || (++pushes % PEEK_EVERY == 0 && target.replyWaiting()))) {
                awaitOldest();
            }
        } catch (IOException e) {
            throw lost(entry.name(), e);
        }
    }

    private void awaitOldest() {
        byte[] name = inFlightName[oldest];
        int db = inFlightDb[oldest];
        String error;
        try {
            if (target.pendingBytes() > 0 && !target.replyBuffered()) {
                target.send(); // what we wait for may still be in the send buffer
            }
            if (replies == null) {
                error = target.readReply();
            } else {
                Object value = target.readValue();
                error = value instanceof RespSocket.ErrorReply refusal ? refusal.message() : null;
                CompletableFuture<Object> reply = replies[oldest];
                replies[oldest] = null;
                if (reply != null && error == null) {
                    reply.complete(value);
                } else if (reply != null) {
                    reply.completeExceptionally(new TargetWriteException(error));
                }
            }
        } catch (SocketTimeoutException e) {
            throw new TargetWriteException(e.getMessage() + " (" + nameOf(name) + ")");
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new TargetWriteException("interrupted while writing to " + target.endpoint().address());
        } catch (IOException e) {
            throw lost(nameOf(name), e);
        }
        // answered: out of the window, refused or not (a caller that catches a refusal writes on)
        long bytes = inFlightBytes[oldest];
        inFlightName[oldest] = null;
        oldest = (oldest + 1) % inFlightName.length;
        count--;
        bytesInFlight -= bytes;
        if (error != null) {
            throw new TargetWriteException("the target " + target.endpoint().address() + " refused " + nameOf(name)
                    + " in db " + db + ": " + error);
        }
        bytesApplied += bytes;
    }

    /** After an aborted transaction the connection's db is unknown: the next entry selects its db again. */
    public void forgetSelectedDb() {
        selectedDb = -1;
    }

    /** A command's name as errors give it (built only for an error: a reply that is fine allocates nothing). */
    private static String nameOf(byte[] name) {
        return new String(name, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
    }

    private TargetWriteException lost(String commandName, IOException e) {
        return new TargetLostException("lost the connection to the target " + target.endpoint().address()
                + " while it was applying " + commandName + ": " + e.getMessage());
    }

    /** Sends what is buffered now, without waiting for replies. */
    @Override
    public void sendPending() {
        send();
    }

    private void send() {
        try {
            target.send();
        } catch (IOException e) {
            // a broken connection, as when a reply cannot be read: the callers reconnect on a lost target
            throw new TargetLostException("lost the connection to the target " + target.endpoint().address() + ": "
                    + e.getMessage());
        }
    }

    /** Waits until every entry written so far has been answered. */
    @Override
    public void flush() {
        send();
        while (count > 0) {
            awaitOldest();
        }
    }

    @Override
    public long bytesApplied() {
        return bytesApplied;
    }

    /** Whether the connection still stands (a broken one makes the copy reconnect). */
    public boolean isOpen() {
        return target.isOpen();
    }

    @Override
    public void close() {
        target.close();
    }
}
