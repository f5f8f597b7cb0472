# Shared helpers for the client test scripts (sourced).
# shellcheck shell=bash
passed=0
failed=0

# check NAME STATUS [DETAIL]: count and print one result (STATUS 0 = ok).
check() {
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    printf '    ok   %s\n' "$1"
  else
    failed=$((failed + 1))
    printf '    FAIL %s\n%s\n' "$1" "${3:-}" | sed 's/^/         /'
  fi
}

# summary LABEL: the closing line; returns non-zero if anything failed.
summary() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# as_db CMD…: run a server-side command as the cluster's owner (postgres when we are root).
if [ "$(id -u)" -eq 0 ]; then
  DBUSER=postgres
  as_db() { sudo -u postgres -- "$@"; }
else
  DBUSER=$(id -un)
  as_db() { "$@"; }
fi

# private_dir PREFIX: a fresh directory the cluster's owner can use as a data directory.
private_dir() {
  local d
  d=$(mktemp -d "/tmp/$1.XXXXXX")
  [ "$DBUSER" = postgres ] && chown postgres: "$d"
  chmod 700 "$d"
  echo "$d"
}

# start_proxy LOGFILE [VAR=VALUE …]: start dosm-rag-proxy on a free loopback port with the given
# environment; sets PROXY_PID and PROXY_URL.
start_proxy() {
  local log=$1
  shift
  cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p dosm-rag-proxy
  env BIND=127.0.0.1:0 "$@" "$ROOT/target/release/dosm-rag-proxy" >"$log" 2>&1 &
  PROXY_PID=$!
  for _ in $(seq 1 240); do
    grep -q "listening on" "$log" && break
    sleep 0.25
  done
  PROXY_URL=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
}
