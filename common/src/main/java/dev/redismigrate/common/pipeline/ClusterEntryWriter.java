package dev.redismigrate.common.pipeline;

import dev.redismigrate.common.cluster.ClusterNodeLostException;
import dev.redismigrate.common.cluster.ClusterWriteException;
import dev.redismigrate.common.cluster.ClusterWriter;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.redis.RedisAccessException;
import java.util.concurrent.CompletableFuture;

/**
 * Entries into a Redis Cluster target through a {@link ClusterWriter}: each command to the master
 * of its key's slot, pipelined per node, MOVED/ASK followed, DEL/UNLINK/MSET/TOUCH/EXISTS split per
 * slot. A cluster has db 0 only: an entry of another db is refused, naming it (the preflight
 * refuses such sources unless the dbs are ignored; a source that writes there later ends here).
 * A multi-key command that cannot be split (RENAME across slots, SMOVE, MSETNX ...) is refused,
 * naming the command and the slots. Both as {@link TargetWriteException}s, which end the
 * migration in {@code error} with that message. Not thread-safe (one per writer thread).
 */
public final class ClusterEntryWriter implements EntrySink {
    private final ClusterWriter cluster;
    private final String target;
    private long bytesWritten;
    private volatile long bytesApplied;
    private volatile Pacer pacer;

    /** @param target the address the user gave, for messages */
    public ClusterEntryWriter(ClusterWriter cluster, String target) {
        this.cluster = cluster;
        this.target = target;
    }

    /** The cluster's nodes as the writer last read them ("host:port"): where a new writer may reach it when the seed is down. */
    public java.util.List<String> knownNodes() {
        return cluster.knownNodes();
    }

    @Override
    public CompletableFuture<Object> write(Entry entry) {
        if (entry.db() != 0) {
            throw new TargetWriteException("the target " + target + " is a cluster, which has db 0 only: " + entry.name()
                    + " of the source's db " + entry.db() + " has nowhere to go (leave that db out with ignore_dbs)");
        }
        if (pacer != null && pacer.rate() > 0) {
            pacer.acquire(1);
        }
        try {
            cluster.write(entry.argv());
        } catch (ClusterWriteException | RedisAccessException e) {
            throw refused(e);
        }
        bytesWritten += entry.size();
        return null;
    }

    /** The cluster writer sends only when it also waits for the replies: an idle moment is a flush. */
    @Override
    public void sendPending() {
        flush();
    }

    @Override
    public void flush() {
        try {
            cluster.flush();
        } catch (ClusterWriteException | RedisAccessException e) {
            throw refused(e);
        }
        bytesApplied = bytesWritten;
    }

    @Override
    public long bytesApplied() {
        return bytesApplied;
    }

    @Override
    public ClusterEntryWriter pacedBy(Pacer commands) {
        this.pacer = commands;
        return this;
    }

    /** MOVED redirections followed (a slot changed owner while writing). */
    public long movedFollowed() {
        return cluster.movedFollowed();
    }

    /** A lost node (its connection broke, or no reply: {@link TargetLostException}) or a refused command. */
    private TargetWriteException refused(RuntimeException e) {
        String message = "the cluster target " + target + ": " + e.getMessage();
        return e instanceof ClusterNodeLostException || e instanceof RedisAccessException ? new TargetLostException(message)
                : new TargetWriteException(message);
    }

    @Override
    public void close() {
        cluster.close();
    }
}
