# shellcheck shell=bash disable=SC2034  # sourced; variables are used by the scripts
# Shared helpers for the infra/ scripts. Source it, don't run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# All runtime state (data, logs, pid files, downloaded jars) lives under
# infra/.run/, which is git-ignored, so a fresh clone starts clean.

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$INFRA_DIR/.." && pwd)"
RUN_DIR="$INFRA_DIR/.run"
KAFKA_VERSION=4.1.2
KAFKA_LIB_DIR="${KAFKA_LIB_DIR:-$RUN_DIR/kafka/lib}"

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${LOG_TAG:-infra}" "$*"; }
die() { printf '[%s %s] ERROR: %s\n' "$(date +%H:%M:%S)" "${LOG_TAG:-infra}" "$*" >&2; exit 1; }

# port_open HOST PORT: true when something accepts TCP connections there.
# bash's /dev/tcp avoids needing nc; `timeout` guards against a hung connect.
port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# wait_until TIMEOUT_S DESCRIPTION CMD...: retry CMD every second until it
# succeeds; dies with a clear message after TIMEOUT_S. If WAIT_PID is set and
# that process exits meanwhile, fail at once instead of waiting it out.
wait_until() {
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "${WAIT_PID:-}" ]] && ! running "$WAIT_PID"; then
      die "$what: process $WAIT_PID exited before it was ready${WAIT_LOG:+ (see $WAIT_LOG)}"
    fi
    ((SECONDS < deadline)) || die "$what: not ready after ${timeout}s${WAIT_LOG:+ (see $WAIT_LOG)}"
    sleep 1
  done
}

# wait_for_port HOST PORT TIMEOUT_S
wait_for_port() { wait_until "$3" "port $1:$2" port_open "$1" "$2"; }

# running PID: alive and not a zombie (a daemon's exit is reaped by init late).
running() {
  kill -0 "$1" 2>/dev/null && [[ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

# pid_alive PIDFILE [MATCH]: true when the file names a running process whose
# command line contains MATCH (guards against a stale pid reused by another).
pid_alive() {
  local pid
  [[ -s "$1" ]] && pid=$(<"$1") && [[ "$pid" =~ ^[0-9]+$ ]] && running "$pid" &&
    { [[ -z "${2:-}" ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; }
}

# stop_pidfile PIDFILE NAME [TIMEOUT_S] [MATCH]: SIGTERM the recorded process,
# wait, SIGKILL as a last resort, remove the pid file. Touches nothing else.
stop_pidfile() {
  local pidfile=$1 name=$2 timeout=${3:-30} match=${4:-} pid
  if ! pid_alive "$pidfile" "$match"; then
    log "$name: not running (no live pid in $pidfile)"
    rm -f "$pidfile"
    return 0
  fi
  pid=$(<"$pidfile")
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while running "$pid"; do
    if ((SECONDS >= deadline)); then
      log "$name: still alive after ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
  log "$name: stopped"
}
