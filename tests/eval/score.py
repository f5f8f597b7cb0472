#!/usr/bin/env python3
"""Score dosm_rag.rag_answer over the questions tests/eval/generate.py wrote.

    python3 tests/eval/score.py --questions Q.jsonl [--url URL] [--results R.jsonl]
                                [--dump-answers A.tsv] [--no-floors] [floors...]
    python3 tests/eval/score.py --questions Q.jsonl --answers A.tsv     # no database

All questions run in one psql session ($DATABASE_URL, or --url): they are loaded into a temporary
table with \\copy from a CSV written here (never spliced into SQL), answered by one loop that
times each call with clock_timestamp() and keeps an error per question instead of stopping, and
the answers come back with \\copy ... TO a CSV file. --answers reads precomputed answers instead:
one `id<TAB>answer-json[<TAB>latency-ms]` line per question (the format --dump-answers writes).

Derived questions (`"derived": true`: ranking, change, comparison, series) are scored on their own
(operation, values and result of the answer against `expected`, see tests/eval/README.md) and never
enter the single-value metrics, which are computed on the other questions exactly as before.

Standard library only. The last line of the output is `eval: N passed, M failed` (all questions);
the exit status is 1 below any floor (unless --no-floors), 2 on a usage or database error.
"""

import argparse
import collections
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "opendosm_full"))

ANSWERABLE_KINDS = ("lookup", "latest")
KINDS = ["lookup", "latest", "empty_cell", "unanswerable_period", "unanswerable_place", "out_of_domain"]
DERIVED_KINDS = ["ranking", "change", "comparison", "series"]
# kinds of tests/eval/people (hand-written set): computed ones are scored like the derived kinds above
NEW_DERIVED_KINDS = ["time_ranking", "share", "aggregate", "age_sum", "yoy_from_index"]
DERIVED_KINDS += NEW_DERIVED_KINDS
EXTRA_KINDS = ["no_such_figure"]  # unanswerable: scored as an abstention, like out_of_domain
CLASSES = ("single", "computed", "unanswerable")

PSQL_SCRIPT = r"""
\set ON_ERROR_STOP 1
SET client_min_messages = notice;
CREATE TEMP TABLE eval_q (ord int, id text, question text);
\copy eval_q FROM '{qfile}' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE eval_a (ord int, id text, answer text, ms float8, error text);
DO $eval$
DECLARE
  r record;
  t0 timestamptz;
  a jsonb;
  n int := 0;
  total int := (SELECT count(*) FROM eval_q);
BEGIN
  FOR r IN SELECT * FROM eval_q ORDER BY ord LOOP
    t0 := clock_timestamp();
    BEGIN
      a := dosm_rag.rag_answer(r.question, {k});
      INSERT INTO eval_a VALUES (r.ord, r.id, a::text, 1000 * extract(epoch FROM clock_timestamp() - t0), NULL);
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO eval_a VALUES (r.ord, r.id, NULL, 1000 * extract(epoch FROM clock_timestamp() - t0), SQLERRM);
    END;
    n := n + 1;
    IF n % 50 = 0 OR n = total THEN
      RAISE NOTICE 'eval: % of % questions answered', n, total;
    END IF;
  END LOOP;
END
$eval$;
\copy (SELECT id, answer, ms, error FROM eval_a ORDER BY ord) TO '{afile}' WITH (FORMAT csv)
"""


def sql_path(p):
    return p.replace("'", "''")


def run_psql(url, questions, k):
    """{id: (answer dict or None, latency ms or None, error or None)} from one psql session."""
    if shutil.which("psql") is None:
        print("score.py: psql not found on PATH", file=sys.stderr)
        sys.exit(2)
    tmp = tempfile.mkdtemp(prefix="dosm_rag_eval_")
    try:
        qfile = os.path.join(tmp, "questions.csv")
        afile = os.path.join(tmp, "answers.csv")
        with open(qfile, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["ord", "id", "question"])
            for i, q in enumerate(questions):
                w.writerow([i, q["id"], q["question"]])
        script = os.path.join(tmp, "run.sql")
        with open(script, "w", encoding="utf-8") as fh:
            fh.write(PSQL_SCRIPT.format(qfile=sql_path(qfile), afile=sql_path(afile), k=int(k)))
        proc = subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script],
                              stdout=subprocess.PIPE, stderr=None, text=True)
        if proc.returncode != 0:
            print(f"score.py: psql failed (exit {proc.returncode})", file=sys.stderr)
            sys.exit(2)
        out = {}
        with open(afile, encoding="utf-8", newline="") as fh:
            for rec in csv.reader(fh):
                qid, ans, ms, err = rec
                out[qid] = (parse_answer(ans) if ans else None, float(ms) if ms else None, err or None)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def parse_answer(text):
    try:
        a = json.loads(text)
    except ValueError:
        return {"_unparsable": text}
    return a if isinstance(a, dict) else {"_unparsable": text}


def read_answers(path):
    out = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                print(f"score.py: {path}:{n}: expected id<TAB>json", file=sys.stderr)
                sys.exit(2)
            qid, ans = parts[0], parts[1]
            ms = float(parts[2]) if len(parts) > 2 and parts[2] else None
            out[qid] = (parse_answer(ans) if ans not in ("", "\\N") else None, ms, None)
    return out


def dump_answers(path, questions, answers):
    with open(path, "w", encoding="utf-8") as fh:
        for q in questions:
            a, ms, err = answers.get(q["id"], (None, None, "missing"))
            if a is None and err:
                a = {"_error": err}
            fh.write(f"{q['id']}\t{json.dumps(a, ensure_ascii=False, separators=(',', ':'))}\t"
                     f"{'' if ms is None else round(ms, 3)}\n")


# --------------------------------------------------------------------------------------------
# Judging
# --------------------------------------------------------------------------------------------

MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
MONTHS.update({"mac": 3, "mei": 5, "ogos": 8, "okt": 10, "dis": 12, "januari": 1, "februari": 2,
               "julai": 7, "disember": 12, "oktober": 10})


QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "pertama": 1, "kedua": 2, "ketiga": 3,
                 "keempat": 4}


