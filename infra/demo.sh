#!/usr/bin/env bash
# Fresh machine to a running migration: installs and starts PostgreSQL, Kafka and a demo pair (a Redis
# 7.0 source, a Valkey 8 target as the provider's managed caching runs; DEMO_TARGET_SERVER=redis-server
# for a Redis target), builds and starts the three services, fills the demo source, and migrates it into
# the demo target through the API, printing each step. Safe to run again (it restarts the demo migration).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=demo

API=http://127.0.0.1:${API_PORT:-8080}
TOKEN=${REDIS_MIGRATE_API_TOKEN:-demo-token}
SOURCE_PORT=16379 TARGET_PORT=16380

bash "$INFRA_DIR/up.sh"
bash "$INFRA_DIR/services.sh" start

api() { # METHOD PATH [JSON]
  curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$API$2"
}
src() { redis-cli -p "$SOURCE_PORT" "$@"; }
dst() { redis-cli -p "$TARGET_PORT" "$@"; }

log "stopping earlier demo migrations, emptying both demo servers"
for state in running syncing; do
  api GET "/v2/migrations?status=$state" | jq -r '.migrations[]? | "\(.database_id) \(.id)"' |
    while read -r db id; do api DELETE "/v2/databases/$db/online-migration/$id" >/dev/null; done
done
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
target_id=$(api POST /v2/databases "{\"name\":\"demo-target\",\"engine\":\"redis\",\"connection\":{\"host\":\"127.0.0.1\",\"port\":$TARGET_PORT,\"ssl\":false}}" |
  jq -er '.database.id') || die "could not register the target (is api-service up? see $RUN_DIR/services/api-service.log)"

log "PUT /v2/databases/$target_id/online-migration"
answer=$(api PUT "/v2/databases/$target_id/online-migration" \
  "{\"source\":{\"host\":\"127.0.0.1\",\"port\":$SOURCE_PORT,\"dbname\":\"defaultdb\",\"username\":\"\",\"password\":\"\"},\"disable_ssl\":true,\"ignore_dbs\":[]}")
echo "$answer" | jq .
migration_id=$(echo "$answer" | jq -er .id) || die "the migration was not accepted"

log "waiting until the snapshot is in and the stream follows (status syncing)"
WAIT_LOG="$RUN_DIR/services/snapshot-worker.log" wait_until 120 "status syncing" \
  bash -c "curl -sS -H 'Authorization: Bearer $TOKEN' $API/v2/databases/$target_id/online-migration | jq -e '.status == \"syncing\"'"

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
