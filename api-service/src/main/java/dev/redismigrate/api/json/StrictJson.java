package dev.redismigrate.api.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Request bodies are read as written, never guessed at: a document with anything after it, a key
 * given twice, a fractional or quoted number, a quoted boolean, a number for a string, or a control
 * character in a string is refused (400, naming the field: see ErrorMappers) instead of being
 * truncated, coerced or silently resolved to the last value. A field a {@link KnownFieldsOnly} body
 * does not know is refused too; other bodies ignore theirs (the provider's clients send some).
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        // "6379" or 6379.5 for a whole number, "true" or 1 for a boolean: each a 400, never converted
        mapper.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
        refuse(mapper, LogicalType.Integer, CoercionInputShape.String, CoercionInputShape.EmptyString,
                CoercionInputShape.Float, CoercionInputShape.Boolean);
        refuse(mapper, LogicalType.Boolean, CoercionInputShape.String, CoercionInputShape.EmptyString,
                CoercionInputShape.Integer, CoercionInputShape.Float);
        // strings: see PlainTextDeserializer (a number for a string is refused there too)
        mapper.registerModule(new SimpleModule("plain-text").addDeserializer(String.class, new PlainTextDeserializer()));
        mapper.addHandler(new UnknownFields());
    }

    /** Called for every field a body does not know (Quarkus turns Jackson's own refusal off): refuses those of ours. */
    private static final class UnknownFields extends DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(DeserializationContext context, JsonParser parser, JsonDeserializer<?> deserializer,
                Object beanOrClass, String field) throws IOException {
            Class<?> type = beanOrClass instanceof Class<?> c ? c : beanOrClass.getClass();
            if (type.isAnnotationPresent(KnownFieldsOnly.class)) {
                throw UnrecognizedPropertyException.from(parser, beanOrClass, field, deserializer.getKnownPropertyNames());
            }
            return false;
        }
    }

    private static void refuse(ObjectMapper mapper, LogicalType type, CoercionInputShape... shapes) {
        for (CoercionInputShape shape : shapes) {
            mapper.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
        }
    }
}