def norm_period(s):
    """(year, month or None, quarter or None) from the many ways a period is written."""
    if s is None:
        return None
    s = str(s).strip().lower()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[t ].*)?", s)
    if m:
        mo = int(m.group(2))
        return int(m.group(1)), mo, (mo - 1) // 3 + 1
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s)
    if m:
        mo = int(m.group(1))
        return int(m.group(3)), mo, (mo - 1) // 3 + 1
    if re.fullmatch(r"\d{4}", s):
        return int(s), None, None
    m = re.search(r"\b(?:q|s)([1-4])\W*(\d{4})\b|\b(\d{4})\W*q([1-4])\b", s)
    if m:
        q = int(m.group(1) or m.group(4))
        return int(m.group(2) or m.group(3)), None, q
    m = re.search(r"\b(first|second|third|fourth|pertama|kedua|ketiga|keempat)\b.*?(\d{4})", s)
    if m and ("quarter" in s or "suku" in s):
        return int(m.group(2)), None, QUARTER_WORDS[m.group(1)]
    m = re.search(r"\b([a-z]+)\.?\s+(\d{4})\b", s)
    if m:
        mo = MONTHS.get(m.group(1)) or MONTHS.get(m.group(1)[:3])
        if mo:
            return int(m.group(2)), mo, (mo - 1) // 3 + 1
    m = re.search(r"\b(\d{4})\b", s)
    if m:
        return int(m.group(1)), None, None
    return None


def period_eq(got, expected, freq):
    """The same period at the table's frequency ('2022-01-01' is '2022'; '2023-03-01' is '3/1/2023')."""
    e = norm_period(expected)
    g = norm_period(got)
    if e is None or g is None or e[0] != g[0]:
        return False
    freq = freq or "year"
    if freq == "year":
        return True
    if freq == "quarter":
        return g[2] is not None and g[2] == e[2]
    return g[1] is not None and g[1] == e[1]


def period_matches(got, q):
    return period_eq(got, q.get("expected_period"), q.get("freq"))


def as_number(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.replace(",", ""))
        except ValueError:
            return None
    return None


def values_equal(got, expected):
    g = as_number(got)
    if g is None or math.isnan(g):
        return False
    e = float(expected)
    return math.isclose(g, e, rel_tol=1e-9, abs_tol=1e-12)


def citations(a, n=3):
    cits = a.get("citations") if isinstance(a, dict) else None
    if not isinstance(cits, list):
        return []
    out = []
    for c in cits[:n]:
        if not isinstance(c, dict):
            continue
        row = c.get("page_or_row")
        try:
            row = int(row)
        except (TypeError, ValueError):
            row = None
        out.append((c.get("source"), row))
    return out


def judge(q, entry):
    a, ms, err = entry if entry else (None, None, "no answer returned")
    r = {"id": q["id"], "kind": q["kind"], "lang": q["lang"], "source": q.get("source"),
         "question": q["question"], "latency_ms": ms}
    r["expected"] = {k: q.get(k) for k in ("expected_value", "expected_row_ref", "expected_period", "filters",
                                           "measure")}
    if a is None or "_unparsable" in a or "_error" in a:
        err = err or (a or {}).get("_error") or ("unparsable answer: " + str((a or {}).get("_unparsable"))[:200])
        r.update(passed=False, reason="error", error=err, answered=False, abstained=False, correct=False,
                 wrong=False, hit3_strict=False, hit3_lenient=False, got=None)
        return r
    fm = a.get("failure_mode")
    answered = fm is None
    ds = a.get("dataset") if isinstance(a.get("dataset"), dict) else {}
    cits = citations(a)
    r["got"] = {"answer": a.get("answer"), "value": a.get("value"), "unit": a.get("unit"),
                "period": a.get("period"), "failure_mode": fm, "dataset": ds.get("id"),
                "confidence": a.get("confidence"), "filters": a.get("filters"),
                "citations": [{"source": s, "page_or_row": p} for s, p in cits]}
    r["answered"] = answered
    if q["answerable"]:
        correct = answered and (values_equal(a.get("value"), q["expected_value"]) or
                                any(values_equal(a.get("value"), x) for x in q.get("accept_values") or []))
        bad_unit = correct and unit_contradicts(a.get("unit"), q.get("expected_unit"))
        correct = correct and not bad_unit
        strict = any(s == q["source"] and p == q["expected_row_ref"] for s, p in cits)
        # the same value for the same period from another table that holds it (e.g. cpi_2d / cpi_headline)
        other = [s for s, _ in cits if s != q["source"] and (not ds.get("id") or s == ds.get("id"))]
        lenient = strict or (correct and period_matches(a.get("period"), q) and bool(other))
        r.update(correct=correct, wrong=answered and not correct, abstained=not answered,
                 hit3_strict=strict, hit3_lenient=lenient, passed=correct)
        if correct:
            r["reason"] = "correct"
        elif bad_unit:
            r["reason"] = "wrong_unit"
        elif answered:
            r["reason"] = "wrong_value" if as_number(a.get("value")) is not None else "no_value"
        else:
            r["reason"] = f"abstained ({fm})"
    else:
        abstained = not answered
        r.update(correct=False, wrong=False, abstained=abstained, hit3_strict=False, hit3_lenient=False,
                 passed=abstained)
        if abstained:
            r["reason"] = f"abstained ({fm})"
        else:
            r["reason"] = "quoted_empty_cell" if q["kind"] == "empty_cell" else "answered_unanswerable"
    return r


# --------------------------------------------------------------------------------------------
# Units (questions that carry expected_unit, i.e. tests/eval/people)
# --------------------------------------------------------------------------------------------

def unit_tags(u):
    """(scale, kind) of a unit string: scale thousand/million/billion or None; kind percent, per1000,
    per100000, index, rm, gini, count, area or None. Unknown words give (None, None)."""
    if not isinstance(u, str) or not u.strip():
        return None, None
    s = " " + u.casefold().replace("’", "'") + " "
    kind = None
    if re.search(r"100[, ]?000|100k|per 100 ribu", s):
        kind, s = "per100000", re.sub(r"100[, ]?000|100k", " ", s)
    elif re.search(r"(per|setiap|bagi|/)\s*(1[, ]?000|thousand|seribu)|‰", s):
        kind, s = "per1000", re.sub(r"1[, ]?000|thousand|seribu", " ", s)
    scale = None
    if re.search(r"'000|\bthousands?\b|\bribu\b|\b000s?\b|\('000\)", s):
        scale = "thousand"
    elif re.search(r"\bmil\b|\bmillions?\b|\bjuta\b|\bmn\b|\brm ?m\b", s):
        scale = "million"
    elif re.search(r"\bbil\b|\bbillions?\b|\bbilion\b|\bbn\b", s):
        scale = "billion"
    if kind is None:
        if re.search(r"%|\bper ?cent|\bperatus|\bpct\b|percentage points?|\bpp\b|mata peratusan", s):
            kind = "percent"
        elif re.search(r"\bind(e|i)ks?\b|\bindex\b|=\s*100|\bpoints?\b", s):
            kind = "index"
        elif re.search(r"\brm\b|ringgit|\bmyr\b", s):
            kind = "rm"
        elif re.search(r"gini|coefficient|pekali", s):
            kind = "gini"
        elif re.search(r"km2|km\^2|km²|square|persegi", s):
            kind = "area"
        elif re.search(r"person|people|orang|penduduk|birth|death|kelahiran|kematian|household|isi rumah|"
                       r"marriage|perkahwinan|\bcount\b|\bnumber\b|bilangan|babies|bayi|workers|pekerja", s):
            kind = "count"
    return scale, kind


