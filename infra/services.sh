#!/usr/bin/env bash
# The three services as background JVMs: api-service (8080), snapshot-worker (8081), stream-worker (8082).
# Usage: services.sh start|stop|status
# `start` builds the reactor first when a service's jar is missing (or with BUILD=1).
# JAVA_OPTS_<service, "-" as "_"> adds JVM options to one service, e.g. for a flight recording:
#   JAVA_OPTS_snapshot_worker='-XX:StartFlightRecording=filename=/tmp/sw.jfr' bash infra/services.sh start
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=services

SDIR="$RUN_DIR/services"
mkdir -p "$SDIR"
declare -A PORTS=([api-service]=${API_PORT:-8080} [snapshot-worker]=${SNAPSHOT_WORKER_PORT:-8081} [stream-worker]=${STREAM_WORKER_PORT:-8082})
ORDER=(snapshot-worker stream-worker api-service)

# Demo values only: production sets its own token and key (see the README's Configuration).
export REDIS_MIGRATE_API_TOKEN="${REDIS_MIGRATE_API_TOKEN:-demo-token}"
export REDIS_MIGRATE_SECRET_KEY="${REDIS_MIGRATE_SECRET_KEY:-ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=}"

jar() { echo "$REPO_DIR/$1/target/quarkus-app/quarkus-run.jar"; }
ready() { curl -fsS "http://127.0.0.1:$1/q/health/ready" >/dev/null 2>&1; }

build() {
  log "building the services (mvn package, tests skipped); log in $SDIR/build.log"
  (cd "$REPO_DIR" && mvn -B -q package -DskipTests >"$SDIR/build.log" 2>&1) ||
    { tail -40 "$SDIR/build.log" >&2; die "build failed (see $SDIR/build.log)"; }
}

start() {
  command -v curl >/dev/null || die "curl missing: run infra/install.sh"
  local missing=0 s
  for s in "${ORDER[@]}"; do [[ -f "$(jar "$s")" ]] || missing=1; done
  if [[ "${BUILD:-0}" == 1 || $missing == 1 ]]; then build; fi
  for s in "${ORDER[@]}"; do
    local port=${PORTS[$s]} pidfile="$SDIR/$s.pid" out="$SDIR/$s.log"
    if pid_alive "$pidfile" quarkus-run.jar && ! pid_alive "$pidfile" "$(jar "$s")"; then
      # infra/.run may be shared by several checkouts (git worktrees): never reuse another one's build
      log "$s: pid $(<"$pidfile") runs another checkout's build; restarting it from $(jar "$s")"
      stop_pidfile "$pidfile" "$s" 30 quarkus-run.jar
    fi
    if pid_alive "$pidfile" quarkus-run.jar; then
      log "$s: already running (pid $(<"$pidfile"))"
      continue
    fi
    port_open 127.0.0.1 "$port" && die "$s: port $port is taken by another process"
    local extra="JAVA_OPTS_${s//-/_}"
    # shellcheck disable=SC2086 # the options are words
    nohup java -Xms64m -Xmx256m ${!extra:-} -Dquarkus.http.port="$port" -jar "$(jar "$s")" >"$out" 2>&1 &
    echo $! >"$pidfile"
    log "$s: started pid $! on 127.0.0.1:$port (log $out)"
  done
  for s in "${ORDER[@]}"; do
    WAIT_PID=$(<"$SDIR/$s.pid") WAIT_LOG="$SDIR/$s.log" wait_until 90 "$s ready" ready "${PORTS[$s]}"
    log "$s: ready on http://127.0.0.1:${PORTS[$s]}"
  done
}

stop() {
  local s
  for s in api-service stream-worker snapshot-worker; do
    stop_pidfile "$SDIR/$s.pid" "$s" 20 quarkus-run.jar
  done
}

status() {
  local s rc=0
  for s in "${ORDER[@]}"; do
    if pid_alive "$SDIR/$s.pid" quarkus-run.jar && ready "${PORTS[$s]}"; then
      log "$s: up on 127.0.0.1:${PORTS[$s]}"
    else
      log "$s: down"; rc=1
    fi
  done
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
