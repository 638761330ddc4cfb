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
 * A worker request is run by the instance that committed it while its partition was assigned there, against
 * the real Kafka of the tests: an instance that lost the request's partition before committing (expelled, or
 * the partition moved in a rebalance it took part in) leaves it to the new owner, which gets it from the
 * group's last commit.
 */
class RequestClaimsTest {
    private static final String KAFKA = "127.0.0.1:19092";

    @Test
    void aRequestWhosePartitionWentToAnotherInstanceBeforeItsCommitIsLeftToThatInstance() throws Exception {
        String topic = topicWith("request 1", "request 2");
        String group = "worker-support-test." + UUID.randomUUID();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA));
             KafkaConsumer<String, String> first = consumer(group, "first", 3_000);
             KafkaConsumer<String, String> second = consumer(group, "second", 300_000)) {
            first.subscribe(List.of(topic));
            ConsumerRecord<String, String> request1 = firstRecord(first);
            assertEquals("request 1", request1.value());
            assertTrue(claimed(first, request1), "the owner commits: it runs the request");
            assertEquals(request1.offset() + 1, committed(admin, group, partition), "committed before the task starts");

            ConsumerRecord<String, String> request2 = first.poll(Duration.ofSeconds(5)).iterator().next();
            assertEquals("request 2", request2.value());
            // the first instance stalls past its poll interval: the group expels it and gives the partition to the second
            second.subscribe(List.of(topic));
            ConsumerRecord<String, String> taken = firstRecord(second);
            assertEquals("request 2", taken.value(), "the other instance gets the request not committed yet");

            assertFalse(claimed(first, request2), "the first instance was expelled: it leaves the request to the second");
            assertTrue(claimed(second, taken), "the second instance's commit is accepted");
            assertEquals(taken.offset() + 1, committed(admin, group, partition));
        }
    }

    /**
     * A rebalance that completes within one poll of an instance that keeps polling (another instance joins and
     * the range assignor gives it the partition): the group would accept that instance's commit in the new
     * generation, so the partition's assignment is what tells; its request is neither committed nor run there.
     */
    @Test
    void aRequestWhosePartitionMovedWithinAPollIsNeitherCommittedNorRun() throws Exception {
        String topic = topicWith("request 1");
        String group = "worker-support-test." + UUID.randomUUID();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA));
             // member ids begin with the client id, and the range assignor gives the one partition to the first in order
             KafkaConsumer<String, String> first = consumer(group, "z-first", 300_000);
             KafkaConsumer<String, String> second = consumer(group, "a-second", 300_000)) {
            first.subscribe(List.of(topic));
            ConsumerRecord<String, String> request = firstRecord(first);
            CompletableFuture<ConsumerRecord<String, String>> taken = CompletableFuture.supplyAsync(() -> {
                second.subscribe(List.of(topic));
                return firstRecord(second);
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (first.assignment().contains(partition) && System.nanoTime() < deadline) {
                first.poll(Duration.ofMillis(200)); // takes part in the rebalance, as SmallRye's polling loop does
            }
            assertFalse(first.assignment().contains(partition), "the partition went to the second instance");
            assertFalse(claimed(first, request), "the first instance no longer owns the partition: neither committed nor run");
            assertEquals(-1, committed(admin, group, partition), "nothing committed");
            ConsumerRecord<String, String> again = taken.get(60, TimeUnit.SECONDS);
            assertEquals("request 1", again.value(), "the second instance gets the request");
            assertTrue(claimed(second, again));
            assertEquals(again.offset() + 1, committed(admin, group, partition));
        }
    }

    private static String topicWith(String... values) throws Exception {
        String topic = "worker-support-test." + UUID.randomUUID() + ".requests";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", KAFKA),
                     new StringSerializer(), new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            }
        }
        return topic;
    }

    /** What RequestClaims.claim decides, on the consumer's thread, for a plain consumer. */
    private static boolean claimed(KafkaConsumer<String, String> consumer, ConsumerRecord<String, String> record) throws Exception {
        CompletionStage<Boolean> commit;
        try {
            commit = CompletableFuture.completedFuture(RequestClaims.commitIfAssigned(consumer,
                    new TopicPartition(record.topic(), record.partition()), record.offset() + 1));
        } catch (RuntimeException e) {
            commit = CompletableFuture.failedFuture(e);
        }
        return RequestClaims.mine(commit, record.topic() + "@" + record.offset()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static KafkaConsumer<String, String> consumer(String group, String clientId, int maxPollIntervalMs) {
        Properties config = new Properties();
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
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

    private static long committed(Admin admin, String group, TopicPartition partition) throws Exception {
        OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS).get(partition);
        return offset == null ? -1 : offset.offset();
    }
}