def unit_contradicts(got, expected):
    """True when the answer states a unit that contradicts the catalogue's (e.g. persons for '000
    persons, % for an index, RM for RM million). An absent or unreadable unit never contradicts."""
    if not expected:
        return False
    gs, gk = unit_tags(got)
    es, ek = unit_tags(expected)
    if gs is None and gk is None:
        return False
    if gk is not None and ek is not None and gk != ek:
        # a count in thousands may be written as "'000" alone; RM million as "million"
        return True
    if gs != es and (gs is not None or gk in ("count", "rm")):
        return True
    return False


# --------------------------------------------------------------------------------------------
# Judging derived questions (ranking, change, comparison, series)
# --------------------------------------------------------------------------------------------

def is_derived(q):
    return bool(q.get("derived")) or q.get("kind") in DERIVED_KINDS


def csv_decimals(s):
    """Decimals the CSV writes ('3021.0' -> 1, '23018' -> 0); None for an exponent or a non-string."""
    if not isinstance(s, str):
        return None
    s = s.strip()
    if "e" in s.lower():
        return None
    return len(s.split(".", 1)[1]) if "." in s else 0


def num_match(got, expected, dec=None):
    """Relative 1e-6, or equal after rounding both to the CSV's decimals."""
    g = as_number(got)
    if g is None or math.isnan(g) or expected is None:
        return False
    e = float(expected)
    if math.isclose(g, e, rel_tol=1e-6, abs_tol=1e-9):
        return True
    if dec is None:
        dec = csv_decimals(expected)
    return dec is not None and round(g, dec) == round(e, dec)


def percent_match(got, expected):
    g = as_number(got)
    return g is not None and not math.isnan(g) and abs(g - float(expected)) <= 0.01 + 1e-9


def norm_code(c):
    if c is None or isinstance(c, bool):
        return None
    c = " ".join(str(c).split()).casefold()
    return str(int(c)) if c.isdigit() else c  # messy/ writes division "1" for "01"


def code_eq(got, expected):
    g = norm_code(got)
    return g is not None and g == norm_code(expected)


def dec_of(*strs):
    ds = [csv_decimals(x) for x in strs]
    return None if any(d is None for d in ds) else max(ds)


def _point(x):
    """{period, value} from a dict, or (period, value) from a 2-list."""
    if isinstance(x, dict):
        return x.get("period"), x.get("value")
    if isinstance(x, (list, tuple)) and len(x) == 2:
        return x[0], x[1]
    return None, x


def check_ranking(q, a, values, result):
    e, freq, probs = q["expected"], q.get("freq"), []
    n = int(e["n"])
    rp = result.get("period")
    if rp is not None and not period_eq(rp, e["period"], freq):
        probs.append(f"result.period {rp!r}, expected {e['period']}")
    if result.get("direction") not in (None, e["direction"]):
        probs.append(f"direction {result.get('direction')!r}, expected {e['direction']}")
    if len(values) < n:
        probs.append(f"{len(values)} values, expected the top {n}")
    for k, (code, val, _row) in enumerate(e["members"][:n]):
        if k >= len(values):
            break
        v = values[k]
        if not code_eq(v.get("member"), code):
            probs.append(f"#{k + 1} member {v.get('member')!r}, expected {code!r}")
        if not num_match(v.get("value"), val):
            probs.append(f"#{k + 1} value {v.get('value')!r}, expected {val}")
        per = v.get("period", rp)
        if per is None or not period_eq(per, e["period"], freq):
            probs.append(f"#{k + 1} period {per!r}, expected {e['period']}")
    return probs


def check_change(q, a, values, result):
    e, freq, probs = q["expected"], q.get("freq"), []
    v0 = values[0] if len(values) > 0 else {}
    v1 = values[1] if len(values) > 1 else {}
    for side, v in (("from", v0), ("to", v1)):
        per = result.get(side, v.get("period"))
        if per is None or not period_eq(per, e[side + "_period"], freq):
            probs.append(f"{side} period {per!r}, expected {e[side + '_period']}")
        val = result.get(side + "_value", v.get("value"))
        if not num_match(val, e[side + "_value"]):
            probs.append(f"{side}_value {val!r}, expected {e[side + '_value']}")
    diff = result.get("difference", a.get("value"))
    if not num_match(diff, e["difference"], dec_of(e["from_value"], e["to_value"])):
        probs.append(f"difference {diff!r}, expected {e['difference']}")
    pc = result.get("percent")
    if e.get("rate"):
        if pc is not None:
            probs.append(f"percent {pc!r} for a rate (expected null: the change is in points)")
    elif e.get("percent") is not None and not percent_match(pc, e["percent"]):
        probs.append(f"percent {pc!r}, expected {e['percent']}")
    return probs


def check_comparison(q, a, values, result):
    e, freq, probs = q["expected"], q.get("freq"), []
    rp = result.get("period")
    if rp is not None and not period_eq(rp, e["period"], freq):
        probs.append(f"result.period {rp!r}, expected {e['period']}")
    mem = e["members"]
    if len(values) < len(mem):
        probs.append(f"{len(values)} values, expected {len(mem)}")
    for k, (code, val, _row) in enumerate(mem):
        if k >= len(values):
            break
        v = values[k]
        if not code_eq(v.get("member"), code):
            probs.append(f"#{k + 1} member {v.get('member')!r}, expected {code!r}")
        if not num_match(v.get("value"), val):
            probs.append(f"#{k + 1} value {v.get('value')!r}, expected {val}")
        per = v.get("period", rp)
        if per is None or not period_eq(per, e["period"], freq):
            probs.append(f"#{k + 1} period {per!r}, expected {e['period']}")
    diff = result.get("difference", a.get("value"))
    if not num_match(diff, e["difference"], dec_of(mem[0][1], mem[1][1])):
        probs.append(f"difference {diff!r}, expected {e['difference']}")
    return probs


