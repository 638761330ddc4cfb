package dev.redismigrate.common.pipeline;

/**
 * The read side of a migration's pipeline (RedisShake's reader): a source of entries, read a batch
 * at a time by the task that owns it. A new kind of source is a new reader; the write side
 * ({@link EntrySink}s and the appliers over them) and the task skeleton stay as they are.
 *
 * @param <P> the reader's own kind of position, carried by each batch as where it ends
 */
public interface EntryReader<P> extends AutoCloseable {

    /**
     * The next batch, waiting up to {@code wait} for one: empty when nothing came meanwhile, null
     * when the source has nothing more (a finished scan or RDB; a log never ends).
     */
    EntryBatch<P> next(java.time.Duration wait);

    @Override
    default void close() {
    }
}
