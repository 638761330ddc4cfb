package dev.redismigrate.common.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.redismigrate.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Our slot of a key is the server's (CLUSTER KEYSLOT), hash tags included. */
class HashSlotTest {

    @Test
    void slotsAgreeWithClusterKeyslot() {
        List<String> keys = new ArrayList<>(List.of("", "a", "foo", "user:1000", "{user1000}.following",
                "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{}", "{", "}", "{a", "a}b{c}",
                "ünïcode-ключ", "123456789"));
        Random random = new Random(16);
        for (int i = 0; i < 300; i++) {
            StringBuilder key = new StringBuilder();
            int length = random.nextInt(20);
            for (int j = 0; j < length; j++) {
                key.append("ab{}:x1é".charAt(random.nextInt(8)));
            }
            keys.add(key.toString());
        }
        try (RedisServer node = RedisServer.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-port", Integer.toString(RedisServer.freePort()))) {
            StringBuilder script = new StringBuilder();
            for (String key : keys) {
                script.append("CLUSTER KEYSLOT \"").append(key.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
            }
            String[] answers = node.cliPipe(script.toString()).trim().split("\n");
            assertEquals(keys.size(), answers.length);
            for (int i = 0; i < keys.size(); i++) {
                assertEquals(Integer.parseInt(answers[i].replaceAll("[^0-9]", "")), HashSlot.of(keys.get(i)), keys.get(i));
            }
        }
        assertEquals(12182, HashSlot.of("foo"));
        assertEquals(HashSlot.of("user1000"), HashSlot.of("{user1000}.following"));
    }

    @Test
    void everySlotHasAShortTagThatHashesToIt() {
        for (int slot = 0; slot < HashSlot.SLOTS; slot++) {
            String tag = HashSlot.tag(slot);
            assertEquals(slot, HashSlot.of("redis-migrate:checkpoint:x:{" + tag + "}"), "tag " + tag);
            assertEquals(tag, Integer.toString(Integer.parseInt(tag)), "a plain decimal");
        }
    }
}
