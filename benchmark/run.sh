#!/usr/bin/env bash
# Benchmark: snapshot copy and stream replay of redis-migrate against Redis's own replication,
# measured in the same run on the same machine (compare ratios, not absolute times across runs).
#
#   bash benchmark/run.sh [KEYS]      # default 200000 keys of the issue's mix (see load_mix.py)
#
# Needs what infra/demo.sh sets up (it runs infra/up.sh and infra/services.sh itself), python3
# and redis-tools. Every copy starts on an empty target and ends with a DEBUG DIGEST check:
#   1. Redis's own replication (REPLICAOF, diskless load): the reference;
#   2. SCAN + server-side MIGRATE ... COPY REPLACE KEYS, batches of 1000 (scan_migrate.py);
#   3. redis-migrate, PUT -> syncing, once per method (a method the API refuses is skipped, with a note);
# then the stream: under a steady load of RATE writes/s (default 50,000) the p50/p99/max lag in ms of
# Redis's replica and of our target (benchmark module's StreamLagProbe), and under a flat-out
# redis-benchmark load how long each needs to catch up once the load ends. Before the timed copies
# each method runs once on WARMUP_KEYS keys and then follows WARMUP_STREAM_SECS of the steady load, as
# a deployed service has (its JIT warm for the copy and for the stream). A copy is timed from its start
# (REPLICAOF, PUT) to in sync (the replica's link up, `syncing`) by timed_sync.py, which polls either side
# alike: every 100 ms, from one process over one connection. Each copy's line shows the CPU seconds the
# source, the target and the snapshot worker spent on it, and the services' JIT compiler threads.
# Last (SLOW_TARGET=0 skips it, ~1 minute) the slow-target scenario: a replication migration of the same
# source into a target paused for writes 800 ms of every second (CLIENT PAUSE 800 WRITE), the source under
# a heavy write load (SLOW_SETS SETs of 200 bytes every 100 ms, from the end of the RDB transfer until SLOW_AFTER_SECS after
# `syncing`) and with a replica output buffer of 1 MB (client-output-buffer-limit replica 1mb 1mb 0): time
# to `syncing`, links the source dropped (its log's output-buffer disconnects and its full syncs beyond
# the first: both must be 0), the peak size of the RDB spool (the spool directory's files), of the change
# log in Kafka (its partition's .log segments on the broker's disk) and of what it held unapplied (the
# workers' apply-lag gauge), all polled every 200 ms, and the catch-up once the load and the pauses end.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/infra/lib.sh"
LOG_TAG=bench

KEYS=${1:-200000}
METHODS=${METHODS:-scan replica-load replication} # the last one stays on for the stream part; replica-load is
                                       # replication with snapshot_load replica (the target loads the RDB itself)
RATE=${RATE:-50000}                    # writes/s of the steady load the stream follows
STEADY_SECS=${STEADY_SECS:-20}
WARMUP_KEYS=${WARMUP_KEYS:-400000}     # each method copies this many keys once before the timed runs (0: none);
                                       # 100,000 left C2 compiling the spool's read path during the timed copy
WARMUP_STREAM_SECS=${WARMUP_STREAM_SECS:-5} # ... and then follows the steady load this long (not measured)
MIGRATE_BASELINE=${MIGRATE_BASELINE:-1} # 0: skip the SCAN + MIGRATE row (at 5,000,000 keys it takes minutes)
export TTL_SHARE=${TTL_SHARE:-0.3}     # the share of keys with a TTL (load_mix.py; 0: a dataset without TTLs)
REPEAT=${REPEAT:-1}                    # rounds of the timed copies (reference first in each); the table shows medians
SLOW_TARGET=${SLOW_TARGET:-1}          # 0: skip the slow-target scenario
SLOW_SETS=${SLOW_SETS:-1000}           # its load: this many SETs (200 bytes) in one EVAL every 100 ms
SLOW_AFTER_SECS=${SLOW_AFTER_SECS:-10} # its load and pauses go on this long after `syncing`
SPOOL_DIR=${REDIS_MIGRATE_SPOOL_DIR:-/tmp/redis-migrate-spool} # the snapshot worker's (java.io.tmpdir on Linux)
API=http://127.0.0.1:${API_PORT:-8080}
TOKEN=${REDIS_MIGRATE_API_TOKEN:-demo-token}
SRC=16479 DST=16480 REF=16481
BDIR="$RUN_DIR/bench"

