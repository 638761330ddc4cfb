package dev.redismigrate.worker.changelog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads a change log in order, from its oldest record kept. */
public final class ChangeLogReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;

    ChangeLogReader(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition) {
        this.consumer = consumer;
        this.partition = partition;
    }

    /** A record's commands, its Kafka offset (what {@link ChangeLog#trimBefore} takes) and when it was appended. */
    public record Record(long kafkaOffset, long appendedAtMillis, ChangeBatch batch) {
    }

    /** The next records, possibly none. */
    public List<Record> poll(Duration wait) {
        List<Record> records = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
            records.add(new Record(r.offset(), r.timestamp(), ChangeLogCodec.decode(r.value())));
        }
        return records;
    }

    /** Reads on from Kafka offset {@code offset} (records up to it were taken elsewhere). */
    void seek(long offset) {
        consumer.seek(partition, offset);
    }

    /** The Kafka offset of the next record a poll returns, or -1 when Kafka did not say within {@code wait}. */
    long position(Duration wait) {
        try {
            return consumer.position(partition, wait);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return -1;
        }
    }

    /** Reads again from the oldest record kept (the checkpoint moved back). */
    public void rewind() {
        consumer.seekToBeginning(List.of(partition));
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
