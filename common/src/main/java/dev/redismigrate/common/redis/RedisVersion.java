package dev.redismigrate.common.redis;

/** A Redis server version such as 7.0.15, compared numerically. */
public record RedisVersion(int major, int minor, int patch) implements Comparable<RedisVersion> {

    public static RedisVersion parse(String text) {
        String[] parts = text.trim().split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            int patch = parts.length > 2 ? Integer.parseInt(parts[2].replaceAll("[^0-9].*$", "")) : 0;
            return new RedisVersion(major, minor, patch);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a Redis version: " + text);
        }
    }

    @Override
    public int compareTo(RedisVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) c = Integer.compare(minor, o.minor);
        if (c == 0) c = Integer.compare(patch, o.patch);
        return c;
    }

    public boolean isNewerThan(RedisVersion o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
