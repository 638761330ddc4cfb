package dev.redismigrate.common.pipeline;

import dev.redismigrate.common.limits.Pacer;
import java.util.concurrent.CompletableFuture;

/**
 * Where a worker's entries go: one standalone server ({@link SocketEntryWriter}) or a cluster
 * ({@link ClusterEntryWriter}); {@link TargetSinks} picks. Refusals are raised as
 * {@link TargetWriteException}s by the sink itself.
 */
public interface EntrySink extends AutoCloseable {

    /**
     * Queues one entry (pipelined). The reply is for callers that must read it (EXEC on a
     * standalone target); a cluster sink answers {@code null} there (its commands may be split).
     */
    CompletableFuture<Object> write(Entry entry);

    /** Sends what is held back for company now (waiting for replies only where the sink must). */
    void sendPending();

    /** Waits until every entry written so far has been acknowledged. */
    void flush();

    /** Bytes of entries the target has acknowledged. */
    long bytesApplied();

    /** Writes at most as many commands per second as the pacer allows. */
    EntrySink pacedBy(Pacer commands);

    @Override
    void close();
}
