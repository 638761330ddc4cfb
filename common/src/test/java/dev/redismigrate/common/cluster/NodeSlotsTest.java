package dev.redismigrate.common.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** CLUSTER NODES as Redis 7.0 writes it, for a master with a slot migrating out and one coming in, and for its replica. */
class NodeSlotsTest {
    private static final String NODES = """
            aaa 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460 [100->-bbb] [6000-<-bbb]
            bbb 127.0.0.1:7002@17002 master - 0 1700000000000 2 connected 5461-10922
            ccc 127.0.0.1:7003@17003 master - 0 1700000000000 3 connected 10923-16383
            ddd 127.0.0.1:7004@17004 slave aaa 0 1700000000000 1 connected
            """;

    @Test
    void aMastersMovesAreNamedWithTheOtherNodesAddress() {
        NodeSlots slots = NodeSlots.parse(NODES);
        assertEquals("slot 100 migrating to 127.0.0.1:7002; slot 6000 importing from 127.0.0.1:7002",
                slots.movesFrom(SlotRange.parse("0-5460")));
    }

    @Test
    void slotsThatChangedHandsAreNamed() {
        String after = NODES.replace(" [100->-bbb] [6000-<-bbb]", "").replace("0-5460", "0-99,101-5460,6000");
        assertEquals("slots 100 served by another shard now; slots 6000 served here now",
                NodeSlots.parse(after).movesFrom(SlotRange.parse("0-5460")));
    }

    @Test
    void aReplicaShowsItsMastersSlotsAndNothingMovesWhileTheyStayPut() {
        String replica = NODES.replace("myself,master", "master").replace(" [100->-bbb] [6000-<-bbb]", "")
                .replace("slave aaa", "myself,slave aaa");
        assertNull(NodeSlots.parse(replica).movesFrom(SlotRange.parse("0-5460")));
        assertEquals("slots 5461-5470 served by another shard now", NodeSlots.parse(replica).movesFrom(SlotRange.parse("0-5470")));
    }
}
