package dev.redismigrate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.redismigrate.common.redis.RedisLink;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaOffsetsTest {

    @Test
    void readsTheLowestOffsetTheOnlineReplicasAcknowledged() {
        Map<String, String> info = RedisLink.infoFields("""
                # Replication\r
                role:master\r
                connected_slaves:3\r
                slave0:ip=10.0.0.2,port=6379,state=online,offset=1200,lag=0\r
                slave1:ip=10.0.0.3,port=6379,state=wait_bgsave,offset=0,lag=0\r
                slave2:ip=10.0.0.4,port=6379,state=online,offset=1150,lag=1\r
                master_replid:d19c7bfcc602a8da8dbf21889e6d31ccbef5b49b\r
                master_repl_offset:1300\r
                """);
        assertEquals(1300, ReplicaOffsets.masterOffset(info));
        assertEquals(1150, ReplicaOffsets.lowestAcknowledged(info), "any online replica may be promoted");
    }

    @Test
    void aMasterWithoutReplicasOrOnlySyncingOnesHasNoneAcknowledging() {
        assertEquals(-1, ReplicaOffsets.lowestAcknowledged(RedisLink.infoFields("role:master\r\nconnected_slaves:0\r\n")));
        assertEquals(-1, ReplicaOffsets.lowestAcknowledged(RedisLink.infoFields(
                "connected_slaves:1\r\nslave0:ip=a,port=1,state=wait_bgsave,offset=0,lag=0\r\n")));
        // a target that refused INFO (CheckpointedApplier reads no field then): no replica known
        assertEquals(-1, ReplicaOffsets.lowestAcknowledged(Map.of()));
    }
}
