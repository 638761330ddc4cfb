#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs and starts what the tests need
# (PostgreSQL, Kafka; the tests start their own redis-server and valkey-server processes), checks the Kubernetes
# manifests, then `mvn verify`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=test

bash "$INFRA_DIR/install.sh"
bash "$INFRA_DIR/validate-manifests.sh"
bash "$INFRA_DIR/postgres.sh" start
bash "$INFRA_DIR/kafka.sh" start
cd "$REPO_DIR"
exec mvn -B verify "$@"
