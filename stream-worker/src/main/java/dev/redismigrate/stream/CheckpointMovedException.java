package dev.redismigrate.stream;

import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
/**
 * The checkpoint in the target is not the one this replayer last wrote: another instance applied
 * commands. A newer attempt means this one must stop; an older one (a zombie) means this one must
 * continue from what the target now holds.
 */
final class CheckpointMovedException extends RuntimeException {
    final StreamCheckpoint found;

    CheckpointMovedException(StreamCheckpoint found) {
        super("the target's checkpoint moved to " + (found == null ? "none" : "attempt " + found.attempt() + " at " + found.offset()));
        this.found = found;
    }
}
