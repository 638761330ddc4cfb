#!/usr/bin/env bash
# A named Redis or Valkey instance on 127.0.0.1 (Debian's binaries), state under
# infra/.run/redis/NAME*.
# Usage: [SERVER=valkey-server] redis.sh start NAME PORT [extra server args...]
#        redis.sh stop|status NAME [PORT]
# SERVER picks the program: redis-server (default, Redis 7.0) or valkey-server
# (Valkey 8); start remembers it, so stop and status need not be told.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: [SERVER=redis-server|valkey-server] $0 start NAME PORT [server args...] | stop|status NAME [PORT]" >&2; exit 2; }
(($# >= 2)) || usage
CMD=$1 NAME=$2 PORT=${3:-}; shift $(($# < 3 ? $# : 3))
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad instance name: $NAME"
HOST=127.0.0.1
RDIR="$RUN_DIR/redis"
PIDFILE="$RDIR/$NAME.pid"
LOGFILE="$RDIR/$NAME.log"
PORTFILE="$RDIR/$NAME.port"     # remembered so stop/status work without PORT
SERVERFILE="$RDIR/$NAME.server" # remembered so stop/status match the right process
[[ -n "$PORT" || ! -s "$PORTFILE" ]] || PORT=$(<"$PORTFILE")
if [[ -z "${SERVER:-}" ]]; then
  SERVER=redis-server
  [[ "$CMD" == start || ! -s "$SERVERFILE" ]] || SERVER=$(<"$SERVERFILE")
fi
[[ "$SERVER" == redis-server || "$SERVER" == valkey-server ]] ||
  die "SERVER must be redis-server or valkey-server, not: $SERVER"
LOG_TAG="${SERVER%-server} $NAME"

rcli() { redis-cli -h "$HOST" -p "$PORT" "$@"; }
pong() { [[ "$(rcli ping 2>/dev/null)" == PONG ]]; }
# Which program answers: Valkey adds valkey_version to INFO server (its redis_version says 7.2.4).
answering() { [[ "$(rcli info server 2>/dev/null)" == *valkey_version:* ]] && echo valkey-server || echo redis-server; }

start() {
  [[ "$PORT" =~ ^[0-9]+$ ]] || usage
  command -v "$SERVER" >/dev/null || die "$SERVER missing: run infra/install.sh"
  if pong; then
    local other
    other=$(answering)
    [[ "$other" == "$SERVER" ]] ||
      die "$HOST:$PORT already answers, but as $other, not $SERVER: stop it first (bash $0 stop $NAME $PORT)"
    log "already answers on $HOST:$PORT; nothing to do"
    return 0
  fi
  mkdir -p "$RDIR/$NAME"
  echo "$PORT" >"$PORTFILE"
  echo "$SERVER" >"$SERVERFILE"
  # No persistence (test data only); debug command on for tests; no delay
  # before a diskless full sync so replication tests run fast.
  "$SERVER" --bind "$HOST" --port "$PORT" --daemonize yes \
    --pidfile "$PIDFILE" --dir "$RDIR/$NAME" --logfile "$LOGFILE" \
    --save "" --appendonly no --enable-debug-command yes \
    --repl-diskless-sync-delay 0 --protected-mode no "$@" ||
    die "$SERVER failed to start (see $LOGFILE)"
  WAIT_LOG="$LOGFILE" wait_until 20 "$SERVER $NAME PING on $HOST:$PORT" pong
  log "listening on $HOST:$PORT (pid $(<"$PIDFILE"), log $LOGFILE)"
}

stop() {
  if pid_alive "$PIDFILE" "$SERVER"; then
    stop_pidfile "$PIDFILE" "$HOST${PORT:+:$PORT}" 20 "$SERVER"
  elif [[ -n "$PORT" ]] && pong && [[ "$(rcli config get pidfile 2>/dev/null | tail -n1)" == "$PIDFILE" ]]; then
    # Ours (same pid file path) but the pid file is gone: ask it to quit.
    log "no pid file; SHUTDOWN NOSAVE via $HOST:$PORT"
    rcli shutdown nosave >/dev/null 2>&1 || true
  else
    log "not running (nothing of ours to stop)"
  fi
}

status() {
  if [[ -n "$PORT" ]] && pong; then
    log "up: $HOST:$PORT$(pid_alive "$PIDFILE" "$SERVER" && echo " (pid $(<"$PIDFILE"))")"
  else
    log "down${PORT:+: no PONG on $HOST:$PORT}"
    return 1
  fi
}

case "$CMD" in
  start | stop | status) "$CMD" "$@" ;;
  *) usage ;;
esac
