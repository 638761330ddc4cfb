package dev.redismigrate.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.ChangedKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The changed-keys log's reader against the real Kafka of the tests: what a poll has not returned yet
 * counts as unread (the scan method's lag includes it, so a burst queued in Kafka never reads as caught up).
 */
class ChangedKeysLogTest {

    @Test
    void recordsNotPolledYetCountAsUnreadUntilTheyAreRead() {
        try (ChangedKeysLog log = new ChangedKeysLog("127.0.0.1:19092",
                "worker-support-test." + UUID.randomUUID() + ".changed-keys")) {
            UUID migration = UUID.randomUUID();
            try (ChangedKeysLog.Reader reader = log.readFromNow(migration)) {
                int appended = 12_000; // more than one poll returns (max.poll.records 5000)
                for (int i = 0; i < appended; i++) {
                    log.append(ChangedKey.of(migration, 1, 0, ("key:" + i).getBytes(StandardCharsets.UTF_8)), e -> { });
                }
                log.flush();
                int read = 0;
                while (read == 0) {
                    read = reader.poll(Duration.ofSeconds(1)).size();
                }
                assertTrue(read < appended, "one poll returned " + read);
                long unread = reader.unread();
                assertTrue(unread > 0 && read + unread <= appended, "read " + read + ", unread " + unread);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (read < appended && System.nanoTime() < deadline) {
                    read += reader.poll(Duration.ofMillis(500)).size();
                }
                assertEquals(appended, read, "every change read");
                assertEquals(0, reader.unread(), "nothing left unread once caught up");
            }
        }
    }
}
