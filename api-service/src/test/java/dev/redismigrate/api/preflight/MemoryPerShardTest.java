package dev.redismigrate.api.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.redis.ClusterDiscovery.ShardMemory;
import dev.redismigrate.api.redis.RedisProbe.Memory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cluster target's headroom, master by master: each takes about its slots' share of the source's data. */
class MemoryPerShardTest {
    private static final long MB = 1 << 20;

    @Test
    void theTightestMasterDecides() {
        Memory source = new Memory(0, 300 * MB, 0, 0);
        List<ShardMemory> roomy = List.of(new ShardMemory("a:1", 8192, new Memory(10 * MB, 0, 1000 * MB, 0)),
                new ShardMemory("b:2", 8192, new Memory(10 * MB, 0, 1000 * MB, 0)));
        PreflightReport.Check ok = SourceAssessment.memoryPerShard(source, roomy);
        assertTrue(ok.ok(), ok.message());
        assertEquals("source data 300.0 MB, spread by slot over 2 masters: a:1: ~150.0 MB to take, 10.0 MB used of "
                + "1000.0 MB (maxmemory); b:2: ~150.0 MB to take, 10.0 MB used of 1000.0 MB (maxmemory)", ok.message());

        // 3/4 of the slots on a master with 200 MB free: 225 MB is too much, though the total would fit
        List<ShardMemory> lopsided = List.of(new ShardMemory("a:1", 12288, new Memory(0, 0, 200 * MB, 0)),
                new ShardMemory("b:2", 4096, new Memory(0, 0, 1000 * MB, 0)));
        PreflightReport.Check full = SourceAssessment.memoryPerShard(source, lopsided);
        assertTrue(!full.ok() && full.message().endsWith("a master cannot take its share; raise its maxmemory or add shards"),
                full.message());
        assertTrue(full.message().contains("a:1: ~225.0 MB to take"), full.message());
    }
}
