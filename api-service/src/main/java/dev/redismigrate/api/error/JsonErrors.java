package dev.redismigrate.api.error;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.redismigrate.api.json.ControlCharacterException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.stream.Collectors;

/**
 * The 400 message for a body Jackson could not read. Jackson's own messages are never passed on:
 * they quote the offending input, which may be a password. Field names are given as paths
 * ({@code source.port}, {@code ignore_dbs[2]}); values never.
 */
final class JsonErrors {
    private JsonErrors() {
    }

    static String message(JsonProcessingException e) {
        // a syntax error inside a nested object comes wrapped in a mapping exception with a path
        JsonParseException syntax = e instanceof JsonParseException p ? p
                : e.getCause() instanceof JsonParseException p ? p : null;
        if (syntax != null) {
            // Jackson 2 has no type of its own for this one; StrictJson turns the detection on
            if (String.valueOf(syntax.getOriginalMessage()).startsWith("Duplicate field ")
                    && syntax.getProcessor() != null) {
                return "duplicate key " + path(syntax.getProcessor().getParsingContext()) + ": each key may appear once";
            }
            return "malformed JSON" + at(syntax.getLocation());
        }
        if (e instanceof MismatchedInputException m && String.valueOf(m.getOriginalMessage()).startsWith("Trailing token")) {
            return "trailing data after the JSON document" + at(m.getLocation());
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            if (e instanceof UnrecognizedPropertyException unknown) {
                return "unknown field " + printable(field) + known(unknown.getKnownPropertyIds());
            }
            if (e instanceof ControlCharacterException) {
                return "invalid value for " + field + " (control characters such as NUL or line breaks are not allowed)";
            }
            String expected = e instanceof MismatchedInputException m && m.getTargetType() != null
                    ? " (expected " + jsonType(m.getTargetType()) + ")"
                    : e.getCause() instanceof InputCoercionException ? " (a number out of range)" : "";
            return "invalid value for " + field + expected;
        }
        return e instanceof MismatchedInputException ? "the body must be a JSON object" : "invalid JSON";
    }

    /** A name the caller made up, as it may be shown: at most 64 characters, control characters as '?'. */
    private static String printable(String name) {
        String shown = name.length() > 64 ? name.substring(0, 64) + "…" : name;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    /** " (known: a, b)", the body's own field names; names only, never a value */
    private static String known(Collection<Object> names) {
        return names == null || names.isEmpty() ? ""
                : names.stream().map(String::valueOf).sorted().collect(Collectors.joining(", ", " (known: ", ")"));
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** The dotted path of the key the parser stands at. */
    private static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            parts.addFirst(c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
        }
        String joined = String.join("", parts);
        return joined.startsWith(".") ? joined.substring(1) : joined;
    }

    /** The JSON name of what a Java type is read from. */
    private static String jsonType(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return Collection.class.isAssignableFrom(type) || type.isArray() ? "an array" : "an object";
    }
}
