package dev.redismigrate.common.pipeline;

import java.util.List;

/**
 * What an {@link EntryReader} yields at a time: entries for the target in source order, how many
 * source keys they carry (0 where the source sends commands rather than keys), and where in the
 * source the batch ends ({@code end}: the reader's own kind of position, e.g. a change log's record;
 * null where a source has none worth keeping). An empty batch means nothing came within the wait.
 */
public record EntryBatch<P>(List<Entry> entries, int keys, P end) {

    /** Nothing came within the wait. */
    public static <P> EntryBatch<P> empty() {
        return new EntryBatch<>(List.of(), 0, null);
    }

    public boolean isEmpty() {
        return entries.isEmpty() && keys == 0;
    }
}
