package dev.redismigrate.common.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * JSON for Kafka records. Records travel as strings so that a consumer can park a record it
 * cannot read instead of failing inside a deserializer.
 */
public final class MessageCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final Logger LOG = Logger.getLogger(MessageCodec.class);

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
     * Decodes a record, or logs that it was skipped and returns empty: a record nobody can read must
     * not block its partition. The log names the type and the parse error, never the record.
     */
    public static <T> Optional<T> tryDecode(String json, Class<T> type) {
        try {
            return Optional.of(decode(json, type));
        } catch (UnreadableMessageException e) {
            LOG.errorf("unreadable %s skipped: %s", type.getSimpleName(), e.getMessage());
            return Optional.empty();
        }
    }

    public static final class UnreadableMessageException extends RuntimeException {
        public UnreadableMessageException(String message) {
            super(message);
        }
    }
}
