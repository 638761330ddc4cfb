#!/usr/bin/env bash
# A named redis-server instance on 127.0.0.1 (Debian's binary), state under
# infra/.run/redis/NAME*.
# Usage: redis.sh start NAME PORT [extra redis-server args...]
#        redis.sh stop|status NAME [PORT]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start NAME PORT [redis-server args...] | stop|status NAME [PORT]" >&2; exit 2; }
(($# >= 2)) || usage
CMD=$1 NAME=$2 PORT=${3:-}; shift $(($# < 3 ? $# : 3))
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad instance name: $NAME"
LOG_TAG="redis $NAME"
HOST=127.0.0.1
RDIR="$RUN_DIR/redis"
PIDFILE="$RDIR/$NAME.pid"
LOGFILE="$RDIR/$NAME.log"
PORTFILE="$RDIR/$NAME.port"   # remembered so stop/status work without PORT
[[ -n "$PORT" || ! -s "$PORTFILE" ]] || PORT=$(<"$PORTFILE")

rcli() { redis-cli -h "$HOST" -p "$PORT" "$@"; }
pong() { [[ "$(rcli ping 2>/dev/null)" == PONG ]]; }

start() {
  [[ "$PORT" =~ ^[0-9]+$ ]] || usage
  command -v redis-server >/dev/null || die "redis-server missing: run infra/install.sh"
  if pong; then
    log "already answers on $HOST:$PORT; nothing to do"
    return 0
  fi
  mkdir -p "$RDIR/$NAME"
  echo "$PORT" >"$PORTFILE"
  # No persistence (test data only); debug command on for tests; no delay
  # before a diskless full sync so replication tests run fast.
  redis-server --bind "$HOST" --port "$PORT" --daemonize yes \
    --pidfile "$PIDFILE" --dir "$RDIR/$NAME" --logfile "$LOGFILE" \
    --save "" --appendonly no --enable-debug-command yes \
    --repl-diskless-sync-delay 0 --protected-mode no "$@" ||
    die "redis-server failed to start (see $LOGFILE)"
  WAIT_LOG="$LOGFILE" wait_until 20 "redis $NAME PING on $HOST:$PORT" pong
  log "listening on $HOST:$PORT (pid $(<"$PIDFILE"), log $LOGFILE)"
}

stop() {
  if pid_alive "$PIDFILE" redis-server; then
    stop_pidfile "$PIDFILE" "$HOST${PORT:+:$PORT}" 20 redis-server
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
    log "up: $HOST:$PORT$(pid_alive "$PIDFILE" redis-server && echo " (pid $(<"$PIDFILE"))")"
  else
    log "down${PORT:+: no PONG on $HOST:$PORT}"
    return 1
  fi
}

case "$CMD" in
  start | stop | status) "$CMD" "$@" ;;
  *) usage ;;
esac
