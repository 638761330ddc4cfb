package dev.redismigrate.api.preflight;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.value.Replies;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The preflight's {@code keys} check: how many keys of each migrated source db the key filters select,
 * by SCAN and the same matcher the workers use. A db is read to its end while the preflight's budget
 * of keys lasts ({@link #SCAN_BUDGET} in all); beyond it, the share selected among the keys read so far
 * (SCAN visits the hash table in an order unrelated to the names) estimates the rest, and says so.
 */
@ApplicationScoped
public class SelectedKeys {
    /** Keys read in all: about 100 round trips of 1000, well under a second on a local source. */
    static final long SCAN_BUDGET = 100_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] SCAN = Replies.ascii("SCAN");
    private static final byte[] COUNT = Replies.ascii("COUNT");
    private static final byte[] BATCH = Replies.ascii("1000");

    private final RedisConnector connector;

    SelectedKeys(RedisConnector connector) {
        this.connector = connector;
    }

    /** One db's count: {@code selected} of {@code total}, exact or estimated from {@code read} keys. */
    record Count(int db, long selected, long total, long read, boolean exact) {
    }

    PreflightReport.Check check(RedisEndpoint source, MigratedKeys keys, Map<Integer, Long> keysPerDb) {
        if (!keys.filtersKeys() && !keys.mapsDbs()) {
            return PreflightReport.Check.pass("keys", "no key filters and no db_map: every key of the migrated dbs, each db"
                    + " into the target db of its number");
        }
        StringJoiner message = new StringJoiner("; ");
        long selected = 0;
        boolean estimated = false;
        try (RedisLink link = connector.open(source, "redis-migrate-api")) {
            long budget = SCAN_BUDGET;
            for (Map.Entry<Integer, Long> db : keysPerDb.entrySet()) {
                if (!keys.migrates(db.getKey()) || db.getValue() == 0) {
                    continue;
                }
                Count count = keys.filtersKeys() ? count(link, keys, db.getKey(), db.getValue(), budget)
                        : new Count(db.getKey(), db.getValue(), db.getValue(), 0, true);
                budget = Math.max(1_000, budget - count.read());
                selected += count.selected();
                estimated |= !count.exact();
                message.add(describe(count, keys));
            }
        } catch (RedisAccessException e) {
            return PreflightReport.Check.warn("keys", "could not count the keys the filters select: " + e.getMessage());
        }
        String total = (estimated ? "about " : "") + selected + " keys selected";
        return message.length() == 0 ? PreflightReport.Check.warn("keys", "the migrated dbs of the source are empty")
                : selected == 0 ? PreflightReport.Check.warn("keys", "the filters select no key of the source now: " + message)
                : PreflightReport.Check.pass("keys", total + ": " + message);
    }

    private static String describe(Count count, MigratedKeys keys) {
        String into = keys.targetDb(count.db()) == count.db() ? "" : " (into db" + keys.targetDb(count.db()) + ")";
        if (count.exact()) {
            return "db" + count.db() + into + ": " + count.selected() + " of " + count.total() + " keys";
        }
        return "db" + count.db() + into + ": about " + count.selected() + " of " + count.total() + " keys (estimated from "
                + count.read() + " keys read)";
    }

    /** SCAN the db while the budget lasts; the selected share of what was read stands for the rest. */
    private static Count count(RedisLink link, MigratedKeys keys, int db, long total, long budget) {
        link.call("SELECT", db);
        byte[] cursor = Replies.ascii("0");
        long read = 0;
        long selected = 0;
        do {
            List<?> reply = (List<?>) Replies.await(link, link.send(new byte[][] {SCAN, cursor, COUNT, BATCH}), TIMEOUT,
                    "counting the selected keys");
            cursor = (byte[]) reply.get(0);
            for (Object key : (List<?>) reply.get(1)) {
                read++;
                if (keys.selects((byte[]) key)) {
                    selected++;
                }
            }
        } while (!(cursor.length == 1 && cursor[0] == '0') && read < budget);
        boolean exact = cursor.length == 1 && cursor[0] == '0';
        long estimate = exact || read == 0 ? selected : Math.round((double) selected / read * total);
        return new Count(db, estimate, exact ? read : total, read, exact);
    }
}
