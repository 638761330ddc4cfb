#!/usr/bin/env bash
# Cluster benchmark (issue 16): KEYS keys in a 3-shard Redis Cluster copied into a 3-shard cluster target
# by redis-migrate (replication method, shard by shard), with 2 and with 1 instance(s) of each worker,
# against Redis's own replication of the three shards side by side (three replicas loading from the three
# masters at once), measured in the same run on the same machine.
#
#   bash benchmark/cluster.sh [KEYS]      # default 1000000 keys of the issue's mix (cluster_mix.py), db 0
#
# Needs PostgreSQL and Kafka (infra/up.sh), python3, redis-tools and the services' jars (mvn package).
# The services run as JVMs of their own here (topic prefix and schema of this run), beside any others.
# Every copy starts on an empty target and ends with DEBUG DIGEST compared node by node (source master i
# against target master i, which serves the same slots; against replica i for the reference).
# Order: both worker pairs run a warm-up copy of WARMUP_KEYS keys (their JIT warm, as a deployed service's),
# the 2-instance copy, then the second instances stop and the 1-instance copy runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/infra/lib.sh"
LOG_TAG=bench-cluster

KEYS=${1:-1000000}
WARMUP_KEYS=${WARMUP_KEYS:-100000}
SRC=${SRC_PORT:-17401} DST=${DST_PORT:-17411} REF=${REF_PORT:-17421} # first ports: 3 nodes each
SVC=${SVC_PORT:-18480}                                                 # api, then 2 snapshot and 2 stream workers
TOKEN=bench-cluster-token
RUN=$(date +%s)
BDIR="$RUN_DIR/bench-cluster"
API=http://127.0.0.1:$SVC

command -v redis-cli >/dev/null || die "redis-cli missing (Debian package redis-tools)"
APPS=${APPS:-$ROOT} # where the services' target/quarkus-app are (a copy lets the source tree be rebuilt meanwhile)
for s in api-service snapshot-worker stream-worker; do
  [[ -f $APPS/$s/target/quarkus-app/quarkus-run.jar ]] || die "$s not built: mvn -B -o package -DskipTests"
