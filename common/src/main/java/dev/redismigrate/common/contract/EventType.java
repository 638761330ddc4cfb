package dev.redismigrate.common.contract;

/** What a worker reports about a migration. */
public enum EventType {
    /** scan method: the stream worker listens to the source's changes, so the scan may start */
    CAPTURE_STARTED,
    SNAPSHOT_STARTED,
    SNAPSHOT_PROGRESS,
    /** carries the offset where the stream must continue */
    SNAPSHOT_COMPLETED,
    STREAM_STARTED,
    STREAM_PROGRESS,
    /** the source can no longer continue the stream from its offset: a new full snapshot is needed */
    OFFSET_LOST,
    /** the worker stopped on request */
    STOPPED,
    /** the worker gave up; {@code message} says why */
    FAILED
}
