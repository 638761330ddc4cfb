package dev.redismigrate.common.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Lower bounds only: a pacer never lets more pass than its rate (how much faster a machine is, it cannot say). */
class PacerTest {

    @Test
    void permitsTakeAtLeastTheirShareOfTime() {
        Pacer pacer = new Pacer(100);
        long start = System.nanoTime();
        for (int i = 0; i < 51; i++) {
            pacer.acquire(1);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 500, "51 permits at 100/s: 500 ms at least, took " + millis);
    }

    @Test
    void zeroIsUnlimited() {
        Pacer pacer = new Pacer(0);
        pacer.acquire(1_000_000_000L);
        assertEquals(0, pacer.rate());
    }

    @Test
    void aRaisedLimitEndsALongWaitBookedAtTheOldRate() throws Exception {
        Pacer pacer = new Pacer(1);
        pacer.acquire(1);
        Thread waiter = new Thread(() -> pacer.acquire(30)); // booked: 30 s at 1/s
        waiter.start();
        while (waiter.getState() != Thread.State.TIMED_WAITING) {
            Thread.sleep(5); // it waits on its booking
        }
        pacer.rate(0);
        waiter.join(10_000);
        assertTrue(!waiter.isAlive(), "the wait ended once the limit was lifted");
    }

    @Test
    void limitsReachTheMigrationsPacersBeforeAndAfterItsTasksTookThem() {
        UUID migration = UUID.randomUUID();
        Pacer keys = MigrationPacers.keys(migration);
        MigrationPacers.set(migration, new Limits(7, 9));
        assertEquals(7, keys.rate());
        assertEquals(9, MigrationPacers.commands(migration).rate());
    }
}
