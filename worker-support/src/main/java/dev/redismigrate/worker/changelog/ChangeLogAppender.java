package dev.redismigrate.worker.changelog;

import dev.redismigrate.common.threads.MigrationThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Appends captured commands to a change log, many per record: a record is sent when it holds
 * {@code recordBytes} or its first command waited {@code lingerMillis}. Sending never waits for
 * Kafka's answer (the producer's buffer, bounded in bytes, is the only wait), so the capture keeps
 * the source's pace; {@link #captured()} is what Kafka has confirmed. A record Kafka refused ends
 * the capture: the next {@link #append} or {@link #flush} raises it.
 */
public final class ChangeLogAppender implements AutoCloseable {
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ChangeLogSettings settings;
    private final ScheduledExecutorService linger;

    private List<CapturedCommand> open = new ArrayList<>();
    private String openReplId;
    /** the offset the open record continues from (see {@link ChangeBatch#start}) */
    private long openStart = -1;
    /** where the capture began, for its first record (-1: not said) */
    private volatile long startsAt = -1;
    private int openBytes;
    private long openSinceNanos;
    /** the last command handed to the producer (sent or open): a reconnect continues after it */
    private volatile ChangeLogPosition appended;
    private volatile ChangeLogPosition captured;
    private volatile Exception failure;
    /** where records are also kept, as they are sent, for the task's own applier (null: nowhere) */
    private volatile SentRecords sent;

    ChangeLogAppender(String topic, KafkaProducer<byte[], byte[]> producer, ChangeLogSettings settings) {
        this.topic = topic;
        this.producer = producer;
        this.settings = settings;
        this.linger = MigrationThreads.timer("change-log-linger");
    }

    /**
     * The source offset the capture begins at (its PSYNC's, or the end of the RDB the commands follow): where
     * its first record continues from; later ones continue from the command appended before them.
     */
    public void startsAt(long offset) {
        startsAt = offset;
    }

    /** Keeps every record sent from now on in {@code records} too (for an applier in this process). */
    public void keepSentIn(SentRecords records) {
        this.sent = records;
    }

    public synchronized void append(String replId, CapturedCommand command) {
        raiseFailure();
        if (!open.isEmpty() && !replId.equals(openReplId)) {
            send();
        }
        if (open.isEmpty()) {
            openSinceNanos = System.nanoTime();
            openReplId = replId;
            ChangeLogPosition before = appended;
            openStart = before != null ? before.offset() : startsAt;
            // a timer only while a record is open: a periodic one woke 500 times a second for nothing
            // while the source was quiet (0.2-0.4 s of CPU per snapshot copy)
            try {
                linger.schedule(this::sendIfLingered, Math.max(1, settings.lingerMillis()), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // closed: nothing is sent from here on anyway
            }
        }
        open.add(command);
        openBytes += command.size();
        appended = new ChangeLogPosition(replId, command.endOffset(), command.db());
        if (openBytes >= settings.recordBytes()) {
            send();
        }
    }

    /** The last command appended (not necessarily in Kafka yet); null before the first. */
    public ChangeLogPosition appended() {
        return appended;
    }

    /** The last command Kafka has confirmed; null before the first. */
    public ChangeLogPosition captured() {
        return captured;
    }

    /** Sends the open record and waits until Kafka has everything; raises a refusal. */
    public void flush() {
        synchronized (this) {
            send();
        }
        producer.flush();
        raiseFailure();
    }

    private synchronized void sendIfLingered() {
        if (!open.isEmpty() && System.nanoTime() - openSinceNanos >= TimeUnit.MILLISECONDS.toNanos(settings.lingerMillis())) {
            try {
                send();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
    }

    private void send() {
        if (open.isEmpty()) {
            return;
        }
        ChangeBatch batch = new ChangeBatch(openReplId, open, openStart);
        CapturedCommand last = batch.last();
        ChangeLogPosition position = new ChangeLogPosition(openReplId, last.endOffset(), last.db());
        long bytes = openBytes;
        open = new ArrayList<>();
        openBytes = 0;
        byte[] value = ChangeLogCodec.encode(batch);
        SentRecords records = sent;
        SentRecords.Sent kept = records == null ? null : records.offer(batch, bytes);
        producer.send(new ProducerRecord<>(topic, 0, null, value), (metadata, e) -> {
            if (e != null) {
                if (failure == null) {
                    failure = e;
                }
            } else {
                captured = position; // one partition, idempotent producer: answers come in order
                if (kept != null) {
                    kept.confirm(metadata.offset());
                }
            }
        });
    }

    private void raiseFailure() {
        Exception e = failure;
        if (e != null) {
            throw new IllegalStateException("Kafka did not take the change log " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        linger.shutdownNow();
        producer.close(Duration.ofSeconds(5));
    }
}
