#!/usr/bin/env python3
"""Lint, render, validate and scan the dosm-rag Helm chart with real tools; run by tests/chart/run.sh.

- Helm's own engine (helm-python-sdk: Helm 4's Go SDK as libhelm_c.so) lints the chart and renders
  it for each values file, exactly as `helm template -f FILE --set …` would (values.schema.json is
  enforced by the engine on every render).
- kubernetes-validate checks every rendered object against the Kubernetes API's OpenAPI schemas
  (bundled, offline) in strict mode (an unknown field fails), for each pinned Kubernetes version.
- Cross-object checks the schemas cannot make: selectors select, Services and NetworkPolicies find
  their pods, referenced Secrets/ConfigMaps/keys exist (or are ones the operator provides), every
  container is non-root with limits, only the proxy, ingest and replicas reach the database.
- checkov scans the rendered manifests; every finding must be skipped with a reason, inline
  (checkov.io/skipN annotations in the templates) or in checkov-skips.yaml.
- Negative checks prove each of these can fail.
"""
import argparse
import base64
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

import helm_python as helm
import yaml
from urllib.parse import unquote, urlsplit
from kubernetes_validate import utils as kv

RELEASE = "dosm-rag"
NAMESPACE = "dosm-rag"
# Custom resources the chart can render; not in the Kubernetes API schemas (checked structurally).
CRD_GROUPS = {"monitoring.coreos.com"}


class Results:
    def __init__(self):
        self.rows = []

    def add(self, name, ok, detail=""):
        self.rows.append((name, bool(ok), detail))
        print(f"  {'PASS' if ok else 'FAIL'}  {name}" + (f" — {detail}" if detail else ""), flush=True)

    def summary(self):
        passed = sum(1 for _, ok, _ in self.rows if ok)
        failed = len(self.rows) - passed
        print("\n==> summary")
        for name, ok, _ in self.rows:
            print(f"  {'PASS' if ok else 'FAIL'}  {name}")
        print(f"chart: {passed} passed, {failed} failed")
        return failed


def merge_maps(a, b):
    """Helm's CLI merge of -f files and --set values (later wins, maps merge deeply)."""
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_maps(out[k], v)
        else:
            out[k] = v
    return out


def user_values(files, sets):
    values = {}
    for f in files:
        with open(f) as fh:
            values = merge_maps(values, helm.values_from_yaml(fh.read()) or {})
    for s in sets:
        values = merge_maps(values, helm.parse_set_string(s))
    return values


def render(chart, values):
    """Render with Helm's engine; returns (objects, notes). Raises Helm's errors."""
    manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objs, notes = [], ""
    for path in sorted(manifests):
        text = manifests[path]
        if path.endswith("NOTES.txt"):
            notes = text
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                objs.append((path, doc))
    return objs, notes


# --- label selectors ------------------------------------------------------------------------------
def selector_matches(sel, labels):
    if sel is None:
        return False
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and labels.get(key) in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def pod_templates(objs):
    """(workload kind/name, pod template) for every workload."""
    out = []
    for _, o in objs:
        k, spec = o["kind"], o.get("spec", {})
        if k in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            out.append((f"{k}/{o['metadata']['name']}", spec["template"], o))
        elif k == "CronJob":
            out.append((f"{k}/{o['metadata']['name']}", spec["jobTemplate"]["spec"]["template"], o))
    return out


