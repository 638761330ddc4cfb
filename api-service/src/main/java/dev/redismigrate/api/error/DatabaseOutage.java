package dev.redismigrate.api.error;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Tells a failure to reach PostgreSQL (down, restarting, pool exhausted) from other failures: the
 * first is temporary and answered with 503, the others are bugs or bad data.
 */
public final class DatabaseOutage {
    private DatabaseOutage() {
    }

    public static boolean causedBy(Throwable failure) {
        return causedBy(failure, 0);
    }

    // A commit that PostgreSQL's restart broke surfaces as the transaction manager's RollbackException,
    // the connection's failure as its cause or among its suppressed exceptions: both are walked.
    private static boolean causedBy(Throwable failure, int depth) {
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof SQLTransientConnectionException || t instanceof org.hibernate.exception.JDBCConnectionException) {
                return true;
            }
            // SQLSTATE class 08: connection exception; 57P0x: the server is shutting down or restarting
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (causedBy(suppressed, depth + 1)) {
                    return true;
                }
            }
        }
        return false;
    }
}
