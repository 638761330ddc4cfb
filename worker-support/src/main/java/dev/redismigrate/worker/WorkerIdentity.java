package dev.redismigrate.worker;

import java.lang.management.ManagementFactory;

/** Names this process in events and logs: host and pid. */
public final class WorkerIdentity {
    private static final String NAME = ManagementFactory.getRuntimeMXBean().getName();

    private WorkerIdentity() {
    }

    public static String name() {
        return NAME;
    }
}
