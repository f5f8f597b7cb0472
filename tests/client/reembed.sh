#!/usr/bin/env bash
# Model upgrades (issue 15): the int8 weights play "the new model". On the cluster of
# scripts/db.sh, in a scratch database of its own, with 1 200 rows of one catalogued source:
#  - before: every row is on the current (fp32) version; a session that embeds with int8 sees
#    them all as stale in dosm_rag.source_status, and its vector search returns no fp32 row
#    (versions are never compared), while catalogued answers stay exact;
#  - reembed: bad input is refused (22023); a second call while one runs is refused (55P03);
#    killing the backend mid-run loses only the batch in flight (committed batches stay, every
#    row is on one version or the other, none half-written); a second call finishes the rest;
#  - after: no stale row for int8, vector search finds rows again, every int8 vector equals a
#    fresh int8 embedding of its content, answers are unchanged, and the ingest tool's
#    --reembed moves the rows back to fp32.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/client/lib.sh
source "$ROOT/tests/client/lib.sh"

admin=$("$ROOT/scripts/db.sh" url)
db=dosm_rag_reembed
url="${admin%/*}/$db"
psql "$admin" -Xq -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" || exit 1
q() { psql "$url" -XAtq -v ON_ERROR_STOP=1 "$@"; }
q -c "CREATE EXTENSION dosm_rag CASCADE" || exit 1

# 1 200 made-up rows in DOSM's shape: 12 states x 100 months, one measure
q <<'SQL' || exit 1
CREATE TABLE staging (state text, date text, rate text);
INSERT INTO staging
SELECT s, to_char(date '2015-01-01' + (m || ' months')::interval, 'YYYY-MM-DD'), ((m * 7 + length(s)) % 50 / 10.0 + 2)::text
  FROM unnest(ARRAY['Johor','Kedah','Kelantan','Melaka','Negeri Sembilan','Pahang','Perak','Perlis',
                    'Pulau Pinang','Sabah','Sarawak','Selangor']) s, generate_series(0, 99) m;
SELECT dosm_rag.ingest_table('staging', 'rate_test', 'Monthly Made-up Rate by State') ->> 'inserted';
SELECT dosm_rag.refresh_catalogue('rate_test', '{"title_en": "Monthly Made-up Rate by State", "frequency": "MONTHLY",
  "fields": [{"name": "state", "title_en": "State", "description_en": "[Categorical] a state"},
             {"name": "date", "title_en": "Date", "description_en": "[Date] YYYY-MM-DD"},
             {"name": "rate", "title_en": "Made-up Rate (%)", "description_en": "[Float] percent"}]}') ->> 'rows';
SQL
q -c "CREATE TABLE fp32_vectors AS SELECT id, embedding FROM dosm_rag.embeddings" || exit 1
question="What was the made-up rate in Perak in March 2020?"
answer() { q -c "SET dosm_rag.model_variant = '$1'" -c "SELECT (dosm_rag.rag_answer('$question') ->> 'value')"; }
before=$(answer fp32)
fp32=$(q -c "SELECT dosm_rag.model_info() ->> 'version'")
int8=$(q -c "SET dosm_rag.model_variant = 'int8'" -c "SELECT dosm_rag.model_info() ->> 'version'")
[ -n "$fp32" ] && [ -n "$int8" ] && [ "$fp32" != "$int8" ]
check "the int8 weights have their own version ($int8 vs $fp32)" $?

echo "  before"
s=$(q -c "SELECT current_rows || '/' || stale_rows FROM dosm_rag.source_status WHERE source = 'rate_test'")
[ "$s" = "1200/0" ]
check "source_status on fp32: 1200 current, 0 stale (got $s)" $?
s=$(q -c "SET dosm_rag.model_variant = 'int8'" -c "SELECT current_rows || '/' || stale_rows FROM dosm_rag.source_status WHERE source = 'rate_test'")
[ "$s" = "0/1200" ]
check "source_status on int8: 0 current, 1200 stale (got $s)" $?
n=$(q -c "SET dosm_rag.model_variant = 'int8'" -c "SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('rate Perak 2020'), 5)")
[ "$n" = 0 ]
check "an int8 question vector is compared with no fp32 row (got $n rows)" $?
a=$(answer int8)
[ -n "$before" ] && [ "$a" = "$before" ]
check "catalogued answers are exact on either model ($before, $a)" $?

echo "  reembed: bad input"
out=$(psql "$url" -XAtq -c "CALL dosm_rag.reembed('no_such_source')" 2>&1)
grep -q 'source "no_such_source" does not exist' <<<"$out" && grep -q "HINT" <<<"$out"
check "an unknown source: an error with a hint" $? "$out"
st=$(psql "$url" -XAtq -v VERBOSITY=verbose -c "CALL dosm_rag.reembed('no_such_source')" 2>&1 | grep -o "22023" | head -1)
[ "$st" = 22023 ]
check "... SQLSTATE 22023" $?
st=$(psql "$url" -XAtq -v VERBOSITY=verbose -c "CALL dosm_rag.reembed(NULL, 0)" 2>&1 | grep -o "22023" | head -1)
[ "$st" = 22023 ]
check "batch 0: 22023" $?

