package dev.redismigrate.api.preflight;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.SpoolSpace;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The snapshot workers' latest reports of their spool space ({@link SpoolSpace}), for the preflight.
 * Every api-service instance reads every report (a consumer group of its own); a worker silent for
 * longer than {@link #FRESH} (three of its reports) counts for nothing.
 */
@ApplicationScoped
public class SpoolSpaces {
    static final Duration FRESH = Duration.ofSeconds(15);

    private final Map<String, SpoolSpace> latest = new ConcurrentHashMap<>();

    @Incoming("spool-space")
    public void consume(ConsumerRecord<String, String> record) {
        SpoolSpace space = MessageCodec.decode(record.value(), SpoolSpace.class);
        if (space.worker() == null) {
            throw new MessageCodec.UnreadableMessageException("SpoolSpace without worker");
        }
        latest.merge(space.worker(), space, (old, now) -> now.reportedAtMillis() >= old.reportedAtMillis() ? now : old);
    }

    /** The reports of the workers heard from lately. */
    public List<SpoolSpace> fresh() {
        long since = System.currentTimeMillis() - FRESH.toMillis();
        latest.values().removeIf(s -> s.reportedAtMillis() < since - FRESH.toMillis()); // long gone: forget
        return latest.values().stream().filter(s -> s.reportedAtMillis() >= since).toList();
    }
}