def check_series(q, a, values, result):
    e, freq, probs = q["expected"], q.get("freq"), []
    count = result.get("count", len(values) if values else None)
    if as_number(count) != e["count"]:
        probs.append(f"count {count!r}, expected {e['count']}")
    for end, idx in (("first", 0), ("last", -1)):
        got = result.get(end, values[idx] if values else None)
        per, val = _point(got)
        if per is None or not period_eq(per, e[end][0], freq):
            probs.append(f"{end} period {per!r}, expected {e[end][0]}")
        if not num_match(val, e[end][1]):
            probs.append(f"{end} value {val!r}, expected {e[end][1]}")
    for ext, fn in (("min", min), ("max", max)):
        got = result.get(ext)
        if got is None and values:
            nums = [(as_number(v.get("value")), v.get("period")) for v in values
                    if as_number(v.get("value")) is not None]
            if nums:
                x = fn(x for x, _ in nums)
                got = {"value": x, "period": next(p for y, p in nums if y == x)}
        per, val = _point(got)
        if not num_match(val, e[ext]):
            probs.append(f"{ext} {val!r}, expected {e[ext]}")
        if e.get(ext + "_period") is not None and (per is None or not period_eq(per, e[ext + "_period"], freq)):
            probs.append(f"{ext} period {per!r}, expected {e[ext + '_period']}")
    return probs


def _headline(a, result, *keys):
    for k in keys:
        if result.get(k) is not None:
            return result.get(k)
    return a.get("value")


def _answer_period(a, result):
    return result.get("period", a.get("period"))


def check_time_ranking(q, a, values, result):
    """The first n values: period and value, best first (or the answer's period and value for n = 1)."""
    e, freq, probs = q["expected"], q.get("freq"), []
    n = int(e["n"])
    if not values and n == 1:
        values = [{"period": _answer_period(a, result), "value": a.get("value")}]
    if result.get("direction") not in (None, e["direction"]):
        probs.append(f"direction {result.get('direction')!r}, expected {e['direction']}")
    if len(values) < n:
        probs.append(f"{len(values)} values, expected the top {n}")
    for k, (per, val, _row) in enumerate(e["members"][:n]):
        if k >= len(values):
            break
        v = values[k]
        if v.get("period") is None or not period_eq(v.get("period"), per, freq):
            probs.append(f"#{k + 1} period {v.get('period')!r}, expected {per}")
        if not num_match(v.get("value"), val):
            probs.append(f"#{k + 1} value {v.get('value')!r}, expected {val}")
    return probs


def within(got, expected, tol):
    g = as_number(got)
    return g is not None and not math.isnan(g) and (
        abs(g - float(expected)) <= tol + 1e-9 or math.isclose(g, float(expected), rel_tol=1e-6))


def check_period_if_given(q, a, result, expected_period, probs):
    per = _answer_period(a, result)
    if per is not None and expected_period is not None and not period_eq(per, expected_period, q.get("freq")):
        probs.append(f"period {per!r}, expected {expected_period}")


def check_share(q, a, values, result):
    """percent = part / whole x 100, within 0.05 points (a share rounded to 1 decimal passes)."""
    e, probs = q["expected"], []
    got = _headline(a, result, "percent", "share", "value")
    if not within(got, e["percent"], 0.05):
        probs.append(f"percent {got!r}, expected {e['percent']} ({e['part_value']} / {e['whole_value']})")
    check_period_if_given(q, a, result, e["period"], probs)
    return probs


def check_aggregate(q, a, values, result):
    """A sum: equal within 1e-6 or at the inputs' decimals. A mean: within half a unit of the inputs'
    last decimal (an average rounded as the CSV rounds its cells passes)."""
    e, probs = q["expected"], []
    got = _headline(a, result, "value", "total", "mean", "sum")
    if e["agg"] == "sum":
        ok = num_match(got, e["value"], e["decimals"])
    else:
        ok = within(got, e["value"], 0.5 * 10 ** -int(e["decimals"]))
    if not ok:
        probs.append(f"{e['agg']} {got!r}, expected {e['value']} over {e['count']} periods of {e['year']}")
    per = _answer_period(a, result)
    if per is not None and (norm_period(per) or (None,))[0] != int(e["year"]):
        probs.append(f"period {per!r}, expected the year {e['year']}")
    return probs


def check_age_sum(q, a, values, result):
    e, probs = q["expected"], []
    got = _headline(a, result, "value", "total", "sum")
    if not num_match(got, e["value"], csv_decimals(e["value"])):
        probs.append(f"sum {got!r}, expected {e['value']} (ages {', '.join(e['ages'])})")
    check_period_if_given(q, a, result, e["period"], probs)
    return probs


def check_yoy(q, a, values, result):
    """(index / index a year before - 1) x 100 within 0.05 points, or the growth another table publishes."""
    e, probs = q["expected"], []
    got = _headline(a, result, "percent", "growth", "value")
    if not (within(got, e["percent"], 0.05) or any(within(got, x, 0.05) for x in e.get("also_accept") or [])):
        alt = f" or {', '.join(e['also_accept'])}" if e.get("also_accept") else ""
        probs.append(f"percent {got!r}, expected {e['percent']}{alt} ({e['prev_value']} -> {e['value']})")
    check_period_if_given(q, a, result, e["period"], probs)
    return probs


CHECKS = {"ranking": check_ranking, "change": check_change, "comparison": check_comparison, "series": check_series,
          "time_ranking": check_time_ranking, "share": check_share, "aggregate": check_aggregate,
          "age_sum": check_age_sum, "yoy_from_index": check_yoy}


def expected_rows(q):
    e = q["expected"]
    if q["kind"] == "ranking":
        return [m[2] for m in e["members"][:int(e["n"])]]
    if q["kind"] == "comparison":
        return [m[2] for m in e["members"]]
    if q["kind"] == "change":
        return [e["from_row"], e["to_row"]]
    if q["kind"] == "time_ranking":
        return [m[2] for m in e["members"][:int(e["n"])]]
    if q["kind"] == "share":
        return list(e["part_rows"]) + list(e["whole_rows"])
    if q["kind"] == "yoy_from_index":
        return [e["prev_row"], e["row"]]
    return list(e["rows"])


