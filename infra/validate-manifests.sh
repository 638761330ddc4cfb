#!/usr/bin/env bash
# Validates the Kubernetes manifests (infra/k8s) without a cluster: kustomize renders them
# (`kubectl kustomize`), then k8s/check-manifests.py checks required fields, images, ports, probes,
# selectors against pod labels, configuration and secrets. A copy with a broken probe must fail the
# check, so a check that passes everything is caught too. Run by infra/test.sh before the Maven build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=manifests

command -v kubectl >/dev/null || die "kubectl missing: run infra/install.sh"
PY=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import yaml' 2>/dev/null; then PY=$candidate; break; fi
done
[[ -n "$PY" ]] || die "no python3 with PyYAML: run infra/install.sh (python3-yaml)"

mkdir -p "$RUN_DIR"
rendered="$RUN_DIR/k8s-rendered.yaml"
kubectl kustomize "$INFRA_DIR/k8s" >"$rendered" || die "kustomize cannot render infra/k8s"
"$PY" "$INFRA_DIR/k8s/check-manifests.py" <"$rendered" || die "infra/k8s has problems (listed above)"

if sed 's#/q/health/ready#/q/health/elsewhere#' "$rendered" | "$PY" "$INFRA_DIR/k8s/check-manifests.py" >/dev/null; then
  die "check-manifests.py passed manifests with a wrong readiness probe"
fi
log "infra/k8s renders and passes the checks"
