package dev.redismigrate.api.migration;

import dev.redismigrate.api.Ids;
import dev.redismigrate.api.database.DatabaseService;
import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.json.KnownFieldsOnly;
import dev.redismigrate.api.redis.EndpointInput;
import dev.redismigrate.api.redis.RedisUri;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SnapshotLoad;
import dev.redismigrate.common.limits.Limits;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.common.selection.KeySelection;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Body of PUT /v2/databases/{id}/online-migration, as DigitalOcean's clients send it. A top-level field
 * it does not know is refused (the provider's clients send {@code source}, {@code disable_ssl} and
 * {@code ignore_dbs} only, so such a field is a typo, and {@code include_key} ignored would migrate
 * every key); {@link Source} ignores what it does not know ({@code dbname}, the provider's {@code ssl}).
 */
@KnownFieldsOnly
public record StartMigrationRequest(
        @Schema(description = "the source: host and port (username, password), or uri") Source source,
        @Schema(description = "true: plain TCP to the source; absent or false: TLS") Boolean disableSsl,
        @Schema(description = "source dbs left out (\"dbN\" or \"N\")", example = "[\"db5\"]") List<String> ignoreDbs,
        @Schema(description = "\"replication\" or \"scan\"; absent: the preflight chooses") String method,
        @Schema(description = "what the migration may cost per second; absent or 0: unlimited") LimitsInput limits,
        @Schema(description = "Redis MATCH glob patterns (*, ?, [abc], [^a], [a-z], \\x): a key is migrated when it "
                + "matches any of them (absent or empty: every key) and none of exclude_keys. An unclosed [ or a "
                + "trailing lone \\ is refused (400), as is an empty pattern", example = "[\"user:*\", \"order:*\"]")
        List<String> includeKeys,
        @Schema(description = "Redis MATCH glob patterns of keys left out", example = "[\"*:tmp\"]") List<String> excludeKeys,
        @Schema(description = "source db into target db, e.g. {\"db3\": \"db0\"}; a db not named keeps its number; "
                + "an ignored db cannot be mapped; two source dbs into one target db need allow_merge; a target db the "
                + "target lacks is a 422", example = "{\"db3\": \"db0\"}") Map<String, String> dbMap,
        @Schema(description = "true: several source dbs may go into one target db (a key in several: the last copied wins)")
        Boolean allowMerge,
        @Schema(description = "replication: \"restore\" (absent: the worker writes each key; any target, filters and "
                + "db_map honoured) or \"replica\" (the target loads the RDB itself as a replica of the worker, then is "
                + "detached: the fastest copy; a standalone target that is empty, allows CONFIG SET masterauth and "
                + "REPLICAOF, reaches the worker, and is not reached by TLS; every db, no filters)", example = "replica")
        String snapshotLoad) {

    /**
     * A start (or its preflight) as far as it needs no server: the target, the source (its password
     * sealed), the method the request forces (null: the preflight chooses) and the dbs left out.
     */
    public record Read(TargetDatabase target, RedisEndpoint source, MigrationMethod asked, Set<Integer> ignoreDbs,
            Limits limits, KeySelection selection, SnapshotLoad load) {
    }

    /** Reads the request for that target: 400 for what it lacks or gets wrong, 404 for an unknown target. */
    public static Read read(String databaseId, StartMigrationRequest request, SecretCipher cipher) {
        UUID targetId = Ids.parse("database", databaseId);
        RedisEndpoint source = sourceOf(request, cipher);
        MigrationMethod asked = methodOf(request);
        Set<Integer> ignoreDbs = MigrationRules.ignoreDbs(request.ignoreDbs());
        Limits limits = LimitsInput.read(request.limits());
        KeySelection selection = KeySelectionInput.read(request, ignoreDbs);
        SnapshotLoad load = SnapshotLoadInput.read(request.snapshotLoad(), asked, ignoreDbs, selection);
        if (load == SnapshotLoad.REPLICA) {
            asked = MigrationMethod.REPLICATION; // what a replica's load needs: not for the preflight to choose
        }
        return new Read(DatabaseService.find(targetId), source, asked, ignoreDbs, limits, selection, load);
    }

    /**
     * The source as an endpoint, its password sealed at once; 400 when the request lacks one.
     * {@code disable_ssl} absent or false means TLS, as the provider's clients expect.
     */
    private static RedisEndpoint sourceOf(StartMigrationRequest request, SecretCipher cipher) {
        if (request == null || request.source() == null) {
            throw ApiException.badRequest("source is required");
        }
        Source s = request.source();
        if (s.uri() != null) {
            if (s.host() != null || s.port() != null) {
                throw ApiException.badRequest("give source.uri or source.host and source.port, not both");
            }
            RedisUri uri = RedisUri.parse("source.uri", s.uri());
            if (request.disableSsl() != null && request.disableSsl() == uri.tls()) {
                throw ApiException.badRequest(uri.tls() ? "source.uri asks for TLS (rediss://) but disable_ssl is true"
                        : "source.uri asks for plain TCP (redis://) but disable_ssl is false: use rediss:// for TLS");
            }
            return EndpointInput.of("source.uri", uri.host(), uri.port(), uri.username(), uri.password(), uri.tls(), cipher);
        }
        boolean tls = !Boolean.TRUE.equals(request.disableSsl());
        return EndpointInput.of("source", s.host(), s.port(), s.username(), s.password(), tls, cipher);
    }

    /** The method the request forces, or null to let the preflight choose; 400 for an unknown one. */
    private static MigrationMethod methodOf(StartMigrationRequest request) {
        if (request == null || request.method() == null) {
            return null;
        }
        return MigrationMethod.parse(request.method()).orElseThrow(() ->
                ApiException.badRequest("method must be \"replication\" or \"scan\" (or left out to let the preflight choose)"));
    }

    /**
     * {@code dbname} (e.g. "defaultdb") means nothing to Redis: accepted and ignored. {@code uri}
     * ({@code redis://} or {@code rediss://}) may replace host, port, username, password and TLS.
     */
    public record Source(String host, Integer port, String dbname, String username, String password, String uri) {
        @Override
        public String toString() {
            // records print every component; this one must not print the password
            return "Source[" + username + "@" + host + ":" + port + (uri == null ? "" : " uri") + "]";
        }
    }
}
