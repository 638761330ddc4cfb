package dev.redismigrate.api.migration;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RdbVersions;
import dev.redismigrate.common.redis.ServerRelease;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What must hold before a migration may start. */
public final class MigrationRules {
    private static final Pattern DB = Pattern.compile("(?:db)?(\\d{1,4})");

    private MigrationRules() {
    }

    /** Parses ignore_dbs entries ("db3" or "3"); the range is checked against the source later. */
    public static Set<Integer> ignoreDbs(List<String> entries) {
        Set<Integer> dbs = new TreeSet<>();
        if (entries == null) {
            return dbs;
        }
        for (String entry : entries) {
            dbs.add(db("ignore_dbs entries", entry));
        }
        return dbs;
    }

    /** One db named as ignore_dbs names them ("db3" or "3"); 400 naming the field otherwise. */
    public static int db(String field, String entry) {
        Matcher m = DB.matcher(entry == null ? "" : entry.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw ApiException.badRequest(field + " must be \"dbN\" or \"N\" (N a db number), got \"" + entry + "\"");
        }
        return Integer.parseInt(m.group(1));
    }

    /** @param databases how many dbs the source has (CONFIG GET databases, else Redis' default 16) */
    public static void requireWithin(Set<Integer> ignoreDbs, int databases) {
        for (int db : ignoreDbs) {
            if (db >= databases) {
                throw ApiException.badRequest("ignore_dbs: db" + db + " does not exist, the source has db0 to db"
                        + (databases - 1));
            }
        }
        if (ignoreDbs.size() >= databases) {
            throw ApiException.badRequest("ignore_dbs names every db of the source (db0 to db" + (databases - 1)
                    + "): nothing would be migrated");
        }
    }

    /**
     * A target cannot load an RDB version newer than the one it writes, by replication or from DUMP
     * payloads; that, not the version strings, says which pairs fit (see {@link RdbVersions}).
     */
    public static void requireLoadable(ServerRelease source, ServerRelease target) {
        if (target.loads(source)) {
            return;
        }
        if (RdbVersions.beyondTable(source)) {
            throw ApiException.unprocessable("the source's " + source + " is newer than the releases whose RDB version "
                    + "this service knows: only a target of " + source + " or newer is trusted to load its data");
        }
        throw ApiException.unprocessable("the source's " + source + " writes RDB version " + source.rdbVersion()
                + ", which the target's " + target + " cannot load (it reads up to RDB version " + target.rdbVersion()
                + "): use a target that reads RDB version " + source.rdbVersion());
    }

    /**
     * Migrating a server into itself would replay its own writes forever. Addresses say it before any
     * server is asked; other addresses of one server only its run_id tells (see ServerChecks).
     */
    public static void requireDistinct(RedisEndpoint source, RedisEndpoint target) {
        if (source.port() == target.port() && sameHost(source.host(), target.host())) {
            throw ApiException.unprocessable("the source " + source.address() + " and the target " + target.address()
                    + " are one server (the same address): a server migrated into itself would replay its own writes forever");
        }
    }

    private static boolean sameHost(String a, String b) {
        if (a.equalsIgnoreCase(b)) {
            return true;
        }
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b));
        } catch (UnknownHostException e) {
            return false; // an unknown source fails the connection check with a clearer reason
        }
    }
}
