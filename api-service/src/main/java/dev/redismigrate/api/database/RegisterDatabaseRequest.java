package dev.redismigrate.api.database;

/** Body of POST /v2/databases. */
public record RegisterDatabaseRequest(String name, String engine, Connection connection) {

    public record Connection(String host, Integer port, String username, String password, Boolean ssl) {
        @Override
        public String toString() {
            // records print every component; this one must not print the password
            return "Connection[" + username + "@" + host + ":" + port + ", ssl=" + ssl + "]";
        }
    }
}
