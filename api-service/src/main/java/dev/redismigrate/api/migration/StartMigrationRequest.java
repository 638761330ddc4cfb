package dev.redismigrate.api.migration;

import java.util.List;

/** Body of PUT /v2/databases/{id}/online-migration, as DigitalOcean's clients send it. */
public record StartMigrationRequest(Source source, Boolean disableSsl, List<String> ignoreDbs) {

    /** {@code dbname} (e.g. "defaultdb") means nothing to Redis: accepted and ignored. */
    public record Source(String host, Integer port, String dbname, String username, String password) {
        @Override
        public String toString() {
            // records print every component; this one must not print the password
            return "Source[" + username + "@" + host + ":" + port + "]";
        }
    }
}