done
cli() { local p=$1; shift; redis-cli -p "$p" "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
wait_for() { # like wait_until, polling every 200 ms
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || die "$what: not within the time limit"; sleep 0.2; done
}

# ---- servers: fresh every run
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for c in bench-csrc bench-cdst; do bash "$ROOT/infra/cluster.sh" stop $c >/dev/null 2>&1 || true; done
  for i in 1 2 3; do bash "$ROOT/infra/redis.sh" stop bench-cref-$i >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
cleanup
rm -rf "$BDIR" "$RUN_DIR"/redis/bench-csrc* "$RUN_DIR"/redis/bench-cdst* "$RUN_DIR"/redis/bench-cref-*
mkdir -p "$BDIR"
SHARDS=3 REPLICAS=0 bash "$ROOT/infra/cluster.sh" start bench-csrc $SRC >/dev/null
SHARDS=3 REPLICAS=0 bash "$ROOT/infra/cluster.sh" start bench-cdst $DST >/dev/null
for i in 1 2 3; do
  bash "$ROOT/infra/redis.sh" start bench-cref-$i $((REF + i - 1)) --repl-diskless-load on-empty-db >/dev/null
done
RANGES=() # the slots of source node i, for cluster_mix.py; target node i serves the same (one layout)
for i in 1 2 3; do
  RANGES+=("$(cli $((SRC + i - 1)) CLUSTER NODES | awk '/myself/ { print $9 }')")
  [[ "$(cli $((DST + i - 1)) CLUSTER NODES | awk '/myself/ { print $9 }')" == "${RANGES[i - 1]}" ]] ||
    die "target node $i does not serve the slots source node $i does (${RANGES[i - 1]})"
done

# ---- services: this run's own topics and schema
service() { # NAME PORT [-Dk=v ...]; its pid in $last_pid
  local name=$1 port=$2; shift 2
  java -Xms64m -Xmx256m -Dquarkus.http.port="$port" -Dredis-migrate.topic-prefix="bench-cluster-$RUN." \
    -Dredis-migrate.secret-key=YmVuY2gtY2x1c3Rlci1vbmx5LWtleS0zMi1ieXRlcyE= "$@" \
    -jar "$APPS/$name/target/quarkus-app/quarkus-run.jar" >"$BDIR/$name-$port.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}
ready() { curl -fsS "http://127.0.0.1:$1/q/health/ready" >/dev/null 2>&1; }
service snapshot-worker $((SVC + 2)) && snap2=$last_pid
service stream-worker $((SVC + 4)) && strm2=$last_pid
service snapshot-worker $((SVC + 1))
service stream-worker $((SVC + 3))
service api-service $SVC -Dredis-migrate.api.tokens=$TOKEN \
  -Dquarkus.datasource.jdbc.url="jdbc:postgresql://127.0.0.1:5432/redis_migrate?currentSchema=bench_cluster_$RUN" \
  -Dquarkus.flyway.schemas="bench_cluster_$RUN"
for p in $SVC $((SVC + 1)) $((SVC + 2)) $((SVC + 3)) $((SVC + 4)); do wait_until 120 "service on $p ready" ready $p; done
log "services up on $SVC-$((SVC + 4)) (api, 2 snapshot workers, 2 stream workers)"

api() { curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+--data "$3"} "$API$2"; }
target_id=$(api POST /v2/databases "{\"name\":\"bench-cluster\",\"engine\":\"redis\",\"connection\":{\"host\":\"127.0.0.1\",\"port\":$DST,\"ssl\":false}}" | jq -er .database.id)
mstatus() { api GET "/v2/databases/$target_id/online-migration"; }
settled() { mstatus | jq -e '.status == "syncing" or .status == "error"'; }
migration_id=
migrate() { # PUT -> syncing, timed: $migration_id and $copy_secs
  local t0 t1 answer
  for i in 1 2 3; do cli $((DST + i - 1)) FLUSHALL >/dev/null; done
  t0=$(now)
  answer=$(api PUT "/v2/databases/$target_id/online-migration" \
    "{\"source\":{\"host\":\"127.0.0.1\",\"port\":$SRC},\"disable_ssl\":true,\"ignore_dbs\":[],\"method\":\"replication\"}")
  migration_id=$(jq -er .id <<<"$answer") || die "PUT refused: $answer"
  wait_for 1800 "migration syncing" settled
  t1=$(now)
  [[ $(mstatus | jq -r .status) == syncing ]] || die "the migration failed: $(mstatus | jq -r .error)"
  copy_secs=$(secs "$t0" "$t1")
}
stop_migration() {
  api DELETE "/v2/databases/$target_id/online-migration/$migration_id" >/dev/null
  wait_for 60 "migration stopped" bash -c "$(declare -f api mstatus); API=$API TOKEN=$TOKEN target_id=$target_id; mstatus | jq -e '.status != \"syncing\" and .status != \"running\"'"
  sleep 2 # the workers close their target connections
}
# equal PORT: every node of the set at PORT.. holds what source node i holds (DEBUG DIGEST), retried for
# 10 s (a cluster target's checkpoints leave it once the stream is idle)
equal() {
  local i same
  for _ in $(seq 10); do
    same=1
    for i in 1 2 3; do
      [[ "$(cli $((SRC + i - 1)) DEBUG DIGEST)" == "$(cli $(($1 + i - 1)) DEBUG DIGEST)" ]] || { same=0; break; }
    done
    ((same)) && { echo yes; return; }
    sleep 1
  done
  echo NO
}
load() { # KEYS: the mix into the source's masters, side by side
  for i in 1 2 3; do cli $((SRC + i - 1)) FLUSHALL >/dev/null; done
  python3 "$ROOT/benchmark/cluster_mix.py" "$1" "$BDIR" "${RANGES[@]}"
  local loaders=()
  for i in 1 2 3; do cli $((SRC + i - 1)) --pipe <"$BDIR/master-$i.resp" >"$BDIR/load-$i.txt" & loaders+=($!); done
  wait "${loaders[@]}" || die "loading failed (see $BDIR/load-*.txt)"
  rm -f "$BDIR"/master-*.resp
}
source_keys() { for i in 1 2 3; do cli $((SRC + i - 1)) DBSIZE; done | awk '{ s += $1 } END { print s }'; }

if ((WARMUP_KEYS > 0)); then
  log "warm-up: one copy of $WARMUP_KEYS keys (not timed)"
  load "$WARMUP_KEYS"
  migrate
  stop_migration
fi

log "loading $KEYS keys into the source's 3 masters"
load "$KEYS"
total=$(source_keys)
dataset_mb=$(for i in 1 2 3; do cli $((SRC + i - 1)) INFO memory; done | awk -F: '/^used_memory_dataset:/ { s += $2 } END { printf "%.1f", s / 1048576 }')
log "source holds $total keys, $dataset_mb MB of data"

log "reference: Redis's own replication, 3 replicas loading from the 3 masters at once"
t0=$(now)
for i in 1 2 3; do cli $((REF + i - 1)) REPLICAOF 127.0.0.1 $((SRC + i - 1)) >/dev/null; done
replicas_synced() { for i in 1 2 3; do cli $((REF + i - 1)) INFO replication | grep -q master_link_status:up || return 1; done; }
wait_for 1800 "replicas in sync" replicas_synced
ref_secs=$(secs "$t0" "$(now)")
ref_equal=$(equal $REF)
for i in 1 2 3; do cli $((REF + i - 1)) REPLICAOF NO ONE >/dev/null; done

log "redis-migrate, 2 instances of each worker: PUT -> syncing"
migrate && two_secs=$copy_secs
two_equal=$(equal $DST)
# which worker instance (pid@host) took each shard's snapshot and stream, from the migration's history
two_spread=$(api GET "/v2/migrations/$migration_id/events" | jq -r '.. | .message? // empty' |
  awk '/snapshot started from|stream started from/ { kind = /snapshot/ ? "snapshot" : "stream"
         if (match($0, /\([0-9]+@[^)]*\)/)) n[kind " " substr($0, RSTART, RLENGTH)]++ }
       END { for (k in n) printf "%s: %d shard(s); ", k, n[k] }')
