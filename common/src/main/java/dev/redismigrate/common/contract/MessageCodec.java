package dev.redismigrate.common.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * JSON for Kafka records. Records travel as strings so that a consumer can park a record it
 * cannot read instead of failing inside a deserializer.
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
            throw new UnreadableMessageException(type.getSimpleName() + ": " + e.getOriginalMessage());
        }
    }

    public static final class UnreadableMessageException extends RuntimeException {
        public UnreadableMessageException(String message) {
            super(message);
        }
    }
}
