#!/usr/bin/env python3
"""Expected results for the hand-written question set in tests/eval/people/questions.jsonl.

    python3 tests/eval/people/expect.py --out /tmp/people.jsonl [--shared DIR] [--no-variants]

questions.jsonl holds specs only (which table, column, filters and period a question is about);
this script reads the CSVs under ../shared (relative to the repository root) at run time and
computes every expected value, row and result from their cells, then writes a questions file in
the format of tests/eval/README.md, plus three noisy variants of every question and a fixed
dev/test split. A spec that does not resolve to exactly the intended cell(s) stops the run with
the question id. Standard library only. See tests/eval/people/README.md.
"""

import argparse
import collections
import csv
import json
import math
import os
import random
import re
import string
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DEFAULT_SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
SEED = 20261207
DEV_SHARE = 0.30

SINGLE = ("lookup", "latest")
COMPUTED = ("ranking", "time_ranking", "change", "comparison", "series", "share", "aggregate", "age_sum",
            "yoy_from_index")
UNANSWERABLE = ("out_of_domain", "no_such_figure", "unanswerable_period", "unanswerable_place", "empty_cell")
KINDS = SINGLE + COMPUTED + UNANSWERABLE

# file of each source (stem), relative to data/opendosm_full
WIDE = {"census_district", "cpi_core", "cpi_headline", "gdp", "labourforce_annual", "labourforce_monthly", "ppi"}
MESSY = {"cpi_2d_inflation"}

# dimension columns of each table (everything else but the period column is a measure)
DIMS = {
    "birth_district_sex": ["state", "district", "sex"],
    "death_district_sex": ["state", "district", "sex"],
    "cpi_2d": ["division"],
    "cpi_2d_state_inflation": ["state", "division"],
    "cpi_2d_inflation": ["division"],
    "death_maternal_state": ["state"],
    "deaths_early_childhood_state": ["state", "type"],
    "hh_income": [], "hh_inequality": [], "hh_lq": [], "hh_poverty": [],
    "hh_income_district": ["state", "district"], "hh_inequality_district": ["state", "district"],
    "hh_poverty_district": ["state", "district"], "hh_lq_state": ["state"],
    "hies_malaysia_percentile": ["percentile", "variable"],
    "hies_state_percentile": ["state", "percentile", "variable"],
    "ipi": ["series"], "lfs_month_duration": [], "lfs_year": [], "marriages": ["sex"],
    "population_district": ["state", "district", "sex", "age", "ethnicity"],
    "population_dun": ["state", "parlimen", "dun", "sex", "age", "ethnicity"],
    "population_state": ["state", "sex", "age", "ethnicity"],
    "census_district": ["state", "code_state", "district", "code_district", "code_state_district"],
    "cpi_core": [], "cpi_headline": [], "gdp": ["series_type"], "labourforce_annual": [],
    "labourforce_monthly": [], "ppi": [],
}
# the value a dimension takes when a question does not name it (the table's aggregate)
DEFAULTS = {"sex": "both", "age": "overall", "ethnicity": "overall", "division": "overall", "series": "abs",
            "type": "total"}
AGGREGATE_MEMBERS = {"overall", "both", "total", "malaysia"}

# measures whose change is in points (rates, ratios, percentages); other measures are levels
RATES = {
    ("birth_district_sex", "rate"), ("death_district_sex", "rate"), ("death_maternal_state", "rate"),
    ("deaths_early_childhood_state", "rate"), ("marriages", "rate"),
    ("cpi_2d_state_inflation", "inflation_yoy"), ("cpi_2d_state_inflation", "inflation_mom"),
    ("cpi_2d_inflation", "inflation_yoy"), ("cpi_2d_inflation", "inflation_mom"),
    ("hh_inequality", "gini"), ("hh_inequality_district", "gini"),
    ("hh_poverty", "poverty_absolute"), ("hh_poverty", "poverty_hardcore"), ("hh_poverty", "poverty_relative"),
    ("hh_poverty_district", "poverty_absolute"), ("hh_poverty_district", "poverty_relative"),
    ("lfs_year", "u_rate"), ("lfs_year", "p_rate"), ("lfs_year", "ep_ratio"),
    ("labourforce_annual", "u_rate"), ("labourforce_annual", "p_rate"), ("labourforce_annual", "ep_ratio"),
    ("census_district", "population_growth"), ("census_district", "household_size_avg"),
}
for _m in ("u_rate", "p_rate", "ep_ratio", "u_rate_sa", "p_rate_sa", "u_rate_15_24", "u_rate_15_30"):
    RATES.add(("labourforce_monthly", _m))

