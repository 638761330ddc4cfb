package dev.redismigrate.snapshot.spool;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.SpoolSpace;
import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.snapshot.SnapshotConfig;
import dev.redismigrate.worker.WorkerIdentity;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Tells the api-service, every few seconds, how large an RDB this worker's spool can take now (the
 * spool directory's free disk space, and the spool budget): the api-service runs elsewhere and
 * cannot look at this disk, and its preflight weighs the source's dataset against it.
 */
@ApplicationScoped
public class SpoolSpaceReporter {
    /** How often; the api-service takes reports older than three of these as silence. */
    public static final long EVERY_SECONDS = 5;
    private static final Logger LOG = Logger.getLogger(SpoolSpaceReporter.class);

    @Inject
    @Channel("spool-space")
    Emitter<String> out;

    @Inject
    SnapshotConfig config;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent event) {
        timer = MigrationThreads.timer("spool-space");
        timer.scheduleWithFixedDelay(this::report, 0, EVERY_SECONDS, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void report() {
        try {
            Path directory = Path.of(config.spoolDirectory());
            Files.createDirectories(directory);
            SpoolSpace space = new SpoolSpace(WorkerIdentity.name(), Files.getFileStore(directory).getUsableSpace(),
                    config.spoolBudget().asLongValue(), System.currentTimeMillis());
            out.send(Message.of(MessageCodec.encode(space))
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(space.worker()).build())
                    .withNack(failure -> {
                        LOG.debugf("spool space not reported: %s", failure.getMessage());
                        return CompletableFuture.completedFuture(null);
                    }));
        } catch (IOException | RuntimeException e) {
            // the next report may get through; the preflight says when none came for a while
            LOG.warnf("spool space of %s not measured: %s", config.spoolDirectory(), e.toString());
        }
    }
}
