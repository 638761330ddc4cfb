#!/usr/bin/env bash
# Installs what the local infra needs, skipping whatever is already there:
#  - Debian packages: postgresql, redis-server, redis-tools, chromium and
#    chromium-driver (the dashboard's browser test), kubectl and PyYAML (the
#    manifests' check), and a JDK/Maven only if missing, which they are not on
#    the project's machines;
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

if ((${#missing[@]})); then
  ((EUID == 0)) || die "need root to apt-get install: ${missing[*]}"
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
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
else
  log "Debian packages present (postgresql, redis-server, redis-tools, chromium, chromium-driver, kubectl, PyYAML)"
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
