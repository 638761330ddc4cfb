package dev.redismigrate.worker;

import java.util.UUID;

/** A long job of one migration that a worker runs on its own thread and can be asked to stop. */
public interface MigrationTask extends Runnable {
    UUID migrationId();

    int attempt();

    /** Ask the task to end soon; it keeps what it has written and reports STOPPED. */
    void stop();
}
