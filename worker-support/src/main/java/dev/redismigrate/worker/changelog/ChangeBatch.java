package dev.redismigrate.worker.changelog;

import java.util.List;

/** The commands of one change-log record, all of replication history {@code replId}, in source order. */
public record ChangeBatch(String replId, List<CapturedCommand> commands) {

    public CapturedCommand last() {
        return commands.get(commands.size() - 1);
    }
}
