#!/usr/bin/env bash
# Brings up everything local development needs: installs what is missing, then
# PostgreSQL (5432), Kafka (19092) and the demo pair: a Redis 7.0 source (16379)
# and a Valkey 8 target (16380), as the provider's managed caching runs Valkey;
# DEMO_TARGET_SERVER=redis-server makes the target a Redis 7.0 instead.
# Idempotent: servers already up are left as they are.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=up

bash "$INFRA_DIR/install.sh"
bash "$INFRA_DIR/postgres.sh" start
bash "$INFRA_DIR/kafka.sh" start
bash "$INFRA_DIR/redis.sh" start demo-source 16379
target_server=${DEMO_TARGET_SERVER:-valkey-server}
SERVER=$target_server bash "$INFRA_DIR/redis.sh" start demo-target 16380
target_label=$([[ "$target_server" == valkey-server ]] && echo Valkey || echo Redis)

cat <<SUMMARY

  PostgreSQL   127.0.0.1:5432   db/user/password redis_migrate
               jdbc:postgresql://127.0.0.1:5432/redis_migrate
  Kafka        127.0.0.1:${KAFKA_PORT:-19092}  (KRaft controller 127.0.0.1:${KAFKA_CONTROLLER_PORT:-19093})
  Redis        127.0.0.1:16379  demo-source
  $(printf '%-12s' "$target_label") 127.0.0.1:16380  demo-target
  State/logs   $RUN_DIR
  Stop with    bash $INFRA_DIR/down.sh
SUMMARY
