package dev.redismigrate.api;

import dev.redismigrate.api.error.ApiException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Identifiers and timestamps as the API and PostgreSQL both keep them. */
public final class Ids {
    private Ids() {
    }

    /** An id from a URL; anything that is not a UUID cannot exist, hence 404 rather than 400. */
    public static UUID parse(String kind, String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound(kind + " " + id + " not found");
        }
    }

    /** Now, at PostgreSQL's precision, so that a row reads back exactly as it was answered. */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
