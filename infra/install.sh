#!/usr/bin/env bash
# Installs what the local infra needs, skipping whatever is already there:
#  - Debian packages: postgresql, redis-server, redis-tools, chromium and
#    chromium-driver (the dashboard's browser test), kubectl and PyYAML (the
#    manifests' check), and a JDK/Maven only if missing, which they are not on
#    the project's machines;
#  - valkey-server and valkey-tools (Valkey 8, the provider's managed caching;
#    the cross-family tests and the demo's target run it) from bookworm-backports,
#    whose apt source is added under /etc/apt/sources.list.d/ unless one exists;
#  - Apache Kafka's jars from Maven Central into infra/.run/kafka/lib
#    (Kafka is not packaged by Debian, and only registries are reachable).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=install

# --- Debian packages ---------------------------------------------------------
have_postgres() {
  command -v pg_ctlcluster >/dev/null && command -v psql >/dev/null &&
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}
missing=()
have_postgres || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
command -v kubectl >/dev/null || missing+=(kubernetes-client)
# validate-manifests.sh takes whichever python3 has PyYAML; Debian's gets it from this package
python3 -c 'import yaml' 2>/dev/null || /usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
# Valkey is packaged for bookworm only in its backports (trixie has it in main).
valkey=()
command -v valkey-server >/dev/null || valkey+=(valkey-server)
command -v valkey-cli >/dev/null || valkey+=(valkey-tools)
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
valkey_release=$([[ "$codename" == bookworm ]] && echo bookworm-backports || true)

# has_apt_suite SUITE: true when an enabled apt source (one-line or deb822) names SUITE.
has_apt_suite() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && grep -Eqs "^[[:space:]]*deb[[:space:]].*[[:space:]]$1([[:space:]]|$)" "$f" && return 0
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && grep -Eqs "^[[:space:]]*Suites:.*[[:space:]]$1([[:space:]]|$)" "$f" &&
      ! grep -Eqis '^[[:space:]]*Enabled:[[:space:]]*no' "$f" && return 0
  done
  return 1
}

if ((${#missing[@]} + ${#valkey[@]})); then
  ((EUID == 0)) || die "need root to apt-get install: ${missing[*]} ${valkey[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ((${#valkey[@]})) && [[ -n "$valkey_release" ]] && ! has_apt_suite "$valkey_release"; then
    log "adding the apt source $valkey_release (for ${valkey[*]})"
    echo "deb http://deb.debian.org/debian $valkey_release main" >"/etc/apt/sources.list.d/$valkey_release.list"
  fi
  apt-get update -q
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  if ((${#valkey[@]})); then
    log "installing ${valkey[*]}${valkey_release:+ from $valkey_release}"
    apt-get install -y -q --no-install-recommends ${valkey_release:+-t "$valkey_release"} "${valkey[@]}"
  fi
  # Debian's postinst may auto-start the new cluster (listening on localhost,
  # i.e. ::1 too). Stop it so postgres.sh configures, starts and owns it.
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print $1, $2}' |
      while read -r ver name; do
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop || true
      done
  fi
  # A redis-server auto-started on 6379 is left as Debian set it up: nothing
  # here uses it.
  # Debian's valkey-server postinst starts a service of its own on 6379 (where
  # Redis's service, if any, makes it fail quietly). Nothing here uses it (tests
  # and redis.sh start their own servers), so stop it and keep it from starting
  # at boot, where it would race Redis's service for that port.
  if [[ " ${valkey[*]} " == *" valkey-server "* ]]; then
    if [[ -d /run/systemd/system ]]; then
      systemctl disable --now valkey-server.service >/dev/null 2>&1 || true
    else
      invoke-rc.d valkey-server stop >/dev/null 2>&1 || true
      update-rc.d valkey-server disable >/dev/null 2>&1 || true
    fi
    if pid_alive /run/valkey/valkey-server.pid valkey-server; then
      stop_pidfile /run/valkey/valkey-server.pid "Debian's valkey-server service" 20 valkey-server
    fi
  fi
else
  log "Debian packages present (postgresql, redis-server, redis-tools, valkey-server, valkey-tools, chromium, chromium-driver, kubectl, PyYAML)"
fi

# --- Kafka jars ----------------------------------------------------------------
# A stamp of the pom's hash marks a complete copy; a changed pom re-copies.
pom="$INFRA_DIR/kafka/pom.xml"
stamp="$KAFKA_LIB_DIR/.pom.sha256"
want=$(sha256sum "$pom" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
  log "Kafka $KAFKA_VERSION jars present in $KAFKA_LIB_DIR"
else
  log "copying Kafka $KAFKA_VERSION jars into $KAFKA_LIB_DIR (Maven)"
  tmp="$KAFKA_LIB_DIR.tmp"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$KAFKA_LIB_DIR")"
  # Output goes to a log: Debian's Maven 3.8.7 prints stray ANSI resets even with -q -B.
  mvnlog="$(dirname "$KAFKA_LIB_DIR")/mvn.log"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$mvnlog" 2>&1 ||
    { tail -n 30 "$mvnlog" >&2; die "Maven could not fetch Kafka's jars (see $mvnlog)"; }
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "Maven did not copy kafka_2.13-$KAFKA_VERSION.jar"
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIB_DIR"
  mv "$tmp" "$KAFKA_LIB_DIR"
  log "copied $(ls "$KAFKA_LIB_DIR"/*.jar | wc -l) jars"
fi
