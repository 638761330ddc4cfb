package dev.redismigrate.common.selection;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which keys a migration moves and where (the PUT's {@code include_keys}, {@code exclude_keys},
 * {@code db_map}, {@code allow_merge}), as the API validated it, stored with the migration and
 * carried in the workers' requests. {@link MigratedKeys} applies it.
 *
 * @param dbMap source db → target db; a db not named goes into the target db of its own number
 * @param allowMerge the user accepted that two source dbs go into one target db
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record KeySelection(
        @JsonProperty("include_keys") List<String> includeKeys,
        @JsonProperty("exclude_keys") List<String> excludeKeys,
        @JsonProperty("db_map") Map<Integer, Integer> dbMap,
        @JsonProperty("allow_merge") boolean allowMerge) {

    public static final KeySelection ALL = new KeySelection(List.of(), List.of(), Map.of(), false);

    public KeySelection {
        includeKeys = includeKeys == null ? List.of() : List.copyOf(includeKeys);
        excludeKeys = excludeKeys == null ? List.of() : List.copyOf(excludeKeys);
        dbMap = dbMap == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(dbMap));
    }

    /** A request of an older api-service carries none: every key, each db into its own number. */
    public static KeySelection orAll(KeySelection selection) {
        return selection == null ? ALL : selection;
    }

    @JsonIgnore
    public boolean filtersKeys() {
        return !includeKeys.isEmpty() || !excludeKeys.isEmpty();
    }
}
