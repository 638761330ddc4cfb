package dev.redismigrate.common.pipeline;

/**
 * What a task does with each batch its {@link EntryReader} yields: hands it to its writers or its
 * checkpointed applier, and counts it. Called on the task's thread, one batch after the other.
 */
@FunctionalInterface
public interface BatchHandler<P> {

    /** Handles one batch, possibly empty (nothing came within the reader's wait). */
    void handle(EntryBatch<P> batch);
}
