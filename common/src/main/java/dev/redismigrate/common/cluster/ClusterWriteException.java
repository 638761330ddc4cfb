package dev.redismigrate.common.cluster;

/** A write into a cluster target failed; the message names the command, the slot or node, and why (never values). */
public class ClusterWriteException extends RuntimeException {
    public ClusterWriteException(String message) {
        super(message);
    }
}
