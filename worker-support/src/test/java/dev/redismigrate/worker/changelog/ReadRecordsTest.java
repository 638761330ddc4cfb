package dev.redismigrate.worker.changelog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** How far the change log may be trimmed behind what the apply read and the target holds. */
class ReadRecordsTest {

    @Test
    void theTrimStopsAtWhatIsNotCoveredAndAtWhatKafkaHasNotConfirmed() {
        ReadRecords read = new ReadRecords();
        read.add(end(10, 100));
        read.add(end(11, 200));
        AtomicLong unconfirmed = new AtomicLong(-1);
        read.add(new ChangeLogEntryReader.End(unconfirmed::get, 300, "r", 0));
        read.add(end(13, 400));
        assertEquals(11, read.trimBefore(150), "the second ends past what the target holds");
        assertEquals(12, read.trimBefore(350), "the third, applied as it was sent, is not in Kafka yet");
        unconfirmed.set(12);
        assertEquals(14, read.trimBefore(400));
        assertEquals(-1, read.hole());
    }

    @Test
    void aRecordTheApplyDidNotReadIsAHoleNotTrimmedPast() {
        ReadRecords read = new ReadRecords();
        read.add(end(20, 100));
        read.add(end(22, 300)); // 21: another capture's record, followed past in memory
        assertEquals(21, read.trimBefore(1000), "up to the hole");
        assertEquals(21, read.hole(), "read again from there");
        read.clear();
        assertEquals(-1, read.hole());
        read.add(end(21, 250));
        read.add(end(22, 300));
        assertEquals(23, read.trimBefore(1000), "once read in Kafka's order, trimmed past");
    }

    @Test
    void afterARewindTheCountStartsAtTheFirstRecordReadWhereverTheLogNowBegins() {
        ReadRecords read = new ReadRecords();
        read.add(end(5, 100));
        read.add(end(6, 200));
        assertEquals(7, read.trimBefore(200));
        read.clear(); // a rewind; meanwhile another attempt trimmed the log up to 9
        read.add(end(9, 200));
        read.add(end(10, 300));
        assertEquals(11, read.trimBefore(300), "no hole at 7-8: they are gone, not unread");
        assertEquals(-1, read.hole());
    }

    private static ChangeLogEntryReader.End end(long kafkaOffset, long sourceOffset) {
        return new ChangeLogEntryReader.End(() -> kafkaOffset, sourceOffset, "r", 0);
    }
}