bash "$ROOT/infra/up.sh" >/dev/null
# the services of this build, started afresh (ones left running may be an older build)
bash "$ROOT/infra/services.sh" stop >/dev/null
bash "$ROOT/infra/services.sh" start >/dev/null
command -v redis-benchmark >/dev/null || die "redis-benchmark missing (Debian package redis-tools)"

# fresh_server NAME PORT [ARGS]: a server started empty. A server that was a master keeps a backlog; and one
# whose directory holds an RDB (a replica's sync that was not diskless writes one, whatever `save` says) loads
# it at its start, so that its next sync is not diskless either: the reference then wrote the RDB to disk and
# loaded it from there (12-07 22:04: 11-13 s against 7.3 s for the same source).
fresh_server() {
  local name=$1; shift
  bash "$ROOT/infra/redis.sh" stop "$name" >/dev/null 2>&1 || true
  rm -rf "$RUN_DIR/redis/$name"
  bash "$ROOT/infra/redis.sh" start "$name" "$@" >/dev/null
}
rm -rf "$BDIR" && mkdir -p "$BDIR"
fresh_server bench-source $SRC
# the target loads from the socket as the reference replica does, when it loads as a replica (replica-load)
fresh_server bench-target $DST --repl-diskless-load on-empty-db
fresh_server bench-replica $REF --repl-diskless-load on-empty-db
cli() { local p=$1; shift; redis-cli -p "$p" "$@"; }
# wait_for SECONDS WHAT CMD...: like wait_until, polling every 200 ms; for what is not timed (the timed
# copies are polled by timed_sync.py: a poll here is a process or two, 30-90 ms of CPU on these machines).
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || die "$what: not within the time limit"; sleep 0.2; done
}
now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

api() { curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+--data "$3"} "$API$2"; }
for state in running syncing; do
  api GET "/v2/migrations?status=$state" | jq -r '.migrations[]? | "\(.database_id) \(.id)"' |
    while read -r db id; do api DELETE "/v2/databases/$db/online-migration/$id" >/dev/null; done
done
target_id=$(api POST /v2/databases "{\"name\":\"bench\",\"engine\":\"redis\",\"connection\":{\"host\":\"127.0.0.1\",\"port\":$DST,\"ssl\":false}}" | jq -er .database.id)
mstatus() { api GET "/v2/databases/$target_id/online-migration"; }
notes=()
migration_id=
# Does the API know methods? A check (which starts nothing) naming no real method is refused if it does;
# an API that ignores the field would start a replication copy for any method.
check_code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  "$API/v2/databases/$target_id/online-migration/check" \
  --data "{\"source\":{\"host\":\"127.0.0.1\",\"port\":$SRC},\"disable_ssl\":true,\"ignore_dbs\":[],\"method\":\"no-such-method\"}")
