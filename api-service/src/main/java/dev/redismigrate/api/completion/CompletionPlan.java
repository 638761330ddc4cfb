package dev.redismigrate.api.completion;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.contract.VerifyMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a completion was asked to do, read and checked from its body.
 *
 * @param pause how long the source's writes are paused, or null (no pause)
 * @param verify the verification once the point is reached, or null (none)
 */
record CompletionPlan(Duration pause, VerifyMode verify, Duration timeout, boolean force) {
    static final Duration MAX_PAUSE = Duration.ofSeconds(60);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final Duration MAX_TIMEOUT = Duration.ofHours(1);
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

    static CompletionPlan read(CompleteRequest body) {
        CompleteRequest b = body == null ? new CompleteRequest(null, null, null, null) : body;
        boolean force = Boolean.TRUE.equals(b.force());
        Duration pause = b.pauseSourceWrites() == null ? null : duration("pause_source_writes", b.pauseSourceWrites());
        if (pause != null && (pause.isZero() || pause.compareTo(MAX_PAUSE) > 0)) {
            throw ApiException.badRequest("pause_source_writes must be more than 0 and at most " + MAX_PAUSE.toSeconds()
                    + "s, got \"" + b.pauseSourceWrites() + "\"");
        }
        VerifyMode verify = verify(b.verify());
        Duration timeout = b.timeout() == null ? DEFAULT_TIMEOUT : duration("timeout", b.timeout());
        if (timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw ApiException.badRequest("timeout must be more than 0 and at most 1h, got \"" + b.timeout() + "\"");
        }
        if (force && (pause != null || verify != null || b.timeout() != null)) {
            throw ApiException.badRequest("force ends the migration at once: pause_source_writes, verify and timeout do not apply");
        }
        return new CompletionPlan(pause, verify, timeout, force);
    }

    /** A whole number of ms, s or m, e.g. "10s". */
    static Duration duration(String field, String text) {
        Matcher d = DURATION.matcher(text.trim());
        if (!d.matches()) {
            throw ApiException.badRequest(field + " must be a duration such as \"10s\", \"500ms\" or \"1m\", got \"" + text + "\"");
        }
        long n = Long.parseLong(d.group(1));
        return switch (d.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    private static VerifyMode verify(String text) {
        if (text == null || text.equals("none")) {
            return null;
        }
        return switch (text) {
            case "sample" -> VerifyMode.SAMPLE;
            case "full" -> VerifyMode.FULL;
            default -> throw ApiException.badRequest("verify must be \"none\", \"sample\" or \"full\", got \"" + text + "\"");
        };
    }

    /** For the history. */
    String describe() {
        return (pause == null ? "no pause of the source's writes" : "source writes paused for " + pause.toMillis() + " ms")
                + ", verify " + (verify == null ? "none" : verify.wire()) + ", timeout " + timeout.toMillis() + " ms";
    }
}
