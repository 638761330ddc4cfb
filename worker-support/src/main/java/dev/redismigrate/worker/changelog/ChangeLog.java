package dev.redismigrate.worker.changelog;

import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.worker.kafka.MigrationTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A migration's change log: every write the source replicated after its RDB, in source order, in a
 * Kafka topic of its own with one partition. The capture appends at the pace of the source; the
 * applier reads at the pace of the target; what lies between is the apply lag, on Kafka's disk
 * rather than in the source's output buffer or backlog. Records behind the applied checkpoint are
 * deleted ({@link #trimBefore}), the topic itself when the migration ends ({@link #delete}).
 */
public final class ChangeLog {
    /**
     * Kafka must keep what was not applied yet however old: only {@link #trimBefore} removes records.
     * Segments of 64 MB (Kafka's default is 1 GB): trimming frees disk only a whole segment at a time,
     * so a segment's size is what Kafka holds beyond the apply lag.
     */
    private static final Map<String, String> TOPIC_CONFIG = Map.of("retention.ms", "-1", "retention.bytes", "-1",
            "max.message.bytes", Integer.toString(64 * 1024 * 1024), "segment.bytes", Integer.toString(64 * 1024 * 1024));

    private final String bootstrap;
    private final String topicPrefix;
    private final ChangeLogSettings settings;
    /** the source shard whose log this is (null: a standalone source) */
    private final Integer shard;
    /**
     * The Admin client, made on first use and shared by the shards' logs: every stream trims every ~2 s,
     * and a client made for each trim cost a connection, a metadata fetch and a thread each time.
     */
    private final AtomicReference<Admin> admin;

    public ChangeLog(String bootstrap, String topicPrefix, ChangeLogSettings settings) {
        this(bootstrap, topicPrefix, settings, null, new AtomicReference<>());
    }

    private ChangeLog(String bootstrap, String topicPrefix, ChangeLogSettings settings, Integer shard,
            AtomicReference<Admin> admin) {
        NativeLz4.inUse(); // before Kafka's first LZ4 stream, which picks its build once per stream
        this.bootstrap = bootstrap;
        this.topicPrefix = topicPrefix;
        this.settings = settings;
        this.shard = shard;
        this.admin = admin;
    }

    /** The logs of one source shard of a cluster source (null: a standalone source): each shard has its own topic. */
    public ChangeLog forShard(Integer shard) {
        return java.util.Objects.equals(shard, this.shard) ? this
                : new ChangeLog(bootstrap, topicPrefix, settings, shard, admin);
    }

    public String topic(UUID migrationId) {
        return topicPrefix + ShardNames.changeLogTopic(migrationId, shard);
    }

    private TopicPartition partition(UUID migrationId) {
        return new TopicPartition(topic(migrationId), 0);
    }

    /** Creates the topic unless it exists; @return whether it was made now (then it is empty) */
    public boolean ensure(UUID migrationId) {
        return MigrationTopics.ensure(admin(), topic(migrationId), 1, TOPIC_CONFIG);
    }

    /**
     * Empties the log for a new snapshot: commands captured for an earlier copy must never be applied
     * on top of a newer one. (Emptied, not deleted and created again: a deletion completes later,
     * and a creation meanwhile fails.)
     */
    public void reset(UUID migrationId) {
        if (ensure(migrationId)) {
            return; // a new log (a migration's first copy): nothing to empty, and its offsets not asked while it is made
        }
        long end = endOffset(migrationId);
        if (end > 0) {
            trimBefore(migrationId, end);
        }
    }

    /** Removes the topic: the migration ended. A topic already gone is fine. */
    public void delete(UUID migrationId) {
        try {
            admin().deleteTopics(Set.of(topic(migrationId))).all().get(MigrationTopics.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("cannot delete " + topic(migrationId) + ": " + e.getCause().getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer while deleting " + topic(migrationId));
        }
    }

    /** Deletes the records before Kafka offset {@code offset} (all of them applied). */
    public void trimBefore(UUID migrationId, long offset) {
        try {
            admin().deleteRecords(Map.of(partition(migrationId), RecordsToDelete.beforeOffset(offset))).all()
                    .get(MigrationTopics.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot trim " + topic(migrationId) + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer while trimming " + topic(migrationId));
        }
    }

    /** The Kafka offset of the first record still kept (the low watermark). */
    public long startOffset(UUID migrationId) {
        return offset(migrationId, OffsetSpec.earliest());
    }

    /** The Kafka offset the next record will get. */
    public long endOffset(UUID migrationId) {
        return offset(migrationId, OffsetSpec.latest());
    }

    /** Asked of the shared Admin client: a consumer made for the question cost ~40 ms of a copy's start. */
    private long offset(UUID migrationId, OffsetSpec which) {
        TopicPartition partition = partition(migrationId);
        try {
            return admin().listOffsets(Map.of(partition, which)).partitionResult(partition)
                    .get(MigrationTopics.TIMEOUT.toSeconds(), TimeUnit.SECONDS).offset();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the offsets of " + topic(migrationId) + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the offsets of " + topic(migrationId));
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer while reading the offsets of " + topic(migrationId));
        }
    }

    /** Whether the topic exists (false once the migration ended). */
    public boolean exists(UUID migrationId) {
        try {
            return admin().listTopics().names().get(MigrationTopics.TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .contains(topic(migrationId));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not list its topics: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** The last command in the log, where a capture continues; null when the log is empty. */
    public ChangeLogPosition last(UUID migrationId) {
        TopicPartition partition = partition(migrationId);
        // the fetch of that one record waited the broker's fetch.max.wait.ms (500 ms) every time: measured as
        // 531-556 ms of the stream's 557-587 ms start after a copy, 49-101 ms with this bound
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(Map.of("fetch.max.wait.ms", "20"))) {
            consumer.assign(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), MigrationTopics.TIMEOUT).get(partition);
            long start = consumer.beginningOffsets(List.of(partition), MigrationTopics.TIMEOUT).get(partition);
            if (end <= start) {
                return null;
            }
            consumer.seek(partition, end - 1);
            long deadline = System.nanoTime() + MigrationTopics.TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() == end - 1) {
                        ChangeBatch batch = ChangeLogCodec.decode(r.value());
                        CapturedCommand lastCommand = batch.last();
                        return new ChangeLogPosition(batch.replId(), lastCommand.endOffset(), lastCommand.db());
                    }
                }
            }
            throw new IllegalStateException("Kafka did not return the last record of " + topic(migrationId));
        }
    }

    /** A writer of the migration's log; one at a time per migration. */
    public ChangeLogAppender appender(UUID migrationId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "0"); // the appender batches commands itself
        // Kafka's batches up to 1 MiB (16 KiB by default): while its five requests in flight wait for a slow
        // broker, the records the appender sends meanwhile join one batch, so the next request takes them all;
        // at 16 KiB each record was a request of its own and a broker slowed to 30 ms a round trip held the
        // log to ~2.7 MB/s, less than a steady 50,000 writes/s
        p.put("batch.size", Integer.toString(1 << 20));
        p.put("compression.type", "lz4");
        p.put("max.request.size", Integer.toString(64 * 1024 * 1024));
        p.put("buffer.memory", Long.toString(settings.bufferBytes()));
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        return new ChangeLogAppender(topic(migrationId), new KafkaProducer<>(p), settings);
    }

    /** A reader from the oldest record kept on. */
    public ChangeLogReader reader(UUID migrationId) {
        KafkaConsumer<byte[], byte[]> consumer = consumer();
        TopicPartition partition = partition(migrationId);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        return new ChangeLogReader(consumer, partition);
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return consumer(Map.of());
    }

    /** A consumer of the change log, with {@code overrides} of its settings. */
    private KafkaConsumer<byte[], byte[]> consumer(Map<String, String> overrides) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.auto.commit", "false");
        p.put("isolation.level", "read_uncommitted");
        // a seek to an offset trimmed meanwhile (another attempt trims too) reads from the oldest record kept;
        // Kafka's default, latest, would jump to the log's end and pass over everything between
        p.put("auto.offset.reset", "earliest");
        p.put("fetch.max.bytes", Long.toString(settings.fetchBytes()));
        p.put("max.partition.fetch.bytes", Long.toString(settings.fetchBytes()));
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.putAll(overrides);
        return new KafkaConsumer<>(p);
    }

    /** The shared client (Kafka's Admin is thread-safe and reconnects by itself). */
    private Admin admin() {
        synchronized (admin) {
            if (admin.get() == null) {
                admin.set(Admin.create(Map.of("bootstrap.servers", bootstrap)));
            }
            return admin.get();
        }
    }
}