methods_known=no
[[ $check_code == 4* ]] && methods_known=yes
# put_body METHOD: the PUT's body for a method
put_body() {
  local fields="\"method\":\"$1\""
  [[ $1 != replica-load ]] || fields='"method":"replication","snapshot_load":"replica"'
  echo "{\"source\":{\"host\":\"127.0.0.1\",\"port\":$SRC},\"disable_ssl\":true,\"ignore_dbs\":[],$fields}"
}
# put_migration METHOD: PUT, migration_id set; false (a note kept) when the API refuses the method
put_migration() {
  local answer code body
  answer=$(curl -sS -w '\n%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "$API/v2/databases/$target_id/online-migration" --data "$(put_body "$1")")
  code=$(tail -n1 <<<"$answer") body=$(sed '$d' <<<"$answer")
  if [[ $code != 2* ]]; then
    notes+=("method $1 skipped: the API answered $code $(jq -r '.message // .error // .' <<<"$body" 2>/dev/null | head -c 200)")
    return 1
  fi
  migration_id=$(jq -er .id <<<"$body")
}
settled() { mstatus | jq -e '.status == "syncing" or .status == "error"'; }
# stop_migration: DELETE, then wait until no worker is connected to the target any more
stop_migration() {
  api DELETE "/v2/databases/$target_id/online-migration/$migration_id" >/dev/null
  wait_for 60 "workers gone from the target" bash -c "redis-cli -p $DST INFO clients | tr -d '\r' | grep -qx 'connected_clients:1'"
}

# A deployed service has copied before: its JIT has compiled the copy's paths. A fresh JVM compiles
# during its first copy (seconds of CPU on 2 cores), so each method runs once on a small dataset first.
probe_jar="$ROOT/benchmark/target/benchmark-0.1.0-SNAPSHOT.jar"
[[ -f $probe_jar ]] || (cd "$ROOT" && mvn -B -q -pl benchmark -am package -DskipTests) || die "cannot build the benchmark module"
# lag_probe SECONDS FOLLOWER...: the steady load of RATE writes/s with canaries (StreamLagProbe)
lag_probe() {
  local secs=$1; shift
  java -Xmx256m -cp "$probe_jar:$ROOT/benchmark/target/lib/*" dev.redismigrate.benchmark.StreamLagProbe $SRC "$secs" "$RATE" "$@" 2>/dev/null
}
if ((WARMUP_KEYS > 0)); then
  log "warm-up: each method once on $WARMUP_KEYS keys (not timed)"
  python3 "$ROOT/benchmark/load_mix.py" "$WARMUP_KEYS" | cli $SRC --pipe >"$BDIR/warmup.txt" || die "loading failed (see $BDIR/warmup.txt)"
  for method in $METHODS; do
    [[ $method == replication || $method == replica-load || $methods_known == yes ]] || continue
    [[ -z $migration_id ]] || stop_migration
    migration_id=
    cli $DST FLUSHALL >/dev/null
    put_migration "$method" || continue
    wait_for 600 "warm-up migration syncing" settled
    ((WARMUP_STREAM_SECS > 0)) && { lag_probe "$WARMUP_STREAM_SECS" "redis-migrate=$DST" >/dev/null || die "the warm-up stream failed"; }
  done
  [[ -z $migration_id ]] || stop_migration
  migration_id= notes=()
  cli $SRC FLUSHALL >/dev/null
  cli $DST FLUSHALL >/dev/null
fi

log "loading $KEYS keys into the source (the issue's mix: strings, hashes, lists, sets, sorted sets, streams; two dbs; 30% TTLs)"
t0=$(now)
python3 "$ROOT/benchmark/load_mix.py" "$KEYS" | cli $SRC --pipe >"$BDIR/load.txt" || die "loading failed (see $BDIR/load.txt)"
log "loaded in $(secs "$t0" "$(now)") s"
total=$(cli $SRC INFO keyspace | awk -F'[=,:]' '/^db/ {s += $3} END {print s}')
dataset_mb=$(cli $SRC INFO memory | awk -F: '/^used_memory_dataset:/ {printf "%.1f", $2 / 1048576}')
log "source holds $total keys, $dataset_mb MB of data (used_memory_dataset)"
source_digest=$(cli $SRC DEBUG DIGEST)
# equal_to_source PORT: DEBUG DIGEST equal (the stream's checkpoint key leaves the target after a quiet second)
equal_to_source() {
  local port=$1
  for _ in 1 2 3 4 5; do [[ "$(cli "$port" DEBUG DIGEST)" == "$source_digest" ]] && { echo yes; return; }; sleep 1; done
  echo NO
}
results=()
# record NAME SECONDS EQUAL [CPU] [HEAP]: one line of the table (the reference is the first)
record() { results+=("$1|$2|$3|${4:-}|${5:-}"); }
# The snapshot worker's heap: jstat samples it every 250 ms (it reads the JVM's perf data, no attach),
# one jstat for the whole run (started once, it loads every copy alike; one per copy loaded ours only, with
# its JVM's start); heap_peak FROM TO prints, of the samples between those two line counts of its log, the
# most used heap (young + old) and the most held in the old generation, in MB: what the copy keeps, as
# against garbage not collected yet.
heap_log="$BDIR/heap.log"
jstat -gc "$(<"$RUN_DIR/services/snapshot-worker.pid")" 250 >"$heap_log" 2>/dev/null &
heap_pid=$!
trap 'kill $heap_pid 2>/dev/null || true' EXIT
heap_lines() { wc -l <"$heap_log"; }
heap_peak() { sed -n "$(($1 + 1)),$2p" "$heap_log" | awk '$1 ~ /^[0-9.]+$/ { u = $3 + $4 + $6 + $8; if (u > m) m = u; if ($8 > o) o = $8 } END { printf "%.0f/%.0f", m / 1024, o / 1024 }'; }
# timed_sync.py starts a copy and polls it into sync, both sides alike (one process, one connection each)
timed_sync() { python3 "$ROOT/benchmark/timed_sync.py" "$@"; }
# CPU seconds so far of the source and target servers and of the snapshot worker, to show where a copy spends
redis_cpu() { cli "$1" INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user)(_children)?:/ {s += $2} END {printf "%.2f", s}'; }
proc_cpu() { [[ -f $1 ]] && awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$(<"$1")/stat" 2>/dev/null || echo 0; }
# and of the JIT compiler threads (C1, C2) of all redis-migrate services: on 2 cores, compilation still going on
# after the warm-up takes CPU from the copy (12-07: ~1.8 CPU-s of a 10 s copy). It may under-count: a compiler
# thread that ended between the two marks (the JVM starts and stops them as its queue needs) takes its seconds
# with it (a difference below 0 is shown as 0).
jit_cpu() {
  local f
  for f in "$RUN_DIR"/services/*.pid; do [[ -f $f ]] && cat /proc/"$(<"$f")"/task/*/stat 2>/dev/null; done |
    awk -v hz="$(getconf CLK_TCK)" '/\((C1|C2) CompilerThre/ { sub(/^.*\) /, ""); s += $12 + $13 } END { printf "%.2f", s / hz }'
}
cpu_mark() { echo "$(redis_cpu $SRC) $(redis_cpu "$1") $(proc_cpu "$RUN_DIR/services/snapshot-worker.pid") $(jit_cpu)"; }
# cpu_used BEFORE AFTER: "source/target/worker/jit" CPU seconds between two marks
cpu_used() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); j = y[4] - x[4]; printf "%.1f/%.1f/%.1f/%.1f", y[1] - x[1], y[2] - x[2], y[3] - x[3], j < 0 ? 0 : j }'; }

