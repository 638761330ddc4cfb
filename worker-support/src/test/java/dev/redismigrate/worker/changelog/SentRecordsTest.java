package dev.redismigrate.worker.changelog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The capture's records in memory as they are sent: what the caught-up apply takes before Kafka confirms. */
class SentRecordsTest {

    @Test
    void theRecordSentAfterTheLastTakenIsTakenBeforeKafkaConfirmsIt() {
        SentRecords sent = new SentRecords(1 << 20, true);
        SentRecords.Sent first = sent.offer(batch(10), 100);
        first.confirm(7);
        assertSame(first, sent.takeAt(7, Duration.ZERO), "entered at the next Kafka offset");
        SentRecords.Sent second = sent.offer(batch(20), 100);
        assertEquals(-1, second.kafkaOffset(), "not confirmed yet");
        assertSame(second, sent.takeAfter(first, Duration.ZERO), "taken all the same: it continues the first");
        assertFalse(sent.lacksAfter(second), "nothing sent since: waited for");
        assertNull(sent.takeAfter(second, Duration.ofMillis(20)));
        second.confirm(8);
        assertEquals(8, second.kafkaOffset());
    }

    @Test
    void aRecordTheBoundLeftOutIsAGapReadFromKafka() {
        SentRecords sent = new SentRecords(250, true);
        SentRecords.Sent first = sent.offer(batch(10), 100);
        SentRecords.Sent second = sent.offer(batch(20), 100);
        assertNotNull(second);
        assertNull(sent.offer(batch(30), 100), "past the bound: not kept");
        assertEquals(1, sent.dropped());
        SentRecords.Sent fourth = sent.offer(batch(40), 10);
        assertNotNull(fourth, "room again for a small one");
        first.confirm(0);
        assertSame(first, sent.takeAt(0, Duration.ZERO));
        assertSame(second, sent.takeAfter(first, Duration.ZERO));
        assertNull(sent.takeAfter(second, Duration.ZERO), "the third was left out: not the fourth in its place");
        assertTrue(sent.lacksAfter(second), "so the reader turns to Kafka");
    }

    @Test
    void enteringWaitsForTheHeadsConfirmationAndDropsWhatKafkaPutBefore() throws Exception {
        SentRecords sent = new SentRecords(1 << 20, true);
        SentRecords.Sent old = sent.offer(batch(10), 100);
        SentRecords.Sent wanted = sent.offer(batch(20), 100);
        CompletableFuture<SentRecords.Sent> taken = CompletableFuture.supplyAsync(() -> sent.takeAt(5, Duration.ofSeconds(10)));
        TimeUnit.MILLISECONDS.sleep(50);
        assertFalse(taken.isDone(), "the head's place in Kafka decides: waited for");
        old.confirm(4); // already read from Kafka: dropped
        wanted.confirm(5);
        assertSame(wanted, taken.get(5, TimeUnit.SECONDS));
        assertTrue(sent.isEmpty());

        SentRecords.Sent later = sent.offer(batch(30), 100);
        later.confirm(9);
        assertNull(sent.takeAt(6, Duration.ZERO), "a later record than the next offset: Kafka holds the ones between");
    }

    @Test
    void whereRecordsMustBeConfirmedFirstTheNextIsTakenOnlyRightAfterThePreviousInKafka() throws Exception {
        SentRecords sent = new SentRecords(1 << 20, false); // a cluster target's
        SentRecords.Sent first = sent.offer(batch(10), 100);
        first.confirm(3);
        assertSame(first, sent.takeAt(3, Duration.ZERO));
        SentRecords.Sent second = sent.offer(batch(20), 100);
        assertNull(sent.takeAfter(first, Duration.ofMillis(20)), "not before Kafka confirms it");
        assertFalse(sent.lacksAfter(first), "waited for");
        CompletableFuture<SentRecords.Sent> taken = CompletableFuture.supplyAsync(() -> sent.takeAfter(first, Duration.ofSeconds(10)));
        TimeUnit.MILLISECONDS.sleep(50);
        second.confirm(4);
        assertSame(second, taken.get(5, TimeUnit.SECONDS), "its confirmation wakes the wait");
        SentRecords.Sent third = sent.offer(batch(30), 100);
        third.confirm(6); // another capture's record at 5
        assertNull(sent.takeAfter(second, Duration.ZERO));
        assertTrue(sent.lacksAfter(second), "Kafka holds one between them: read from Kafka");
    }

    private static ChangeBatch batch(long endOffset) {
        return new ChangeBatch("replid", List.of(new CapturedCommand(0,
                new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), "k".getBytes(StandardCharsets.US_ASCII)}, endOffset)));
    }
}
