package dev.redismigrate.common.replication;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A position in a source's replication stream: everything up to and including byte {@code offset}
 * of history {@code replId} has been applied, and {@code db} was the selected db there (-1: none
 * selected yet). The snapshot ends at one; the stream starts from it.
 */
public record ReplicationOffset(
        @JsonProperty("repl_id") String replId,
        @JsonProperty("offset") long offset,
        @JsonProperty("db") int db) {

    @Override
    public String toString() {
        return replId + ":" + offset;
    }
}
