package dev.redismigrate.common.cluster;

/**
 * A multi-key command whose keys fall into several slots of a cluster target, which runs such a
 * command only within one slot, and which cannot be split without changing its meaning (RENAME,
 * SMOVE, MSETNX: one atomic decision over all its keys).
 */
public final class CrossSlotException extends ClusterWriteException {
    public CrossSlotException(String message) {
        super(message);
    }
}
