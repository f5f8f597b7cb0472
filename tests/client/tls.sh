#!/usr/bin/env bash
# The proxy against a server that wants TLS and a SCRAM password: sslmode=require and a
# URL-encoded password with special characters work, and the password never reaches the logs.
# Uses its own throw-away cluster on $TLS_PORT (default: DOSM_RAG_PORT + 20).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PORT=${TLS_PORT:-$((${DOSM_RAG_PORT:-55432} + 20))}
PGBIN=$(pg_config --bindir)
# shellcheck source=tests/client/lib.sh
source "$ROOT/tests/client/lib.sh"
DIR=$(private_dir dosm_rag_tls)
PROXY_PID=""
cleanup() {
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
  as_db "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$DIR"
}
trap cleanup EXIT

PASSWORD='p@ss:w/rd#%&?'
ENCODED=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PASSWORD")
as_db "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_db openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$DIR/data/server.key" -out "$DIR/data/server.crt" >/dev/null 2>&1
as_db chmod 600 "$DIR/data/server.key"
printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nssl = on\n" "$PORT" "$DIR" |
  as_db tee -a "$DIR/data/postgresql.conf" >/dev/null
# TCP needs TLS and a password; the local socket stays trusted for set-up.
printf "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n" | as_db tee "$DIR/data/pg_hba.conf" >/dev/null
as_db "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/data/server.log" -w start >/dev/null
psql -h "$DIR" -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1 -v pw="$PASSWORD" <<'SQL'
CREATE EXTENSION dosm_rag CASCADE;
CREATE ROLE app LOGIN PASSWORD :'pw';
SQL

start_proxy "$DIR/proxy.out" DATABASE_URL="postgresql://app:$ENCODED@127.0.0.1:$PORT/postgres?sslmode=require" \
  API_KEYS=tls-key POOL_SIZE=1
URL=$PROXY_URL
resp=$(curl -s -XPOST "$URL/predict" -H 'X-API-Key: tls-key' -H 'Content-Type: application/json' -d '{"query":"population of Johor"}')
grep -q '"failure_mode":"no_documents"' <<<"$resp"
check "sslmode=require and a URL-encoded password with @ : / # % & ?" $? "$resp"
ssl=$(psql -h "$DIR" -p "$PORT" -U postgres -X -At -c "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'dosm-rag-proxy'")
[ "$ssl" = t ]
check "the proxy's connections are encrypted" $? "$ssl"
kill "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null
! grep -qF "$PASSWORD" "$DIR/proxy.out" && ! grep -qF "$ENCODED" "$DIR/proxy.out"
check "the password is not in the proxy's logs" $?
PROXY_PID=""
summary tls
