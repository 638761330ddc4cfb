package dev.redismigrate.worker.metrics;

import java.util.Locale;

/**
 * Sorts a worker's failure into a few kinds an operator acts on differently, for the failures
 * meter. Events carry the reason only as text for the user, so the kind is read from its words;
 * a reason that matches none is {@link #OTHER}.
 */
public enum FailureKind {
    /** the source or the target refused the credentials */
    AUTH("wrongpass", "noauth", "invalid password", "invalid username", "authentication"),
    /** the source can no longer serve the offset the stream must continue from */
    OFFSET_LOST("no longer continue", "backlog"),
    /** the source runs a Redis the target cannot take */
    VERSION("newer than"),
    /** the target refused or did not answer writes */
    TARGET_WRITE("the target", "did not answer"),
    /** a server could not be reached, or went away for too long */
    CONNECTION("connect", "refused", "timed out", "timeout", "lost the source", "unreachable", "closed"),
    OTHER;

    private final String[] words;

    FailureKind(String... words) {
        this.words = words;
    }

    /** The first kind, in declaration order, whose words occur in the reason. */
    public static FailureKind of(String reason) {
        if (reason == null) {
            return OTHER;
        }
        String text = reason.toLowerCase(Locale.ROOT);
        for (FailureKind kind : values()) {
            for (String word : kind.words) {
                if (text.contains(word)) {
                    return kind;
                }
            }
        }
        return OTHER;
    }

    /** As the meter's {@code kind} tag shows it. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
