#!/usr/bin/env bash
# Answer-quality evaluation: runs every question of tests/eval/questions.csv through
# dosm_rag.rag_answer on the database at $DATABASE_URL (default: scripts/db.sh's cluster, which
# must hold the sample data: scripts/run.sh ingests it) and prints hit@1, hit@3, value accuracy
# and abstention accuracy. Exits non-zero below the floors (override with EVAL_NO_FLOORS=1).
#   tests/eval/run.sh [questions.csv]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
URL=${DATABASE_URL:-$("$ROOT/scripts/db.sh" url)}
QUESTIONS=${1:-$ROOT/tests/eval/questions.csv}

psql "$URL" -X -q -v ON_ERROR_STOP=1 -v questions="$QUESTIONS" -v no_floors="${EVAL_NO_FLOORS:-0}" <<'SQL'
CREATE TEMP TABLE eval_q (question text, lang text, expect text, value text);
\set copy_cmd '\\copy eval_q FROM ' :'questions' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
CREATE TEMP TABLE eval_r AS
SELECT q.*, a.answer,
       ARRAY(SELECT (c ->> 'source') || ':' || (c ->> 'page_or_row')
               FROM jsonb_array_elements(a.answer -> 'citations') WITH ORDINALITY AS x(c, n) ORDER BY n) AS cited,
       string_to_array(coalesce(q.expect, ''), '|') AS gold
  FROM eval_q q, LATERAL (SELECT dosm_rag.rag_answer(q.question, 3) AS answer) a;
\pset footer off
SELECT question, lang,
       CASE WHEN lang = 'ood' THEN CASE WHEN answer ->> 'failure_mode' = 'low_confidence' THEN 'abstained' ELSE 'ANSWERED' END
            WHEN cited[1] = ANY (gold) THEN 'hit@1' WHEN cited[1:3] && gold THEN 'hit@3' ELSE 'MISS' END AS result,
       (answer ->> 'confidence')::numeric AS conf,
       left(coalesce(answer ->> 'answer', '-'), 90) AS answer
  FROM eval_r ORDER BY lang = 'ood', question;
CREATE TEMP TABLE eval_m AS
SELECT count(*) FILTER (WHERE lang <> 'ood') AS n_in,
       count(*) FILTER (WHERE lang = 'ood') AS n_ood,
       round(avg((cited[1] = ANY (gold))::int) FILTER (WHERE lang <> 'ood'), 3) AS hit1,
       round(avg((cited[1:3] && gold)::int) FILTER (WHERE lang <> 'ood'), 3) AS hit3,
       round(avg(coalesce(answer ->> 'failure_mode' IS NULL AND position(value IN answer ->> 'answer') > 0, false)::int)
             FILTER (WHERE lang <> 'ood'), 3) AS value_acc,
       round(avg(coalesce(answer ->> 'failure_mode' = 'low_confidence', false)::int) FILTER (WHERE lang = 'ood'), 3) AS ood_abstain,
       round(avg((answer ->> 'failure_mode' IS NULL)::int) FILTER (WHERE lang <> 'ood'), 3) AS in_domain_answered
  FROM eval_r;
\pset footer on
SELECT * FROM eval_m;
SELECT CASE WHEN hit3 >= 0.90 AND value_acc >= 0.85 AND ood_abstain >= 0.90 THEN 'eval: floors met'
            ELSE 'eval: BELOW FLOORS (hit@3 >= 0.90, value accuracy >= 0.85, out-of-domain abstention >= 0.90)' END AS verdict,
       (hit3 >= 0.90 AND value_acc >= 0.85 AND ood_abstain >= 0.90) AS ok
  FROM eval_m \gset
\echo :verdict
\if :ok
\elif :no_floors
\else
  DO $$ BEGIN RAISE EXCEPTION 'evaluation below its floors'; END $$;
\endif
SQL
