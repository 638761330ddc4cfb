package dev.redismigrate.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A worker request is run by the instance whose commit of it the consumer group accepted, against the real
 * Kafka of the tests: an instance that lost the request's partition before committing (another one took it
 * over) leaves it to that instance, which gets it again from the group's last commit.
 */
class RequestClaimsTest {
    private static final String KAFKA = "127.0.0.1:19092";

    @Test
    void aRequestWhosePartitionWentToAnotherInstanceBeforeItsCommitIsLeftToThatInstance() throws Exception {
        String topic = "worker-support-test." + UUID.randomUUID() + ".requests";
        String group = "worker-support-test." + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", KAFKA),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "request 1")).get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(topic, "request 2")).get(30, TimeUnit.SECONDS);
            }
            TopicPartition partition = new TopicPartition(topic, 0);
            try (KafkaConsumer<String, String> first = consumer(group, 3_000);
                 KafkaConsumer<String, String> second = consumer(group, 300_000)) {
                first.subscribe(List.of(topic));
                ConsumerRecord<String, String> request1 = firstRecord(first);
                assertEquals("request 1", request1.value());
                assertTrue(RequestClaims.mine(commit(first, request1), "1").toCompletableFuture().get(30, TimeUnit.SECONDS),
                        "the owner's commit is accepted: it runs the request");
                assertEquals(request1.offset() + 1, committed(admin, group, partition), "committed before the task starts");

                ConsumerRecord<String, String> request2 = first.poll(Duration.ofSeconds(5)).iterator().next();
                assertEquals("request 2", request2.value());
                // the first instance stalls past its poll interval: the group gives its partition to the second
                second.subscribe(List.of(topic));
                ConsumerRecord<String, String> taken = firstRecord(second);
                assertEquals("request 2", taken.value(), "the other instance gets the request not committed yet");

                boolean mine = RequestClaims.mine(commit(first, request2), "2").toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertFalse(mine, "the first instance no longer owns the partition: it leaves the request to the second");
                assertTrue(RequestClaims.mine(commit(second, taken), "2").toCompletableFuture().get(30, TimeUnit.SECONDS),
                        "the second instance's commit is accepted");
                assertEquals(taken.offset() + 1, committed(admin, group, partition));
            }
        }
    }

    private static KafkaConsumer<String, String> consumer(String group, int maxPollIntervalMs) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, String.valueOf(maxPollIntervalMs));
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    private static ConsumerRecord<String, String> firstRecord(KafkaConsumer<String, String> consumer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
            if (!records.isEmpty()) {
                return records.iterator().next();
            }
        }
        throw new AssertionError("no record within 60 s");
    }

    /** The commit the workers make before a task starts (RequestClaims.claim), made with a plain consumer. */
    private static CompletionStage<Void> commit(KafkaConsumer<String, String> consumer, ConsumerRecord<String, String> record) {
        try {
            consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1)));
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static long committed(Admin admin, String group, TopicPartition partition) throws Exception {
        OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS).get(partition);
        return offset == null ? -1 : offset.offset();
    }
}
