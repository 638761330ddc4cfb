#!/usr/bin/env bash
# PostgreSQL from Debian on 127.0.0.1:5432, with role + database redis_migrate
# (password redis_migrate).  Usage: postgres.sh start|stop|status
# There is no systemd here, so clusters are driven with pg_ctlcluster directly.
# `stop` only stops the cluster if this script started it (marker file), so a
# machine's own PostgreSQL is left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=postgres

PG_HOST=127.0.0.1
# Overridable only so the script itself can be tested on a throw-away cluster.
PG_PORT="${PG_PORT:-5432}"
PG_CLUSTER="${PG_CLUSTER:-main}"
DB_NAME=redis_migrate DB_USER=redis_migrate DB_PASS=redis_migrate
STATE_DIR="$RUN_DIR/postgres"
MARKER="$STATE_DIR/$PG_CLUSTER.started-by-us"   # holds the version we started

# Version of the existing cluster, else of the installed server (no cluster yet).
pg_version() {
  local v
  v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1) || true
  [[ -n "$v" && -f "/etc/postgresql/$v/$PG_CLUSTER/postgresql.conf" ]] ||
    v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1) || true
  [[ -n "$v" ]] || die "PostgreSQL is not installed: run infra/install.sh"
  echo "$v"
}

cluster_online() { pg_lsclusters -h "$1" "$PG_CLUSTER" 2>/dev/null | grep -qw online; }

as_postgres_psql() {
  # cd / so the postgres user doesn't complain about an unreadable cwd.
  (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@")
}

tcp_login_ok() {
  PGPASSWORD="$DB_PASS" PGCONNECT_TIMEOUT=5 psql -X -qAt -h "$PG_HOST" -p "$PG_PORT" \
    -U "$DB_USER" -d "$DB_NAME" -c 'select 1' 2>/dev/null | grep -qx 1
}

ensure_db() {
  # Role: create, or reset the password so a stale one can't break logins.
  as_postgres_psql <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASS';
  ELSE
    ALTER ROLE $DB_USER LOGIN PASSWORD '$DB_PASS';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\gexec
SQL
}

ensure_hba() {
  local ver=$1 hba
  tcp_login_ok && return 0
  # Debian's default pg_hba allows scram on 127.0.0.1; add a rule if it doesn't.
  hba=$(as_postgres_psql -At -c 'show hba_file')
  log "password login over TCP failed; adding a scram rule to $hba"
  sed -i "0,/^[[:space:]]*[a-z]/s||host $DB_NAME $DB_USER $PG_HOST/32 scram-sha-256\n&|" "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" reload
  sleep 1
  tcp_login_ok || die "password login as $DB_USER@$PG_HOST:$PG_PORT still fails (see $hba)"
}

start() {
  local ver
  ver=$(pg_version)
  mkdir -p "$STATE_DIR"
  if [[ ! -f "/etc/postgresql/$ver/$PG_CLUSTER/postgresql.conf" ]]; then
    log "creating cluster $ver/$PG_CLUSTER"
    pg_createcluster --port "$PG_PORT" "$ver" "$PG_CLUSTER" >"$STATE_DIR/createcluster.log" ||
      die "pg_createcluster failed (see $STATE_DIR/createcluster.log)"
  fi
  if cluster_online "$ver"; then
    log "cluster $ver/$PG_CLUSTER already running"
  else
    # Only touch the config of a cluster that isn't running (no restart needed).
    # listen_addresses goes in a conf.d drop-in: pg_conftool would write
    # 127.0.0.1 unquoted (it takes it for a number), which PostgreSQL rejects.
    mkdir -p "/etc/postgresql/$ver/$PG_CLUSTER/conf.d"
    echo "listen_addresses = '$PG_HOST'" >"/etc/postgresql/$ver/$PG_CLUSTER/conf.d/50-redis-migrate.conf"
    pg_conftool "$ver" "$PG_CLUSTER" set port "$PG_PORT"
    log "starting cluster $ver/$PG_CLUSTER"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" start
    echo "$ver" >"$MARKER"
  fi
  wait_until 60 "PostgreSQL on $PG_HOST:$PG_PORT" port_open "$PG_HOST" "$PG_PORT"
  wait_until 30 "PostgreSQL accepting connections" pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
  ensure_db
  ensure_hba "$ver"
  log "PostgreSQL $ver listening on $PG_HOST:$PG_PORT (db=$DB_NAME user=$DB_USER password=$DB_PASS)"
  log "  jdbc:postgresql://$PG_HOST:$PG_PORT/$DB_NAME"
}

stop() {
  local ver
  if [[ ! -f "$MARKER" ]]; then
    log "nothing to stop: cluster $PG_CLUSTER was not started by infra/ scripts (left as it is)"
    return 0
  fi
  ver=$(<"$MARKER")
  if cluster_online "$ver"; then
    log "stopping cluster $ver/$PG_CLUSTER"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" stop -m fast
  fi
  rm -f "$MARKER"
  log "stopped"
}

status() {
  local ver
  ver=$(pg_version)
  if tcp_login_ok; then
    log "up: PostgreSQL $ver on $PG_HOST:$PG_PORT, login $DB_USER ok$([[ -f $MARKER ]] && echo ' (started by us)')"
  else
    log "down (or login as $DB_USER fails) on $PG_HOST:$PG_PORT"
    return 1
  fi
}

case "${1:-}" in
  start | stop | status) "$1" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