stop_migration

log "stopping the second instance of each worker"
kill "$snap2" "$strm2"
wait "$snap2" "$strm2" 2>/dev/null || true
sleep 15 # the consumer groups give the partitions to the remaining instances
log "redis-migrate, 1 instance of each worker: PUT -> syncing"
migrate && one_secs=$copy_secs
one_equal=$(equal $DST)
stop_migration

line() { printf '  %-46s %8.2f %9.0f %6.2fx %6s\n' "$1" "$2" "$(rate "$total" "$2")" "$(awk -v r="$ref_secs" -v s="$2" 'BEGIN { print r / s }')" "$3"; }
cat <<RESULT

  redis-migrate cluster benchmark: $total keys, $dataset_mb MB, 3-shard cluster -> 3-shard cluster ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg))
  copy                                            seconds    keys/s vs Redis  equal (DEBUG DIGEST per node)
$(line "Redis replication, 3 replicas side by side" "$ref_secs" "$ref_equal")
$(line "redis-migrate, 2 instances of each worker" "$two_secs" "$two_equal")
$(line "redis-migrate, 1 instance of each worker" "$one_secs" "$one_equal")
  with 2 instances, shards per worker: $two_spread
  scaling 1 -> 2 instances: $(awk -v a="$one_secs" -v b="$two_secs" 'BEGIN { printf "%.2fx", a / b }')
RESULT
