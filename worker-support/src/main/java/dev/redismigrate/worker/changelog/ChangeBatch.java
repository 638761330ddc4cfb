package dev.redismigrate.worker.changelog;

import java.util.List;

/**
 * The commands of one change-log record, all of replication history {@code replId}, in source order;
 * {@code start} the source offset the record continues from (the end of the command its capture appended
 * before it, or where that capture began; -1: unknown, a record of an older capture): the log is whole
 * from a checkpoint on only if the first record ending past it starts at or before it.
 */
public record ChangeBatch(String replId, List<CapturedCommand> commands, long start) {

    /** A batch whose start is not known. */
    public ChangeBatch(String replId, List<CapturedCommand> commands) {
        this(replId, commands, -1);
    }

    public CapturedCommand last() {
        return commands.get(commands.size() - 1);
    }
}
