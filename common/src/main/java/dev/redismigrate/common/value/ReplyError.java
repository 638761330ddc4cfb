package dev.redismigrate.common.value;

/** An error reply read as a value (e.g. WRONGTYPE after a concurrent change): it digests as such. */
public record ReplyError(String message) {
}