# unit of each measure, from the catalogues (used to tell a wrong unit; see score.py)
UNITS = {
    ("birth_district_sex", "abs"): "births", ("birth_district_sex", "rate"): "per 1,000 population",
    ("death_district_sex", "abs"): "deaths", ("death_district_sex", "rate"): "per 1,000 population",
    ("death_maternal_state", "abs"): "deaths", ("death_maternal_state", "rate"): "per 100,000 live births",
    ("deaths_early_childhood_state", "abs"): "deaths", ("deaths_early_childhood_state", "rate"): "per 1,000",
    ("marriages", "abs"): "marriages", ("marriages", "rate"): "per 1,000 unmarried population",
    ("hh_income", "*"): "RM", ("hh_income_district", "*"): "RM", ("hies_malaysia_percentile", "*"): "RM",
    ("hies_state_percentile", "*"): "RM", ("hh_inequality", "*"): "Gini coefficient",
    ("hh_inequality_district", "*"): "Gini coefficient", ("hh_poverty", "*"): "%", ("hh_poverty_district", "*"): "%",
    ("hh_lq", "*"): "households", ("hh_lq_state", "*"): "households",
    ("cpi_2d", "*"): "index (2010=100)", ("cpi_core", "*"): "index (2010=100)",
    ("cpi_headline", "*"): "index (2010=100)", ("ppi", "*"): "index (2010=100)",
    ("cpi_2d_inflation", "*"): "%", ("cpi_2d_state_inflation", "*"): "%",
    ("ipi", "*"): "index (2015=100)", ("gdp", "*"): "RM million",
    ("population_state", "*"): "'000 people", ("population_district", "*"): "'000 people",
    ("population_dun", "*"): "'000 people", ("lfs_month_duration", "*"): "'000 people",
    ("lfs_year", "*"): "'000 people", ("labourforce_annual", "*"): "'000 people",
    ("labourforce_monthly", "*"): "'000 people",
    ("census_district", "*"): "persons", ("census_district", "area_km2"): "km2",
    ("census_district", "population_growth"): "%", ("census_district", "household_size_avg"): "persons",
}


def unit_of(source, measure, filters=None):
    if (source, measure) in RATES:
        if source.startswith(("lfs", "labourforce", "hh_poverty", "cpi")) or measure in ("population_growth",):
            return "%"
    if source == "ipi" and (filters or {}).get("series", "abs") != "abs":
        return "%"
    return UNITS.get((source, measure)) or UNITS.get((source, "*"))


# the same concept in another table: accepted as a right single-value answer when that table's cell
# for the same period and filters says it differently (rounding, revisions)
ALIASES = {
    "lfs_year": ("labourforce_annual", {"lf": "lf_size", "lf_employed": "employed", "lf_unemployed": "unemployed",
                                        "lf_outside": "outside", "u_rate": "u_rate", "p_rate": "p_rate",
                                        "ep_ratio": "ep_ratio"}),
    "lfs_month_duration": ("labourforce_monthly", {m: m for m in (
        "unemployed", "unemployed_active", "unemployed_active_3mo", "unemployed_active_6mo",
        "unemployed_active_12mo", "unemployed_active_long", "unemployed_inactive")}),
}
ALIASES["labourforce_annual"] = ("lfs_year", {v: k for k, v in ALIASES["lfs_year"][1].items()})
ALIASES["labourforce_monthly"] = ("lfs_month_duration", dict(ALIASES["lfs_month_duration"][1]))
CPI_WIDE = {"overall": "overall", "food_beverage": "01", "alcohol_tobacco": "02", "clothing_footwear": "03",
            "housing_utilities": "04", "furnishings": "05", "health": "06", "transport": "07",
            "communication": "08", "recreation_culture": "09", "education": "10", "hospitality": "11",
            "misc": "13"}

# tables on one subject: an unanswerable period must be absent from all of them
SUBJECTS = [
    {"lfs_year", "labourforce_annual", "labourforce_monthly", "lfs_month_duration"},
    {"cpi_2d", "cpi_headline", "cpi_core", "cpi_2d_inflation", "cpi_2d_state_inflation"},
    {"population_state", "population_district", "population_dun", "census_district"},
    {"birth_district_sex"}, {"death_district_sex", "death_maternal_state", "deaths_early_childhood_state"},
    {"hh_income", "hh_income_district", "hies_malaysia_percentile", "hies_state_percentile", "hh_inequality",
     "hh_inequality_district", "hh_poverty", "hh_poverty_district"},
    {"hh_lq", "hh_lq_state", "census_district"}, {"ipi"}, {"gdp"}, {"ppi"}, {"marriages"},
]


class SpecError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

