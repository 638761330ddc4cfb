package dev.redismigrate.api.completion;

import dev.redismigrate.api.json.KnownFieldsOnly;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

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
@KnownFieldsOnly
public record CompleteRequest(
        @Schema(description = "pause the source's writes for this long (CLIENT PAUSE ... WRITE, at most 60s) so the switch"
                + " point is exact", example = "10s") String pauseSourceWrites,
        @Schema(description = "none (default), sample or full: a verification once the point is reached",
                enumeration = {"none", "sample", "full"}) String verify,
        @Schema(description = "how long the completion may take (default 60s, at most 1h)", example = "60s") String timeout,
        @Schema(description = "end now as done, without waiting (with no other field)") Boolean force) {
}
