package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.Topics;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Topic names live in common's {@link Topics}. SmallRye channels must name their topic in the
 * configuration: every module's configured topic must be {@code ${redis-migrate.topic-prefix:}}
 * followed by one of Topics' names, and no main source other than Topics spells one out.
 */
class TopicNamesTest {
    private static final String PREFIX = "${redis-migrate.topic-prefix:}";

    @Test
    void everyConfiguredTopicIsOneOfTopicsNamesBehindThePrefix() {
        Set<String> names = topicsNames();
        TreeMap<String, String> configured = new TreeMap<>();
        for (Path file : configurationFiles()) {
            Properties p = load(file);
            for (String key : p.stringPropertyNames()) {
                if (key.endsWith(".topic")) {
                    configured.put(ServiceProcess.ROOT.relativize(file) + ": " + key, p.getProperty(key).trim());
                }
            }
        }
        List<String> wrong = configured.entrySet().stream()
                .filter(e -> !e.getValue().startsWith(PREFIX) || !names.contains(e.getValue().substring(PREFIX.length())))
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
        assertEquals(List.of(), wrong, "topics must be " + PREFIX + " and one of " + names);
        // not vacuous: the workers' requests, the events, the control topic and the dead letters are configured
        Set<String> used = configured.values().stream().map(v -> v.substring(PREFIX.length())).collect(Collectors.toSet());
        assertTrue(used.containsAll(Set.of(Topics.SNAPSHOT_REQUESTS, Topics.STREAM_REQUESTS, Topics.CONTROL, Topics.EVENTS,
                Topics.VERIFY_REQUESTS, Topics.VERIFY_REPORTS, Topics.DEAD_LETTERS)), "configured: " + configured);
    }

    @Test
    void noMainSourceSpellsOutATopicName() throws IOException {
        Set<String> quoted = topicsNames().stream().map(n -> "\"" + n + "\"").collect(Collectors.toSet());
        List<String> found = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(ServiceProcess.ROOT)) {
            sources = files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/java/")
                    && !f.endsWith(Path.of("common/src/main/java/dev/redismigrate/common/contract/Topics.java"))).toList();
        }
        for (Path source : sources) {
            String text = Files.readString(source);
            quoted.stream().filter(text::contains).forEach(q -> found.add(ServiceProcess.ROOT.relativize(source) + ": " + q));
        }
        assertTrue(sources.size() > 50, "sources searched: " + sources.size());
        assertEquals(List.of(), found);
    }

    /** Every module's own configuration: application.properties and a library's microprofile-config.properties. */
    private static List<Path> configurationFiles() {
        try (Stream<Path> files = Files.walk(ServiceProcess.ROOT)) {
            List<Path> found = files.filter(f -> f.toString().contains("/src/main/resources/")
                    && (f.endsWith("application.properties") || f.endsWith("microprofile-config.properties"))).toList();
            assertTrue(found.size() >= 4, "configuration files found: " + found);
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static Set<String> topicsNames() {
        Set<String> names = new TreeSet<>();
        for (Field f : Topics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    names.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return names;
    }
}