class Table:
    def __init__(self, source, path):
        self.source = source
        with open(path, encoding="utf-8-sig", newline="") as fh:
            r = csv.reader(fh)
            header = next(r)
            self.header = header
            self.rows = [dict(zip(header, rec)) for rec in r]
        self.pcol = "year" if "year" in header else "date"
        self.dims = DIMS[source]
        self.freq = self._freq()
        self._keys = {}

    def _freq(self):
        if self.pcol == "year":
            return "year"
        months = {period_key(r[self.pcol])[1] for r in self.rows}
        if months == {1}:
            return "year"
        if months <= {1, 4, 7, 10}:
            return "quarter"
        return "month"

    def match(self, filters, period=None, fill_defaults=True):
        """Row indexes whose dimensions equal the filters (and the aggregate for unnamed ones)."""
        f = dict(filters)
        if fill_defaults:
            for d in self.dims:
                if d not in f and d in DEFAULTS and self.has_value(d, DEFAULTS[d]):
                    f[d] = DEFAULTS[d]
        for k in f:
            if k not in self.header:
                raise SpecError(f"{self.source} has no column {k!r}")
        out = []
        for i, r in enumerate(self.rows):
            if period is not None and r[self.pcol] != period:
                continue
            if all(r[k] == v for k, v in f.items()):
                out.append(i)
        return out

    def has_value(self, col, v):
        key = (col, v)
        if key not in self._keys:
            self._keys[key] = any(r.get(col) == v for r in self.rows)
        return self._keys[key]

    def periods(self):
        return sorted({r[self.pcol] for r in self.rows}, key=period_key)

    def newest(self):
        return self.periods()[-1]


def period_key(p):
    """(year, month) of a CSV period: 2023-03-01, 3/1/2023, 2020."""
    p = p.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", p)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", p)
    if m:
        return int(m.group(3)), int(m.group(1))
    if re.fullmatch(r"\d{4}", p):
        return int(p), 1
    raise SpecError(f"unreadable period {p!r}")


class Data:
    def __init__(self, root):
        self.root = root
        self.cache = {}

    def path(self, source):
        if source in WIDE:
            return os.path.join(self.root, "wide", source + ".csv")
        if source in MESSY:
            return os.path.join(self.root, "messy", source + ".csv")
        return os.path.join(self.root, source + ".csv")

    def table(self, source):
        if source not in DIMS:
            raise SpecError(f"unknown source {source!r}")
        if source not in self.cache:
            self.cache[source] = Table(source, self.path(source))
        return self.cache[source]


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

def decimals(s):
    s = s.strip()
    return len(s.split(".", 1)[1]) if "." in s else 0


def num(s, qid, what):
    try:
        v = float(s)
    except (TypeError, ValueError):
        raise SpecError(f"{what} is not a number: {s!r}")
    if math.isnan(v):
        raise SpecError(f"{what} is NaN")
    return v


def fmt(x, dec):
    """A computed number as a CSV-like string with dec decimals (never '-0')."""
    x = round(x, dec)
    if x == 0:
        x = 0.0
    return f"{x:.{dec}f}" if dec > 0 else str(int(round(x)))


# --------------------------------------------------------------------------------------------
# Resolving specs
# --------------------------------------------------------------------------------------------

def one_row(t, filters, period, q, allow_same=False):
    rows = t.match(filters, period)
    if not rows:
        raise SpecError(f"no row of {t.source} for {filters} at {period}")
    if len(rows) > 1:
        vals = {t.rows[i][q["measure"]] for i in rows}
        if not (allow_same and len(vals) == 1):
            raise SpecError(f"{len(rows)} rows of {t.source} for {filters} at {period} (name more dimensions)")
    return rows[0]


def cell(t, i, measure):
    if measure not in t.header:
        raise SpecError(f"{t.source} has no column {measure!r}")
    v = t.rows[i][measure].strip()
    if v == "":
        raise SpecError(f"empty cell: {t.source} row {i} column {measure}")
    num(v, None, f"{t.source} row {i} {measure}")
    return t.rows[i][measure]


def latest_row(t, filters, measure, allow_same=False):
    rows = t.match(filters)
    if not rows:
        raise SpecError(f"no row of {t.source} for {filters}")
    newest = max(period_key(t.rows[i][t.pcol]) for i in rows)
    at = [i for i in rows if period_key(t.rows[i][t.pcol]) == newest]
    if len(at) > 1 and not (allow_same and len({t.rows[i][measure] for i in at}) == 1):
        raise SpecError(f"{len(at)} newest rows for {filters}")
    return at[0]


def filters_str(f):
    return ", ".join(f"{k}={v}" for k, v in f.items()) or "no filters"


def period_str(t, i):
    return t.rows[i][t.pcol]


def accept_values(data, q, t, i):
    """The same figure as another table states it (same period and filters), when it differs."""
    src, m = q["source"], q["measure"]
    out = []
    per = period_key(t.rows[i][t.pcol])
    alt = None
    if src in ALIASES:
        other, mp = ALIASES[src]
        if m in mp:
            alt = (other, mp[m], {})
    elif src == "cpi_2d" and t.rows[i]["division"] in CPI_WIDE.values():
        col = next(k for k, v in CPI_WIDE.items() if v == t.rows[i]["division"])
        alt = ("cpi_headline", col, {})
    elif src == "cpi_headline" and m in CPI_WIDE:
        alt = ("cpi_2d", "index", {"division": CPI_WIDE[m]})
    elif src in ("population_state", "population_district"):
        st = t.rows[i]["state"]
        if st in ("Perlis", "W.P. Kuala Lumpur", "W.P. Labuan", "W.P. Putrajaya"):
            f = {k: t.rows[i][k] for k in ("state", "sex", "age", "ethnicity")}
            if src == "population_state":
                f["district"] = st
                alt = ("population_district", "population", f)
            else:
                alt = ("population_state", "population", f)
    if alt:
        ot = data.table(alt[0])
        for j in ot.match(alt[2], fill_defaults=True):
            if period_key(ot.rows[j][ot.pcol]) == per:
                v = ot.rows[j][alt[1]].strip()
                if v and float(v) != float(t.rows[i][m]):
                    out.append(v)
    return out


