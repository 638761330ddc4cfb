package dev.redismigrate.common.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.redisson.client.RedisAskException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisMovedException;
import org.redisson.misc.RedisURI;

/** What a failure says: a redirection names its slot and where it went (Redisson's have no message). */
class RedisAccessExceptionTest {
    @Test
    void aMovedOrAskNamesTheSlotAndTheNode() {
        RedisAccessException moved = RedisAccessException.from("reading keys from 127.0.0.1:7000 failed",
                new CompletionException(new RedisMovedException(866, new RedisURI("redis://127.0.0.1:7002"))));
        assertEquals("reading keys from 127.0.0.1:7000 failed: MOVED slot 866 to 127.0.0.1:7002 (the slot is served"
                + " elsewhere: a slot migration or a failover on the cluster)", moved.getMessage());
        String ask = RedisAccessException.reason(new RedisAskException(12, new RedisURI("redis://10.0.0.5:6380")));
        assertEquals("ASK slot 12 to 10.0.0.5:6380 (the slot is served elsewhere: a slot migration or a failover on the cluster)", ask);
    }

    @Test
    void aClusterThatIsDownForNowIsToldApartFromALoss() {
        assertTrue(new RedisAccessException("reading keys from 127.0.0.1:7002 failed: CLUSTERDOWN The cluster is down").refusedForNow());
        assertTrue(RedisAccessException.from("reading keys from 127.0.0.1:7002", new CompletionException(
                new RedisException("TRYAGAIN Multiple keys request during rehashing of slot. channel: [id: 0x1]"))).refusedForNow());
        assertTrue(new RedisAccessException("SCAN on 127.0.0.1:7003 failed: MASTERDOWN Link with MASTER is down").refusedForNow());
        assertFalse(new RedisAccessException("reading keys from 127.0.0.1:7002 failed: Connection refused").refusedForNow());
        assertFalse(new RedisAccessException("reading keys from 127.0.0.1:7002 failed: NOPERM this user has no permissions").refusedForNow());
        // a key named so is not the server's refusal
        assertFalse(new RedisAccessException("reading keys from 127.0.0.1:7002 failed: ERR key CLUSTERDOWN-x").refusedForNow());
    }
}
