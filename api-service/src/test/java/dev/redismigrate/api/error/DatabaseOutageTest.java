package dev.redismigrate.api.error;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.transaction.RollbackException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** An outage of PostgreSQL waits (503, a report held back); anything else is a refusal or a bug. */
class DatabaseOutageTest {

    @Test
    void aCommitCutByARestartIsAnOutageWhereverTheTransactionManagerPutTheConnectionsFailure() {
        SQLException connectionLost = new SQLException("An I/O error occurred while sending to the backend.", "08006");
        RollbackException suppressedInside = new RollbackException("ARJUNA016053: Could not commit transaction.");
        suppressedInside.addSuppressed(new IllegalStateException("commit failed", connectionLost));
        assertTrue(DatabaseOutage.causedBy(new RuntimeException("Error invoking subclass method", suppressedInside)));

        RollbackException caused = new RollbackException("ARJUNA016053: Could not commit transaction.");
        caused.initCause(new SQLException("terminating connection due to administrator command", "57P01"));
        assertTrue(DatabaseOutage.causedBy(caused));
    }

    @Test
    void aRefusalIsNoOutage() {
        assertFalse(DatabaseOutage.causedBy(new RuntimeException(new SQLException("duplicate key value", "23505"))));
        assertFalse(DatabaseOutage.causedBy(new RollbackException("ARJUNA016053: Could not commit transaction.")));
        assertFalse(DatabaseOutage.causedBy(new IllegalStateException("a bug")));
    }
}