def published_yoy(data, t, f, m, k):
    """The year-on-year growth another table publishes for the same index and month, if any: computed
    from rounded index levels, the percentage can differ from it by more than the rounding."""
    if t.source in ("cpi_2d", "cpi_headline"):
        div = f.get("division", "overall") if t.source == "cpi_2d" else CPI_WIDE.get(m)
        if div is None:
            return None
        div = div if div == "overall" else str(int(div))
        ot, col, ff = data.table("cpi_2d_inflation"), "inflation_yoy", {"division": div}
    elif t.source == "ipi":
        ot, col, ff = t, m, {"series": "growth_yoy"}
    else:
        return None
    for j in ot.match(ff):
        if period_key(ot.rows[j][ot.pcol]) == k and ot.rows[j][col].strip():
            return ot.rows[j][col]
    return None


def members_of(t, col, filters, period):
    """(code, row) for every non-aggregate value of col at period, other dimensions fixed."""
    f = {k: v for k, v in filters.items() if k != col}
    f_full = dict(f)
    for d in t.dims:
        if d != col and d not in f_full and d in DEFAULTS and t.has_value(d, DEFAULTS[d]):
            f_full[d] = DEFAULTS[d]
    out = []
    for i, r in enumerate(t.rows):
        if r[t.pcol] != period or any(r[k] != v for k, v in f_full.items()):
            continue
        if r[col].casefold() in AGGREGATE_MEMBERS:
            continue
        out.append((r[col], i))
    codes = [c for c, _ in out]
    if len(set(codes)) != len(codes):
        dup = [c for c, n in collections.Counter(codes).items() if n > 1]
        raise SpecError(f"{col} values repeat under {f_full} at {period}: {dup[:5]} (name the dimension that tells them apart)")
    return out


def ranked(items, direction, n, qid):
    """items: [(key, value_str, row)] sorted best first; fails on a tie within the first n + 1."""
    rev = direction == "desc"
    s = sorted(items, key=lambda x: float(x[1]), reverse=rev)
    head = [float(x[1]) for x in s[:n + 1]]
    if len(set(head)) != len(head):
        raise SpecError(f"tie within the first {n + 1}: {s[:n + 1]}")
    return s


def resolve_period(t, q, filters, measure=None):
    """The spec's period, or the newest the filters have (which must be the table's newest)."""
    if q.get("period"):
        if q["period"] not in set(r[t.pcol] for r in t.rows):
            raise SpecError(f"{t.source} has no period {q['period']!r}")
        return q["period"], "period named"
    rows = t.match({k: v for k, v in filters.items()}, fill_defaults=True)
    newest = max((t.rows[i][t.pcol] for i in rows), key=period_key)
    if newest != t.newest():
        raise SpecError(f"latest period for {filters} is {newest}, the table's newest is {t.newest()}")
    return newest, "latest by default"


def series_rows(t, filters, measure):
    rows = t.match(filters)
    pk = [period_key(t.rows[i][t.pcol]) for i in rows]
    if len(set(pk)) != len(pk):
        raise SpecError(f"periods repeat for {filters}: name more dimensions")
    return sorted(rows, key=lambda i: period_key(t.rows[i][t.pcol]))


def step(t):
    return {"year": 12, "quarter": 3, "month": 1}[t.freq]


def months(k):
    return k[0] * 12 + k[1] - 1


