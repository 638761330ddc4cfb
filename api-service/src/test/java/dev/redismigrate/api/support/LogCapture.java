package dev.redismigrate.api.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/** What the service logs while a test runs (the service shares the test's JVM and log manager). */
public final class LogCapture extends Handler implements AutoCloseable {
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture() {
    }

    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    /** Fails on a stack trace, an error, or any of {@code secrets} in a message. */
    public void assertClean(String... secrets) {
        for (LogRecord record : records) {
            String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
            assertTrue(record.getThrown() == null, "a stack trace was logged: " + message + " / " + record.getThrown());
            assertTrue(record.getLevel().intValue() < Level.SEVERE.intValue(), "an error was logged: " + message);
            for (String secret : secrets) {
                assertTrue(message == null || !message.contains(secret), "the log holds a secret: " + message);
            }
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
