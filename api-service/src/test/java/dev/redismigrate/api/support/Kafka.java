package dev.redismigrate.api.support;

import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** The real broker, read and written the way a worker would. */
public final class Kafka {
    private Kafka() {
    }

    /** The full name of one of common's {@code Topics} in this profile (with the topic prefix). */
    public static String topic(String name) {
        return ConfigProvider.getConfig().getOptionalValue("redis-migrate.topic-prefix", String.class).orElse("") + name;
    }

    /** The topic the service uses for a channel in this profile. */
    public static String topic(String direction, String channel) {
        return ConfigProvider.getConfig().getValue("mp.messaging." + direction + "." + channel + ".topic", String.class);
    }

    /** Where the service parks the records of an incoming channel that it cannot use. */
    public static String deadLetterTopic(String channel) {
        return ConfigProvider.getConfig().getValue("mp.messaging.incoming." + channel + ".dead-letter-queue.topic", String.class);
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    /** Waits until the topic holds at least {@code count} records with this key; returns their values. */
    public static List<String> await(String topic, String key, int count, Duration timeout) {
        return await(topic, key, count, timeout, true);
    }

    /** The values found when {@code count} came or the time is up (then failing if {@code failShort}). */
    private static List<String> await(String topic, String key, int count, Duration timeout, boolean failShort) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> values = new ArrayList<>();
        // no group: assign every partition and read from the start, without a rebalance to wait for
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = List.of();
            // the service creates a topic with its first record
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                partitions = consumer.partitionsFor(topic).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
                if (partitions.isEmpty()) {
                    Thread.sleep(200);
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        values.add(r.value());
                    }
                }
                if (values.size() >= count) {
                    return values;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!failShort) {
            return values;
        }
        return fail(count + " record(s) with key " + key + " expected on " + topic + ", found " + values.size());
    }

    /**
     * A bounded watch for a record that must not come: reads the topic from its start for
     * {@code watch} and fails on the first record with this key.
     */
    public static void noneWithin(String topic, String key, Duration watch) {
        List<String> found = await(topic, key, 1, watch, false);
        if (!found.isEmpty()) {
            // the count only: a request's value holds a sealed password
            fail("no record with key " + key + " expected on " + topic + " yet, found " + found.size());
        }
    }

    public static String awaitOne(String topic, String key) {
        return await(topic, key, 1, Duration.ofSeconds(30)).get(0);
    }

    /** Sends a worker's event to the service, as a worker would. */
    public static void event(MigrationEvent event) {
        send(topic("incoming", "events"), event.migrationId().toString(), MessageCodec.encode(event));
    }

    public static void send(String topic, String key, String value) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            fail("cannot send to " + topic, e);
        }
    }
}
