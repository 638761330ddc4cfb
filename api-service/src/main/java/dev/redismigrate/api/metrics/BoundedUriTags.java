package dev.redismigrate.api.metrics;

import dev.redismigrate.api.database.DatabaseResource;
import dev.redismigrate.api.migration.MigrationResource;
import dev.redismigrate.api.migration.OnlineMigrationResource;
import dev.redismigrate.api.preflight.PreflightResource;
import dev.redismigrate.api.verify.VerificationResource;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps the {@code uri} tag of the HTTP server meters to a fixed set. A request that matched a route
 * is tagged with its template ({@code /v2/migrations/{id}}); one refused before matching (no token:
 * 401, a method the path lacks: 405, a body too large: 413) would be tagged with its raw path, one
 * new series per path a caller invents. Those share the tag {@value #UNMATCHED}.
 */
public class BoundedUriTags {
    static final String UNMATCHED = "UNMATCHED";

    /** what Quarkus itself puts in the tag for some answers */
    private static final Set<String> QUARKUS_VALUES = Set.of("NOT_FOUND", "REDIRECTION", "UNKNOWN", "root");

    /** Routes without parameters; the others carry '{' in their template. */
    private static final Set<String> PLAIN_ROUTES = plainRoutes(List.of(DatabaseResource.class, MigrationResource.class,
            OnlineMigrationResource.class, PreflightResource.class, VerificationResource.class));

    @Produces
    @Singleton
    MeterFilter boundedUris() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String uri = id.getTag("uri");
                if (!id.getName().startsWith("http.server") || uri == null || kept(uri, id.getTag("status"))) {
                    return id;
                }
                List<Tag> tags = id.getTags().stream()
                        .map(t -> t.getKey().equals("uri") ? Tag.of("uri", UNMATCHED) : t).toList();
                return id.replaceTags(tags);
            }
        };
    }

    static boolean kept(String uri, String status) {
        if (uri.contains("{") || QUARKUS_VALUES.contains(uri) || PLAIN_ROUTES.contains(uri)) {
            return true;
        }
        // answered: only a route or a file that exists does that (a bounded set)
        return status != null && status.length() == 3 && status.charAt(0) < '4';
    }

    private static Set<String> plainRoutes(List<Class<?>> resources) {
        Set<String> routes = new HashSet<>();
        for (Class<?> resource : resources) {
            String root = resource.getAnnotation(Path.class).value();
            routes.add(root);
            for (Method method : resource.getDeclaredMethods()) {
                Path sub = method.getAnnotation(Path.class);
                if (sub != null) {
                    routes.add(root + (sub.value().startsWith("/") ? "" : "/") + sub.value());
                }
            }
        }
        return routes.stream().filter(r -> !r.contains("{")).collect(Collectors.toUnmodifiableSet());
    }
}
