package dev.redismigrate.worker.changelog;

/**
 * @param recordBytes commands per change-log record, in bytes about (a record is sent when full)
 * @param lingerMillis how long a record that is not full waits for more commands
 * @param bufferBytes bytes of records on their way to Kafka at most (the capture waits beyond)
 * @param fetchBytes bytes an applier fetches from Kafka at once at most
 */
public record ChangeLogSettings(int recordBytes, int lingerMillis, long bufferBytes, long fetchBytes) {
}
