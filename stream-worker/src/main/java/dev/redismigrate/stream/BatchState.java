package dev.redismigrate.stream;

import dev.redismigrate.common.replication.ReplicationOffset;

/**
 * The batch bookkeeping both checkpointed appliers share: whether a batch is open, whether a source
 * transaction is coming in (a batch never ends inside one), how many commands it holds and the source
 * position it reaches, and what was applied so far. How a batch is written is the applier's own.
 */
final class BatchState {
    private boolean open;
    private boolean inSourceTransaction;
    private int commands;
    private ReplicationOffset end;
    private long lastAppliedNanos = System.nanoTime();
    private long commandsApplied;

    /** Notes the source's MULTI or EXEC (our own transaction holds the source's): true if {@code name} was one. */
    boolean sourceTransactionMark(String name) {
        if (name.equals("MULTI")) {
            inSourceTransaction = true;
            return true;
        }
        if (name.equals("EXEC")) {
            inSourceTransaction = false;
            return true;
        }
        return false;
    }

    boolean isOpen() {
        return open;
    }

    void open() {
        open = true;
        commands = 0;
    }

    /** One source command added to the open batch. */
    void added() {
        commands++;
    }

    /** The open batch covers the source up to {@code position} (commands applied or skipped). */
    void reached(ReplicationOffset position) {
        if (open) {
            end = position;
        }
    }

    /** Open and not inside a source transaction: it may end now. */
    boolean closable() {
        return open && !inSourceTransaction;
    }

    boolean full(int maxCommands) {
        return closable() && commands >= maxCommands;
    }

    /** The source position the open batch reaches. */
    ReplicationOffset end() {
        return end;
    }

    /** Ends the open batch; returns its source commands (for {@link #applied} once the target took them). */
    int close() {
        open = false;
        return commands;
    }

    void applied(int sourceCommands) {
        commandsApplied += sourceCommands;
        lastAppliedNanos = System.nanoTime();
    }

    long idleNanos() {
        return open ? 0 : System.nanoTime() - lastAppliedNanos;
    }

    long commandsApplied() {
        return commandsApplied;
    }
}
