package dev.redismigrate.common.cluster;

/**
 * A write into a cluster target failed because a node's connection broke or did not answer (a
 * failover, a proxy restart), not because a command was refused: writing again once the cluster
 * answers is the cure.
 */
public class ClusterNodeLostException extends ClusterWriteException {
    public ClusterNodeLostException(String message) {
        super(message);
    }
}