def resolve(data, q):
    kind = q["kind"]
    out = {k: q.get(k) for k in ("id", "question", "lang", "kind")}
    out.update(source=q.get("source"), answerable=kind in SINGLE + COMPUTED, expected_value=None,
               expected_row_ref=None, expected_period=None, filters=q.get("filters") or {},
               measure=q.get("measure"), freq=None, note=q.get("note"))
    if kind in ("out_of_domain", "no_such_figure") and not q.get("source"):
        out["note"] = q.get("note") or ("not these statistics" if kind == "out_of_domain" else "no table has it")
        return out
    t = data.table(q["source"])
    out["freq"] = t.freq
    f = q.get("filters") or {}
    m = q.get("measure")
    if m is not None and m not in t.header:
        raise SpecError(f"{t.source} has no column {m!r}")
    if kind in COMPUTED or kind in SINGLE:
        out["expected_unit"] = unit_of(t.source, m, f) if m else None

    if kind == "lookup":
        if not q.get("period"):
            raise SpecError("lookup without a period")
        i = one_row(t, f, q["period"], q, allow_same=q.get("any_row", False))
        out.update(expected_value=cell(t, i, m), expected_row_ref=i, expected_period=period_str(t, i),
                   note=q.get("note") or "period named")
        av = accept_values(data, q, t, i)
        if av:
            out["accept_values"] = av
        return out
    if kind == "latest":
        if q.get("period"):
            raise SpecError("latest with a period")
        i = latest_row(t, f, m, allow_same=q.get("any_row", False))
        if t.rows[i][t.pcol] != t.newest():
            raise SpecError(f"the newest row for {filters_str(f)} is at {t.rows[i][t.pcol]}, "
                            f"before the table's newest period {t.newest()}")
        if q.get("any_row"):
            rows = [j for j in t.match(f) if t.rows[j][t.pcol] == t.rows[i][t.pcol]]
            i = rows[0]
        out.update(expected_value=cell(t, i, m), expected_row_ref=i, expected_period=period_str(t, i),
                   note=q.get("note") or "latest by default")
        av = accept_values(data, q, t, i)
        if av:
            out["accept_values"] = av
        return out
    if kind == "empty_cell":
        i = one_row(t, f, q["period"], {"measure": m}, allow_same=False)
        if t.rows[i][m].strip() != "":
            raise SpecError(f"cell is not empty: {t.source} row {i} {m} = {t.rows[i][m]!r}")
        out.update(expected_row_ref=i, expected_period=period_str(t, i), note=q.get("note") or "empty cell")
        return out
    if kind == "unanswerable_period":
        asked = q["period"]
        ak = period_key(asked)
        subj = next((s for s in SUBJECTS if t.source in s), {t.source})
        for src in sorted(subj):
            ot = data.table(src)
            for r in ot.rows:
                pk = period_key(r[ot.pcol])
                if pk[0] == ak[0] and (t.freq == "year" or ot.freq == "year" or pk[1] == ak[1]):
                    raise SpecError(f"period {asked} is in {src}")
        out.update(expected_period=asked, note=q.get("note") or "period outside every table on the subject")
        return out
    if kind == "unanswerable_place":
        place = q["place"].casefold()
        scope = [t.source] if q.get("place_scope") == "table" else list(DIMS)
        for src in scope:
            ot = data.table(src)
            for d in ot.dims:
                for r in ot.rows:
                    v = r[d].casefold()
                    if v == place or re.sub(r"^[pn]\.\d+\s+", "", v) == place:
                        raise SpecError(f"place {q['place']!r} is in {src}.{d}")
        out["note"] = q.get("note") or ("place absent from the table" if q.get("place_scope") == "table"
                                        else "place absent from every table")
        return out
    if kind == "no_such_figure":
        out["note"] = q.get("note") or "no table has it"
        return out

    # ---- computed kinds
    out["derived"] = True
    if kind == "ranking":
        col = q["column"]
        period, note = resolve_period(t, q, f)
        items = [(c, cell(t, i, m), i) for c, i in members_of(t, col, f, period)]
        if len(items) < 3:
            raise SpecError(f"only {len(items)} members to rank")
        n = int(q.get("n", 1))
        s = ranked(items, q["direction"], n, q["id"])
        out["expected"] = {"column": col, "direction": q["direction"], "n": n, "period": period,
                           "members": [list(x) for x in s[:max(n, 3)]]}
        out["note"] = q.get("note") or note
    elif kind == "comparison":
        col = q["column"]
        if q.get("period"):
            period, note = resolve_period(t, q, f)
        else:
            period, note = t.newest(), "latest common period"
        mem = []
        for code in q["members"]:
            ff = dict(f)
            ff[col] = code
            i = one_row(t, ff, period, q)
            mem.append([code, cell(t, i, m), i])
        if not q.get("period"):
            for code in q["members"]:
                ff = dict(f)
                ff[col] = code
                rows = t.match(ff)
                if max((t.rows[i][t.pcol] for i in rows), key=period_key) != period:
                    raise SpecError(f"{code} does not reach the table's newest period")
        dec = max(decimals(mem[0][1]), decimals(mem[1][1]))
        out["expected"] = {"column": col, "period": period, "members": mem,
                           "difference": fmt(float(mem[0][1]) - float(mem[1][1]), dec)}
        out["note"] = q.get("note") or note
    elif kind == "change":
        i0 = one_row(t, f, q["from_period"], q)
        i1 = one_row(t, f, q["to_period"], q)
        v0, v1 = cell(t, i0, m), cell(t, i1, m)
        rate = (t.source, m) in RATES or (t.source == "ipi" and f.get("series", "abs") != "abs")
        dec = max(decimals(v0), decimals(v1))
        pc = None
        if not rate:
            if float(v0) == 0:
                raise SpecError("change from 0")
            pc = round((float(v1) / float(v0) - 1) * 100, 6)
        out["expected"] = {"from_period": period_str(t, i0), "to_period": period_str(t, i1), "from_value": v0,
                           "to_value": v1, "from_row": i0, "to_row": i1,
                           "difference": fmt(float(v1) - float(v0), dec), "percent": pc, "rate": rate}
        out["expected_rate"] = rate
        out["note"] = q.get("note") or ("rate: percentage points" if rate else "level")
    elif kind == "series":
        rows = series_rows(t, f, m)
        if q.get("last"):
            nlast = int(q["last"])
            rows = rows[-nlast:]
            if len(rows) != nlast:
                raise SpecError(f"the series has fewer than {nlast} periods")
            if period_str(t, rows[-1]) != t.newest():
                raise SpecError("the series does not reach the table's newest period")
            ks = [months(period_key(t.rows[i][t.pcol])) for i in rows]
            if any(b - a != step(t) for a, b in zip(ks, ks[1:])):
                raise SpecError("the last periods are not consecutive")
            note = f"last {nlast} periods"
        else:
            lo = period_key(q["from_period"])
            hi = period_key(q["to_period"]) if q.get("to_period") else (9999, 12)
            if q.get("to_period") is None and period_str(t, rows[-1]) != t.newest():
                raise SpecError("the series does not reach the table's newest period")
            rows = [i for i in rows if lo <= period_key(t.rows[i][t.pcol]) <= hi]
            note = "range" if q.get("to_period") else "since the period"
            if not rows or period_str(t, rows[0]) != q["from_period"] or (
                    q.get("to_period") and period_str(t, rows[-1]) != q["to_period"]):
                raise SpecError("the series does not start/end at the named periods")
        vals = [(period_str(t, i), cell(t, i, m)) for i in rows]
        if len(vals) < 3:
            raise SpecError("a series of fewer than 3 points")
        nums = [float(v) for _, v in vals]
        mn, mx = min(nums), max(nums)
        e = {"count": len(vals), "first": list(vals[0]), "last": list(vals[-1]),
             "min": next(v for _, v in vals if float(v) == mn), "max": next(v for _, v in vals if float(v) == mx),
             "min_period": next(p for p, v in vals if float(v) == mn) if nums.count(mn) == 1 else None,
             "max_period": next(p for p, v in vals if float(v) == mx) if nums.count(mx) == 1 else None,
             "rows": rows}
        out["expected"] = e
        out["note"] = q.get("note") or note
    elif kind == "time_ranking":
        rows = series_rows(t, f, m)
        lo, hi = period_key(q["from_period"]), period_key(q["to_period"])
        rows = [i for i in rows if lo <= period_key(t.rows[i][t.pcol]) <= hi]
        if not rows or period_str(t, rows[0]) != q["from_period"] or period_str(t, rows[-1]) != q["to_period"]:
            raise SpecError("the range does not start/end at the named periods")
        if q.get("full_year"):
            if len(rows) != {"month": 12, "quarter": 4}.get(t.freq, 1):
                raise SpecError(f"{len(rows)} periods in the year")
        n = int(q.get("n", 1))
        items = [(period_str(t, i), cell(t, i, m), i) for i in rows]
        s = ranked(items, q["direction"], n, q["id"])
        out["expected"] = {"direction": q["direction"], "n": n, "from_period": q["from_period"],
                           "to_period": q["to_period"], "count": len(items),
                           "members": [list(x) for x in s[:max(n, 3)]]}
        out["note"] = q.get("note") or "which period"
    elif kind == "share":
        period = q["period"]

        def side(parts, what):
            vals, rows = [], []
            for ov in parts:
                ov = dict(ov)
                meas = ov.pop("_measure", m)
                ff = dict(f)
                ff.update(ov)
                star = [k for k, v in ff.items() if v == "*"]
                if star:
                    col = star[0]
                    del ff[col]
                    for _c, i in members_of(t, col, ff, period):
                        vals.append(cell(t, i, meas))
                        rows.append(i)
                else:
                    i = one_row(t, ff, period, {"measure": meas})
                    vals.append(cell(t, i, meas))
                    rows.append(i)
            if not vals:
                raise SpecError(f"no cells for the {what}")
            dec = max(decimals(v) for v in vals)
            return fmt(sum(float(v) for v in vals), dec), rows

        pv, pr = side(q["part"], "part")
        wv, wr = side(q.get("whole") or [{}], "whole")
        if float(wv) == 0:
            raise SpecError("whole is 0")
        out["expected"] = {"period": period, "part_value": pv, "whole_value": wv, "part_rows": pr,
                           "whole_rows": wr, "percent": round(float(pv) / float(wv) * 100, 6)}
        out["expected_unit"] = "%"
        out["note"] = q.get("note") or "part / whole x 100"
    elif kind == "aggregate":
        year = int(q["year"])
        rows = [i for i in series_rows(t, f, m) if period_key(t.rows[i][t.pcol])[0] == year]
        need = {"month": 12, "quarter": 4}.get(t.freq)
        if need is None or len(rows) != need:
            raise SpecError(f"{len(rows)} periods in {year} (need {need})")
        vals = [cell(t, i, m) for i in rows]
        dec = max(decimals(v) for v in vals)
        tot = sum(float(v) for v in vals)
        if q["agg"] == "sum":
            value = fmt(tot, dec)
        elif q["agg"] == "mean":
            value = repr(round(tot / len(vals), 6))
        else:
            raise SpecError(f"agg {q['agg']!r}")
        out["expected"] = {"agg": q["agg"], "year": str(year), "count": len(vals), "value": value,
                           "decimals": dec, "rows": rows}
        out["note"] = q.get("note") or f"{q['agg']} over {year}"
    elif kind == "age_sum":
        period = q["period"]
        rows, vals = [], []
        for a in q["ages"]:
            ff = dict(f)
            ff["age"] = a
            i = one_row(t, ff, period, q)
            rows.append(i)
            vals.append(cell(t, i, m))
        if len(rows) < 2:
            raise SpecError("age_sum of fewer than 2 age groups")
        dec = max(decimals(v) for v in vals)
        out["expected"] = {"ages": q["ages"], "period": period, "count": len(rows),
                           "value": fmt(sum(float(v) for v in vals), dec), "rows": rows}
        out["note"] = q.get("note") or "sum of age groups"
    elif kind == "yoy_from_index":
        i1 = one_row(t, f, q["period"], q)
        k = period_key(q["period"])
        prev = [i for i in series_rows(t, f, m) if period_key(t.rows[i][t.pcol]) == (k[0] - 1, k[1])]
        if len(prev) != 1:
            raise SpecError("no period a year before")
        i0 = prev[0]
        v0, v1 = cell(t, i0, m), cell(t, i1, m)
        out["expected"] = {"period": period_str(t, i1), "prev_period": period_str(t, i0), "value": v1,
                           "prev_value": v0, "row": i1, "prev_row": i0,
                           "percent": round((float(v1) / float(v0) - 1) * 100, 6)}
        pub = published_yoy(data, t, f, m, period_key(q["period"]))
        if pub is not None:
            out["expected"]["also_accept"] = [pub]
        out["expected_unit"] = "%"
        out["note"] = q.get("note") or "year-on-year % from the index"
    else:
        raise SpecError(f"unknown kind {kind!r}")
    return out


