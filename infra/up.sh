#!/usr/bin/env bash
# Brings up everything local development needs: installs what is missing, then
# PostgreSQL (5432), Kafka (19092) and the demo Redis pair (16379 -> 16380).
# Idempotent: servers already up are left as they are.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=up

bash "$INFRA_DIR/install.sh"
bash "$INFRA_DIR/postgres.sh" start
bash "$INFRA_DIR/kafka.sh" start
bash "$INFRA_DIR/redis.sh" start demo-source 16379
bash "$INFRA_DIR/redis.sh" start demo-target 16380

cat <<SUMMARY

  PostgreSQL   127.0.0.1:5432   db/user/password redis_migrate
               jdbc:postgresql://127.0.0.1:5432/redis_migrate
  Kafka        127.0.0.1:${KAFKA_PORT:-19092}  (KRaft controller 127.0.0.1:${KAFKA_CONTROLLER_PORT:-19093})
  Redis        127.0.0.1:16379  demo-source
  Redis        127.0.0.1:16380  demo-target
  State/logs   $RUN_DIR
  Stop with    bash $INFRA_DIR/down.sh
SUMMARY