for round in $(seq 1 "$REPEAT"); do
  ((REPEAT == 1)) || log "round $round of $REPEAT"
  [[ -z $migration_id ]] || stop_migration
  migration_id=

  log "reference: Redis's own replication (a replica loading from the socket)"
  if ((round > 1)); then # a fresh replica: one that was in sync would only continue
    fresh_server bench-replica $REF --repl-diskless-load on-empty-db
  fi
  c0=$(cpu_mark $REF)
  ref_secs=$(timed_sync replica $REF $SRC) || die "the replica did not sync"
  c1=$(cpu_mark $REF)
  record "Redis replication (socket load)" "$ref_secs" "$(equal_to_source $REF)" "$(cpu_used "$c0" "$c1")"

  if ((MIGRATE_BASELINE)); then
  log "SCAN + MIGRATE COPY REPLACE KEYS (batches of 1000)"
  cli $DST FLUSHALL >/dev/null
  c0=$(cpu_mark $DST) t0=$(now)
  python3 "$ROOT/benchmark/scan_migrate.py" $SRC $DST 0 1 >/dev/null
  t1=$(now) c1=$(cpu_mark $DST)
  record "SCAN + MIGRATE (batches of 1000)" "$(secs "$t0" "$t1")" "$(equal_to_source $DST)" "$(cpu_used "$c0" "$c1")"
  fi

  for method in $METHODS; do
    if [[ $method != replication && $method != replica-load && $methods_known == no ]]; then
      ((round > 1)) || notes+=("method $method skipped: the API does not know methods yet (it ignores \"method\")")
      continue
    fi
    [[ -z $migration_id ]] || stop_migration
    migration_id=
    cli $DST FLUSHALL >/dev/null
    log "redis-migrate, method $method: PUT -> syncing"
    h0=$(heap_lines) c0=$(cpu_mark $DST)
    synced=$(timed_sync migration "$API" "$TOKEN" "$target_id" "$(put_body "$method")") || {
      [[ $synced == refused* ]] || die "the timed copy failed: $synced"
      ((round > 1)) || notes+=("method $method skipped: the API answered ${synced#refused }")
      continue
    }
    c1=$(cpu_mark $DST) h1=$(heap_lines)
    read -r copy_secs_api migration_id status <<<"$synced"
    [[ $status == syncing ]] || die "the migration failed: $(mstatus | jq -r .error)"
    # the copy itself, from the snapshot worker's log (first request received -> last part complete)
    copy_secs=$(awk -v id="$migration_id" '
      function t(s) { split(s, a, "[:,]"); return a[1] * 3600 + a[2] * 60 + a[3] + a[4] / 1000 }
      index($0, id) && /snapshot requested/ && !start { start = t($1) }
      index($0, id) && /(snapshot|scan( part [0-9]+ of [0-9]+)?) of .* complete/ { end = t($1) }
      END { if (start && end) printf "%.2f", end - start }' "$RUN_DIR/services/snapshot-worker.log" 2>/dev/null || true)
    equal=$(equal_to_source $DST)
    record "redis-migrate $method (PUT -> syncing)" "$copy_secs_api" "$equal" "$(cpu_used "$c0" "$c1")" "$(heap_peak "$h0" "$h1")"
    [[ -z $copy_secs ]] || record "redis-migrate $method (the copy itself)" "$copy_secs" "$equal"
  done
done
[[ -n $migration_id ]] || die "no method ran: ${notes[*]}"

log "stream: a steady load of $RATE writes/s for ${STEADY_SECS}s (SET, INCR, LPUSH, HSET); lag in ms by canaries every 10 ms"
steady=$(lag_probe "$STEADY_SECS" "Redis replica=$REF" "redis-migrate=$DST") || die "the lag probe failed"

log "stream: redis-benchmark writes flat out (SET, INCR, LPUSH, HSET; 50 clients, pipeline 16)"
writes=400000
# the catch-up of each follower, timed by a timed_sync.py started before the load (so neither pays its start
# after it) and told by a line on its FIFO that the load has ended: a canary written then, polled for on the
# follower every 10 ms; and when the API's lag shows it (a GET every 50 ms)
mkfifo "$BDIR/ref.go" "$BDIR/ours.go" "$BDIR/api.go"
POLL_SECONDS=0.01 timed_sync caught-up $SRC $REF <"$BDIR/ref.go" >"$BDIR/ref.caught" & ref_poller=$!
POLL_SECONDS=0.01 timed_sync caught-up $SRC $DST <"$BDIR/ours.go" >"$BDIR/ours.caught" & ours_poller=$!
POLL_SECONDS=0.05 timed_sync reported-caught-up $SRC "$API" "$TOKEN" "$target_id" <"$BDIR/api.go" >"$BDIR/api.caught" &
api_poller=$!
exec 7>"$BDIR/ref.go" 8>"$BDIR/ours.go" 9>"$BDIR/api.go"
sleep 1 # the pollers started and connected
t0=$(now)
redis-benchmark -p $SRC -q -n $((writes / 4)) -c 50 -P 16 -r 100000 -t set,incr,lpush,hset >"$BDIR/redis-benchmark.txt"
echo go >&7; echo go >&8; echo go >&9; exec 7>&- 8>&- 9>&-
t1=$(now)
load_secs=$(secs "$t0" "$t1")
wait "$ref_poller" || die "the replica did not catch up"
wait "$ours_poller" || die "redis-migrate did not catch up (see $API/v2/databases/$target_id/online-migration)"
wait "$api_poller" || die "the API did not show redis-migrate caught up"
ref_catchup=$(<"$BDIR/ref.caught") ours_catchup=$(<"$BDIR/ours.caught") api_catchup=$(<"$BDIR/api.caught")
# the stream's checkpoint leaves the target after a second of quiet
digests_equal() { [[ "$(cli $SRC DEBUG DIGEST)" == "$(cli $DST DEBUG DIGEST)" ]]; }
equal=no
for _ in 1 2 3 4 5; do digests_equal && { equal=yes; break; }; sleep 1; done
api DELETE "/v2/databases/$target_id/online-migration/$migration_id" >/dev/null

slow_report="  slow target: skipped (SLOW_TARGET=0)"
((SLOW_TARGET)) && source "$ROOT/benchmark/slow_target.sh"

# table: one line per copy, in first-run order: the median of its rounds' seconds (the CPU figures of
# that round), equal only if every round was; ratios against the reference's median
table() {
  printf '%s\n' "${results[@]}" | awk -F'|' -v keys="$total" -v mb="$dataset_mb" '
    !($1 in n) { order[++names] = $1 }
    { i = ++n[$1]; sec[$1, i] = $2; cpu[$1, i] = $4; heap[$1, i] = $5; if ($3 != "yes") bad[$1] = 1 }
    END {
      for (k = 1; k <= names; k++) {
        name = order[k]; m = n[name]
        for (i = 1; i <= m; i++) idx[i] = i
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
          if (sec[name, idx[j]] + 0 < sec[name, idx[i]] + 0) { t = idx[i]; idx[i] = idx[j]; idx[j] = t }
        mid = idx[int((m + 1) / 2)]; s = sec[name, mid]
        if (k == 1) ref = s
        printf "  %-44s %8.2f %9.0f %8.1f %6.2fx %6s  %-18s %s\n", name, s, keys / s, mb / s, ref / s, \
          (name in bad) ? "NO" : "yes", cpu[name, mid], heap[name, mid]
      }
      if (n[order[1]] > 1) { # the spread: each round against the reference of the same round
        print "\n  each round (seconds, and against the same round'"'"'s reference):"
        for (k = 2; k <= names; k++) {
          name = order[k]; line = ""
          for (i = 1; i <= n[name]; i++)
            line = line sprintf("%s%.2f (%.2fx)", i > 1 ? " / " : "", sec[name, i], sec[order[1], i] / sec[name, i])
          printf "    %-44s %s\n", name, line
        }
      }
    }'
}

cat <<RESULT

  redis-migrate benchmark, $total keys ($(awk -v s="$TTL_SHARE" "BEGIN { printf \"%.0f%%\", s * 100 }") with a TTL), $dataset_mb MB, median of $REPEAT round(s) ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg))
  snapshot                                      seconds    keys/s     MB/s vs Redis  equal  CPU s s/t/w/jit    worker heap MB: peak/old
$(table)
$(for n in "${notes[@]}"; do echo "  note: $n"; done)

  stream under a steady load (lag of each follower, canaries every 10 ms; caught up = after the load's end):
$(sed 's/^/    /' <<<"$steady")

  stream: $writes writes by redis-benchmark in ${load_secs}s ($(rate $writes "$load_secs") writes/s taken by the source)
  caught up after the load ended         Redis replica ${ref_catchup}s, redis-migrate ${ours_catchup}s (its API's lag showed it after ${api_catchup}s)
  target equal to source (DEBUG DIGEST)  $equal

$slow_report
RESULT
