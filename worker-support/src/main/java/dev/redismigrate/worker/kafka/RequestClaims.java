package dev.redismigrate.worker.kafka;

import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.jboss.logging.Logger;

/**
 * A worker request is committed before its task starts, by the instance that owns its partition. Kafka
 * delivers a request whose offset is not committed yet again, to whichever instance owns its partition
 * next (a rebalance, a broker restart): {@code TaskRunner} ignores it on the instance that ran it, but
 * another instance would run it again (a replication copy that had ended would copy again and empty the
 * change log under the running stream). So on the consumer's own thread, between two polls (the
 * assignment cannot change in between), a request is committed only while its partition is still
 * assigned here, and run only once committed; one whose partition went to another instance (a rebalance
 * completes within a poll) is skipped, neither run nor committed: the new owner reads it from the last
 * commit. The channels commit nothing else ({@code commit-strategy=ignore}): an acknowledged request
 * that was skipped must not be committed by the channel once this instance has rejoined.
 */
@ApplicationScoped
public class RequestClaims {
    private static final Logger LOG = Logger.getLogger(RequestClaims.class);

    @Inject
    KafkaClientService kafka;

    /**
     * Commits the request's offset if its partition is still this instance's, then runs {@code start} with
     * its value on a worker thread (not the consumer's); skips it otherwise.
     */
    public CompletionStage<Void> claim(String channel, ConsumerRecord<String, String> request, Consumer<String> start) {
        TopicPartition partition = new TopicPartition(request.topic(), request.partition());
        // a commit made while the group rebalances is refused for now: tried again once the rebalance is done
        CompletionStage<Boolean> committed = kafka.<String, String>getConsumer(channel)
                .runOnPollingThread((Function<org.apache.kafka.clients.consumer.Consumer<String, String>, Boolean>)
                        consumer -> commitIfAssigned(consumer, partition, request.offset() + 1))
                .onFailure(RebalanceInProgressException.class).retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .atMost(30)
                .subscribeAsCompletionStage();
        String where = request.topic() + "-" + request.partition() + "@" + request.offset();
        return mine(committed, where).thenAcceptAsync(mine -> {
            if (mine) {
                start.accept(request.value());
            }
        }, Infrastructure.getDefaultWorkerPool());
    }

    /**
     * On the consumer's thread: commits {@code next} for the partition if it is assigned to this consumer.
     * @return whether it was (false: another member owns it now; nothing committed)
     */
    static boolean commitIfAssigned(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, TopicPartition partition, long next) {
        if (!consumer.assignment().contains(partition)) {
            return false;
        }
        consumer.commitSync(Map.of(partition, new OffsetAndMetadata(next)));
        return true;
    }

    /**
     * Whether the request is this instance's to run, by its commit's outcome: not when its partition is no
     * longer assigned here or the group refused the commit (this instance was expelled); when the outcome is
     * unknown (no answer, a rebalance that did not end), run as before the commit was made first, since no
     * other instance may ever get it.
     */
    static CompletionStage<Boolean> mine(CompletionStage<Boolean> commit, String request) {
        return commit.handle((committed, failure) -> {
            if (failure == null) {
                if (!committed) {
                    LOG.infof("request %s: its partition went to another instance before it was committed; left to that instance",
                            request);
                }
                return committed;
            }
            Throwable why = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (why instanceof CommitFailedException) {
                LOG.infof("request %s: the group refused its commit (this instance left it); left to the partition's next owner",
                        request);
                return false;
            }
            LOG.warnf("request %s: its commit got no answer (%s); run here all the same", request, why.getMessage());
            return true;
        });
    }
}
