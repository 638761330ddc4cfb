package dev.redismigrate.common.selection;

import java.nio.charset.StandardCharsets;

/**
 * A Redis glob pattern ({@code SCAN … MATCH}, {@code KEYS}) matched exactly as Redis matches it:
 * a port of {@code stringmatchlen} (util.c, Redis 7.x / Valkey, case-sensitive), byte by byte, so
 * binary keys match as they do on the server. {@code *} any bytes, {@code ?} one byte, {@code [abc]},
 * {@code [^a]}, {@code [a-z]} (a reversed range is swapped; bytes compare as C's signed chars, as on
 * x86), {@code \x} the byte x. Redis reads an unclosed {@code [} as a set running to the pattern's end
 * and a trailing {@code \} as itself; {@link #problem} says so for the API, which refuses both.
 */
public final class KeyPattern {
    /** Redis gives up (no match) beyond this nesting of {@code *}: abusive patterns cost no more. */
    private static final int MAX_NESTING = 1000;

    private final byte[] pattern;
    private final String text;

    private KeyPattern(String text, byte[] pattern) {
        this.text = text;
        this.pattern = pattern;
    }

    /** The pattern of a JSON string (its UTF-8 bytes, as redis-cli would send it). */
    public static KeyPattern of(String text) {
        return new KeyPattern(text, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A binary pattern, as a server would receive it. */
    public static KeyPattern ofBytes(byte[] pattern) {
        return new KeyPattern(new String(pattern, StandardCharsets.UTF_8), pattern.clone());
    }

    public String text() {
        return text;
    }

    /** The pattern's bytes, e.g. for {@code SCAN … MATCH}. */
    public byte[] bytes() {
        return pattern.clone();
    }

    public boolean matches(byte[] key) {
        return match(pattern, 0, pattern.length, key, 0, key.length, new boolean[1], 0);
    }

    /**
     * Why a pattern is refused, or null. Every byte string is a pattern to Redis; these are the ones
     * that almost certainly say something else than the user meant.
     */
    public static String problem(String text) {
        if (text.isEmpty()) {
            return "an empty pattern matches only the empty key name; use \"*\" for every key";
        }
        byte[] p = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < p.length; i++) {
            if (p[i] == '\\') {
                if (i == p.length - 1) {
                    return "\"" + text + "\" ends with a lone '\\' (escape it as \"\\\\\" for a literal backslash)";
                }
                i++;
            } else if (p[i] == '[') {
                int j = i + 1;
                if (j < p.length && p[j] == '^') {
                    j++;
                }
                boolean closed = false;
                for (; j < p.length; j++) {
                    if (p[j] == '\\' && j + 1 < p.length) {
                        j++;
                    } else if (p[j] == ']') {
                        closed = true;
                        break;
                    }
                }
                if (!closed) {
                    return "\"" + text + "\" has a '[' without its ']' (Redis would read the rest of the pattern as the set);"
                            + " escape it as \"\\\\[\" for a literal '['";
                }
                i = j;
            }
        }
        return null;
    }

    /** stringmatchlen_impl; positions instead of pointers, the same steps. */
    private static boolean match(byte[] p, int pi, int pl, byte[] s, int si, int sl, boolean[] skipLonger, int nesting) {
        if (nesting > MAX_NESTING) {
            return false;
        }
        while (pl > 0 && sl > 0) {
            switch (p[pi]) {
                case '*' -> {
                    while (pl > 1 && p[pi + 1] == '*') {
                        pi++;
                        pl--;
                    }
                    if (pl == 1) {
                        return true;
                    }
                    while (sl > 0) {
                        if (match(p, pi + 1, pl - 1, s, si, sl, skipLonger, nesting + 1)) {
                            return true;
                        }
                        if (skipLonger[0]) {
                            return false;
                        }
                        si++;
                        sl--;
                    }
                    // no match of the rest from anywhere here on: a longer match of an earlier '*' cannot help
                    skipLonger[0] = true;
                    return false;
                }
                case '?' -> {
                    si++;
                    sl--;
                }
                case '[' -> {
                    pi++;
                    pl--;
                    boolean not = pl > 0 && p[pi] == '^';
                    if (not) {
                        pi++;
                        pl--;
                    }
                    boolean matched = false;
                    while (true) {
                        if (pl == 0) { // unclosed: the set ran to the end; step back so the loop's end consumes nothing more
                            pi--;
                            pl++;
                            break;
                        } else if (p[pi] == '\\' && pl >= 2) {
                            pi++;
                            pl--;
                            if (p[pi] == s[si]) {
                                matched = true;
                            }
                        } else if (p[pi] == ']') {
                            break;
                        } else if (pl >= 3 && p[pi + 1] == '-') {
                            int start = p[pi];
                            int end = p[pi + 2];
                            int c = s[si];
                            if (start > end) {
                                int t = start;
                                start = end;
                                end = t;
                            }
                            pi += 2;
                            pl -= 2;
                            if (c >= start && c <= end) {
                                matched = true;
                            }
                        } else if (p[pi] == s[si]) {
                            matched = true;
                        }
                        pi++;
                        pl--;
                    }
                    if (not) {
                        matched = !matched;
                    }
                    if (!matched) {
                        return false;
                    }
                    si++;
                    sl--;
                }
                default -> {
                    if (p[pi] == '\\' && pl >= 2) {
                        pi++;
                        pl--;
                    }
                    if (p[pi] != s[si]) {
                        return false;
                    }
                    si++;
                    sl--;
                }
            }
            pi++;
            pl--;
            if (sl == 0) {
                while (pl > 0 && p[pi] == '*') {
                    pi++;
                    pl--;
                }
                break;
            }
        }
        return pl == 0 && sl == 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
