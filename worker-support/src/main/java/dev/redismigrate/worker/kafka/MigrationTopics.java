package dev.redismigrate.worker.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Utils;

/** Topics the workers use directly (not through channels): created on first use, one partition per migration. */
public final class MigrationTopics {
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private MigrationTopics() {
    }

    /**
     * The partition that holds a migration's records. Chosen here rather than by the producer, so that
     * a reader can go straight to it.
     */
    public static int partitionOf(UUID migrationId, int partitions) {
        return Utils.toPositive(Utils.murmur2(migrationId.toString().getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    public static void ensure(String bootstrap, String topic, int partitions, Map<String, String> configs) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            ensure(admin, topic, partitions, configs);
        }
    }

    /**
     * The same through a client the caller keeps (a topic per migration: a client of its own cost ~30 ms each time).
     * @return whether the topic was made now (false: it existed)
     */
    public static boolean ensure(Admin admin, String topic, int partitions, Map<String, String> configs) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs)))
                    .all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw new IllegalStateException("cannot create the topic " + topic + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer while creating " + topic);
        }
    }
}
