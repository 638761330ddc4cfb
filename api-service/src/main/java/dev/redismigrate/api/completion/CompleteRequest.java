package dev.redismigrate.api.completion;

/**
 * Body of POST /v2/databases/{id}/online-migration/{migration_id}/complete; every field optional.
 *
 * @param pauseSourceWrites a duration ("10s", "500ms", "1m"; at most 60 s): the source's writes are paused
 *        ({@code CLIENT PAUSE ... WRITE}) so that the switch point is exact
 * @param verify {@code none} (default), {@code sample} or {@code full}: a verification once the point is reached
 * @param timeout how long the completion may take (default 60 s, at most 1 h); with a pause, the point
 *        must also be reached within the pause
 * @param force end now as done, without waiting (no pause, no verification)
 */
public record CompleteRequest(String pauseSourceWrites, String verify, String timeout, Boolean force) {
}
