package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.testing.RedisServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * No password in what the services leave behind: after every system test class (registered for all
 * of them through META-INF/services and junit-platform.properties), the logs of every service the
 * class started and every record of its topics (key, value and each header) are searched for every
 * password given to a Redis server in this JVM ({@code --requirepass}) or named with {@link #secret},
 * and for its SHA-256 in hex (redis-replicator names a refused login that way).
 * A class that starts no services is not searched. Every finding is reported, not only the first.
 */
public final class SecretSearch implements BeforeAllCallback, AfterAllCallback {
    /** Shorter strings would be found in ordinary words ("pass" in "password"). */
    private static final int SHORTEST = 8;

    private static final Set<String> named = ConcurrentHashMap.newKeySet();
    private static final List<MigrationService> started = new CopyOnWriteArrayList<>();
    private static final Set<MigrationService> kafkaSearched = ConcurrentHashMap.newKeySet();
    private static volatile Set<String> givenBefore = Set.of();

    /** What one search read, so that a test can show it read something. */
    record Summary(int logs, long logBytes, int records, int headers) {
    }

    /** A password the class uses that no server was started with (e.g. one set with CONFIG SET). */
    static String secret(String password) {
        named.add(password);
        return password;
    }

    /** Called by {@link MigrationService} for every deployment started. */
    static void started(MigrationService service) {
        started.add(service);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        named.clear();
        started.clear();
        kafkaSearched.clear();
        givenBefore = RedisServer.passwordsGiven();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (started.isEmpty()) {
            return;
        }
        List<String> findings = new ArrayList<>();
        for (MigrationService service : started) {
            if (!kafkaSearched.contains(service)) {
                searchKafka(service, findings);
            }
            searchLogs(service, findings);
        }
        report(findings);
    }

    /** Searches {@code service}'s topics now unless done already: for a class whose broker is about to stop. */
    static void searchKafkaBeforeItStops(MigrationService service) {
        if (!kafkaSearched.contains(service)) {
            List<String> findings = new ArrayList<>();
            searchKafka(service, findings);
            report(findings);
        }
    }

    /**
     * Searches {@code service}'s topics and every log so far now, for a class whose broker goes away
     * before its end (its own Kafka); the logs are searched again at the class's end.
     */
    static Summary searchNow(MigrationService service) {
        List<String> findings = new ArrayList<>();
        int[] kafka = searchKafka(service, findings);
        long[] logs = searchLogs(service, findings);
        report(findings);
        return new Summary((int) logs[0], logs[1], kafka[0], kafka[1]);
    }

    /** Every password given in this JVM so far; a short one given by this class is an error, not a gap. */
    private static Set<String> secrets() {
        Set<String> all = new HashSet<>(named);
        all.addAll(RedisServer.passwordsGiven());
        for (String s : Set.copyOf(all)) {
            if (s.length() < SHORTEST && (named.contains(s) || !givenBefore.contains(s))) {
                fail("a password of " + s.length() + " characters cannot be searched for: use at least " + SHORTEST);
            }
            if (s.length() < SHORTEST) {
                all.remove(s); // an earlier class's, which started no services (KeyByKeyTest's "pass")
            }
        }
        Set<String> hashes = new HashSet<>();
        all.forEach(s -> hashes.add(RedisServer.sha256(s)));
        all.addAll(hashes); // a fast hash of a password is as good as the password to a dictionary
        return all;
    }

    private static long[] searchLogs(MigrationService service, List<String> findings) {
        Set<String> secrets = secrets();
        long bytes = 0;
        for (ServiceProcess p : service.all()) {
            try {
                List<String> lines = Files.readAllLines(p.log(), StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    bytes += lines.get(i).length() + 1;
                    if (containsAny(lines.get(i), secrets)) {
                        findings.add("a password in " + p.log() + " line " + (i + 1));
                    }
                }
            } catch (IOException e) {
                findings.add("cannot read " + p.log() + ": " + e);
            }
        }
        return new long[] {service.all().size(), bytes};
    }

    /** Every record of the deployment's topics, from the start to the end they have now. */
    private static int[] searchKafka(MigrationService service, List<String> findings) {
        Set<String> secrets = secrets();
        int records = 0;
        int headers = 0;
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, service.kafka());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, service.kafka()));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            Set<String> topics = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(service.topicPrefix())).collect(java.util.stream.Collectors.toSet());
            List<TopicPartition> partitions = admin.describeTopics(topics).allTopicNames().get().values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition()))).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    fail("the records of " + topics + " not all read within 60 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    String where = r.topic() + "-" + r.partition() + " offset " + r.offset();
                    if (containsAny(text(r.key()), secrets)) {
                        findings.add("a password in the key of " + where);
                    }
                    if (containsAny(text(r.value()), secrets)) {
                        findings.add("a password in the value of " + where);
                    }
                    for (Header h : r.headers()) {
                        headers++;
                        if (containsAny(h.key(), secrets) || containsAny(text(h.value()), secrets)) {
                            findings.add("a password in header " + h.key() + " of " + where);
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot list the topics on " + service.kafka(), e);
        }
        kafkaSearched.add(service);
        if (records == 0) {
            findings.add("no record on the topics " + service.topicPrefix() + "* was read: nothing was searched");
        }
        return new int[] {records, headers};
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static boolean containsAny(String text, Set<String> secrets) {
        return secrets.stream().anyMatch(text::contains);
    }

    private static void report(List<String> findings) {
        if (!findings.isEmpty()) {
            fail(findings.size() + " finding(s):\n" + String.join("\n", findings.subList(0, Math.min(50, findings.size()))));
        }
    }
}