def consistency(objs, values):
    """Problems that the API schemas cannot see; returns a list of strings."""
    problems = []
    by_kind = {}
    for _, o in objs:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    seen = set()
    for _, o in objs:
        key = (o["kind"], o["metadata"]["name"])
        if key in seen:
            problems.append(f"{key[0]}/{key[1]} is rendered twice")
        seen.add(key)
        if o["metadata"].get("namespace") != NAMESPACE:
            problems.append(f"{key[0]}/{key[1]} has no namespace {NAMESPACE}")
    pods = pod_templates(objs)
    v = values
    external_secrets = {s for s in [
        v["env"]["DB"]["URL_SECRET"], v["proxy"]["apiKeys"]["existingSecret"],
        v["database"]["auth"]["existingSecret"], v["database"]["tls"]["existingSecret"],
    ] if s} | {s["name"] for s in v.get("imagePullSecrets") or []}
    external_configmaps = {c for c in [v["ingest"]["datasets"]["configMap"]] if c}
    secrets = by_kind.get("Secret", {})
    configmaps = by_kind.get("ConfigMap", {})
    accounts = set(by_kind.get("ServiceAccount", {})) | {"default"}

    def secret_key_ok(where, name, key):
        if name in secrets:
            if key not in (secrets[name].get("data") or {}) and key not in (secrets[name].get("stringData") or {}):
                problems.append(f"{where}: Secret {name} has no key {key}")
        elif name not in external_secrets:
            problems.append(f"{where}: Secret {name} is neither rendered nor one the values name as existing")

    for wname, tpl, wl in pods:
        labels = tpl.get("metadata", {}).get("labels", {})
        spec = tpl["spec"]
        if wl["kind"] in ("Deployment", "StatefulSet") and not selector_matches(wl["spec"]["selector"], labels):
            problems.append(f"{wname}: spec.selector does not select its own pod template")
        if spec.get("serviceAccountName", "default") not in accounts:
            problems.append(f"{wname}: ServiceAccount {spec.get('serviceAccountName')} is not rendered")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{wname}: mounts a ServiceAccount token")
        psc = spec.get("securityContext") or {}
        if psc.get("runAsNonRoot") is not True or not psc.get("runAsUser"):
            problems.append(f"{wname}: pod securityContext lacks runAsNonRoot and a numeric runAsUser")
        volumes = {vol["name"]: vol for vol in spec.get("volumes") or []}
        claim_names = {c["metadata"]["name"] for c in wl["spec"].get("volumeClaimTemplates") or []}
        for vol in volumes.values():
            if "secret" in vol:
                s = vol["secret"]
                for item in s.get("items") or [{"key": None}]:
                    if item["key"]:
                        secret_key_ok(f"{wname} volume {vol['name']}", s["secretName"], item["key"])
                    elif s["secretName"] not in secrets and s["secretName"] not in external_secrets:
                        problems.append(f"{wname}: Secret {s['secretName']} is not rendered")
            if "configMap" in vol:
                c = vol["configMap"]
                if c["name"] in configmaps:
                    for item in c.get("items") or []:
                        if item["key"] not in (configmaps[c["name"]].get("data") or {}):
                            problems.append(f"{wname}: ConfigMap {c['name']} has no key {item['key']}")
                elif c["name"] not in external_configmaps:
                    problems.append(f"{wname}: ConfigMap {c['name']} is neither rendered nor one the values name")
        for c in (spec.get("initContainers") or []) + spec["containers"]:
            cname = f"{wname} container {c['name']}"
            for m in c.get("volumeMounts") or []:
                if m["name"] not in volumes and m["name"] not in claim_names:
                    problems.append(f"{cname}: mounts undeclared volume {m['name']}")
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    secret_key_ok(f"{cname} env {e['name']}", ref["name"], ref["key"])
            res = c.get("resources") or {}
            for part in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if r not in (res.get(part) or {}):
                        problems.append(f"{cname}: no {part}.{r}")
            sc = c.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{cname}: root filesystem is writable")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{cname}: allowPrivilegeEscalation is not false")
            if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                problems.append(f"{cname}: capabilities are not all dropped")
    # The URLs the chart builds for its own database: the password survives URL-encoding, and each
    # host is the primary's Service or a replica pod behind its headless Service.
    for name, sec in secrets.items():
        data = {k: base64.b64decode(x).decode() for k, x in (sec.get("data") or {}).items()}
        if "DATABASE_URL" not in data:
            continue
        urls = [data["DATABASE_URL"]] + [u for u in data.get("DATABASE_REPLICA_URLS", "").split(",") if u]
        services = by_kind.get("Service", {})
        sts = by_kind.get("StatefulSet", {})
        for i, url in enumerate(urls):
            u = urlsplit(url)
            if unquote(u.password or "") != data.get("password"):
                problems.append(f"Secret/{name}: the password in URL {i} does not decode to the password")
            host = (u.hostname or "").split(".")
            if i == 0 and not (len(host) == 3 and host[0] in services and host[1:] == [NAMESPACE, "svc"]):
                problems.append(f"Secret/{name}: DATABASE_URL host {u.hostname} is not a Service of this release")
            if i > 0:
                pod, svc = host[0], host[1] if len(host) > 1 else ""
                owner, _, idx = pod.rpartition("-")
                if owner not in sts or not idx.isdigit() or int(idx) >= sts[owner]["spec"]["replicas"] \
                        or sts[owner]["spec"]["serviceName"] != svc or svc not in services:
                    problems.append(f"Secret/{name}: replica URL host {u.hostname} names no replica pod")
        if len(urls) - 1 != int(v["database"]["readReplicas"]["count"]):
            problems.append(f"Secret/{name}: {len(urls) - 1} replica URLs for {v['database']['readReplicas']['count']} replicas")
    # Services, PDBs, NetworkPolicies select pods; ServiceMonitors and HPAs find their targets.
    for kind in ("Service", "PodDisruptionBudget", "NetworkPolicy"):
        for name, o in by_kind.get(kind, {}).items():
            sel = o["spec"].get("podSelector") if kind == "NetworkPolicy" else o["spec"].get("selector")
            if kind == "Service":
                sel = {"matchLabels": sel}
            matched = [(w, t) for w, t, _ in pods if selector_matches(sel, t["metadata"].get("labels", {}))]
            if not matched:
                problems.append(f"{kind}/{name} selects no pod")
            if kind == "Service":
                for port in o["spec"]["ports"]:
                    tp = port.get("targetPort")
                    if isinstance(tp, str):
                        for w, t in matched:
                            names = {p.get("name") for c in t["spec"]["containers"] for p in c.get("ports") or []}
                            if tp not in names:
                                problems.append(f"Service/{name}: targetPort {tp} is no port of {w}")
    for name, o in by_kind.get("HorizontalPodAutoscaler", {}).items():
        t = o["spec"]["scaleTargetRef"]
        if t["name"] not in by_kind.get(t["kind"], {}):
            problems.append(f"HorizontalPodAutoscaler/{name}: target {t['kind']}/{t['name']} is not rendered")
    for name, o in by_kind.get("ServiceMonitor", {}).items():
        svcs = [s for s in by_kind.get("Service", {}).values()
                if selector_matches(o["spec"]["selector"], s["metadata"].get("labels", {}))]
        ports = {p.get("name") for s in svcs for p in s["spec"]["ports"]}
        if not svcs:
            problems.append(f"ServiceMonitor/{name} selects no Service")
        for ep in o["spec"]["endpoints"]:
            if ep.get("port") not in ports:
                problems.append(f"ServiceMonitor/{name}: port {ep.get('port')} is not a port of its Services")
    # Only the proxy, the ingest and the replicas reach the database.
    db_pods = [(w, t) for w, t, _ in pods if t["metadata"]["labels"].get("app.kubernetes.io/component") in ("database", "database-replica")]
    if db_pods and v["networkPolicy"]["enabled"]:
        pols = [o for o in by_kind.get("NetworkPolicy", {}).values()
                if any(selector_matches(o["spec"]["podSelector"], t["metadata"]["labels"]) for _, t in db_pods)]
        if not pols:
            problems.append("no NetworkPolicy covers the database pods")
        allowed = set()
        for pol in pols:
            for rule in pol["spec"].get("ingress") or []:
                if not rule.get("from"):
                    problems.append(f"NetworkPolicy/{pol['metadata']['name']} admits any pod to the database")
                for peer in rule.get("from") or []:
                    if "podSelector" in peer and "namespaceSelector" not in peer:
                        for w, t, _ in pods:
                            if selector_matches(peer["podSelector"], t["metadata"]["labels"]):
                                allowed.add(t["metadata"]["labels"]["app.kubernetes.io/component"])
        present = {t["metadata"]["labels"]["app.kubernetes.io/component"] for _, t, _ in pods}
        want = {"proxy", "ingest", "database-replica"} & present
        if allowed != want:
            problems.append(f"database reachable from {sorted(allowed)}, expected exactly {sorted(want)}")
    # Probes: the measured start (seconds), not the old model download.
    for name, o in by_kind.get("Deployment", {}).items():
        for c in o["spec"]["template"]["spec"]["containers"]:
            got = {p: (c.get(p) or {}).get("httpGet", {}).get("path") for p in ("startupProbe", "livenessProbe", "readinessProbe")}
            if got != {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}:
                problems.append(f"Deployment/{name}: probes are {got}")
            for p in ("startupProbe", "livenessProbe", "readinessProbe"):
                if (c.get(p) or {}).get("initialDelaySeconds", 0) > 5:
                    problems.append(f"Deployment/{name}: {p} waits {c[p]['initialDelaySeconds']} s before probing")
    return problems


