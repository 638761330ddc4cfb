package dev.redismigrate.api.verify;

/** Body of POST /v2/migrations/{id}/verify; every field optional (full by default). */
public record VerifyStartRequest(String mode, Integer sampleSize) {
}
