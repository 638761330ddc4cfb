package dev.redismigrate.common.redis;

/**
 * A Redis server could not be reached or refused what was asked. The message is meant for the
 * user: it names the server and the reason, and never a password.
 */
public class RedisAccessException extends RuntimeException {
    public RedisAccessException(String message) {
        super(message);
    }

    /**
     * Whether the server refused for now what it serves again once a cluster's failover or a slot's
     * move is over: {@code CLUSTERDOWN} (any node of a cluster whose slots are not all served, e.g.
     * while a dead master's replica is not yet promoted), {@code TRYAGAIN} (a multi-key read of a
     * slot being moved), {@code MASTERDOWN} (a replica that lost its master). Worth waiting for, not a
     * loss: the node and its data are there.
     */
    public boolean refusedForNow() {
        String m = getMessage();
        if (m == null) {
            return false;
        }
        for (String code : FOR_NOW) {
            if (m.startsWith(code) || m.contains(": " + code)) {
                return true;
            }
        }
        return false;
    }

    private static final String[] FOR_NOW = {"CLUSTERDOWN ", "TRYAGAIN ", "MASTERDOWN "};

    /** Redisson's messages carry channel and command details after the reason; keep the reason. */
    public static RedisAccessException from(String what, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root
                && (root instanceof java.util.concurrent.CompletionException
                || root instanceof java.util.concurrent.ExecutionException)) {
            root = root.getCause();
        }
        String tls = tlsReason(cause);
        return new RedisAccessException(what + ": " + (tls != null ? tls : reason(root)));
    }

    /**
     * A failed TLS handshake: Redisson says only "Unable to connect to: rediss://host:port", the
     * reason is deep in the causes. Null when no TLS failure is among them.
     */
    static String tlsReason(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.security.cert.CertPathBuilderException
                    || c instanceof java.security.cert.CertPathValidatorException) {
                return "the TLS handshake failed: the server's certificate is not signed by a trusted CA"
                        + " (give the CA that signed it)";
            }
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException) {
                return "the TLS handshake failed: " + reason(c);
            }
        }
        return null;
    }

    static String reason(Throwable t) {
        if (t instanceof org.redisson.client.RedisRedirectException redirect) {
            // Redisson's MOVED and ASK carry no message: say which slot went where
            return (t instanceof org.redisson.client.RedisAskException ? "ASK" : "MOVED") + " slot " + redirect.getSlot()
                    + " to " + redirect.getUrl().getHost() + ":" + redirect.getUrl().getPort()
                    + " (the slot is served elsewhere: a slot migration or a failover on the cluster)";
        }
        if (t instanceof org.redisson.client.RedisTimeoutException) {
            // what a TLS port does with a plain client: it waits for a handshake and answers nothing
            return "no answer in time (if this port expects TLS, connect with TLS)";
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        for (String cut : new String[] {". channel:", ", channel:", " channel: [", ". command:", ", command:", " command: ("}) {
            int i = m.indexOf(cut);
            if (i > 0) {
                m = m.substring(0, i);
            }
        }
        return m.trim();
    }
}