def validate_objects(objs, versions):
    """kubernetes-validate, strict; returns (problems, counts, crd_names)."""
    problems, n, crds = [], 0, []
    for path, o in objs:
        group = o.get("apiVersion", "").split("/")[0] if "/" in o.get("apiVersion", "") else ""
        if group in CRD_GROUPS:
            crds.append(f"{o['kind']}/{o['metadata']['name']}")
            if not isinstance(o.get("spec"), dict) or not o.get("metadata", {}).get("name"):
                problems.append(f"{path}: {o['kind']} has no spec or name")
            continue
        for ver in versions:
            n += 1
            try:
                kv.validate(o, ver, strict=True)
            except kv.ValidationError as e:
                loc = ".".join(str(p) for p in e.path)
                problems.append(f"{path}: {o['kind']}/{o['metadata'].get('name')} (Kubernetes {ver}) at {loc or '<root>'}: {e.message}")
            except kv.SchemaNotFoundError as e:
                problems.append(f"{path}: {e.message}")
    return problems, n, crds


def rejected_by_kubernetes(obj, versions):
    """The messages of kubernetes-validate for obj, or [] when it passes."""
    errors = []
    for ver in versions:
        try:
            kv.validate(obj, ver, strict=True)
        except kv.ValidationError as e:
            errors.append(f"{ver}: {e.message}")
    return errors


