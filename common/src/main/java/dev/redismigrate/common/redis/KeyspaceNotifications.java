package dev.redismigrate.common.redis;

import java.util.List;
import java.util.Map;

/** The source setting the scan method's change capture depends on: {@code notify-keyspace-events}. */
public final class KeyspaceNotifications {
    /** Key-event notifications of every class: what the capture needs. */
    public static final String CAPTURE_FLAGS = "EA";
    /** The classes that "A" stands for (generic, string, list, set, hash, zset, expired, evicted, stream). */
    private static final String ALL_CLASSES = "g$lshzxet";
    private static final String SETTING = "notify-keyspace-events";

    private KeyspaceNotifications() {
    }

    /** Whether these flags include what the capture needs. */
    public static boolean cover(String flags) {
        if (flags == null || flags.indexOf('E') < 0) {
            return false;
        }
        return flags.indexOf('A') >= 0 || ALL_CLASSES.chars().allMatch(c -> flags.indexOf(c) >= 0);
    }

    /** The server's flags, or null when CONFIG GET is refused (renamed away, ACL). */
    public static String current(RedisLink link) {
        try {
            Object reply = link.call("CONFIG", "GET", SETTING);
            Object value = reply instanceof Map<?, ?> map ? map.get(SETTING)
                    : reply instanceof List<?> list && list.size() == 2 ? list.get(1) : null;
            return value == null ? null : value.toString();
        } catch (RedisAccessException e) {
            return null;
        }
    }

    /** Sets the flags; {@link RedisAccessException} when CONFIG SET is refused. */
    public static void set(RedisLink link, String flags) {
        link.call("CONFIG", "SET", SETTING, flags);
    }
}