# --------------------------------------------------------------------------------------------
# Noisy variants
# --------------------------------------------------------------------------------------------

STOP = set("""
a an the of in on at for to from by with is was were are be been do does did has have had what whats what's
which who how many much please tell me give show can could you i we us our my kindly know want need find get
about there it its this that those these would like let see check any some number
apakah apa berapakah berapa adakah bagaimanakah bagaimana boleh tolong saya nak mahu ingin tahu beri berikan
bagi nyatakan senaraikan tunjukkan yang ialah adalah ke pada di dalam untuk dari daripada oleh dengan ini itu
tu ni kah lah je bg utk dlm kat pd manakah
""".split())
KEEP = {"and", "or", "vs", "dan", "atau", "over", "under", "above", "below", "between", "since", "atas", "bawah",
        "highest", "lowest", "most", "least", "top", "bottom", "tertinggi", "terendah", "paling", "antara",
        "sejak", "last", "latest", "terkini", "change", "berubah", "perubahan", "not", "tidak", "more", "less",
        "lebih", "kurang", "higher", "lower"}


def _words(s):
    return re.findall(r"\S+", s)


def strip_punct(s):
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    s = re.sub(r"[?!,;:\"()\[\]{}]", " ", s)
    s = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", s)   # dots, but not decimal points (4.5) or codes like P.140
    s = re.sub(r"'(?!000)", " ", s)           # apostrophes, but not the ('000) of thousands
    return " ".join(s.split())


