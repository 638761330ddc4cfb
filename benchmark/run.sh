#!/usr/bin/env bash
# Benchmark: snapshot copy and stream replay of redis-migrate against Redis's own replication,
# measured in the same run on the same machine (compare ratios, not absolute times across runs).
#
#   bash benchmark/run.sh [KEYS]      # default 200000 keys, two dbs, ~30% with TTLs, every type
#
# Needs what infra/demo.sh sets up (it runs infra/up.sh and infra/services.sh itself).
# Prints: keys/s of Redis's replica (socket load) and of our snapshot (PUT -> syncing), then the
# write rate the source took under redis-benchmark and how long each follower needed to catch up.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/infra/lib.sh"
LOG_TAG=bench

KEYS=${1:-200000}
API=http://127.0.0.1:${API_PORT:-8080}
TOKEN=${REDIS_MIGRATE_API_TOKEN:-demo-token}
SRC=16479 DST=16480 REF=16481
BDIR="$RUN_DIR/bench"

bash "$ROOT/infra/up.sh" >/dev/null
bash "$ROOT/infra/services.sh" start >/dev/null
command -v redis-benchmark >/dev/null || die "redis-benchmark missing (Debian package redis-tools)"

# fresh servers every run: a server that was a master keeps a backlog
for n in bench-source bench-target bench-replica; do bash "$ROOT/infra/redis.sh" stop "$n" >/dev/null 2>&1 || true; done
rm -rf "$BDIR" && mkdir -p "$BDIR"
bash "$ROOT/infra/redis.sh" start bench-source $SRC >/dev/null
bash "$ROOT/infra/redis.sh" start bench-target $DST >/dev/null
bash "$ROOT/infra/redis.sh" start bench-replica $REF --repl-diskless-load on-empty-db >/dev/null
cli() { local p=$1; shift; redis-cli -p "$p" "$@"; }
# wait_for SECONDS WHAT CMD...: like wait_until, polling every 50 ms
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || die "$what: not within the time limit"; sleep 0.05; done
}
now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

log "loading $KEYS keys into the source (strings, hashes, lists, sets, sorted sets; two dbs; ~30% TTLs)"
per=$((KEYS / 10))
for db in 0 1; do
  cli $SRC -n $db DEBUG POPULATE $((per * 2)) "str:$db" 100 >/dev/null
  cli $SRC -n $db EVAL "
    local n = tonumber(ARGV[1])
    for i = 1, n do
      redis.call('HSET', 'hash:'..i, 'a', i, 'b', 'value-'..i, 'c', 'x')
      redis.call('RPUSH', 'list:'..i, 'a', 'b', 'c', i)
      redis.call('SADD', 'set:'..i, 'a', 'b', i)
      redis.call('ZADD', 'zset:'..i, 1, 'a', 2, 'b', i, 'c')
      if i % 3 == 0 then
        redis.call('PEXPIRE', 'hash:'..i, 3600000); redis.call('PEXPIRE', 'list:'..i, 3600000)
        redis.call('PEXPIRE', 'set:'..i, 3600000); redis.call('PEXPIRE', 'zset:'..i, 3600000)
      end
    end
    return n" 0 $((per * 3 / 4)) >/dev/null
done
total=$(cli $SRC INFO keyspace | awk -F'[=,:]' '/^db/ {s += $3} END {print s}')
log "source holds $total keys, $(cli $SRC INFO memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')"

log "reference: Redis's own replication (a replica loading from the socket)"
t0=$(now)
cli $REF REPLICAOF 127.0.0.1 $SRC >/dev/null
wait_for 600 "replica in sync" bash -c "redis-cli -p $REF INFO replication | grep -q master_link_status:up"
t1=$(now)
ref_secs=$(secs "$t0" "$t1")

log "redis-migrate: PUT -> syncing"
api() { curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+--data "$3"} "$API$2"; }
for state in running syncing; do
  api GET "/v2/migrations?status=$state" | jq -r '.migrations[]? | "\(.database_id) \(.id)"' |
    while read -r db id; do api DELETE "/v2/databases/$db/online-migration/$id" >/dev/null; done
done
target_id=$(api POST /v2/databases "{\"name\":\"bench\",\"engine\":\"redis\",\"connection\":{\"host\":\"127.0.0.1\",\"port\":$DST,\"ssl\":false}}" | jq -er .database.id)
t0=$(now)
migration_id=$(api PUT "/v2/databases/$target_id/online-migration" \
  "{\"source\":{\"host\":\"127.0.0.1\",\"port\":$SRC},\"disable_ssl\":true,\"ignore_dbs\":[]}" | jq -er .id)
mstatus() { api GET "/v2/databases/$target_id/online-migration"; }
wait_for 1800 "migration syncing" bash -c "$(declare -f api mstatus); API=$API TOKEN=$TOKEN target_id=$target_id; mstatus | jq -e '.status == \"syncing\" or .status == \"error\"'"
t1=$(now)
ours_secs=$(secs "$t0" "$t1")
status=$(api GET "/v2/databases/$target_id/online-migration" | jq -r .status)
[[ $status == syncing ]] || die "the migration failed: $(api GET "/v2/databases/$target_id/online-migration" | jq -r .error)"

log "stream: redis-benchmark writes flat out (SET, INCR, LPUSH, HSET; 50 clients, pipeline 16)"
writes=400000
t0=$(now)
redis-benchmark -p $SRC -q -n $((writes / 4)) -c 50 -P 16 -r 100000 -t set,incr,lpush,hset >"$BDIR/redis-benchmark.txt"
t1=$(now)
load_secs=$(secs "$t0" "$t1")
src_offset=$(cli $SRC INFO replication | awk -F: '/^master_repl_offset/ {print $2}' | tr -d '\r')
wait_for 600 "replica caught up" bash -c "[ \$(redis-cli -p $REF INFO replication | awk -F: '/^slave_repl_offset/ {print \$2}' | tr -d '\r') -ge $src_offset ]"
t2=$(now)
ref_catchup=$(secs "$t1" "$t2")
wait_for 600 "redis-migrate caught up (see $API/v2/databases/$target_id/online-migration)" bash -c "$(declare -f api mstatus); API=$API TOKEN=$TOKEN target_id=$target_id; mstatus | jq -e '.lag.offset >= $src_offset'"
t3=$(now)
ours_catchup=$(secs "$t1" "$t3")
# the stream's checkpoint leaves the target after a second of quiet
digests_equal() { [[ "$(cli $SRC DEBUG DIGEST)" == "$(cli $DST DEBUG DIGEST)" ]]; }
equal=no
for _ in $(seq 1 50); do digests_equal && { equal=yes; break; }; sleep 0.2; done
api DELETE "/v2/databases/$target_id/online-migration/$migration_id" >/dev/null

cat <<RESULT

  redis-migrate benchmark, $total keys ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)
  snapshot                               seconds   keys/s    vs Redis
  Redis replication (socket load)        $(printf '%7s  %8s' "$ref_secs" "$(rate "$total" "$ref_secs")")    1.00x
  redis-migrate (PUT -> syncing)         $(printf '%7s  %8s' "$ours_secs" "$(rate "$total" "$ours_secs")")    $(awk -v a="$ref_secs" -v b="$ours_secs" 'BEGIN { printf "%.2fx", a / b }')

  stream: $writes writes by redis-benchmark in ${load_secs}s ($(rate $writes "$load_secs") writes/s taken by the source)
  caught up after the load ended         Redis replica ${ref_catchup}s, redis-migrate ${ours_catchup}s
  target equal to source (DEBUG DIGEST)  $equal
RESULT
