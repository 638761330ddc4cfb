package dev.redismigrate.api.json;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A request body (or part of one) of this service's own, which no provider client sends: a field it
 * does not know is a typo ({@code keys_per_sec}, {@code sample} for {@code sample_size}) and is refused
 * (400 naming it and the known ones) rather than ignored, which would silently do nothing. The
 * provider's own shapes (the start's body and its {@code source}) stay lenient: its clients send
 * fields that mean nothing here ({@code dbname}). See {@link StrictJson}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface KnownFieldsOnly {
}