def judge_derived(q, entry):
    a, ms, err = entry if entry else (None, None, "no answer returned")
    r = {"id": q["id"], "kind": q["kind"], "lang": q["lang"], "source": q.get("source"), "derived": True,
         "question": q["question"], "latency_ms": ms, "expected": q.get("expected"),
         "filters": q.get("filters"), "measure": q.get("measure")}
    if a is None or "_unparsable" in a or "_error" in a:
        err = err or (a or {}).get("_error") or ("unparsable answer: " + str((a or {}).get("_unparsable"))[:200])
        r.update(passed=False, reason="error", error=err, answered=False, abstained=False, correct=False,
                 wrong=False, rows_cited=False, problems=[], got=None)
        return r
    fm = a.get("failure_mode")
    values = [v for v in a.get("values") or [] if isinstance(v, dict)] if isinstance(a.get("values"), list) else []
    result = a.get("result") if isinstance(a.get("result"), dict) else {}
    ds = a.get("dataset") if isinstance(a.get("dataset"), dict) else {}
    r["got"] = {"answer": a.get("answer"), "operation": a.get("operation"), "value": a.get("value"),
                "values": values[:60], "result": result, "periods": a.get("periods"), "failure_mode": fm,
                "dataset": ds.get("id"), "confidence": a.get("confidence"),
                "citations": [{"source": s, "page_or_row": p} for s, p in citations(a)]}
    if q.get("set") == "people":
        r["got"].update(unit=a.get("unit"), period=a.get("period"))
    r["answered"] = fm is None
    rows = set()
    for v in values:
        try:
            rows.add(int(v.get("row")))
        except (TypeError, ValueError):
            pass
    rows |= {p for s, p in citations(a, 1000) if s == q.get("source") and p is not None}
    r["rows_cited"] = all(x in rows for x in expected_rows(q))
    if fm is not None:
        r.update(passed=False, correct=False, wrong=False, abstained=True, problems=[], reason=f"abstained ({fm})")
        return r
    probs = []
    # the new kinds are judged on their numbers; the answer contract names no operation for them
    if q["kind"] not in NEW_DERIVED_KINDS and a.get("operation") != q["kind"]:
        probs.append(f"operation {a.get('operation')!r}, expected {q['kind']!r}")
    probs += CHECKS[q["kind"]](q, a, values, result)
    if q.get("expected_unit") and unit_contradicts(a.get("unit"), q["expected_unit"]):
        probs.append(f"unit {a.get('unit')!r}, expected {q['expected_unit']}")
    correct = not probs
    r.update(passed=correct, correct=correct, wrong=not correct, abstained=False, problems=probs,
             reason="correct" if correct else ("wrong_operation" if probs[0].startswith("operation") else "wrong"))
    return r


def expected_summary(q):
    e = q["expected"]
    k = q["kind"]
    if k == "ranking":
        ms = ", ".join(f"{c} {v} (row {i})" for c, v, i in e["members"])
        return f"{e['direction']} n={e['n']} by {e['column']} at {e['period']}: {ms}"
    if k == "change":
        pc = "null (rate)" if e["rate"] else e["percent"]
        return (f"{e['from_period']} {e['from_value']} (row {e['from_row']}) -> {e['to_period']} {e['to_value']} "
                f"(row {e['to_row']}): difference {e['difference']}, percent {pc}")
    if k == "comparison":
        ms = ", ".join(f"{c} {v} (row {i})" for c, v, i in e["members"])
        return f"{e['column']} at {e['period']}: {ms}; difference {e['difference']}"
    if k == "time_ranking":
        ms = ", ".join(f"{p} {v} (row {i})" for p, v, i in e["members"])
        return f"{e['direction']} n={e['n']} over {e['from_period']}..{e['to_period']} ({e['count']}): {ms}"
    if k == "share":
        return f"{e['part_value']} / {e['whole_value']} at {e['period']} = {e['percent']} %"
    if k == "aggregate":
        return f"{e['agg']} of {e['count']} periods of {e['year']} = {e['value']}"
    if k == "age_sum":
        return f"ages {', '.join(e['ages'])} at {e['period']}: sum {e['value']}"
    if k == "yoy_from_index":
        alt = f" (or published {', '.join(e['also_accept'])})" if e.get("also_accept") else ""
        return f"{e['prev_period']} {e['prev_value']} -> {e['period']} {e['value']}: {e['percent']} %{alt}"
    return (f"count {e['count']}, first {e['first']}, last {e['last']}, min {e['min']} ({e['min_period']}), "
            f"max {e['max']} ({e['max_period']})")


def got_summary(r):
    g = r.get("got") or {}
    vals = "; ".join(" ".join(str(v.get(x)) for x in ("member", "period", "value", "row") if x in v)
                     for v in (g.get("values") or [])[:6])
    return (f"operation {g.get('operation')!r}, failure_mode {g.get('failure_mode')}, value {g.get('value')!r}, "
            f"values [{vals}{'; ...' if len(g.get('values') or []) > 6 else ''}], "
            f"result {json.dumps(g.get('result'), ensure_ascii=False)[:240]}")


def report_derived(results, out):
    p = lambda *a: print(*a, file=out)  # noqa: E731
    n = len(results)
    n_ok = sum(r["correct"] for r in results)
    n_wrong = sum(r["wrong"] for r in results)
    n_abst = sum(r["abstained"] for r in results)
    n_err = sum(1 for r in results if r["reason"] == "error")
    n_rows = sum(1 for r in results if r["correct"] and r.get("rows_cited"))
    lat = [r["latency_ms"] for r in results if r.get("latency_ms") is not None]
    m = {"derived_accuracy": ratio(n_ok, n), "derived_wrong": n_wrong, "derived_abstained": n_abst,
         "derived_p50_ms": quantile(lat, 0.5), "derived_p95_ms": quantile(lat, 0.95)}
    p("")
    p(f"derived questions {n}: accuracy {pct(n_ok, n).strip()} ({n_ok} correct, {n_wrong} wrong, "
      f"{n_abst} abstained, {n_err} errors)")
    p(f"{'derived kind x lang':22} {'n':>4} {'correct':>8} {'wrong':>6} {'abst':>5} {'acc':>7}")
    for k in DERIVED_KINDS + [None]:
        for lang in ("en", "ms", None):
            rs = [r for r in results if (k is None or r["kind"] == k) and (lang is None or r["lang"] == lang)]
            if not rs and k is not None:
                continue
            label = f"{k or 'all'} {lang or 'all'}"
            ok = sum(r["correct"] for r in rs)
            p(f"{label:22} {len(rs):4d} {ok:8d} {sum(r['wrong'] for r in rs):6d} "
              f"{sum(r['abstained'] for r in rs):5d} {pct(ok, len(rs)):>7}")
    p(f"derived rows          {n_rows}/{n_ok} correct answers carry every expected row in values[].row or "
      f"citations (informational)")
    if lat:
        p(f"derived latency       p50 {m['derived_p50_ms']:.0f} ms, p95 {m['derived_p95_ms']:.0f} ms, "
          f"max {max(lat):.0f} ms ({len(lat)} timed)")
    else:
        p("derived latency       not measured")
    fm = collections.Counter((r.get("got") or {}).get("failure_mode") for r in results if r.get("got"))
    modes = ", ".join(f"{k or 'answered'} {v}" for k, v in fm.most_common())
    p("derived modes         " + (modes or "none (no answers)"))
    return m


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def pct(n, d):
    return f"{n / d:6.1%}" if d else "     -"


def ratio(n, d):
    return n / d if d else None


