package dev.redismigrate.worker.changelog;

import net.jpountz.lz4.LZ4Factory;
import org.jboss.logging.Logger;

/**
 * Makes Kafka's LZ4 (the change log's compression) use lz4-java's native build. lz4-java hands out its
 * native build only once it is loaded, or when it sits in the system class loader; in a Quarkus
 * application it sits in Quarkus's own, so every record was compressed by the pure-Java build: 40% of
 * the stream worker's samples in a flight recording under a steady load of 30,000 writes/s (12-07).
 * Loading it first, here, is all it takes; where it cannot load (another platform), the Java build
 * stays, as before.
 */
final class NativeLz4 {
    private static final Logger LOG = Logger.getLogger(NativeLz4.class);
    private static final boolean IN_USE = load();

    private NativeLz4() {
    }

    /** Whether Kafka's LZ4 runs natively; the first call loads it. */
    static boolean inUse() {
        return IN_USE;
    }

    private static boolean load() {
        try {
            LZ4Factory.nativeInstance();
            return true;
        } catch (Throwable t) { // an UnsatisfiedLinkError or an unsupported platform: the Java build stays
            LOG.infof("lz4-java's native build did not load (%s); the change log is compressed in Java", t.toString());
            return false;
        }
    }
}
