#!/usr/bin/env bash
# Fresh machine to a running migration: installs and starts PostgreSQL, Kafka and a demo pair (a Redis
# 7.0 source, a Valkey 8 target as the provider's managed caching runs; DEMO_TARGET_SERVER=redis-server
# for a Redis target), builds and starts the three services, fills the demo source, and migrates it into
# the demo target through the API, printing each step. Safe to run again (it restarts the demo migration).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$INFRA_DIR/demo-api.sh"
LOG_TAG=demo

SOURCE_PORT=16379 TARGET_PORT=16380

bash "$INFRA_DIR/up.sh"
bash "$INFRA_DIR/services.sh" start

src() { redis-cli -p "$SOURCE_PORT" "$@"; }
dst() { redis-cli -p "$TARGET_PORT" "$@"; }

log "stopping earlier demo migrations, emptying both demo servers"
stop_demo_migrations
src FLUSHALL >/dev/null
dst FLUSHALL >/dev/null

log "filling the demo source: every type, TTLs, two dbs, 20,000 bulk keys"
src >/dev/null <<'DATA'
SET greeting "hello from the source"
SET session:42 alice EX 3600
HSET user:1 name Ada lang en
RPUSH queue job1 job2 job3
SADD tags redis kafka quarkus
ZADD leaderboard 100 ada 90 bob
XADD events * kind signup user ada
PFADD visitors a b c d
DEBUG POPULATE 10000 bulk 32
SELECT 1
SET db1:greeting "hello from db 1"
DEBUG POPULATE 10000 bulk1 32
DATA

log "registering the demo target"
register_target demo-target $TARGET_PORT

start_migration $SOURCE_PORT

log "waiting until the snapshot is in and the stream follows (status syncing)"
WAIT_LOG="$RUN_DIR/services/snapshot-worker.log" wait_until 120 "status syncing" status_is syncing

log "writing to the source while the migration runs"
src SET written:after:snapshot yes >/dev/null
src INCRBY counter 41 >/dev/null
src INCR counter >/dev/null
# DEBUG DIGEST agrees across Redis and Valkey for this data; it would not for sorted sets with
# fractional scores (the two print doubles differently), which the demo does not write.
wait_until 30 "target caught up (DEBUG DIGEST equal)" bash -c \
  "[ \"\$(redis-cli -p $SOURCE_PORT DEBUG DIGEST)\" = \"\$(redis-cli -p $TARGET_PORT DEBUG DIGEST)\" ]"

api GET "/v2/databases/$target_id/online-migration" | jq .
cat <<DONE

  Migration $migration_id is syncing: the demo target (127.0.0.1:$TARGET_PORT) equals the source
  (127.0.0.1:$SOURCE_PORT): DEBUG DIGEST $(src DEBUG DIGEST), $(dst DBSIZE) keys in db 0, counter=$(dst GET counter).
  Write to the source (redis-cli -p $SOURCE_PORT) and watch the target follow.

  API       $API  (Authorization: Bearer $TOKEN), OpenAPI at $API/q/openapi
  Status    curl -H 'Authorization: Bearer $TOKEN' $API/v2/databases/$target_id/online-migration
  Stop      curl -X DELETE -H 'Authorization: Bearer $TOKEN' $API/v2/databases/$target_id/online-migration/$migration_id
  Shut down bash infra/down.sh
DONE