def quantile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    i = (len(xs) - 1) * p
    lo, hi = math.floor(i), math.ceil(i)
    return xs[lo] + (xs[hi] - xs[lo]) * (i - lo)


def report(results, args, out):
    ans = [r for r in results if r["kind"] in ANSWERABLE_KINDS]
    una = [r for r in results if r["kind"] not in ANSWERABLE_KINDS]
    empty = [r for r in results if r["kind"] == "empty_cell"]
    n_correct = sum(r["correct"] for r in ans)
    n_wrong = sum(r["wrong"] for r in ans)
    n_missed = sum(1 for r in ans if r.get("abstained"))
    n_h_s = sum(r["hit3_strict"] for r in ans)
    n_h_l = sum(r["hit3_lenient"] for r in ans)
    n_abst = sum(r["abstained"] for r in una)
    n_quotes = sum(1 for r in empty if r.get("answered"))
    n_err = sum(1 for r in results if r["reason"] == "error")
    lat = [r["latency_ms"] for r in results if r.get("latency_ms") is not None]
    m = {
        "value_accuracy": ratio(n_correct, len(ans)),
        "hit3_strict": ratio(n_h_s, len(ans)),
        "hit3_lenient": ratio(n_h_l, len(ans)),
        "abstention": ratio(n_abst, len(una)),
        "wrong_rate": ratio(n_wrong, len(ans)),
        "empty_quotes": n_quotes,
        "p50_ms": quantile(lat, 0.5),
        "p95_ms": quantile(lat, 0.95),
    }
    p = lambda *a: print(*a, file=out)  # noqa: E731
    p(f"questions {len(results)}: answerable {len(ans)} (lookup + latest), unanswerable {len(una)} "
      f"(incl. {len(empty)} empty cells), errors {n_err}")
    p(f"value accuracy      {pct(n_correct, len(ans))}  ({n_correct}/{len(ans)} correct; {n_wrong} wrong, "
      f"{n_missed} abstained)")
    p(f"hit@3 strict        {pct(n_h_s, len(ans))}  ({n_h_s}/{len(ans)}: a top-3 citation is the expected row)")
    p(f"hit@3 lenient       {pct(n_h_l, len(ans))}  ({n_h_l}/{len(ans)}: or another table's row with the same "
      f"value and period)")
    p(f"abstention          {pct(n_abst, len(una))}  ({n_abst}/{len(una)} unanswerable incl. empty cells)")
    p(f"wrong-answer rate   {pct(n_wrong, len(ans))}  ({n_wrong}/{len(ans)})")
    p(f"empty-cell quotes   {n_quotes:6d}  (of {len(empty)} empty-cell questions)")
    if lat:
        p(f"latency             p50 {m['p50_ms']:.0f} ms, p95 {m['p95_ms']:.0f} ms, max {max(lat):.0f} ms "
          f"({len(lat)} timed)")
    else:
        p("latency             not measured")
    fm = collections.Counter((r.get("got") or {}).get("failure_mode") for r in results if r.get("got"))
    p("failure modes       " + ", ".join(f"{k or 'answered'} {v}" for k, v in fm.most_common()))
    p("")
    p(f"{'source':30} {'n':>4} {'ans':>4} {'acc':>7} {'hit3':>7} {'hit3L':>7} {'wrong':>5} {'unans':>5} {'abst':>7}")
    by = collections.defaultdict(list)
    for r in results:
        by[r["source"] or "(out of domain)"].append(r)
    for s in sorted(by):
        rs = by[s]
        a = [r for r in rs if r["kind"] in ANSWERABLE_KINDS]
        u = [r for r in rs if r["kind"] not in ANSWERABLE_KINDS]
        p(f"{s:30} {len(rs):4d} {len(a):4d} {pct(sum(r['correct'] for r in a), len(a)):>7} "
          f"{pct(sum(r['hit3_strict'] for r in a), len(a)):>7} {pct(sum(r['hit3_lenient'] for r in a), len(a)):>7} "
          f"{sum(r['wrong'] for r in a):5d} {len(u):5d} {pct(sum(r['abstained'] for r in u), len(u)):>7}")
    p("")
    p(f"{'kind x lang (passed/n)':30} {'en':>14} {'ms':>14} {'all':>14}")
    for k in KINDS + [x for x in EXTRA_KINDS if any(r["kind"] == x for r in results)]:
        cells = []
        for lang in ("en", "ms", None):
            rs = [r for r in results if r["kind"] == k and (lang is None or r["lang"] == lang)]
            ok = sum(r["passed"] for r in rs)
            cells.append(f"{ok}/{len(rs)} {pct(ok, len(rs)).strip():>6}" if rs else "-")
        p(f"{k:30} {cells[0]:>14} {cells[1]:>14} {cells[2]:>14}")
    return m


# --------------------------------------------------------------------------------------------
# The hand-written set (tests/eval/people): split, class, noisy variants, people floors
# --------------------------------------------------------------------------------------------

def q_class(q):
    if q.get("class") in CLASSES:
        return q["class"]
    if q["kind"] in ANSWERABLE_KINDS:
        return "single"
    return "computed" if is_derived(q) else "unanswerable"


def confident(r):
    """Answered without a hedge: a confidence below 0.5 or 'low' is a hedge; absent counts as confident."""
    c = (r.get("got") or {}).get("confidence")
    if isinstance(c, str):
        return c.strip().casefold() not in ("low", "rendah")
    n = as_number(c)
    return n is None or n >= 0.5


def people_metrics(rs):
    """passed share by class, and wrong-and-confident over single values."""
    out = {}
    for c in CLASSES:
        x = [r for r in rs if r["class"] == c]
        out[c] = (sum(r["passed"] for r in x), len(x))
    single = [r for r in rs if r["class"] == "single"]
    wc = sum(1 for r in single if r.get("answered") and not r["correct"] and confident(r))
    out["wrong_confident"] = (wc, len(single))
    out["all"] = (sum(r["passed"] for r in rs), len(rs))
    return out


