package dev.redismigrate.api.verify;

import dev.redismigrate.api.json.KnownFieldsOnly;

/** Body of POST /v2/migrations/{id}/verify; every field optional (full by default). */
@KnownFieldsOnly
public record VerifyStartRequest(String mode, Integer sampleSize) {
}