def variant_typo(text, rng):
    words = _words(text)
    cand = []
    for k, w in enumerate(words):
        core = w.strip(string.punctuation)
        if len(core) >= 4 and core.isalpha() and not core.isupper() and core.lower() not in STOP \
                and core.lower() not in KEEP:
            cand.append(k)
    if not cand:
        cand = [k for k, w in enumerate(words) if w.strip(string.punctuation).isalpha()
                and len(w.strip(string.punctuation)) >= 3]
    if not cand:
        return text
    k = rng.choice(cand)
    w = words[k]
    lead = len(w) - len(w.lstrip(string.punctuation))
    core = w.strip(string.punctuation)
    tail = w[lead + len(core):]
    op = rng.choice(["drop", "swap", "double"])
    p = rng.randrange(1, len(core) - 1) if len(core) > 2 else 1
    if op == "drop":
        new = core[:p] + core[p + 1:]
    elif op == "swap":
        new = core[:p] + core[p + 1] + core[p] + core[p + 2:] if core[p] != core[p + 1] else core[:p] + core[p + 1:]
    else:
        new = core[:p] + core[p] + core[p:]
    words[k] = w[:lead] + new + tail
    return " ".join(words)


def variant_lower(text):
    return strip_punct(text).lower()


def variant_terse(text):
    words = strip_punct(text).split()
    keep = [w for w in words if any(ch.isdigit() for ch in w) or w.lower() in KEEP or w.lower() not in STOP]
    out = " ".join(keep)
    return out if out else strip_punct(text)