def write_objects(objs, directory):
    os.makedirs(directory, exist_ok=True)
    for i, (_, o) in enumerate(objs, 1):
        name = f"{i:02d}-{o['kind'].lower()}-{o['metadata']['name']}.yaml"
        with open(os.path.join(directory, name), "w") as fh:
            yaml.safe_dump(o, fh, sort_keys=False)


def run_checkov(checkov, directory):
    proc = subprocess.run(
        [checkov, "-d", directory, "--framework", "kubernetes", "--skip-download", "--soft-fail",
         "--output", "json"],
        capture_output=True, text=True, env=dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_NO_OUTPUT_ON_ERRORS="1"))
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"checkov printed no JSON (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    if isinstance(report, list):
        report = next(r for r in report if r.get("check_type") == "kubernetes")
    if "results" not in report:  # no resources found: checkov prints a bare summary
        return {"passed_checks": [], "failed_checks": [], "skipped_checks": []}, report
    results = report["results"]
    for k in ("passed_checks", "failed_checks", "skipped_checks"):
        results.setdefault(k, [])
    return results, report.get("summary", {})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chart", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kube-versions", required=True, help="comma-separated, e.g. 1.29.0,1.37.0")
    ap.add_argument("--values", action="append", default=[], metavar="LABEL=FILE[,FILE][;SET]",
                    help="a values set: files given with -f, then --set expressions")
    ap.add_argument("--checkov", required=True)
    ap.add_argument("--checkov-skips", required=True)
    args = ap.parse_args()
    versions = args.kube_versions.split(",")
    res = Results()
    chart = helm.Chart.load(args.chart)
    print(f"Helm SDK {helm.helm_sdk_version()} (helm-c {helm.helm_c_version()}), chart {chart.name} {chart.version}, "
          f"kubernetes-validate schemas for Kubernetes {', '.join(versions)}")
    shutil.rmtree(args.out, ignore_errors=True)
    rendered_dir = os.path.join(args.out, "rendered")
    negative_dir = os.path.join(args.out, "negative")

    sets = []
    for spec in args.values:
        label, _, rest = spec.partition("=")
        files, _, setexpr = rest.partition(";")
        sets.append((label, [f for f in files.split(",") if f], [s for s in setexpr.split(";") if s]))

    # Every knob of the schema is in values.yaml, where it is documented.
    missing = []

    def walk(node, defaults, path):
        for key, sub in (node.get("properties") or {}).items():
            if not isinstance(defaults, dict) or key not in defaults:
                missing.append(".".join(path + [key]))
            elif sub.get("type") == "object" and "properties" in sub:
                walk(sub, defaults[key], path + [key])
    walk(chart.schema, chart.values, [])
    res.add("every key of values.schema.json is in values.yaml", not missing, ", ".join(missing))

    renders = {}
    for label, files, setexprs in sets:
        print(f"\n==> {label}: helm lint, render, kubernetes-validate, cross-object checks")
        values = user_values(files, setexprs)
        for ver in versions:
            report = helm.lint(args.chart, values, strict=True, namespace=NAMESPACE, kube_version=f"v{ver}")
            bad = [m for m in report.get("messages", []) if m["severity"] >= 2] + \
                  [{"path": "", "error": e} for e in report.get("errors", []) if not any(e == m["error"] for m in report.get("messages", []))]
            res.add(f"lint (strict, Kubernetes {ver}): {label}", not bad,
                    "; ".join(f"{m['path']}: {m['error'].strip()}" for m in bad))
        try:
            objs, notes = render(chart, values)
        except helm.HelmError as e:
            res.add(f"render: {label}", False, str(e).strip())
            continue
        kinds = {}
        for _, o in objs:
            kinds[o["kind"]] = kinds.get(o["kind"], 0) + 1
        res.add(f"render: {label}", objs and "Roll back" in notes,
                f"{len(objs)} objects: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        write_objects(objs, os.path.join(rendered_dir, label))
        renders[label] = (objs, values)
        problems, n, crds = validate_objects(objs, versions)
        res.add(f"kubernetes-validate --strict: {label}", not problems,
                f"{n} object validations" + (f"; custom resources checked structurally: {', '.join(crds)}" if crds else "")
                + ("".join(f"\n        {p}" for p in problems)))
        merged = chart.merge_values(values)
        problems = consistency(objs, merged)
        res.add(f"cross-object checks: {label}", not problems, "".join(f"\n        {p}" for p in problems))

    # --- negative checks: each must fail where it should ------------------------------------------
    print("\n==> negative checks (each must be rejected)")
    for name, bad_values, want in [
        ("a string for proxy.replicaCount", {"proxy": {"replicaCount": "three"}}, "/proxy/replicaCount"),
        ("a misspelt top-level key", {"replicaCont": 2}, "replicaCont"),
        ("the old chart's liveness delay key", {"livenessProbe": {"initialDelaySeconds": 60}}, "livenessProbe"),
        ("database.mode=external without env.DB.URL_SECRET", {"database": {"mode": "external"}}, "URL_SECRET"),
        ("a negative rate limit", {"proxy": {"rateLimit": {"perSecond": -1}}}, "perSecond"),
    ]:
        try:
            chart.render(bad_values, name=RELEASE, namespace=NAMESPACE)
            res.add(f"values.schema.json rejects {name}", False, "it rendered")
        except helm.HelmValuesError as e:
            msg = " ".join(str(e).split())
            res.add(f"values.schema.json rejects {name}", want in msg, msg[-160:])
    try:
        chart.render({"proxy": {"poolSize": 60}}, name=RELEASE, namespace=NAMESPACE)
        res.add("the template refuses more connections than max_connections", False, "it rendered")
    except helm.HelmRenderError as e:
        res.add("the template refuses more connections than max_connections", "maxConnections" in str(e),
                " ".join(str(e).split())[:160])
    with tempfile.TemporaryDirectory() as tmp:
        broken_chart = shutil.copytree(args.chart, os.path.join(tmp, "dosm-rag"))
        with open(os.path.join(broken_chart, "templates", "broken.yaml"), "w") as fh:
            fh.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-broken\n data:\n  a: b\n")
        report = helm.lint(broken_chart, None, strict=True, namespace=NAMESPACE)
        errs = [m["error"] for m in report.get("messages", []) if m["severity"] >= 3]
        res.add("helm lint rejects a template with broken YAML", bool(errs), (errs[0].strip().splitlines() or [""])[0][:160] if errs else "no error")

    base = renders.get("values.yaml")
    if base:
        objs, values = base
        dep = next(o for _, o in objs if o["kind"] == "Deployment")
        mutations = []
        m = copy.deepcopy(dep)
        m["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["initialDelay"] = 60
        mutations.append(("an unknown field (livenessProbe.initialDelay)", m))
        m = copy.deepcopy(dep)
        m["spec"]["replicas"] = "2"
        mutations.append(("a string for spec.replicas", m))
        m = copy.deepcopy(dep)
        del m["spec"]["template"]["spec"]["containers"][0]["name"]
        mutations.append(("a container without a name", m))
        for name, obj in mutations:
            errors = rejected_by_kubernetes(obj, versions)
            res.add(f"kubernetes-validate rejects {name}", len(errors) == len(versions), (errors or ["accepted"])[0][:160])
        broken = copy.deepcopy(objs)
        for _, o in broken:
            if o["kind"] == "Service" and o["metadata"]["name"].endswith("-proxy"):
                o["spec"]["selector"]["app.kubernetes.io/component"] = "prxy"
            if o["kind"] == "Secret" and o["metadata"]["name"].endswith("-db"):
                o["data"]["password"] = base64.b64encode(b"not-the-password").decode()
            if o["kind"] == "NetworkPolicy" and o["metadata"]["name"].endswith("-db"):
                o["spec"]["ingress"][0]["from"][0]["podSelector"] = {}
        problems = consistency(broken, chart.merge_values(values))
        res.add("cross-object checks reject a Service selecting no pod, a database open to every pod "
                "and a URL with another password",
                any("selects no pod" in p for p in problems) and any("database reachable from" in p for p in problems)
                and any("does not decode" in p for p in problems),
                f"{len(problems)} problems found")
        # A manifest checkov must fail: the proxy as a privileged root container without limits.
        bad = copy.deepcopy(dep)
        bad["metadata"]["name"] = "insecure-proxy"
        bad["metadata"].pop("annotations", None)
        spec = bad["spec"]["template"]["spec"]
        spec["securityContext"] = {"runAsUser": 0}
        spec.pop("automountServiceAccountToken", None)
        c = spec["containers"][0]
        c["securityContext"] = {"privileged": True, "allowPrivilegeEscalation": True}
        c.pop("resources", None)
        write_objects([("negative", bad)], negative_dir)

    # --- checkov ----------------------------------------------------------------------------------
    print("\n==> checkov (policy scan of the rendered manifests)")
    with open(args.checkov_skips) as fh:
        skips = yaml.safe_load(fh) or {}
    unreasoned = [k for k, why in skips.items() if not (isinstance(why, str) and len(why.split()) >= 5)]
    res.add("every checkov skip-list entry has a reason", not unreasoned, ", ".join(unreasoned))
    if not os.path.isdir(rendered_dir):
        res.add("checkov: no unjustified finding", False, "nothing was rendered to scan")
        return res.summary()
    try:
        results, summary = run_checkov(args.checkov, rendered_dir)
    except RuntimeError as e:
        res.add("checkov ran", False, str(e))
        return res.summary()
    failed = results["failed_checks"]
    unjustified = [c for c in failed if c["check_id"] not in skips]
    res.add("checkov: no unjustified finding", not unjustified,
            f"{summary.get('passed', '?')} passed, {len(failed) - len(unjustified)} failed but listed in checkov-skips.yaml, "
            f"{len(results['skipped_checks'])} skipped inline" +
            "".join(f"\n        {c['check_id']} {c['check_name']}: {c['file_path']} {c['resource']}" for c in unjustified))
    used = {c["check_id"] for c in failed}
    stale = sorted(set(skips) - used)
    res.add("checkov: every skip-list entry is still needed", not stale, ", ".join(stale))
    print("    skipped inline (checkov.io/skip annotations in the templates):")
    inline = {}
    for c in results["skipped_checks"]:
        inline.setdefault((c["check_id"], c["check_result"].get("suppress_comment", "")), set()).add(c["resource"].split(".")[0] + "/" + c["resource"].split(".")[-1])
    for (cid, why), where in sorted(inline.items()):
        print(f"      {cid} on {', '.join(sorted(where))}: {why}")
    print("    justified by checkov-skips.yaml:")
    for cid in sorted(used & set(skips)):
        n = sum(1 for c in failed if c["check_id"] == cid)
        print(f"      {cid} ({n} findings): {' '.join(skips[cid].split())}")
    if os.path.isdir(negative_dir):
        neg, _ = run_checkov(args.checkov, negative_dir)
        ids = {c["check_id"] for c in neg["failed_checks"]}
        want = {"CKV_K8S_16", "CKV_K8S_20", "CKV_K8S_13"}  # privileged, privilege escalation, no memory limit
        res.add("checkov rejects a privileged root container without limits", want <= ids,
                f"{len(ids)} checks failed, including {', '.join(sorted(want & ids))}")
    return res.summary()


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
