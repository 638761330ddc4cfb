package dev.redismigrate.worker.checkpoint;

import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.worker.kafka.MigrationTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Where a migration's checkpoint goes while the target holds none: before an idle or stopped
 * stream removes its checkpoint from the target (so the target equals the source), it writes it
 * here, in a compacted topic keyed by migration. A resumed stream that finds no checkpoint in the
 * target reads the last one here, so nothing is applied twice whoever resumes.
 */
public final class CheckpointLog implements AutoCloseable {
    private static final int PARTITIONS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrap;
    private final String topic;
    private final KafkaProducer<String, String> producer;
    /** guarded by this */
    private KafkaConsumer<String, String> reader;

    public CheckpointLog(String bootstrap, String topic) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        ensureTopic();
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
    }

    /** Writes and waits until Kafka has it (acks=all). */
    public void record(UUID migrationId, StreamCheckpoint checkpoint) {
        record(migrationId, null, checkpoint);
    }

    /** The same for a source shard (null: a standalone source): each shard's checkpoint has its own key. */
    public void record(UUID migrationId, Integer shard, StreamCheckpoint checkpoint) {
        String value = new String(checkpoint.encode(), StandardCharsets.US_ASCII);
        try {
            producer.send(new ProducerRecord<>(topic, partitionOf(migrationId), ShardNames.recordKey(migrationId, shard), value))
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recording a checkpoint");
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka did not take the checkpoint of migration " + migrationId + ": "
                    + (e.getCause() == null ? e : e.getCause()).getMessage());
        }
    }

    /**
     * The last checkpoint recorded for the migration, or null. Reads its partition to the end, with
     * one consumer kept for all calls: a new one costs its own setup and metadata round trips, and
     * this read lies on the path from a completed snapshot to a running stream.
     */
    public StreamCheckpoint latest(UUID migrationId) {
        return latest(migrationId, null);
    }

    /**
     * The last checkpoint recorded for the source shard (null: a standalone source) by its newest attempt, or
     * null: an older attempt's write that lands late (it stalled between its check and its write) is not the latest.
     */
    public synchronized StreamCheckpoint latest(UUID migrationId, Integer shard) {
        TopicPartition partition = new TopicPartition(topic, partitionOf(migrationId));
        String key = ShardNames.recordKey(migrationId, shard);
        StreamCheckpoint last = null;
        try {
            KafkaConsumer<String, String> consumer = reader();
            consumer.assign(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(partition, TIMEOUT) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the checkpoint log " + topic + " to its end");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        StreamCheckpoint read = StreamCheckpoint.decode(r.value());
                        if (read != null && (last == null || read.attempt() >= last.attempt())) {
                            last = read;
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            closeReader(); // the next call starts from a fresh consumer
            throw e;
        }
        return last;
    }

    private KafkaConsumer<String, String> reader() {
        if (reader == null) {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("enable.auto.commit", "false");
            p.put("key.deserializer", StringDeserializer.class.getName());
            p.put("value.deserializer", StringDeserializer.class.getName());
            reader = new KafkaConsumer<>(p);
        }
        return reader;
    }

    private void closeReader() {
        if (reader != null) {
            try {
                reader.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                // closing a consumer that already failed: nothing more to release
            }
            reader = null;
        }
    }

    private static int partitionOf(UUID migrationId) {
        return MigrationTopics.partitionOf(migrationId, PARTITIONS);
    }

    /** Compacted, so each migration's last checkpoint is kept however old. */
    private void ensureTopic() {
        MigrationTopics.ensure(bootstrap, topic, PARTITIONS,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    @Override
    public void close() {
        synchronized (this) {
            closeReader();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
