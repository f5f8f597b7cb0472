#!/usr/bin/env bash
# A hot standby (streaming replication on loopback) behind the proxy: /predict reads go to the
# replica and answer exactly like the primary; with the replica down, the primary answers.
# Uses the cluster of scripts/db.sh (DOSM_RAG_PORT/DOSM_RAG_PGDATA) as the primary, with the
# sample data ingested (scripts/test.sh does both).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PRIMARY=$("$ROOT/scripts/db.sh" url)
PPORT=${DOSM_RAG_PORT:-55432}
SPORT=$((PPORT + 10))
# shellcheck source=tests/client/lib.sh
source "$ROOT/tests/client/lib.sh"
STANDBY=$(private_dir dosm_rag_standby)
PGBIN=$(pg_config --bindir)
REPLICA="postgresql://$DBUSER@127.0.0.1:$SPORT/postgres"
PROXY_PID=""
cleanup() {
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
  as_db "$PGBIN/pg_ctl" -D "$STANDBY" -m immediate stop >/dev/null 2>&1
  rm -rf "$STANDBY"
}
trap cleanup EXIT
[ -n "${KEEP_STANDBY_LOG:-}" ] && trap 'cat "$STANDBY/proxy.out"; cleanup' EXIT

echo "replica tests: primary :$PPORT, standby :$SPORT"
as_db "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PPORT" -U "$DBUSER" -D "$STANDBY" -R -X stream -c fast >/dev/null 2>&1
printf "port = %s\nhot_standby = on\n" "$SPORT" | as_db tee -a "$STANDBY/postgresql.auto.conf" >/dev/null
as_db "$PGBIN/pg_ctl" -D "$STANDBY" -l "$STANDBY/server.log" -w -t 60 start >/dev/null
rec=$(psql "$REPLICA" -X -At -c "SELECT pg_is_in_recovery()" 2>&1)
[ "$rec" = t ]
check "a streaming hot standby is up" $? "$rec"

# writes on the primary reach the standby
psql "$PRIMARY" -X -q -c "SELECT dosm_rag.upsert_embedding('replica_check', 0, 'replication probe ' || now())" >/dev/null
for _ in $(seq 1 50); do
  [ "$(psql "$REPLICA" -X -At -c "SELECT count(*) FROM dosm_rag.embeddings WHERE source = 'replica_check'")" = 1 ] && break
  sleep 0.2
done
[ "$(psql "$REPLICA" -X -At -c "SELECT count(*) FROM dosm_rag.embeddings WHERE source = 'replica_check'")" = 1 ]
check "rows written on the primary appear on the standby" $?
psql "$PRIMARY" -X -q -c "DELETE FROM dosm_rag.sources WHERE name = 'replica_check'" >/dev/null

start_proxy "$STANDBY/proxy.out" DATABASE_URL="$PRIMARY" DATABASE_REPLICA_URLS="$REPLICA" API_KEYS=replica-test POOL_SIZE=2
URL=$PROXY_URL
ready=$(curl -s "$URL/readyz")
grep -q '"role":"replica"' <<<"$ready" && grep -q '"in_recovery":true' <<<"$ready"
check "readyz reports the replica (in recovery)" $? "$ready"

same=0
n=0
while IFS= read -r question; do
  n=$((n + 1))
  body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$question")
  via=$(curl -s -XPOST "$URL/predict" -H 'X-API-Key: replica-test' -H 'Content-Type: application/json' -d "$body" |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["prediction"], sort_keys=True))' 2>/dev/null)
  direct=$(printf '%s\n' "SELECT dosm_rag.rag_answer(:'q', 3)::text;" | psql "$PRIMARY" -X -At -v q="$question" |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' 2>/dev/null)
  # both must be answers with citations (an abstention cites what the data has), and identical
  if [ -n "$via" ] && [ "$via" = "$direct" ] && grep -q '"citations": \[{' <<<"$via"; then
    same=$((same + 1))
  elif [ -z "${first_diff:-}" ]; then
    first_diff="$question: via proxy: ${via:-(none)} / primary: ${direct:-(none)}"
  fi
done <<'QUESTIONS'
What was the unemployment rate in Sabah in Q3 2025?
population of Selangor in 2026
Berapakah penduduk Selangor pada 2026?
How big was the labour force in January 2010?
Gini coefficient of household income in 1970
live births in Johor in 2000
What was the unemployment rate in March 2010?
real GDP growth in Q1 2026
Who won the 2022 FIFA World Cup?
QUESTIONS
served=$(psql "$REPLICA" -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dosm-rag-proxy'")
[ "$same" -eq "$n" ] && [ "$served" -ge 1 ]
check "/predict via the standby answers exactly like the primary ($same/$n identical; proxy connections on the standby: $served)" $? "${first_diff:-}"

as_db "$PGBIN/pg_ctl" -D "$STANDBY" -m fast -w stop >/dev/null
codes=""
for _ in 1 2 3 4; do
  codes+=$(curl -s -o /dev/null -w '%{http_code} ' -XPOST "$URL/predict" -H 'X-API-Key: replica-test' -H 'Content-Type: application/json' -d '{"query":"population of Johor 2026"}')
done
[ "$codes" = "200 200 200 200 " ]
check "standby down: the primary answers (statuses: $codes)" $?

summary replica