# --------------------------------------------------------------------------------------------
# Split
# --------------------------------------------------------------------------------------------

def assign_split(specs, seed):
    by = collections.defaultdict(list)
    for q in specs:
        by[q["kind"]].append(q["id"])
    split = {}
    for kind in sorted(by):
        ids = sorted(by[kind])
        random.Random(f"{seed}:split:{kind}").shuffle(ids)
        ndev = int(round(len(ids) * DEV_SHARE))
        for k, i in enumerate(ids):
            split[i] = "dev" if k < ndev else "test"
    return split


def cls(kind):
    return "single" if kind in SINGLE else "computed" if kind in COMPUTED else "unanswerable"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--questions", default=os.path.join(HERE, "questions.jsonl"))
    ap.add_argument("--shared", default=DEFAULT_SHARED, help="the shared directory (default ../shared)")
    ap.add_argument("--out", help="questions file to write (default: stdout)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--no-variants", action="store_true", help="base questions only")
    args = ap.parse_args()

    root = os.path.join(args.shared, "data", "opendosm_full")
    if not os.path.isdir(root):
        print("skipped: ../shared not found")
        return 0
    specs = []
    with open(args.questions, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    specs.append(json.loads(line))
                except ValueError as e:
                    print(f"expect.py: {args.questions}:{n}: {e}", file=sys.stderr)
                    return 1
    ids = collections.Counter(q["id"] for q in specs)
    dup = [i for i, c in ids.items() if c > 1]
    if dup:
        print(f"expect.py: duplicate ids {dup}", file=sys.stderr)
        return 1
    data = Data(root)
    outs, errors = [], []
    for q in specs:
        if q.get("kind") not in KINDS:
            errors.append(f"{q.get('id')}: unknown kind {q.get('kind')!r}")
            continue
        if q.get("lang") not in ("en", "ms"):
            errors.append(f"{q.get('id')}: lang {q.get('lang')!r}")
            continue
        try:
            outs.append(resolve(data, q))
        except SpecError as e:
            errors.append(f"{q['id']}: {e}")
        except KeyError as e:
            errors.append(f"{q['id']}: spec field missing or unknown value {e}")
    if errors:
        for e in errors:
            print("expect.py: FAIL " + e, file=sys.stderr)
        print(f"expect.py: {len(errors)} question(s) do not resolve; fix their specs", file=sys.stderr)
        return 1

    split = assign_split(specs, args.seed)
    final = []
    for o in outs:
        o["split"] = split[o["id"]]
        o["class"] = cls(o["kind"])
        o["variant"] = "base"
        o["base_id"] = o["id"]
        o["set"] = "people"
        final.append(o)
        if args.no_variants:
            continue
        rng = random.Random(f"{args.seed}:{o['id']}:typo")
        for name, text in (("typo", variant_typo(o["question"], rng)), ("lower", variant_lower(o["question"])),
                           ("terse", variant_terse(o["question"]))):
            v = dict(o)
            v["id"] = f"{o['id']}~{name}"
            v["question"] = text
            v["variant"] = name
            final.append(v)

    text = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in final)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)

    # counts: split x kind x lang (base questions), to stderr
    c = collections.Counter((o["split"], o["kind"], o["lang"]) for o in outs)
    p = lambda *a: print(*a, file=sys.stderr)  # noqa: E731
    p(f"expect.py: {len(outs)} base questions, {len(final)} with variants")
    p(f"{'kind':22} {'dev en':>7} {'dev ms':>7} {'test en':>8} {'test ms':>8} {'all':>5}")
    for k in KINDS:
        row = [c[(s, k, l)] for s in ("dev", "test") for l in ("en", "ms")]
        if sum(row):
            p(f"{k:22} {row[0]:7d} {row[1]:7d} {row[2]:8d} {row[3]:8d} {sum(row):5d}")
    tot = [sum(c[(s, k, l)] for k in KINDS) for s in ("dev", "test") for l in ("en", "ms")]
    p(f"{'all':22} {tot[0]:7d} {tot[1]:7d} {tot[2]:8d} {tot[3]:8d} {sum(tot):5d}")
    cc = collections.Counter(o["class"] for o in outs)
    p("by class: " + ", ".join(f"{k} {cc[k]} ({cc[k] / len(outs):.0%})" for k in ("single", "computed", "unanswerable")))
    ms = sum(1 for o in outs if o["lang"] == "ms")
    p(f"Malay: {ms} ({ms / len(outs):.0%}); sources: {len({o['source'] for o in outs if o['source']})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
