#!/usr/bin/env bash
# Stops the services and what up.sh started: Kafka, the demo Redis pair, and PostgreSQL only if
# postgres.sh started it. Tries every step even if one fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=down

rc=0
bash "$INFRA_DIR/services.sh" stop || rc=1
bash "$INFRA_DIR/kafka.sh" stop || rc=1
bash "$INFRA_DIR/redis.sh" stop demo-source 16379 || rc=1
bash "$INFRA_DIR/redis.sh" stop demo-target 16380 || rc=1
bash "$INFRA_DIR/postgres.sh" stop || rc=1
exit "$rc"
