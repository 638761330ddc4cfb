package dev.redismigrate.common.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * JSON for Kafka records. Records travel as strings so that a consumer can park a record it
 * cannot read on the dead-letter topic ({@link Topics#DEAD_LETTERS}) instead of failing inside a
 * deserializer.
 */
public final class MessageCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private MessageCodec() {
    }

    public static String encode(Object message) {
        try {
            return MAPPER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /** @throws UnreadableMessageException when the text is not a valid {@code type} */
    public static <T> T decode(String json, Class<T> type) {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new UnreadableMessageException(type.getSimpleName() + ": empty record");
            }
            return value;
        } catch (JsonProcessingException e) {
            // the parser's own message may quote the record; say only where it broke
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new UnreadableMessageException(type.getSimpleName() + ": not valid JSON for this type" + where);
        }
    }

    /**
     * Thrown by consumers for a record they cannot use: the consumer's channel parks it on the
     * dead-letter topic and goes on. Its message names the type and the problem, never the record.
     */
    public static final class UnreadableMessageException extends RuntimeException {
        public UnreadableMessageException(String message) {
            super(message);
        }
    }
}