echo "  reembed: killed mid-run, a second call refused, then resumed"
log=$(mktemp)
psql "$url" -XAtq -c "SET dosm_rag.model_variant = 'int8'" -c "CALL dosm_rag.reembed('rate_test', 50)" >"$log" 2>&1 &
bg=$!
for _ in $(seq 1 600); do
  grep -q "reembed: 100 of" "$log" && break
  sleep 0.05
done
second=$(psql "$url" -XAtq -v VERBOSITY=verbose -c "SET dosm_rag.model_variant = 'int8'" -c "CALL dosm_rag.reembed('rate_test', 50)" 2>&1)
grep -q "55P03" <<<"$second"
check "a second reembed while one runs: 55P03, never double work" $? "$second"
pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE datname = '$db' AND query LIKE 'CALL dosm_rag.reembed%' AND pid <> pg_backend_pid()")
[ -n "$pid" ] && as_db kill -9 "$pid"
wait "$bg" 2>/dev/null
for _ in $(seq 1 100); do q -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
s=$(q -c "SELECT count(*) FILTER (WHERE model_version = '$int8') || ' ' || count(*) FILTER (WHERE model_version = '$fp32') || ' ' || count(*) FROM dosm_rag.embeddings WHERE source = 'rate_test'")
read -r on_int8 on_fp32 all <<<"$s"
[ "${on_int8:-0}" -ge 100 ] && [ $((on_int8 % 50)) -eq 0 ] && [ "$((on_int8 + on_fp32))" = 1200 ] && [ "$all" = 1200 ]
check "after kill -9: whole batches kept ($on_int8 on int8, $on_fp32 on fp32, $all rows)" $?
progress=$(q -c "SELECT done FROM dosm_rag.reembed_progress WHERE source = 'rate_test'")
[ -n "$progress" ] && [ "$progress" -le "$on_int8" ]
check "reembed_progress shows the committed batches ($progress)" $?
out=$(q -c "SET dosm_rag.model_variant = 'int8'" -c "CALL dosm_rag.reembed('rate_test', 200)" 2>&1)
s=$(q -c "SET dosm_rag.model_variant = 'int8'" -c "SELECT current_rows || '/' || stale_rows FROM dosm_rag.source_status WHERE source = 'rate_test'")
[ "$s" = "1200/0" ]
check "resumed: 1200 current, 0 stale on int8 (got $s)" $? "$out"
fin=$(q -c "SELECT done = total AND finished_at IS NOT NULL FROM dosm_rag.reembed_progress WHERE source = 'rate_test'")
[ "$fin" = t ]
check "reembed_progress: finished, done = total" $?

echo "  after"
# (the int8 weights quantise activations per batch, so a vector embedded in a batch is not
# bit-equal to the same text embedded alone: about 2e-3 apart, as far as fp32 is from int8)
s=$(q -c "SELECT count(*) FILTER (WHERE e.embedding = b.embedding) || ' ' || count(*) FILTER (WHERE abs(vector_norm(e.embedding) - 1) < 1e-5) FROM dosm_rag.embeddings e JOIN fp32_vectors b USING (id)")
[ "$s" = "0 1200" ]
check "every vector was recomputed (none equal to its fp32 one) and is unit length (got $s)" $?
n=$(q -c "SET dosm_rag.model_variant = 'int8'" -c "SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('rate Perak 2020'), 5)")
[ "$n" = 5 ]
check "int8 vector search finds rows again ($n)" $?
n=$(q -c "SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('rate Perak 2020'), 5)")
[ "$n" = 0 ]
check "... and an fp32 question compares with none of them ($n)" $?
a=$(answer int8)
[ "$a" = "$before" ]
check "answers unchanged after the re-embedding ($a)" $?

echo "  the ingest tool's --reembed"
csv=$(mktemp --suffix=.csv)
q -c "\\copy (SELECT state, date, rate FROM staging ORDER BY ctid) TO '$csv' WITH (FORMAT csv, HEADER true)"
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p dosm-rag-ingest
"$ROOT/target/release/dosm-rag-ingest" --quiet --input "$csv" --source rate_test --no-catalogue --reembed \
  --database-url "$url" >/dev/null 2>&1
s=$(q -c "SELECT current_rows || '/' || stale_rows FROM dosm_rag.source_status WHERE source = 'rate_test'")
[ "$s" = "1200/0" ]
check "dosm-rag-ingest --reembed: unchanged rows moved back to fp32 (got $s)" $?

rm -f "$log" "$csv"
[ -n "${REEMBED_KEEP:-}" ] || psql "$admin" -Xq -c "DROP DATABASE IF EXISTS $db"
summary "reembed"
