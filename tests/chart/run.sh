#!/usr/bin/env bash
# The Helm chart (deploy/helm/dosm-rag), checked by real tools, offline: Helm 4's own engine
# (helm-python-sdk) lints it and renders it for every values file; kubernetes-validate checks
# every object against the Kubernetes API schemas (strict: unknown fields fail); cross-object
# checks; checkov scans the manifests and every finding must be justified; negative checks prove
# that each of these rejects what it should. Prints a summary; exits non-zero on any failure.
# Not run here (no cluster, no container engine): an install on a cluster, the images' builds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
CHART=deploy/helm/dosm-rag
TESTS=deploy/helm/tests
OUT=${CHART_CHECK_OUT:-$ROOT/target/chart}
# The Kubernetes versions the manifests are validated against: the chart's kubeVersion floor and
# the newest schemas kubernetes-validate bundles.
KUBE_VERSIONS=1.29.0,1.37.0

# Pinned tools (and every dependency, from `pip freeze`), in a cached venv that is reinstalled only
# when this list changes.
CACHE=${DOSM_RAG_CACHE:-$HOME/.cache/dosm_rag}
VENV="$CACHE/chart-venv"
REQS="$TESTS/requirements.txt"
want=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements" 2>/dev/null)" != "$want" ]; then
  echo "==> installing the pinned chart tools into $VENV"
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQS"
  echo "$want" >"$VENV/.requirements"
fi
"$VENV/bin/python" - <<'PY'
import importlib.metadata as m
print("==> tools: " + ", ".join(f"{p} {m.version(p)}" for p in ("helm-python-sdk", "kubernetes-validate", "checkov")))
PY

exec "$VENV/bin/python" "$TESTS/chart_check.py" \
  --chart "$CHART" --out "$OUT" --kube-versions "$KUBE_VERSIONS" \
  --checkov "$VENV/bin/checkov" --checkov-skips "$TESTS/checkov-skips.yaml" \
  --values "values.yaml=$CHART/values.yaml" \
  --values "values-dev.yaml=$CHART/values-dev.yaml;image.tag=2026.12.1" \
  --values "values-prod.yaml=$CHART/values-prod.yaml;image.tag=2026.12.1" \
  --values "values-old-chart.yaml=$TESTS/values-old-chart.yaml" \
  --values "values-all-features.yaml=$TESTS/values-all-features.yaml"
