# shellcheck shell=bash disable=SC2154  # sourced by benchmark/run.sh: its servers, functions and variables
# The slow-target scenario (issue 15): a replication migration into a target paused for writes 800 ms
# of every second while the source takes a heavy write load with a replica output buffer of 1 MB.
# Reading the link at network speed (RDB into the spool, the commands after it into the change log)
# must keep the source from ever dropping it. Sets slow_report (the lines the result shows).

log "slow target: replication migration into a target paused 800 ms of every second, replica output buffer 1 MB, the source writing up to $((SLOW_SETS * 10)) SETs/s after its RDB"
wait_for 60 "the stream's workers gone from the target" bash -c "redis-cli -p $DST INFO clients | tr -d '\r' | grep -qx 'connected_clients:1'"
cli $REF REPLICAOF NO ONE >/dev/null # Redis's replica would be dropped by the 1 MB buffer too: not what is measured
wait_for 60 "no replica left on the source" bash -c "redis-cli -p $SRC INFO replication | tr -d '\r' | grep -qx 'connected_slaves:0'"
cli $DST FLUSHALL >/dev/null
cli $SRC CONFIG SET client-output-buffer-limit "replica 1mb 1mb 0" >/dev/null
source_log="$RUN_DIR/redis/bench-source.log"
buffer_drops() { grep -c 'output buffer limits' "$source_log" || true; }
sync_full() { cli $SRC INFO stats | tr -d '\r' | awk -F: '/^sync_full:/ {print $2}'; }
drops0=$(buffer_drops) full0=$(sync_full)

# During the RDB transfer Redis itself holds every write for the replica in its output buffer, whatever
# the replica reads (a 150 MB RDB takes seconds, 2 MB/s of writes overflow 1 MB in half of one): no
# replica survives that, Redis's own included. The heavy load therefore starts when the source logs the
# transfer done; what is measured is the rest: the spool applied to the slow target while the commands
# after it pour in, which the source drops the link for unless they are read at network speed.
synced() { grep -c 'Synchronization with replica .* succeeded' "$source_log" || true; }
synced0=$(synced)

# background loops, each killed by its pid at the end (or when the benchmark dies)
slow_pids=()
trap 'kill "${slow_pids[@]}" 2>/dev/null || true' EXIT
( while :; do redis-cli -p $DST CLIENT PAUSE 800 WRITE >/dev/null; sleep 1; done ) &
slow_pids+=($!)
pauser=$!
( round=0 value=$(printf 'v%.0s' {1..200})
  until (($(synced) > synced0)); do sleep 0.1; done
  now >"$BDIR/slow-load-start"
  while :; do
    redis-cli -p $SRC EVAL "for i = 1, tonumber(ARGV[3]) do redis.call('SET', 'slow:' .. ((ARGV[2] * ARGV[3] + i) % 100000), ARGV[1]) end return 1" \
      0 "$value" $((round++)) "$SLOW_SETS" >/dev/null
    echo "$round" >"$BDIR/slow-rounds"
    sleep 0.1
  done ) &
slow_pids+=($!)
loader=$!
# peak_of FILE CMD...: keeps in FILE the largest number CMD printed, every 200 ms
peak_of() {
  local file=$1 max=0 v; shift
  echo 0 >"$file"
  while :; do
    v=$("$@" 2>/dev/null) || v=0
    ((${v:-0} > max)) && { max=$v; echo "$max" >"$file"; }
    sleep 0.2
  done
}
sum_sizes() { local f t=0; for f in "$@"; do [[ -f $f ]] && t=$((t + $(stat -c %s "$f"))); done; echo $t; }
spool_bytes() { sum_sizes "$SPOOL_DIR"/rdb-*.spool; }
peak_of "$BDIR/peak-spool" spool_bytes &
slow_pids+=($!)

c0=$(now)
put_migration replication || die "the slow-target scenario needs the replication method: ${notes[*]}"
changelog_bytes() { sum_sizes "$RUN_DIR"/kafka/data/*redis-migrate.change-log."$migration_id"-*/*.log; }
# what the change log holds unapplied: the workers' apply-lag gauges of this migration (replication bytes)
unapplied_bytes() {
  { curl -fsS http://127.0.0.1:8081/q/metrics; curl -fsS http://127.0.0.1:8082/q/metrics; } 2>/dev/null |
    awk -v id="$migration_id" 'index($0, id) && /^redis_migrate_worker_apply_lag_bytes/ { if ($NF + 0 > m) m = $NF + 0 } END { printf "%.0f\n", m }'
}
peak_of "$BDIR/peak-changelog" changelog_bytes &
slow_pids+=($!)
peak_of "$BDIR/peak-unapplied" unapplied_bytes &
slow_pids+=($!)
wait_for 900 "slow-target migration syncing" settled
c1=$(now)
[[ $(mstatus | jq -r .status) == syncing ]] || die "the slow-target migration failed: $(mstatus | jq -r .error)"
sleep "$SLOW_AFTER_SECS"
kill "$loader" "$pauser"
wait "$loader" "$pauser" 2>/dev/null || true
cli $DST CLIENT UNPAUSE >/dev/null
c2=$(now)
rounds=$(<"$BDIR/slow-rounds")
src_offset=$(cli $SRC INFO replication | awk -F: '/^master_repl_offset/ {print $2}' | tr -d '\r')
wait_for 600 "slow-target migration caught up" bash -c "$(declare -f api mstatus); API=$API TOKEN=$TOKEN target_id=$target_id; mstatus | jq -e '.lag.offset >= $src_offset'"
c3=$(now)
slow_equal=no
for _ in 1 2 3 4 5; do digests_equal && { slow_equal=yes; break; }; sleep 1; done
sleep 0.4 # a last poll of the peaks
kill "${slow_pids[@]}" 2>/dev/null || true
wait "${slow_pids[@]}" 2>/dev/null || true
drops=$(($(buffer_drops) - drops0)) extra_full=$(($(sync_full) - full0 - 1))
# a copy started over (the target's connections broke) would show in the migration's events
copy_again=$(api GET "/v2/migrations/$migration_id/events" | { grep -o 'copying again' || true; } | wc -l)
api DELETE "/v2/databases/$target_id/online-migration/$migration_id" >/dev/null
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }

load_start=$(<"$BDIR/slow-load-start")
slow_report="  slow target (paused for writes 800 ms of every second; replica output buffer 1mb 1mb 0; source: $SLOW_SETS SETs of 200 bytes
  per EVAL every 100 ms from the RDB transfer's end ($(secs "$c0" "$load_start")s after the PUT) until ${SLOW_AFTER_SECS}s after syncing: $((rounds * SLOW_SETS)) SETs in $(secs "$load_start" "$c2")s = $(rate $((rounds * SLOW_SETS)) "$(secs "$load_start" "$c2")") writes/s):
    PUT -> syncing                           $(secs "$c0" "$c1")s
    links dropped by the source              $drops output-buffer disconnects in its log, $extra_full full syncs beyond the first (both must be 0); copies started over: $copy_again
    spool peak (RDB file on disk)            $(mb "$(<"$BDIR/peak-spool")")
    change log peak (Kafka segments on disk) $(mb "$(<"$BDIR/peak-changelog")")
    change log peak unapplied (apply lag)    $(mb "$(<"$BDIR/peak-unapplied")")
    caught up after the load and pauses end  $(secs "$c2" "$c3")s; target equal to source (DEBUG DIGEST) $slow_equal"