def report_people(results, questions, args, out):
    p = lambda *a: print(*a, file=out)  # noqa: E731
    by_id = {q["id"]: q for q in questions}
    for r in results:
        q = by_id[r["id"]]
        r["split"] = q.get("split", "all")
        r["class"] = q_class(q)
        r["variant"] = q.get("variant", "base")
        r["base_id"] = q.get("base_id", q["id"])
    base = [r for r in results if r["variant"] == "base"]
    noisy = [r for r in results if r["variant"] != "base"]
    p("")
    p(f"people set: split {args.split}, variants {args.variants}: {len(base)} clean, {len(noisy)} noisy questions")
    p(f"{'split x class (clean)':26} {'n':>5} {'passed':>7} {'wrong':>6} {'abst':>5} {'err':>4} {'rate':>7}")
    for sp in ("dev", "test", "all", None):
        for c in CLASSES + (None,):
            rs = [r for r in (base or noisy) if (sp is None or r["split"] == sp) and (c is None or r["class"] == c)]
            if not rs or (sp == "all" and args.split != "all"):
                continue
            ok = sum(r["passed"] for r in rs)
            p(f"{(sp or 'total') + ' ' + (c or 'all'):26} {len(rs):5d} {ok:7d} {sum(r['wrong'] for r in rs):6d} "
              f"{sum(1 for r in rs if r['abstained'] and r['class'] != 'unanswerable'):5d} "
              f"{sum(1 for r in rs if r['reason'] == 'error'):4d} {pct(ok, len(rs)):>7}")
    kinds = [k for k in ANSWERABLE_KINDS + tuple(DERIVED_KINDS) + tuple(KINDS) + tuple(EXTRA_KINDS)]
    seen = []
    for k in kinds:
        if k not in seen:
            seen.append(k)
    p(f"{'class / kind':30} {'clean':>14} {'noisy':>14} {'gap':>7}  (passed/n; gap = clean - noisy, in points)")
    for c in CLASSES:
        for k in [None] + seen:
            cl = [r for r in base if r["class"] == c and (k is None or r["kind"] == k)]
            no = [r for r in noisy if r["class"] == c and (k is None or r["kind"] == k)]
            if not cl and not no:
                continue
            a, b = sum(r["passed"] for r in cl), sum(r["passed"] for r in no)
            gap = (a / len(cl) - b / len(no)) * 100 if cl and no else None
            label = c if k is None else f"  {k}"
            p(f"{label:30} {f'{a}/{len(cl)} {pct(a, len(cl)).strip()}' if cl else '-':>14} "
              f"{f'{b}/{len(no)} {pct(b, len(no)).strip()}' if no else '-':>14} "
              f"{'' if gap is None else f'{gap:+.1f}':>7}")
    m = {"clean": people_metrics(base), "noisy": people_metrics(noisy)}
    if noisy:
        p(f"{'noisy variant':30} {'n':>5} {'passed':>7} {'rate':>7} {'clean':>7} {'gap':>7}")
        bpass = {r["id"]: r["passed"] for r in base}
        for v in sorted({r["variant"] for r in noisy}):
            rs = [r for r in noisy if r["variant"] == v]
            paired = [r for r in rs if r["base_id"] in bpass]
            ok = sum(r["passed"] for r in rs)
            cl = sum(bpass[r["base_id"]] for r in paired)
            gap = (cl / len(paired) - sum(r["passed"] for r in paired) / len(paired)) * 100 if paired else None
            p(f"{v:30} {len(rs):5d} {ok:7d} {pct(ok, len(rs)):>7} {pct(cl, len(paired)):>7} "
              f"{'' if gap is None else f'{gap:+.1f}':>7}")
        paired = [r for r in noisy if r["base_id"] in bpass]
        if paired:
            cl = sum(bpass[r["base_id"]] for r in paired) / len(paired)
            no = sum(r["passed"] for r in paired) / len(paired)
            m["noisy_gap"] = cl - no
            p(f"{'all noisy':30} {len(paired):5d} {sum(r['passed'] for r in paired):7d} {no:7.1%} {cl:7.1%} "
              f"{(cl - no) * 100:+7.1f}")
    wc, ns = m["clean"]["wrong_confident"] if base else m["noisy"]["wrong_confident"]
    p(f"wrong and confident (single values): {pct(wc, ns).strip()} ({wc}/{ns}; answered, wrong value or unit, "
      f"confidence not low)")
    units = sum(1 for r in results if r["reason"] == "wrong_unit" or
                any(str(x).startswith("unit ") for x in r.get("problems") or []))
    p(f"wrong units                          {units} (answer's unit contradicts the catalogue)")
    return m


PEOPLE_FLOORS = {"single": 0.92, "computed": 0.85, "unanswerable": 0.97, "wrong_confident": 0.02, "noisy_gap": 0.05}


def people_floors(overrides):
    """PEOPLE_FLOORS with NAME=VALUE overrides (--people-floor single=0.70)."""
    floors = dict(PEOPLE_FLOORS)
    for o in overrides or []:
        name, _, value = o.partition("=")
        if name not in floors or not value:
            raise SystemExit(f"--people-floor {o!r}: expected NAME=VALUE, NAME one of {', '.join(floors)}")
        floors[name] = float(value)
    return floors


def check_people_floors(pm, floors=None):
    PEOPLE_FLOORS = floors or globals()["PEOPLE_FLOORS"]  # noqa: N806 (the floors in force)
    failed = []
    src = pm["clean"] if pm["clean"]["all"][1] else pm["noisy"]
    for c, op in (("single", ">="), ("computed", ">="), ("unanswerable", ">=")):
        ok, n = src[c]
        if n and ok / n < PEOPLE_FLOORS[c]:
            failed.append(f"{c} {ok / n:.3f} (floor >= {PEOPLE_FLOORS[c]})")
    wc, n = src["wrong_confident"]
    if n and wc / n > PEOPLE_FLOORS["wrong_confident"]:
        failed.append(f"wrong and confident {wc / n:.3f} (floor <= {PEOPLE_FLOORS['wrong_confident']})")
    gap = pm.get("noisy_gap")
    if gap is not None and gap > PEOPLE_FLOORS["noisy_gap"]:
        failed.append(f"noisy gap {gap * 100:.1f} points (floor <= {PEOPLE_FLOORS['noisy_gap'] * 100:.0f})")
    return failed


def check_floors(m, args):
    hit = m["hit3_lenient"] if args.hit3 == "lenient" else m["hit3_strict"]
    checks = [
        ("value accuracy", m["value_accuracy"], ">=", args.min_accuracy),
        (f"hit@3 ({args.hit3})", hit, ">=", args.min_hit3),
        ("abstention", m["abstention"], ">=", args.min_abstention),
        ("wrong-answer rate", m["wrong_rate"], "<=", args.max_wrong),
        ("empty-cell quotes", m["empty_quotes"], "<=", args.max_empty_quotes),
    ]
    failed = []
    for name, v, op, floor in checks:
        if v is None:
            continue
        ok = v >= floor if op == ">=" else v <= floor
        if not ok:
            failed.append(f"{name} {v:.3f} (floor {op} {floor})" if isinstance(v, float) else
                          f"{name} {v} (floor {op} {floor})")
    return failed


