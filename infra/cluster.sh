#!/usr/bin/env bash
# A local Redis (or Valkey) Cluster on 127.0.0.1: SHARDS masters, each with
# REPLICAS replicas, on consecutive ports from FIRST_PORT (cluster bus: port +
# 10000). Each node is a redis.sh instance named NAME-1, NAME-2, ... (masters
# first, then the replicas shard by shard), state under infra/.run/redis/.
# Usage: [SERVER=valkey-server] [SHARDS=3] [REPLICAS=1] cluster.sh start NAME [FIRST_PORT]
#        cluster.sh stop|status NAME
# The slots are split evenly and assigned by hand (CLUSTER ADDSLOTSRANGE, MEET,
# REPLICATE), so any shard count works (redis-cli --cluster create wants >= 3
# masters). A stopped cluster restarts as it was (nodes.conf is kept); delete
# infra/.run/redis/NAME-* for a new one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: [SERVER=redis-server|valkey-server] [SHARDS=3] [REPLICAS=1] $0 start NAME [FIRST_PORT] | stop|status NAME" >&2; exit 2; }
(($# >= 2)) || usage
CMD=$1 NAME=$2 FIRST_PORT=${3:-}
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad cluster name: $NAME"
HOST=127.0.0.1
RDIR="$RUN_DIR/redis"
LAYOUT="$RDIR/$NAME.cluster" # "SHARDS REPLICAS FIRST_PORT", so stop/status need not be told
LOG_TAG="cluster $NAME"
# a cluster started before keeps its layout (its nodes.conf knows it)
if [[ -s "$LAYOUT" ]]; then
  read -r OLD_SHARDS OLD_REPLICAS OLD_PORT <"$LAYOUT"
  [[ "$CMD" != start || -z "$FIRST_PORT" || "$FIRST_PORT" == "$OLD_PORT" ]] ||
    die "$NAME was made on ports from $OLD_PORT: start it there, or delete $RDIR/$NAME* for a new one"
  SHARDS=$OLD_SHARDS REPLICAS=$OLD_REPLICAS FIRST_PORT=$OLD_PORT
fi
SHARDS=${SHARDS:-3} REPLICAS=${REPLICAS:-1} FIRST_PORT=${FIRST_PORT:-17001}
[[ "$SHARDS" =~ ^[1-9][0-9]*$ && "$REPLICAS" =~ ^[0-9]+$ && "$FIRST_PORT" =~ ^[0-9]+$ ]] || usage
NODES=$((SHARDS * (1 + REPLICAS)))

port_of() { echo $((FIRST_PORT + $1 - 1)); } # node 1..NODES
rcli() { redis-cli -h "$HOST" -p "$1" "${@:2}"; }
state_ok() { [[ "$(rcli "$FIRST_PORT" cluster info 2>/dev/null)" == *cluster_state:ok* ]]; }
all_known() {
  local i
  for ((i = 1; i <= NODES; i++)); do
    [[ "$(rcli "$(port_of "$i")" cluster nodes 2>/dev/null | wc -l)" -eq $NODES ]] || return 1
  done
}
replicas_synced() {
  local i
  for ((i = SHARDS + 1; i <= NODES; i++)); do
    [[ "$(rcli "$(port_of "$i")" info replication 2>/dev/null)" == *master_link_status:up* ]] || return 1
  done
}

assemble() {
  local i from to shard r master_id
  log "assigning slots to $SHARDS master(s), $REPLICAS replica(s) each"
  for ((i = 1; i <= SHARDS; i++)); do
    from=$((16384 * (i - 1) / SHARDS)) to=$((16384 * i / SHARDS - 1))
    [[ "$(rcli "$(port_of "$i")" cluster addslotsrange "$from" "$to")" == OK ]] ||
      die "CLUSTER ADDSLOTSRANGE $from $to refused on $(port_of "$i")"
  done
  for ((i = 2; i <= NODES; i++)); do
    rcli "$FIRST_PORT" cluster meet "$HOST" "$(port_of "$i")" >/dev/null
  done
  wait_until 30 "every node to know the others" all_known
  for ((shard = 1; shard <= SHARDS; shard++)); do
    master_id=$(rcli "$(port_of "$shard")" cluster myid)
    for ((r = 0; r < REPLICAS; r++)); do
      i=$((SHARDS + (shard - 1) * REPLICAS + r + 1))
      [[ "$(rcli "$(port_of "$i")" cluster replicate "$master_id")" == OK ]] ||
        die "CLUSTER REPLICATE refused on $(port_of "$i")"
    done
  done
}

start() {
  local i
  mkdir -p "$RDIR"
  echo "$SHARDS $REPLICAS $FIRST_PORT" >"$LAYOUT"
  for ((i = 1; i <= NODES; i++)); do
    bash "$INFRA_DIR/redis.sh" start "$NAME-$i" "$(port_of "$i")" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
  done
  # a fresh first node serves no slot; a restarted one reloads its nodes.conf
  if [[ "$(rcli "$FIRST_PORT" cluster info)" == *cluster_slots_assigned:0* ]]; then
    assemble
  fi
  wait_until 30 "cluster_state:ok" state_ok
  wait_until 60 "replicas in sync" replicas_synced
  log "up: $SHARDS shard(s) on $HOST:$FIRST_PORT-$(port_of "$NODES"); seed node $HOST:$FIRST_PORT"
}

stop() {
  local i rc=0
  for ((i = 1; i <= NODES; i++)); do
    bash "$INFRA_DIR/redis.sh" stop "$NAME-$i" "$(port_of "$i")" || rc=1
  done
  return $rc
}

status() {
  local i down=0
  for ((i = 1; i <= NODES; i++)); do
    [[ "$(rcli "$(port_of "$i")" ping 2>/dev/null)" == PONG ]] || { log "node $NAME-$i ($HOST:$(port_of "$i")) down"; down=1; }
  done
  if ((down == 0)) && state_ok; then
    log "up: $SHARDS shard(s), $NODES node(s) on $HOST:$FIRST_PORT-$(port_of "$NODES"), cluster_state:ok"
  else
    log "not ok"
    return 1
  fi
}

case "$CMD" in
  start | stop | status) "$CMD" ;;
  *) usage ;;
esac
