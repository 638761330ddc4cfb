#!/usr/bin/env bash
# The cluster variant of demo.sh: a Redis 7.0 Cluster of 3 masters with a replica each (ports 17001-17006)
# migrated through the API into a Valkey 8 Cluster of 2 masters (17101-17102), a different shard count and
# family. Installs and starts PostgreSQL, Kafka and the services as demo.sh does, fills the source through
# the cluster protocol, waits for `syncing` with every shard syncing, writes more, then asks the service's
# own verifier for a full comparison (a per-node DEBUG DIGEST cannot compare two layouts). Safe to run again:
# both clusters are made anew. DEMO_CLUSTER_TARGET_SERVER=redis-server for a Redis target cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$INFRA_DIR/demo-api.sh"
LOG_TAG=demo-cluster

SOURCE_PORT=17001 TARGET_PORT=17101
TARGET_SERVER=${DEMO_CLUSTER_TARGET_SERVER:-valkey-server}

bash "$INFRA_DIR/install.sh"
bash "$INFRA_DIR/postgres.sh" start
bash "$INFRA_DIR/kafka.sh" start
bash "$INFRA_DIR/services.sh" start

src() { redis-cli -c -p "$SOURCE_PORT" "$@"; }

log "stopping earlier demo migrations"
stop_demo_migrations

log "making both clusters anew"
bash "$INFRA_DIR/cluster.sh" stop demo-src >/dev/null 2>&1 || true
bash "$INFRA_DIR/cluster.sh" stop demo-dst >/dev/null 2>&1 || true
rm -rf "$RUN_DIR"/redis/demo-src* "$RUN_DIR"/redis/demo-dst*
SHARDS=3 REPLICAS=1 bash "$INFRA_DIR/cluster.sh" start demo-src "$SOURCE_PORT"
SERVER=$TARGET_SERVER SHARDS=2 REPLICAS=0 bash "$INFRA_DIR/cluster.sh" start demo-dst "$TARGET_PORT"

log "filling the source cluster: every type, TTLs, 3,000 bulk keys spread over the three masters"
src >/dev/null <<'DATA'
SET greeting "hello from the source cluster"
SET session:42 alice EX 3600
HSET user:1 name Ada lang en
RPUSH queue job1 job2 job3
SADD tags redis kafka quarkus
ZADD leaderboard 100 ada 90 bob
XADD events * kind signup user ada
PFADD visitors a b c d
DATA
for ((i = 0; i < 3000; i++)); do echo "SET bulk:$i value-$i"; done | src >/dev/null
for port in 17001 17002 17003; do
  log "source master $port holds $(redis-cli -p "$port" DBSIZE) keys"
done

log "registering the target cluster (any node names it)"
register_target demo-cluster-target $TARGET_PORT

start_migration $SOURCE_PORT

log "waiting until every shard is copied and streams (status syncing)"
WAIT_LOG="$RUN_DIR/services/snapshot-worker.log" wait_until 180 "status syncing" status_is syncing

log "writing to the source cluster while the migration runs"
for ((i = 0; i < 300; i++)); do echo "DEL bulk:$i"; done | src >/dev/null
src SET written:after:snapshot yes >/dev/null
src INCRBY counter 41 >/dev/null
src INCR counter >/dev/null
# each shard streams on its own, so the target catches up shard by shard
keys_on() { local n=0 port; for port in "$@"; do n=$((n + $(redis-cli -p "$port" DBSIZE))); done; echo $n; }
caught_up() {
  [[ "$(redis-cli -c -p $TARGET_PORT GET counter)" == 42 &&
    "$(keys_on 17001 17002 17003)" == "$(keys_on 17101 17102)" ]]
}
wait_until 30 "the target caught up (the last write there, as many keys as the source)" caught_up

log "asking the service's verifier for a full comparison (every key on the node that owns its slot)"
api POST "/v2/migrations/$migration_id/verify" '{"mode":"full"}' >/dev/null
verified() { api GET "/v2/migrations/$migration_id/verify" | jq -e '.status == "done"'; }
wait_until 120 "the verification" verified
verdict=$(api GET "/v2/migrations/$migration_id/verify")
echo "$verdict" | jq '{status, verdict, checked: .result.keys_checked, keyspace: .result.keyspace}'
[[ "$(echo "$verdict" | jq -r .verdict)" == equal ]] || die "the verifier found differences: $verdict"

api GET "/v2/databases/$target_id/online-migration" | jq '{id, status, shards}'
src_keys=$(keys_on 17001 17002 17003) dst_keys=$(keys_on 17101 17102)
cat <<DONE

  Migration $migration_id is syncing: the target cluster (2 masters from 127.0.0.1:$TARGET_PORT) holds
  what the source cluster (3 masters from 127.0.0.1:$SOURCE_PORT) holds: $src_keys keys on the source
  masters, $dst_keys on the target's, verdict equal. Write to the source (redis-cli -c -p $SOURCE_PORT)
  and watch the target follow (redis-cli -c -p $TARGET_PORT).

  Status    curl -H 'Authorization: Bearer $TOKEN' $API/v2/databases/$target_id/online-migration
  Stop      curl -X DELETE -H 'Authorization: Bearer $TOKEN' $API/v2/databases/$target_id/online-migration/$migration_id
  Shut down bash $INFRA_DIR/cluster.sh stop demo-src; bash $INFRA_DIR/cluster.sh stop demo-dst; bash $INFRA_DIR/down.sh
DONE
