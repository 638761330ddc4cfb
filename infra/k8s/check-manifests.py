"""Checks the rendered Kubernetes manifests (YAML on stdin) for what the cluster would only reject,
or worse accept and run wrongly: required fields, images, ports, probes, selectors that match
their pods, configuration and secrets the services need. Exits 1 with one line per problem.

No cluster is needed: `kubectl --dry-run=client` would still ask a server for its schema."""
import sys

import yaml

PART_OF = "redis-migrate"
SECRET = "redis-migrate-secrets"
# what each service reads from its environment (README "Configuration")
NEEDS = {
    "api-service": {"KAFKA_BOOTSTRAP_SERVERS", "REDIS_MIGRATE_DB_URL", "REDIS_MIGRATE_DB_USER",
                    "REDIS_MIGRATE_DB_PASSWORD", "REDIS_MIGRATE_SECRET_KEY", "REDIS_MIGRATE_API_TOKEN", "API_HOST"},
    "snapshot-worker": {"KAFKA_BOOTSTRAP_SERVERS", "REDIS_MIGRATE_SECRET_KEY", "QUARKUS_HTTP_HOST",
                        "REDIS_MIGRATE_REPLICA_LOAD_HOST"},
    "stream-worker": {"KAFKA_BOOTSTRAP_SERVERS", "REDIS_MIGRATE_SECRET_KEY", "QUARKUS_HTTP_HOST"},
}
# never a literal value in a manifest
SECRET_VARS = {"REDIS_MIGRATE_DB_PASSWORD", "REDIS_MIGRATE_SECRET_KEY", "REDIS_MIGRATE_API_TOKEN"}
PROBES = {"readinessProbe": "/q/health/ready", "livenessProbe": "/q/health/live"}
EXTERNAL = {"kafka", "postgres"}


def check(docs):
    problems = []
    by_kind = {}
    for doc in docs:
        where = f"{doc.get('kind', '?')}/{(doc.get('metadata') or {}).get('name', '?')}"
        for field in ("apiVersion", "kind", "metadata"):
            if not doc.get(field):
                problems.append(f"{where}: no {field}")
        if not (doc.get("metadata") or {}).get("name"):
            problems.append(f"{where}: no metadata.name")
        by_kind.setdefault(doc.get("kind"), {})[(doc.get("metadata") or {}).get("name")] = doc
    config_maps = by_kind.get("ConfigMap", {})
    deployments = by_kind.get("Deployment", {})

    for name, needs in NEEDS.items():
        if name not in deployments:
            problems.append(f"Deployment/{name}: missing")
            continue
        problems += check_deployment(deployments[name], needs, config_maps)

    services = by_kind.get("Service", {})
    for name in EXTERNAL:
        svc = services.get(name)
        if not svc or svc["spec"].get("type") != "ExternalName" or not svc["spec"].get("externalName"):
            problems.append(f"Service/{name}: must be an ExternalName service (it runs outside the cluster)")
    api = services.get("api-service")
    if not api:
        problems.append("Service/api-service: missing")
    for name, svc in services.items():
        if name not in EXTERNAL:
            problems += check_service(name, svc, deployments)
    return problems


def check_deployment(d, needs, config_maps):
    name = d["metadata"]["name"]
    where = f"Deployment/{name}"
    problems = []
    spec = d.get("spec") or {}
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    if not selector:
        problems.append(f"{where}: no spec.selector.matchLabels")
    for key, value in selector.items():
        if labels.get(key) != value:
            problems.append(f"{where}: selector {key}={value} does not match the pod labels {labels}")
    if labels.get("app.kubernetes.io/part-of") != PART_OF:
        problems.append(f"{where}: pods not labelled app.kubernetes.io/part-of={PART_OF}")
    if not isinstance(spec.get("replicas"), int) or spec["replicas"] < 1:
        problems.append(f"{where}: replicas must be a number of at least 1")
    containers = (template.get("spec") or {}).get("containers") or []
    if len(containers) != 1:
        problems.append(f"{where}: expected one container, found {len(containers)}")
        return problems
    c = containers[0]
    image = c.get("image") or ""
    if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
        problems.append(f"{where}: image '{image}' needs a fixed tag")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    if not ports or not all(isinstance(p, int) for p in ports.values()):
        problems.append(f"{where}: container ports must be declared with numbers")
    for probe, path in PROBES.items():
        get = (c.get(probe) or {}).get("httpGet") or {}
        if get.get("path") != path:
            problems.append(f"{where}: {probe} must GET {path}, has {get.get('path')}")
        if get.get("port") not in ports and get.get("port") not in ports.values():
            problems.append(f"{where}: {probe} port {get.get('port')} is not a container port")
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    if annotations.get("prometheus.io/port") not in {str(p) for p in ports.values()}:
        problems.append(f"{where}: prometheus.io/port does not name a container port")

    env = {}
    for var in c.get("env") or []:
        if var.get("name") in env:
            problems.append(f"{where}: {var.get('name')} set twice")
        env[var.get("name")] = var
    for source in c.get("envFrom") or []:
        ref = (source.get("configMapRef") or {}).get("name")
        if ref not in config_maps:
            problems.append(f"{where}: envFrom names ConfigMap {ref}, which is not in the manifests")
            continue
        for key in (config_maps[ref].get("data") or {}):
            env.setdefault(key, {"name": key, "value": config_maps[ref]["data"][key]})
    for var in sorted(needs - env.keys()):
        problems.append(f"{where}: {var} is not set")
    for var in sorted(SECRET_VARS & env.keys()):
        ref = ((env[var].get("valueFrom") or {}).get("secretKeyRef") or {})
        if ref.get("name") != SECRET or not ref.get("key"):
            problems.append(f"{where}: {var} must come from Secret {SECRET}, not a literal")
    return problems


def check_service(name, svc, deployments):
    where = f"Service/{name}"
    selector = (svc.get("spec") or {}).get("selector") or {}
    targets = [d for d in deployments.values()
               if selector and all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())]
    if not targets:
        return [f"{where}: its selector {selector} matches no Deployment's pods"]
    problems = []
    container = targets[0]["spec"]["template"]["spec"]["containers"][0]
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
    for port in svc["spec"].get("ports") or []:
        if port.get("targetPort") not in ports and port.get("targetPort") not in ports.values():
            problems.append(f"{where}: targetPort {port.get('targetPort')} is not a port of its pods")
    return problems


if __name__ == "__main__":
    documents = [d for d in yaml.safe_load_all(sys.stdin) if d]
    found = check(documents)
    for problem in found:
        print(problem)
    print(f"{len(documents)} manifests, {len(found)} problem(s)")
    sys.exit(1 if found else 0)