def main():
    ap = argparse.ArgumentParser(description="Score dosm_rag.rag_answer on generated questions.")
    ap.add_argument("--questions", help="questions JSONL from generate.py (required)")
    ap.add_argument("--url", default=os.environ.get("DATABASE_URL"), help="libpq URL (default: $DATABASE_URL)")
    ap.add_argument("--answers", help="read id<TAB>answer-json[<TAB>ms] lines instead of calling psql")
    ap.add_argument("--dump-answers", help="write the raw answers as id<TAB>json<TAB>ms (re-score with --answers)")
    ap.add_argument("--results", help="per-question results JSONL, failures first")
    ap.add_argument("--k", type=int, default=3, help="k passed to rag_answer (default 3)")
    ap.add_argument("--min-accuracy", type=float, default=0.95)
    ap.add_argument("--min-hit3", type=float, default=0.97)
    ap.add_argument("--hit3", choices=["lenient", "strict"], default="lenient",
                    help="which hit@3 the --min-hit3 floor applies to (default lenient)")
    ap.add_argument("--min-abstention", type=float, default=0.97)
    ap.add_argument("--max-wrong", type=float, default=0.02)
    ap.add_argument("--max-empty-quotes", type=int, default=0)
    ap.add_argument("--min-derived-accuracy", type=float, default=0.90,
                    help="floor on correct / derived questions (ranking, change, comparison, series)")
    ap.add_argument("--no-floors", action="store_true", help="report only; exit 0 below the floors")
    ap.add_argument("--floors", choices=["default", "people"], default="default",
                    help="default: the floors above; people: the floors of tests/eval/people (single >= 0.92, "
                         "wrong and confident <= 0.02, unanswerable >= 0.97, computed >= 0.85, noisy gap <= 5 points)")
    ap.add_argument("--people-floor", action="append", metavar="NAME=VALUE",
                    help="with --floors people: override one floor (single, computed, unanswerable, "
                         "wrong_confident, noisy_gap), e.g. a regression floor below the issue's target")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all",
                    help="questions of this split only (questions without a split are in every split)")
    ap.add_argument("--variants", choices=["base", "noisy", "all"], default="all",
                    help="base: the clean questions; noisy: their typo/lower/terse variants; all: both")
    ap.add_argument("--show", type=int, default=15, help="failures to print, and derived failures (default 15)")
    args = ap.parse_args()

    if not args.questions or not os.path.exists(args.questions):
        if not os.path.isdir(DEFAULT_DATA):
            print("skipped: ../shared not found")
            return 0
        print(f"score.py: no questions file {args.questions or '(--questions)'}: run "
              f"tests/eval/generate.py --out FILE first", file=sys.stderr)
        return 2
    with open(args.questions, encoding="utf-8") as fh:
        questions = [json.loads(line) for line in fh if line.strip()]
    if args.split != "all":
        questions = [q for q in questions if q.get("split", args.split) == args.split]
    if args.variants == "base":
        questions = [q for q in questions if q.get("variant", "base") == "base"]
    elif args.variants == "noisy":
        questions = [q for q in questions if q.get("variant", "base") != "base"]
    if not questions:
        print("score.py: no questions", file=sys.stderr)
        return 2
    people = any(q.get("set") == "people" or "split" in q for q in questions)

    if args.answers:
        answers = read_answers(args.answers)
    else:
        if not args.url:
            print("score.py: no database: set DATABASE_URL or pass --url (or --answers FILE)", file=sys.stderr)
            return 2
        answers = run_psql(args.url, questions, args.k)
    if args.dump_answers:
        dump_answers(args.dump_answers, questions, answers)

    results = [judge_derived(q, answers.get(q["id"])) if is_derived(q) else judge(q, answers.get(q["id"]))
               for q in questions]
    base = [r for r in results if not r.get("derived")]
    derived = [r for r in results if r.get("derived")]
    out = sys.stdout
    m = report(base, args, out)

    fails = [r for r in base if not r["passed"]]
    if fails and args.show:
        print("", file=out)
        print(f"first {min(args.show, len(fails))} of {len(fails)} failures:", file=out)
        for r in fails[:args.show]:
            g = r.get("got") or {}
            print(f"  {r['id']} [{r['reason']}] {r['question']}", file=out)
            exp = r["expected"]
            print(f"      expected {exp['expected_value']!r} ({r['source']} row {exp['expected_row_ref']}, "
                  f"{exp['expected_period']}); got value {g.get('value')!r} from {g.get('dataset')}, "
                  f"failure_mode {g.get('failure_mode')}, conf {g.get('confidence')}: "
                  f"{str(g.get('answer') or r.get('error') or '')[:120]}", file=out)
    dm = None
    if derived:
        dm = report_derived(derived, out)
        by_id = {q["id"]: q for q in questions}
        dfails = [r for r in derived if not r["passed"]]
        if dfails and args.show:
            print("", file=out)
            print(f"first {min(args.show, len(dfails))} of {len(dfails)} derived failures:", file=out)
            for r in dfails[:args.show]:
                q = by_id[r["id"]]
                print(f"  {r['id']} [{r['reason']}] {r['question']}", file=out)
                print(f"      expected {expected_summary(q)}", file=out)
                if r["reason"] == "error":
                    print(f"      got error: {str(r.get('error'))[:200]}", file=out)
                    continue
                print(f"      got {got_summary(r)}", file=out)
                if r.get("problems"):
                    print(f"      problems: {'; '.join(r['problems'][:6])}", file=out)
                ans = (r.get("got") or {}).get("answer")
                if ans:
                    print(f"      answer: {str(ans)[:160]}", file=out)
    pm = report_people(results, questions, args, out) if people else None
    if args.results:
        order = sorted(range(len(results)), key=lambda i: (results[i]["passed"], i))
        with open(args.results, "w", encoding="utf-8") as fh:
            for i in order:
                fh.write(json.dumps(results[i], ensure_ascii=False) + "\n")

    if args.floors == "people":
        failed_floors = check_people_floors(pm, people_floors(args.people_floor)) if pm \
            else ["--floors people needs the people questions"]
    else:
        failed_floors = check_floors(m, args)
        if dm is not None and dm["derived_accuracy"] is not None and \
                dm["derived_accuracy"] < args.min_derived_accuracy:
            failed_floors.append(f"derived accuracy {dm['derived_accuracy']:.3f} (floor >= {args.min_derived_accuracy})")
    print("", file=out)
    if failed_floors:
        print("floors: BELOW " + "; ".join(failed_floors) + (" (--no-floors: not failing)" if args.no_floors else ""),
              file=out)
    else:
        print("floors: met", file=out)
    n_pass = sum(r["passed"] for r in results)
    print(f"eval: {n_pass} passed, {len(results) - n_pass} failed", file=out)
    return 1 if failed_floors and not args.no_floors else 0


if __name__ == "__main__":
    sys.exit(main())
