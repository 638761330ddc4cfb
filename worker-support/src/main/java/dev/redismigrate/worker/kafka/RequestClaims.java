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
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.jboss.logging.Logger;

/**
 * A worker request is committed before its task starts. Kafka delivers a request whose offset is not
 * committed yet again, to whichever instance owns its partition next (a rebalance, a broker restart):
 * {@code TaskRunner} ignores it on the instance that ran it, but another instance would run it again (a
 * replication copy that had ended would copy again and empty the change log under the running stream).
 * Committed first, synchronously, a request runs only on the instance whose commit the group accepted; a
 * commit the group refuses (the partition went to another instance meanwhile) leaves the request to that
 * instance, which gets it from the last commit. (The channel's own asynchronous commit after the
 * request, {@code commit-strategy=latest}, left a window of one commit in which both ran it.)
 */
@ApplicationScoped
public class RequestClaims {
    private static final Logger LOG = Logger.getLogger(RequestClaims.class);

    @Inject
    KafkaClientService kafka;

    /**
     * Commits the request's offset, then runs {@code start} with its value on a worker thread (not the
     * consumer's); skips it when the group refused the commit.
     */
    public CompletionStage<Void> claim(String channel, ConsumerRecord<String, String> request, Consumer<String> start) {
        Map<TopicPartition, OffsetAndMetadata> next = Map.of(new TopicPartition(request.topic(), request.partition()),
                new OffsetAndMetadata(request.offset() + 1));
        // a commit made while the group rebalances is refused for now: made again once the rebalance is done
        CompletionStage<Void> commit = kafka.<String, String>getConsumer(channel).commit(next)
                .onFailure(RebalanceInProgressException.class).retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .atMost(30)
                .subscribeAsCompletionStage();
        String where = request.topic() + "-" + request.partition() + "@" + request.offset();
        return mine(commit, where).thenAcceptAsync(mine -> {
            if (mine) {
                start.accept(request.value());
            }
        }, Infrastructure.getDefaultWorkerPool());
    }

    /**
     * Whether the request is this instance's to run, by its commit's outcome: not when the group refused it
     * (this instance no longer owns the partition); when the outcome is unknown (no answer, a rebalance that
     * did not end), run as before the commit was made first, since no other instance may ever get it.
     */
    static CompletionStage<Boolean> mine(CompletionStage<Void> commit, String request) {
        return commit.handle((committed, failure) -> {
            if (failure == null) {
                return true;
            }
            Throwable why = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (why instanceof CommitFailedException) {
                LOG.infof("request %s: its partition went to another instance before its commit (%s); left to that instance",
                        request, why.getClass().getSimpleName());
                return false;
            }
            LOG.warnf("request %s: its commit got no answer (%s); run here all the same", request, why.getMessage());
            return true;
        });
    }
}
