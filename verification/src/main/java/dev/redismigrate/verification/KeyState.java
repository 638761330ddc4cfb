package dev.redismigrate.verification;

/**
 * One key as read on one side.
 *
 * @param type   as TYPE names it; "none" when the key does not exist
 * @param pttl   PTTL: milliseconds left, -1 without expiry, -2 when absent
 * @param digest the value's digest (comparable between two sides read the same way), null when absent
 */
record KeyState(String type, long pttl, String digest) {
    static final String NONE = "none";

    boolean exists() {
        return !NONE.equals(type);
    }

    boolean expires() {
        return pttl >= 0;
    }
}
