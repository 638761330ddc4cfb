# shellcheck shell=bash disable=SC2034  # sourced; migration_id/target_id are used by the demos
# The API steps both demos share (demo.sh, demo-cluster.sh). Source it after lib.sh:
#   source "$INFRA_DIR/demo-api.sh"
API=http://127.0.0.1:${API_PORT:-8080}
TOKEN=${REDIS_MIGRATE_API_TOKEN:-demo-token}

api() { # METHOD PATH [JSON]
  curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$API$2"
}

# stop_demo_migrations: every running or syncing migration is stopped (the demos are safe to run again)
stop_demo_migrations() {
  local state
  for state in running syncing; do
    api GET "/v2/migrations?status=$state" | jq -r '.migrations[]? | "\(.database_id) \(.id)"' |
      while read -r db id; do api DELETE "/v2/databases/$db/online-migration/$id" >/dev/null; done
  done
}

# register_target NAME PORT: registers 127.0.0.1:PORT as a target; sets target_id
register_target() {
  target_id=$(api POST /v2/databases "{\"name\":\"$1\",\"engine\":\"redis\",\"connection\":{\"host\":\"127.0.0.1\",\"port\":$2,\"ssl\":false}}" |
    jq -er '.database.id') || die "could not register the target (is api-service up? see $RUN_DIR/services/api-service.log)"
}

# start_migration SOURCE_PORT: PUTs the provider's body naming 127.0.0.1:SOURCE_PORT into target_id; sets migration_id
start_migration() {
  local answer
  log "PUT /v2/databases/$target_id/online-migration"
  answer=$(api PUT "/v2/databases/$target_id/online-migration" \
    "{\"source\":{\"host\":\"127.0.0.1\",\"port\":$1,\"dbname\":\"defaultdb\",\"username\":\"\",\"password\":\"\"},\"disable_ssl\":true,\"ignore_dbs\":[]}")
  echo "$answer" | jq .
  migration_id=$(echo "$answer" | jq -er .id) || die "the migration was not accepted"
}

# status_is STATUS: the demo migration's status is STATUS now
status_is() { api GET "/v2/databases/$target_id/online-migration" | jq -e --arg s "$1" '.status == $s'; }
