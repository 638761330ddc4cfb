package dev.redismigrate.snapshot;

import static dev.redismigrate.common.value.Replies.ascii;
import static dev.redismigrate.snapshot.CraftedRdb.concat;
import static dev.redismigrate.snapshot.CraftedRdb.rdbString;
import static dev.redismigrate.snapshot.CraftedRdb.withValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.testing.RedisServer;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The replication copy meets a value it cannot rebuild: a real redis-server's RDB with one value
 * added after the last key (of db 3), served by a proxy that answers the copier's PSYNC. The copy
 * must stop at once (no retry, nothing skipped) and name the key, its db and its type.
 */
class UnreadableRdbValueTest {
    static final String MODULE_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    @RegisterExtension
    static final CraftedRdb.Copies COPIES = new CraftedRdb.Copies();

    @Test
    void aModuleValueOrAnUnknownTypeStopsTheCopyNamingTheKey() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start();
             RdbServingProxy proxy = new RdbServingProxy(source.port())) {
            source.cliPipe("SET plain v\nHSET hash f v\nZADD zset 0.1 a\nSELECT 3\nSET in:db3 yes\n");
            byte[] rdb = CraftedRdb.saved(source);

            // the real RDB as it is, through the proxy: copied whole (the proxy changes nothing else)
            proxy.serve(rdb);
            List<MigrationEvent> events = COPIES.copy(proxy, target);
            assertEquals(EventType.SNAPSHOT_COMPLETED, events.get(events.size() - 1).type(), () -> "events: " + events);
            assertEquals(source.digest(), target.digest());
            assertEquals(1, proxy.psyncs());

            byte[] binaryKey = {'m', 'o', 'd', ':', 0, (byte) 0xff};
            List<Case> cases = List.of(
                    new Case("an RDB type no parser knows", withValue(rdb, concat(new byte[] {30}, rdbString(binaryKey),
                            rdbString(ascii("some value")))),
                            "key 'mod:\\x00\\xff' in db 3 has RDB value type 30, unknown to this copier"),
                    new Case("a module's value (RDB_TYPE_MODULE_2)", withValue(rdb, concat(new byte[] {7}, rdbString(ascii("json:doc")),
                            moduleId("ReJSON-RL", 3), new byte[] {2, 5, 0})), // one unsigned (5), then the module EOF
                            "key 'json:doc' in db 3 holds a value of module type 'ReJSON-RL' (encoding version 3, RDB type 7)"),
                    new Case("a module's value in the old format (RDB_TYPE_MODULE)", withValue(rdb, concat(new byte[] {6},
                            rdbString(ascii("old:module")), moduleId("MBbloom--", 0), new byte[] {5})),
                            "key 'old:module' in db 3 holds a value of module type 'MBbloom--' (encoding version 0, RDB type 6)"),
                    // a set whose member count has a length encoding that does not exist (10|000101): the parse fails
                    new Case("a value the parser cannot read", withValue(rdb, concat(new byte[] {2}, rdbString(ascii("bad:set")),
                            new byte[] {(byte) 0x85})), "the source's RDB could not be parsed"),
                    // a string of 60 bytes with 3 left before the RDB's end: the library's parse ends quietly there (EOF)
                    new Case("a value longer than the RDB", withValue(rdb, concat(new byte[] {0}, rdbString(ascii("cut:short")),
                            new byte[] {60}, ascii("abc"))), "the source's RDB could not be parsed (its parse ended before the RDB's end)"));
            for (Case c : cases) {
                int psyncsBefore = proxy.psyncs();
                proxy.serve(c.rdb());
                List<MigrationEvent> run = COPIES.copy(proxy, target);

                MigrationEvent last = run.get(run.size() - 1);
                assertEquals(EventType.FAILED, last.type(), () -> c.name() + ": " + run);
                assertTrue(last.message().contains(c.expected()), c.name() + ": " + last.message());
                assertTrue(last.message().contains("the copy stopped rather than skip"), last.message());
                assertEquals(psyncsBefore + 1, proxy.psyncs(), c.name() + ": the same RDB is not read again");
                assertEquals(1, run.stream().filter(e -> e.type() == EventType.SNAPSHOT_STARTED).count(), () -> c.name() + ": " + run);
            }
        }
    }

    private record Case(String name, byte[] rdb, String expected) {
    }

    /** A module type's id: 9 characters of 6 bits each, then 10 bits of encoding version; a 64-bit RDB length. */
    private static byte[] moduleId(String name, int encodingVersion) {
        long id = 0;
        for (char c : name.toCharArray()) {
            id = (id << 6) | MODULE_CHARSET.indexOf(c);
        }
        id = (id << 10) | encodingVersion;
        return concat(new byte[] {(byte) 0x81}, ByteBuffer.allocate(8).putLong(id).array());
    }
}
