package dev.redismigrate.common.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import org.redisson.client.RedisClient;
import org.redisson.client.RedisConnection;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.CommandData;
import org.redisson.client.protocol.CommandsData;
import org.redisson.client.protocol.RedisCommand;

/** One ordered connection to a Redis server. Not thread-safe: one user at a time. */
public final class RedisLink implements AutoCloseable {
    private final RedisEndpoint endpoint;
    private final RedisClient client;
    private final RedisConnection connection;
    private final Duration timeout;
    private final io.netty.channel.Channel channel;
    private List<CommandData<?, ?>> queued = new ArrayList<>();
    /**
     * The replies of each write on {@link #channel} that are not all in yet, oldest first. Redisson
     * fails nothing it did not send itself when the socket closes: without this, a reply lost with a
     * killed connection would be waited for until the caller's timeout.
     */
    private final ConcurrentLinkedDeque<List<CompletableFuture<?>>> unanswered = new ConcurrentLinkedDeque<>();

    RedisLink(RedisEndpoint endpoint, RedisClient client, RedisConnection connection, Duration timeout) {
        this.endpoint = endpoint;
        this.client = client;
        this.connection = connection;
        this.timeout = timeout;
        this.channel = connection.getChannel();
        channel.closeFuture().addListener(closed -> failUnanswered());
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** Runs a command with text arguments and waits for its reply (text). */
    public Object call(String command, Object... args) {
        return call(timeout.multipliedBy(2), command, args);
    }

    /**
     * Runs a command and waits for its reply at most {@code wait}: for callers that must not stall
     * for the link's own timeout while a node is gone (a progress report mid-failover).
     */
    public Object call(Duration wait, String command, Object... args) {
        try {
            return connection.async(StringCodec.INSTANCE, new RedisCommand<>(command), args)
                    .toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw RedisAccessException.from(command + " on " + endpoint.address() + " failed", e);
        }
    }

    /**
     * Sends a raw command (argv[0] is its name) now, after whatever was queued before it, on its
     * own: Redisson decodes an EXEC inside a batch of commands as its own transaction's, so EXEC
     * must come this way.
     */
    public CompletableFuture<Object> send(byte[][] argv) {
        sendQueued();
        Object[] args = new Object[argv.length - 1];
        System.arraycopy(argv, 1, args, 0, args.length);
        CompletableFuture<Object> reply = new CompletableFuture<>();
        writeToOwnSocket(new CommandData<>(reply, ByteArrayCodec.INSTANCE,
                new RedisCommand<>(new String(argv[0], StandardCharsets.UTF_8)), args), List.of(reply));
        return reply;
    }

    /**
     * Queues a raw command (argv[0] is its name) for the next {@link #sendQueued()}; its reply
     * completes the future. Queued commands go out in one write: a flush per command would cost a
     * system call each.
     */
    public CompletableFuture<Object> queue(byte[][] argv) {
        Object[] args = new Object[argv.length - 1];
        System.arraycopy(argv, 1, args, 0, args.length);
        CompletableFuture<Object> reply = new CompletableFuture<>();
        queued.add(new CommandData<>(reply, ByteArrayCodec.INSTANCE,
                new RedisCommand<>(new String(argv[0], StandardCharsets.UTF_8)), args));
        return reply;
    }

    /** Sends what {@link #queue} collected, in order. */
    public void sendQueued() {
        if (queued.isEmpty()) {
            return;
        }
        List<CompletableFuture<?>> replies = new ArrayList<>(queued.size());
        for (CommandData<?, ?> command : queued) {
            replies.add(command.getPromise());
        }
        writeToOwnSocket(new CommandsData(new CompletableFuture<>(), queued, false, false), replies);
        queued = new ArrayList<>();
    }

    /**
     * Pipelined commands go to the socket this link opened, never to one Redisson reconnected behind
     * our back: a new socket has no WATCH, no open MULTI and db 0 selected, so the rest of a
     * transaction sent there would run on its own, outside the transaction and in the wrong db (a
     * batch half applied with no checkpoint covering it: applied twice after a resume). On a closed
     * socket the write fails, and with it the replies.
     */
    private void writeToOwnSocket(Object commands, List<CompletableFuture<?>> replies) {
        // replies come in order: a write whose last reply is in is answered, and so are those before it
        for (List<CompletableFuture<?>> oldest = unanswered.peekFirst(); oldest != null && oldest.get(oldest.size() - 1).isDone();
                oldest = unanswered.peekFirst()) {
            unanswered.pollFirst();
        }
        unanswered.addLast(replies);
        channel.writeAndFlush(commands).addListener(written -> {
            if (!written.isSuccess()) {
                failAll(replies);
            }
        });
    }

    /** The socket closed: the replies it still owed never come. */
    private void failUnanswered() {
        for (List<CompletableFuture<?>> replies = unanswered.pollFirst(); replies != null; replies = unanswered.pollFirst()) {
            failAll(replies);
        }
    }

    private void failAll(List<CompletableFuture<?>> replies) {
        RedisAccessException lost = new RedisAccessException("lost the connection to " + endpoint.address());
        replies.forEach(reply -> reply.completeExceptionally(lost));
    }

    public int queuedCount() {
        return queued.size();
    }

    /** One setting by CONFIG GET: its value ("" when the server has it empty or does not know it). */
    public String configValue(String name) {
        Object reply = call("CONFIG", "GET", name);
        return reply instanceof List<?> l && l.size() == 2 && l.get(1) != null ? String.valueOf(l.get(1)) : "";
    }

    /** The fields of one INFO section as name → value. */
    public Map<String, String> info(String section) {
        return infoFields(String.valueOf(call("INFO", section)));
    }

    /** The fields of an INFO reply as name → value (for replies read through a pipeline). */
    public static Map<String, String> infoFields(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    public RedisVersion version() {
        String v = info("server").get("redis_version");
        if (v == null) {
            throw new RedisAccessException(endpoint.address() + " did not say its version (INFO server)");
        }
        return RedisVersion.parse(v);
    }

    /** Which server program answers and its release (INFO server): Valkey's own version, not its redis_version. */
    public ServerRelease release() {
        return ServerRelease.of(serverInfo());
    }

    /** INFO server, refused when it lacks a version (no Redis-compatible server answers so). */
    public Map<String, String> serverInfo() {
        Map<String, String> info = info("server");
        if (!info.containsKey("redis_version") && !info.containsKey("valkey_version")) {
            throw new RedisAccessException(endpoint.address() + " did not say its version (INFO server)");
        }
        return info;
    }

    /**
     * Whether the original connection still stands. Redisson may reconnect behind our back, but a
     * new socket has lost the selected db and whatever was in flight: for us that link is broken.
     */
    public boolean isOpen() {
        return connection.getChannel() == channel && channel.isActive();
    }

    @Override
    public void close() {
        try {
            connection.closeAsync();
        } finally {
            client.shutdownAsync();
        }
    }
}
