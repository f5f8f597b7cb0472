#!/usr/bin/env python3
"""Generate answer-quality questions over the whole OpenDOSM tables in ../shared.

    python3 tests/eval/generate.py --out /tmp/questions.jsonl [--subset full|ci] [--seed N]
                                   [--data DIR]

Reads every CSV of DIR (default: ../shared/data/opendosm_full relative to the repository): the
long tables at the top level with their catalogue entries (catalogue/<stem>.json), the older wide
tables (wide/*.csv, wide/catalogue/) and the messy copy (messy/cpi_2d_inflation.csv: UTF-8 BOM,
m/d/yyyy dates, division "1" for "01"). Every expected value, row index and period is read from
the CSV here, at run time; nothing of ../shared is copied into the repository. Output: one JSON
object per line (see tests/eval/README.md). A summary goes to stderr. Without the data directory
it prints "skipped: ../shared not found" and exits 0.

Two families of questions: single-value ones (lookup, latest, empty_cell, unanswerable_*,
out_of_domain), and after them the derived ones (`"derived": true`: ranking, change, comparison,
series), whose `expected` result (ranked members, two values and their difference, a series'
count/first/last/min/max) is computed here from the cells.

Standard library only. Deterministic for a given --seed (every table draws from its own random
stream, the derived questions from streams of their own, so `--subset ci` is exactly the full set
without the two population tables CI does not load, and the single-value questions are the same
with or without the derived ones).
"""

import argparse
import collections
import csv
import json
import math
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "opendosm_full"))

# The two largest tables, not loaded in CI.
CI_EXCLUDE = {"population_district", "population_state"}

# Years of wide/census_district.csv (counts of persons; the population tables are estimates in '000).
CENSUS_YEARS = {1970, 1980, 1991, 2000, 2010, 2020}

EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
EN_MON3 = [m[:3] for m in EN_MONTHS]
MS_MONTHS = ["Januari", "Februari", "Mac", "April", "Mei", "Jun", "Julai", "Ogos", "September",
             "Oktober", "November", "Disember"]
EN_ORD = ["first", "second", "third", "fourth"]
MS_ORD = ["pertama", "kedua", "ketiga", "keempat"]

STATE_ALIASES_EN = {
    "Pulau Pinang": ["Penang"],
    "W.P. Kuala Lumpur": ["Kuala Lumpur", "KL"],
    "Melaka": ["Malacca"],
    "W.P. Putrajaya": ["Putrajaya"],
    "W.P. Labuan": ["Labuan"],
}
STATE_ALIASES_MS = {
    "W.P. Kuala Lumpur": ["Kuala Lumpur", "WP Kuala Lumpur"],
    "W.P. Putrajaya": ["Putrajaya"],
    "W.P. Labuan": ["Labuan"],
    "Pulau Pinang": ["P. Pinang"],
}

# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def parse_date(s):
    """(year, month, day) from 'YYYY-MM-DD', 'm/d/yyyy' or 'YYYY'; None when not a date."""
    s = s.strip()
    try:
        if "-" in s:
            y, m, d = s.split("-")
            return int(y), int(m), int(d)
        if "/" in s:
            m, d, y = s.split("/")
            return int(y), int(m), int(d)
        if len(s) == 4 and s.isdigit():
            return int(s), 1, 1
    except ValueError:
        return None
    return None


def is_number(s):
    try:
        float(s)
        return s.strip() != ""
    except ValueError:
        return False


def load_catalogue(path):
    """Normalise both catalogue formats to {title_en, title_ms, fields{name: {...}}, tr_en, tr_ms}."""
    out = {"title_en": None, "title_ms": None, "fields": {}, "tr_en": {}, "tr_ms": {}, "frequency": None}
    if not path or not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as fh:
        d = json.load(fh)
    if "file" in d and "variables" in d.get("file", {}):  # older data-gov-my format (wide/gdp)
        f = d["file"]
        out["title_en"] = f.get("category_opendosm_en") or f.get("subcategory_en")
        out["title_ms"] = f.get("category_opendosm_bm") or f.get("subcategory_bm")
        for v in f["variables"]:
            out["fields"][v["name"]] = {
                "title_en": (v.get("title_en") or "").strip(),
                "title_ms": (v.get("title_bm") or "").strip(),
                "description_en": v.get("desc_en") or "",
            }
        return out
    out["title_en"] = d.get("title_en")
    out["title_ms"] = d.get("title_ms")
    out["frequency"] = d.get("frequency")
    for v in d.get("fields", []):
        out["fields"][v["name"]] = {
            "title_en": (v.get("title_en") or "").strip(),
            "title_ms": (v.get("title_ms") or "").strip(),
            "description_en": v.get("description_en") or "",
        }
    out["tr_en"] = {k: (v or "").strip() for k, v in (d.get("translations_en") or {}).items()}
    out["tr_ms"] = {k: (v or "").strip() for k, v in (d.get("translations_ms") or {}).items()}
    return out


DIM_NAMES = {"state", "district", "parlimen", "dun", "sex", "age", "ethnicity", "division", "type",
             "series", "series_type", "variable", "percentile"}


class Table:
    def __init__(self, source, path, cat_path, layout):
        self.source = source
        self.path = path
        self.layout = layout  # long | wide | messy
        self.cat = load_catalogue(cat_path)
        cache = {}
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            keep = [i for i, h in enumerate(header) if h.strip() != ""]
            self.header = [header[i] for i in keep]
            rows = []
            for rec in reader:
                rows.append(tuple(cache.setdefault(rec[i] if i < len(rec) else "", rec[i] if i < len(rec) else "")
                                  for i in keep))
        self.rows = rows
        self.col = {h: i for i, h in enumerate(self.header)}
        self.date_col = "date" if "date" in self.col else ("year" if "year" in self.col else None)
        self.ids, self.dims, self.measures = [], [], []
        for h in self.header:
            if h == self.date_col:
                continue
            if h.startswith("code_"):
                self.ids.append(h)
                continue
            desc = self.cat["fields"].get(h, {}).get("description_en", "")
            tag = desc[1:desc.index("]")].lower() if desc.startswith("[") and "]" in desc else ""
            if h in DIM_NAMES or "categorical" in tag or tag.startswith("string"):
                self.dims.append(h)
                continue
            i = self.col[h]
            vals = [r[i] for r in rows if r[i] != ""]
            if vals and sum(1 for v in vals if is_number(v)) >= 0.98 * len(vals):
                self.measures.append(h)
            else:
                self.dims.append(h)
        di = self.col[self.date_col]
        self.dates = [parse_date(r[di]) for r in rows]
        months = {d[1] for d in self.dates if d}
        if months == {1}:
            self.freq = "year"
        elif months <= {1, 4, 7, 10}:
            self.freq = "quarter"
        else:
            self.freq = "month"
        # Dimension values that are the table's aggregate/default (need not be named).
        self.defaults = {}
        for dname in self.dims:
            vals = {r[self.col[dname]] for r in rows}
            dv = {v for v in vals if v in ("overall", "both", "total") or v.startswith("overall")}
            self.defaults[dname] = dv
        if source == "ipi":
            self.defaults["series"] = {"abs"}
        if source == "deaths_early_childhood_state":
            self.defaults["type"] = set()  # "deaths" alone would be all deaths: always name the type

    def val(self, row, col):
        return row[self.col[col]]

    def period_key(self, i):
        """Comparable period of row i at the table's granularity."""
        y, m, _ = self.dates[i]
        return (y, m) if self.freq != "year" else (y, 1)

    def dimkey(self, row):
        key = tuple(row[self.col[d]] for d in self.dims)
        if self.source == "population_dun":
            # citizenship sits in `ethnicity` in 2020 and in `age` from 2021: one key for both
            age, eth = row[self.col["age"]], row[self.col["ethnicity"]]
            if age in ("citizen", "noncitizen"):
                key = tuple(age if d == "ethnicity" else ("overall" if d == "age" else row[self.col[d]])
                            for d in self.dims)
        return key


def discover(data):
    out = []
    for name in sorted(os.listdir(data)):
        if name.endswith(".csv"):
            stem = name[:-4]
            out.append((stem, os.path.join(data, name), os.path.join(data, "catalogue", stem + ".json"), "long"))
    wide = os.path.join(data, "wide")
    if os.path.isdir(wide):
        for name in sorted(os.listdir(wide)):
            if name.endswith(".csv"):
                stem = name[:-4]
                cat = os.path.join(wide, "catalogue", stem + ".json")
                if not os.path.exists(cat):
                    cat = os.path.join(wide, "catalogue", stem + "_wide.json")
                out.append((stem, os.path.join(wide, name), cat, "wide"))
    messy = os.path.join(data, "messy")
    if os.path.isdir(messy):
        for name in sorted(os.listdir(messy)):
            if name.endswith(".csv"):
                stem = name[:-4]
                out.append((stem, os.path.join(messy, name), os.path.join(messy, stem + ".json"), "messy"))
    return out


# --------------------------------------------------------------------------------------------
# Words: measures (named from the catalogue titles, paraphrased), dimension values, places
# --------------------------------------------------------------------------------------------

def tidy_label(s):
    s = " ".join(s.split())
    return s


def lower_label(s, rng=None):
    """Lower-case a catalogue label but keep acronyms (CPI, GFCF)."""
    s = tidy_label(s)
    if rng is not None and rng.random() < 0.2:
        return s
    return " ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in s.split(" "))


# hm_*: "How many <hm><suffix> <period>?" / "Berapa ramai <hm><suffix> <period>?"
M = {
    "birth_district_sex": {
        "abs": dict(en=["the number of {sex}live births", "{sex}live births", "the total number of {sex}live births"],
                    ms=["bilangan kelahiran hidup{sex}", "jumlah kelahiran hidup{sex}", "kelahiran hidup{sex}"],
                    hm_en=["{sex}live births were recorded", "{sex}babies were born"],
                    hm_ms=["bayi{sex} dilahirkan"]),
        "rate": dict(en=["the birth rate", "the crude birth rate", "the live birth rate"],
                     ms=["kadar kelahiran", "kadar kelahiran kasar"]),
    },
    "death_district_sex": {
        "abs": dict(en=["the number of {sex}deaths", "{sex}deaths", "the total number of {sex}deaths"],
                    ms=["bilangan kematian{sex}", "jumlah kematian{sex}"],
                    hm_en=["{sex}deaths were recorded", "{sex}deaths were registered"],
                    hm_ms=["orang{sex} meninggal dunia"]),
        "rate": dict(en=["the crude death rate", "the death rate"],
                     ms=["kadar kematian kasar", "kadar kematian"]),
    },
    "death_maternal_state": {
        "abs": dict(en=["the number of maternal deaths", "maternal deaths"],
                    ms=["bilangan kematian ibu bersalin", "jumlah kematian ibu bersalin"],
                    hm_en=["maternal deaths were recorded", "maternal deaths were there"]),
        "rate": dict(en=["the maternal mortality rate", "the maternal mortality ratio"],
                     ms=["kadar mortaliti ibu bersalin", "kadar kematian ibu bersalin"]),
    },
    "deaths_early_childhood_state": {
        "abs": dict(en=["the number of {type}deaths", "{type}deaths"],
                    ms=["bilangan kematian{type}", "jumlah kematian{type}"],
                    hm_en=["{type}deaths were recorded"]),
        "rate": dict(en=["the {type}mortality rate", "the {type}death rate"],
                     ms=["kadar mortaliti{type}", "kadar kematian{type}"]),
    },
    "hh_income": {
        "income_mean": dict(en=["the mean household income", "the average monthly household income",
                                "mean gross monthly household income"],
                            ms=["pendapatan purata isi rumah", "purata pendapatan bulanan isi rumah",
                                "pendapatan min isi rumah"]),
        "income_median": dict(en=["the median household income", "the median monthly household income",
                                  "median gross household income"],
                              ms=["pendapatan penengah isi rumah", "pendapatan median isi rumah",
                                  "median pendapatan bulanan isi rumah"]),
    },
    "hh_inequality": {
        "gini": dict(en=["the Gini coefficient", "the household income Gini coefficient",
                         "income inequality (Gini coefficient)"],
                     ms=["pekali Gini", "pekali Gini pendapatan isi rumah", "ketidaksamarataan pendapatan (pekali Gini)"]),
    },
    "hh_lq": {
        "households": dict(en=["the number of households", "the total number of households"],
                           ms=["bilangan isi rumah", "jumlah isi rumah"],
                           hm_en=["households were there"]),
        "living_quarters": dict(en=["the number of living quarters", "the total number of living quarters"],
                                ms=["bilangan tempat kediaman", "jumlah tempat kediaman"],
                                hm_en=["living quarters were there"]),
    },
    "hh_poverty": {
        "poverty_absolute": dict(en=["the absolute poverty rate", "the incidence of absolute poverty", "absolute poverty"],
                                 ms=["kadar kemiskinan mutlak", "insiden kemiskinan mutlak"]),
        "poverty_hardcore": dict(en=["the hardcore poverty rate", "the incidence of hardcore poverty"],
                                 ms=["kadar kemiskinan tegar", "insiden kemiskinan tegar"]),
        "poverty_relative": dict(en=["the relative poverty rate", "relative poverty"],
                                 ms=["kadar kemiskinan relatif", "insiden kemiskinan relatif"]),
    },
    "hies_malaysia_percentile": {
        "income": dict(en=["the {variable} household income at the {percentile} percentile",
                           "the {variable} monthly household income of the {percentile} percentile",
                           "{variable} household income for the {percentile} percentile"],
                       ms=["pendapatan {variable} isi rumah bagi persentil ke-{percentile}",
                           "pendapatan isi rumah {variable} pada persentil ke-{percentile}"]),
    },
    "lfs_month_duration": {
        "unemployed": dict(en=["the number of unemployed persons", "unemployed persons", "the number of unemployed"],
                           ms=["bilangan penganggur", "jumlah penganggur"],
                           hm_en=["people were unemployed"], hm_ms=["penganggur"]),
        "unemployed_active": dict(en=["the number of actively unemployed persons", "active unemployed persons"],
                                  ms=["bilangan penganggur aktif", "penganggur aktif"],
                                  hm_en=["people were actively unemployed"], hm_ms=["penganggur aktif"]),
        "unemployed_inactive": dict(en=["the number of inactive unemployed persons", "inactive unemployed persons"],
                                    ms=["bilangan penganggur tidak aktif", "penganggur tidak aktif"],
                                    hm_ms=["penganggur tidak aktif"]),
        "unemployed_active_3mo": dict(en=["the number of people actively unemployed for less than 3 months",
                                          "active unemployed persons (< 3 months)"],
                                      ms=["bilangan penganggur aktif kurang daripada 3 bulan",
                                          "penganggur aktif (< 3 bulan)"],
                                      hm_en=["people had been actively unemployed for less than 3 months"]),
        "unemployed_active_6mo": dict(en=["the number of people actively unemployed for 3 to 6 months",
                                          "active unemployed persons (3-6 months)"],
                                      ms=["bilangan penganggur aktif selama 3 hingga 6 bulan",
                                          "penganggur aktif (3-6 bulan)"]),
        "unemployed_active_12mo": dict(en=["the number of people actively unemployed for 6 to 12 months",
                                           "active unemployed persons (6-12 months)"],
                                       ms=["bilangan penganggur aktif selama 6 hingga 12 bulan",
                                           "penganggur aktif (6-12 bulan)"]),
        "unemployed_active_long": dict(en=["the number of people actively unemployed for more than 12 months",
                                           "long-term active unemployed persons (over 12 months)"],
                                       ms=["bilangan penganggur aktif lebih daripada 12 bulan",
                                           "penganggur aktif jangka panjang (> 12 bulan)"],
                                       hm_en=["people had been actively unemployed for more than a year"]),
    },
    "lfs_year": {
        "lf": dict(en=["the labour force", "the size of the labour force", "the labour force size"],
                   ms=["tenaga buruh", "saiz tenaga buruh", "jumlah tenaga buruh"]),
        "lf_employed": dict(en=["the number of employed persons", "employed persons", "total employment"],
                            ms=["bilangan orang bekerja", "jumlah penduduk bekerja"],
                            hm_en=["people were employed"], hm_ms=["orang bekerja"]),
        "lf_unemployed": dict(en=["the number of unemployed persons", "unemployed persons"],
                              ms=["bilangan penganggur", "jumlah penganggur"],
                              hm_en=["people were unemployed"], hm_ms=["penganggur"]),
        "lf_outside": dict(en=["the number of persons outside the labour force", "persons outside the labour force"],
                           ms=["bilangan penduduk di luar tenaga buruh", "penduduk luar tenaga buruh"],
                           hm_en=["people were outside the labour force"]),
        "u_rate": dict(en=["the unemployment rate", "the jobless rate", "the unemployment rate"],
                       ms=["kadar pengangguran", "kadar pengangguran"]),
        "p_rate": dict(en=["the labour force participation rate", "the participation rate"],
                       ms=["kadar penyertaan tenaga buruh", "kadar penyertaan"]),
        "ep_ratio": dict(en=["the employment-to-population ratio", "the employment-population ratio"],
                         ms=["nisbah guna tenaga kepada penduduk", "nisbah guna tenaga-penduduk"]),
    },
    "marriages": {
        "abs": dict(en=["the number of marriages", "the number of registered marriages", "marriages registered"],
                    ms=["bilangan perkahwinan", "jumlah perkahwinan yang didaftarkan"],
                    hm_en=["marriages were registered"]),
        "rate": dict(en=["the {sex}marriage rate", "the marriage rate"],
                     ms=["kadar perkahwinan{sex}", "kadar perkahwinan"]),
    },
}
M["hh_income_district"] = M["hh_income"]
M["hh_inequality_district"] = M["hh_inequality"]
M["hh_lq_state"] = M["hh_lq"]
M["hh_poverty_district"] = M["hh_poverty"]
M["hies_state_percentile"] = M["hies_malaysia_percentile"]
_lfs = M["lfs_year"]
M["labourforce_annual"] = {"lf_size": _lfs["lf"], "employed": _lfs["lf_employed"], "unemployed": _lfs["lf_unemployed"],
                           "outside": _lfs["lf_outside"], "u_rate": _lfs["u_rate"], "p_rate": _lfs["p_rate"],
                           "ep_ratio": _lfs["ep_ratio"]}
_lm = dict(M["labourforce_annual"])
_lm.update({k: v for k, v in M["lfs_month_duration"].items() if k != "unemployed"})
for base in ["lf_size", "employed", "unemployed", "u_rate", "p_rate"]:
    b = _lm[base]
    _lm[base + "_sa"] = dict(
        en=["the seasonally adjusted " + p[4:] if p.startswith("the ") else "seasonally adjusted " + p for p in b["en"]],
        ms=[p + " terlaras musim" for p in b["ms"]])
_lm.update({
    "unemployed_15_24": dict(en=["the number of unemployed youths aged 15-24", "unemployed youths (15-24)"],
                             ms=["bilangan belia menganggur berumur 15-24 tahun", "penganggur belia (15-24)"],
                             hm_en=["youths aged 15-24 were unemployed"]),
    "u_rate_15_24": dict(en=["the youth unemployment rate (15-24)", "the unemployment rate for youths aged 15-24"],
                         ms=["kadar pengangguran belia (15-24 tahun)", "kadar pengangguran belia berumur 15-24"]),
    "unemployed_15_30": dict(en=["the number of unemployed youths aged 15-30", "unemployed youths (15-30)"],
                             ms=["bilangan belia menganggur berumur 15-30 tahun", "penganggur belia (15-30)"]),
    "u_rate_15_30": dict(en=["the youth unemployment rate (15-30)", "the unemployment rate for youths aged 15-30"],
                         ms=["kadar pengangguran belia (15-30 tahun)", "kadar pengangguran belia berumur 15-30"]),
    "employed_employer": dict(en=["the number of employers", "employed persons who are employers"],
                              ms=["bilangan majikan", "penduduk bekerja sebagai majikan"]),
    "employed_employee": dict(en=["the number of employees", "employed persons who are employees"],
                              ms=["bilangan pekerja bergaji", "penduduk bekerja sebagai pekerja"]),
    "employed_ownaccount": dict(en=["the number of own-account workers", "own-account workers"],
                                ms=["bilangan pekerja sendiri", "penduduk bekerja sendiri"]),
    "employed_unpaidfamily": dict(en=["the number of unpaid family workers", "unpaid family workers"],
                                  ms=["bilangan pekerja keluarga tanpa gaji", "pekerja keluarga tanpa gaji"]),
})
M["labourforce_monthly"] = _lm
M["cpi_2d_inflation"] = None  # built from the catalogue (see measure_templates)

CENSUS = {  # wide/census_district.csv has no catalogue entry: its columns, in words
    "population_total": (["the population", "the total population"], ["jumlah penduduk", "bilangan penduduk"]),
    "area_km2": (["the land area in km²", "the area (km²)"], ["keluasan (km persegi)", "keluasan kawasan dalam km²"]),
    "population_growth": (["the annual population growth rate", "the population growth rate"],
                          ["kadar pertumbuhan penduduk tahunan", "kadar pertumbuhan penduduk"]),
    "housing_total": (["the number of living quarters", "the total housing units"],
                      ["bilangan tempat kediaman", "jumlah unit kediaman"]),
    "housing_occupied": (["the number of occupied living quarters", "occupied housing units"],
                         ["bilangan tempat kediaman yang didiami", "unit kediaman berpenghuni"]),
    "housing_empty": (["the number of vacant living quarters", "empty housing units"],
                      ["bilangan tempat kediaman kosong", "unit kediaman kosong"]),
    "household_total": (["the number of households", "the total number of households"],
                        ["bilangan isi rumah", "jumlah isi rumah"]),
    "household_size_avg": (["the average household size", "the mean household size"],
                           ["purata saiz isi rumah", "saiz purata isi rumah"]),
    "sex_male": (["the male population", "the number of males"], ["penduduk lelaki", "bilangan penduduk lelaki"]),
    "sex_female": (["the female population", "the number of females"], ["penduduk perempuan", "bilangan penduduk perempuan"]),
    "nationality_citizen": (["the number of citizens", "the citizen population"], ["bilangan warganegara", "penduduk warganegara"]),
    "nationality_non_citizen": (["the number of non-citizens", "the non-citizen population"],
                                ["bilangan bukan warganegara", "penduduk bukan warganegara"]),
    "ethnicity_bumi": (["the Bumiputera population", "the number of Bumiputera"], ["penduduk Bumiputera", "bilangan Bumiputera"]),
    "ethnicity_chinese": (["the Chinese population", "the number of Chinese residents"], ["penduduk Cina", "bilangan penduduk Cina"]),
    "ethnicity_indian": (["the Indian population", "the number of Indian residents"], ["penduduk India", "bilangan penduduk India"]),
    "ethnicity_other": (["the population of other ethnic groups"], ["penduduk etnik lain", "bilangan penduduk etnik lain-lain"]),
    "age_0_14": (["the population aged 0-14", "the number of children aged 0 to 14"], ["penduduk berumur 0-14 tahun", "bilangan penduduk berumur 0 hingga 14 tahun"]),
    "age_15_64": (["the working-age population (15-64)", "the population aged 15-64"], ["penduduk berumur 15-64 tahun", "penduduk umur bekerja (15-64)"]),
    "age_65_above": (["the population aged 65 and above", "the number of people aged 65 and over"], ["penduduk berumur 65 tahun ke atas", "warga emas berumur 65 tahun dan lebih"]),
    "marital_of_age": (["the population of marriageable age"], ["penduduk dalam umur perkahwinan"]),
    "marital_never_married": (["the number of never-married persons", "the never-married population"], ["bilangan penduduk yang tidak pernah berkahwin", "penduduk bujang"]),
    "marital_married": (["the number of married persons", "the married population"], ["bilangan penduduk yang berkahwin", "penduduk berkahwin"]),
    "marital_widowed": (["the number of widowed persons"], ["bilangan balu dan duda", "penduduk kematian pasangan"]),
    "marital_separated": (["the number of divorced or separated persons"], ["bilangan penduduk bercerai atau berpisah"]),
    "religion_muslim": (["the Muslim population", "the number of Muslims"], ["penduduk beragama Islam", "bilangan penganut Islam"]),
    "religion_christian": (["the Christian population", "the number of Christians"], ["penduduk beragama Kristian", "bilangan penganut Kristian"]),
    "religion_buddhist": (["the Buddhist population", "the number of Buddhists"], ["penduduk beragama Buddha", "bilangan penganut Buddha"]),
    "religion_hindu": (["the Hindu population", "the number of Hindus"], ["penduduk beragama Hindu", "bilangan penganut Hindu"]),
    "religion_atheist": (["the number of people with no religion"], ["bilangan penduduk tanpa agama", "penduduk tidak beragama"]),
    "density_urban": (["the urban population", "the number of people living in urban areas"], ["penduduk bandar", "bilangan penduduk di kawasan bandar"]),
    "density_rural": (["the rural population", "the number of people living in rural areas"], ["penduduk luar bandar", "bilangan penduduk di kawasan luar bandar"]),
}
CENSUS_SKIP = {"marital_unknown", "religion_unknown", "religion_other"}

# Wide one-column-per-category tables: the column's catalogue title names the category.
WIDE = {
    "cpi_headline": dict(overall_en=["the CPI", "the consumer price index", "headline CPI"],
                         overall_ms=["IHP", "indeks harga pengguna", "IHP keseluruhan"],
                         cat_en=["the CPI for {label}", "the consumer price index for {label}", "the {label} CPI"],
                         cat_ms=["IHP bagi {label}", "indeks harga pengguna bagi {label}", "IHP kumpulan {label}"]),
    "cpi_core": dict(overall_en=["the core CPI", "the core consumer price index", "core CPI"],
                     overall_ms=["IHP teras", "indeks harga pengguna teras"],
                     cat_en=["the core CPI for {label}", "the core consumer price index for {label}"],
                     cat_ms=["IHP teras bagi {label}", "indeks harga pengguna teras bagi {label}"]),
    "ppi": dict(overall_en=["the PPI", "the producer price index", "the producer price index (PPI)"],
                overall_ms=["IHPR", "indeks harga pengeluar", "indeks harga pengeluar (IHPR)"],
                cat_en=["the PPI for {label}", "the producer price index for {label}", "the {label} PPI"],
                cat_ms=["IHPR bagi {label}", "indeks harga pengeluar bagi sektor {label}"]),
}

GDP_SERIES_EN = {"nominal": ["nominal", "current-price"], "real": ["real", "constant-price"],
                 "real_sa": ["seasonally adjusted real"]}
GDP_SERIES_MS = {"nominal": ["harga semasa"], "real": ["harga malar"], "real_sa": ["harga malar terlaras musim"]}

IPI = {  # (series, column) -> phrases; series 'abs' is the plain index
    ("abs", "index"): (["the industrial production index", "the IPI", "the industrial production index (IPI)"],
                       ["indeks pengeluaran industri", "IPP", "indeks pengeluaran industri (IPP)"]),
    ("abs", "index_sa"): (["the seasonally adjusted IPI", "the seasonally adjusted industrial production index"],
                          ["IPP terlaras musim", "indeks pengeluaran industri terlaras musim"]),
    ("growth_yoy", "index"): (["year-on-year growth in the IPI", "the year-on-year growth of industrial production",
                               "annual growth of the industrial production index"],
                              ["pertumbuhan tahunan IPP", "pertumbuhan tahun ke tahun indeks pengeluaran industri"]),
    ("growth_yoy", "index_sa"): (["year-on-year growth in the seasonally adjusted IPI"],
                                 ["pertumbuhan tahunan IPP terlaras musim"]),
    ("growth_mom", "index"): (["month-on-month growth in the IPI", "the month-on-month change in industrial production"],
                              ["pertumbuhan bulanan IPP", "pertumbuhan bulan ke bulan indeks pengeluaran industri"]),
    ("growth_mom", "index_sa"): (["month-on-month growth in the seasonally adjusted IPI",
                                  "the seasonally adjusted month-on-month IPI growth"],
                                 ["pertumbuhan bulanan IPP terlaras musim"]),
}

CPI_INDEX = (["the consumer price index", "the CPI", "the CPI index"],
             ["indeks harga pengguna", "IHP", "indeks harga pengguna (IHP)"])
INFLATION = {
    "inflation_yoy": (["year-on-year inflation", "the annual inflation rate", "the inflation rate (year-on-year)"],
                      ["inflasi tahunan", "kadar inflasi tahun ke tahun", "inflasi tahun-ke-tahun"]),
    "inflation_mom": (["month-on-month inflation", "the monthly inflation rate", "the month-on-month change in prices"],
                      ["inflasi bulanan", "kadar inflasi bulan ke bulan", "inflasi bulan-ke-bulan"]),
}

# Adjectives for dimensions that modify the measure phrase ({dim} placeholders): EN "x " before, MS " x" after.
TYPE_EN = {"total": ["under-5 ", "under-five "], "toddler": ["toddler "], "infant": ["infant "],
           "neonatal": ["neonatal "], "perinatal": ["perinatal "]}
TYPE_MS = {"total": [" kanak-kanak bawah 5 tahun", " bawah lima tahun"], "toddler": [" kanak-kanak kecil (toddler)"],
           "infant": [" bayi"], "neonatal": [" neonatal"], "perinatal": [" perinatal"]}
VAR_EN = {"mean": ["mean", "average"], "median": ["median"], "minimum": ["minimum"], "maximum": ["maximum"]}
VAR_MS = {"mean": ["purata"], "median": ["penengah", "median"], "minimum": ["minimum"], "maximum": ["maksimum"]}
SEX_ADJ_EN = {"male": ["male "], "female": ["female "]}
SEX_ADJ_MS = {"male": [" lelaki"], "female": [" perempuan"]}
SEX_PREP_EN = {"male": [" for males", " among males", " for men"], "female": [" for females", " among females", " for women"],
               "both": [" for both sexes"]}
SEX_PREP_MS = {"male": [" bagi lelaki", " lelaki"], "female": [" bagi perempuan", " perempuan", " bagi wanita"],
               "both": [" bagi kedua-dua jantina"]}

ETH_EN = {"bumi_malay": "Malay", "chinese": "Chinese", "indian": "Indian", "bumi_other": "Other Bumiputera",
          "other_citizen": "other citizen", "other_noncitizen": "non-citizen", "bumi": "Bumiputera",
          "other": "other-ethnicity", "citizen": "citizen", "noncitizen": "non-citizen"}
ETH_MS = {"bumi_malay": "Melayu", "chinese": "Cina", "indian": "India", "bumi_other": "Bumiputera lain",
          "other_citizen": "warganegara lain", "other_noncitizen": "bukan warganegara", "bumi": "Bumiputera",
          "other": "etnik lain", "citizen": "warganegara", "noncitizen": "bukan warganegara"}


def ordinal_en(n):
    n = int(n)
    suf = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suf}"


def age_phrase(age, lang, rng):
    if age.endswith("+"):
        a = age[:-1]
        if lang == "en":
            return rng.choice([f" aged {a} and over", f" aged {a}+", f" aged {a} and above"])
        return rng.choice([f" berumur {a} tahun ke atas", f" berumur {a} tahun dan lebih"])
    lo, hi = age.split("-")
    if lang == "en":
        return rng.choice([f" aged {lo}-{hi}", f" aged {lo} to {hi}", f" in the {lo}-{hi} age group"])
    return rng.choice([f" berumur {lo}-{hi} tahun", f" dalam kumpulan umur {lo}-{hi}", f" berumur {lo} hingga {hi} tahun"])


def state_name(s, lang, rng):
    aliases = (STATE_ALIASES_EN if lang == "en" else STATE_ALIASES_MS).get(s)
    if aliases and rng.random() < 0.35:
        return rng.choice(aliases)
    return s


def place_phrase(t, row, lang, rng, named):
    """' in Batu Pahat, Johor' etc. for the table's place columns; records them in `named`."""
    if "state" not in t.col:
        return ""
    st = t.val(row, "state")
    named["state"] = st
    if "dun" in t.col:
        dun, par = t.val(row, "dun"), t.val(row, "parlimen")
        named["parlimen"] = par
        named["dun"] = dun
        s = state_name(st, lang, rng)
        if lang == "en":
            return rng.choice([f" in {dun} ({par}, {s})", f" in the state seat {dun}, {par}, {s}",
                               f" in DUN {dun} ({par}, {s})"])
        return rng.choice([f" di DUN {dun} ({par}, {s})", f" bagi DUN {dun}, {par}, {s}"])
    if "district" in t.col:
        d = t.val(row, "district")
        named["district"] = d
        if d == st:
            s = state_name(st, lang, rng)
            return rng.choice([f" in {s}", f" for {s}"]) if lang == "en" else rng.choice([f" di {s}", f" bagi {s}"])
        s = state_name(st, lang, rng)
        if lang == "en":
            return rng.choice([f" in {d}, {s}", f" in {d} district, {s}", f" in the {d} district of {s}",
                               f" for {d} ({s})"])
        return rng.choice([f" di {d}, {s}", f" di daerah {d}, {s}", f" bagi daerah {d} ({s})"])
    s = state_name(st, lang, rng)
    if lang == "en":
        return rng.choice([f" in {s}", f" in {s}", f" for {s}"])
    if st.startswith("W.P.") or s != st:
        return rng.choice([f" di {s}", f" bagi {s}"])
    return rng.choice([f" di {s}", f" di negeri {s}", f" bagi negeri {s}"])


def fake_place_phrase(kind, name, state, lang, rng):
    if kind == "district":
        if lang == "en":
            return rng.choice([f" in {name}, {state}", f" in {name} district, {state}", f" in the {name} district"])
        return rng.choice([f" di daerah {name}, {state}", f" di {name}, {state}"])
    if lang == "en":
        return rng.choice([f" in {name}", f" for {name}"])
    return rng.choice([f" di {name}", f" bagi {name}"])


# code -> label from every catalogue read, for a table whose own catalogue lacks one (messy/ may have none)
GLOBAL_TR = {"en": {}, "ms": {}}


def translate(t, code, lang):
    key = code.zfill(2) if code.isdigit() and len(code) < 2 else code
    for tr in (t.cat["tr_en" if lang == "en" else "tr_ms"], GLOBAL_TR[lang]):
        if tr.get(key) or tr.get(code):
            return tr.get(key) or tr.get(code)
    return code.replace("_", " ")


def division_label(t, code, lang, rng):
    return lower_label(translate(t, code, lang), rng)


def division_phrase(t, code, lang, rng):
    lab = division_label(t, code, lang, rng)
    if lang == "en":
        return rng.choice([f" for {lab}", f" for {lab}", f" for the {lab} division"])
    return rng.choice([f" bagi {lab}", f" bagi bahagian {lab}", f" untuk {lab}"])


def fill(template, adj):
    out = template
    for k, v in adj.items():
        out = out.replace("{" + k + "}", v)
    return out


def national_suffix(t, lang, rng, prob):
    if "state" in t.col or rng.random() >= prob:
        return ""
    if lang == "en":
        return rng.choice([" in Malaysia", " for Malaysia", " nationally"])
    return rng.choice([" di Malaysia", " bagi Malaysia", " peringkat nasional"])


def describe(t, row, measure, lang, rng):
    """Noun phrase for one cell without its period: (core, dims, place, hm, named filters).

    core: the measure with measure-modifying dimensions ("the number of male live births");
    dims: prepositional dimensions (" for food & beverages", " for females");
    place: " in Batu Pahat, Johor" (or " in Malaysia", or "");
    hm: the phrase after "How many"/"Berapa ramai", or None.
    """
    src = t.source
    named = {}
    suffix = ""
    hm = None

    def dim_named(d):
        v = t.val(row, d)
        named[d] = v
        return v

    def nondefault(d):
        v = t.val(row, d)
        return v not in t.defaults.get(d, set())

    if src.startswith("population_"):
        return describe_population(t, row, lang, rng)

    if src == "census_district":
        en, ms = CENSUS[measure]
        core = rng.choice(en if lang == "en" else ms)
        return core, "", place_phrase(t, row, lang, rng, named), None, named

    if src in WIDE:
        w = WIDE[src]
        f = t.cat["fields"].get(measure, {})
        if measure == "overall":
            core = rng.choice(w["overall_en"] if lang == "en" else w["overall_ms"])
        else:
            lab = lower_label(f.get("title_en" if lang == "en" else "title_ms") or measure, rng)
            core = rng.choice(w["cat_en"] if lang == "en" else w["cat_ms"]).replace("{label}", lab)
        return core, "", national_suffix(t, lang, rng, 0.2), None, named

    if src == "gdp":
        st = dim_named("series_type")
        stw = rng.choice((GDP_SERIES_EN if lang == "en" else GDP_SERIES_MS)[st])
        f = t.cat["fields"].get(measure, {})
        title = f.get("title_en" if lang == "en" else "title_ms") or measure
        lab = tidy_label(title.split(">")[-1])
        lab_l = lower_label(lab)
        if measure == "overall":
            core = rng.choice([f"{stw} GDP", f"{stw} gross domestic product"]) if lang == "en" else \
                rng.choice([f"KDNK pada {stw}", f"KDNK {stw}", f"keluaran dalam negeri kasar pada {stw}"])
        elif measure.startswith("supply_"):
            if lang == "en":
                core = rng.choice([f"{stw} value added of {lab_l}", f"{stw} GDP from {lab_l}"]) \
                    if measure != "supply_import_duties" else rng.choice([f"{stw} import duties", f"import duties ({stw})"])
            else:
                core = rng.choice([f"nilai ditambah {lab_l} pada {stw}", f"KDNK {lab_l} pada {stw}"]) \
                    if measure != "supply_import_duties" else f"duti import pada {stw}"
        else:
            if lang == "en":
                core = rng.choice([f"{stw} {lab_l}", f"{lab_l} at {'constant' if st != 'nominal' else 'current'} prices"
                                   + (" (seasonally adjusted)" if st == "real_sa" else "")])
                if lab == "GFCF":
                    core = rng.choice([f"{stw} gross fixed capital formation (GFCF)", f"{stw} GFCF"])
            else:
                core = f"{lab_l} pada {stw}"
        return core, "", national_suffix(t, lang, rng, 0.2), None, named

    if src == "ipi":
        series = t.val(row, "series")
        if series != "abs":
            named["series"] = series
        en, ms = IPI[(series, measure)]
        return rng.choice(en if lang == "en" else ms), "", national_suffix(t, lang, rng, 0.2), None, named

    if src in ("cpi_2d", "cpi_2d_state_inflation", "cpi_2d_inflation"):
        en, ms = CPI_INDEX if measure == "index" else INFLATION[measure]
        core = rng.choice(en if lang == "en" else ms)
        div = t.val(row, "division")
        if nondefault("division"):
            named["division"] = div
            suffix += division_phrase(t, div, lang, rng)
        elif rng.random() < 0.15:
            named["division"] = div
            suffix += " overall" if lang == "en" else " keseluruhan"
        place = place_phrase(t, row, lang, rng, named)
        place += national_suffix(t, lang, rng, 0.5 if src == "cpi_2d_inflation" else 0.2)
        return core, suffix, place, None, named

    spec = (M.get(src) or {}).get(measure)
    if spec is None:  # a table or column without words here: its catalogue title
        f = t.cat["fields"].get(measure, {})
        spec = dict(en=["the " + lower_label(f.get("title_en") or measure.replace("_", " "))],
                    ms=[lower_label(f.get("title_ms") or measure.replace("_", " "))])
    templates = spec["en"] if lang == "en" else spec["ms"]
    tmpl = rng.choice(templates)
    hm_t = spec.get("hm_en" if lang == "en" else "hm_ms")
    hm_t = rng.choice(hm_t) if hm_t else None
    adj = {}
    for d in t.dims:
        if d in ("state", "district", "parlimen", "dun"):
            continue
        v = t.val(row, d)
        must = nondefault(d)
        placeholder = "{" + d + "}" in tmpl
        if d == "sex":
            if not must and rng.random() > 0.1:
                adj["sex"] = ""
                continue
            named["sex"] = v
            if placeholder and v in SEX_ADJ_EN:
                adj["sex"] = rng.choice((SEX_ADJ_EN if lang == "en" else SEX_ADJ_MS)[v])
            else:
                adj["sex"] = ""
                suffix += rng.choice((SEX_PREP_EN if lang == "en" else SEX_PREP_MS)[v])
        elif d == "type":
            named["type"] = v
            adj["type"] = rng.choice((TYPE_EN if lang == "en" else TYPE_MS)[v])
        elif d == "variable":
            named["variable"] = v
            adj["variable"] = rng.choice((VAR_EN if lang == "en" else VAR_MS)[v])
        elif d == "percentile":
            named["percentile"] = v
            adj["percentile"] = ordinal_en(v) if lang == "en" else v
        elif must or rng.random() < 0.1:  # any other dimension: its catalogue label
            named[d] = v
            lab = lower_label(translate(t, v, lang))
            suffix += f" for {lab}" if lang == "en" else f" bagi {lab}"
    core = fill(tmpl, adj)
    if hm_t:
        # the hm phrase must name the same dims as core: only when every placeholder it has is filled
        hm = fill(hm_t, adj)
        if "{" in hm:
            hm = None
    place = place_phrase(t, row, lang, rng, named)
    place += national_suffix(t, lang, rng, 0.2)
    return core, suffix, place, hm, named


def describe_population(t, row, lang, rng):
    named = {}
    sex = t.val(row, "sex")
    age = t.val(row, "age")
    eth = t.val(row, "ethnicity")
    # population_dun keeps citizenship in `age` in some years and in `ethnicity` in others
    citizen = None
    if age in ("citizen", "noncitizen"):
        citizen, age = age, "overall"
        named["age"] = citizen
    if eth != "overall":
        named["ethnicity"] = eth
    if sex != "both":
        named["sex"] = sex
    if age != "overall":
        named["age"] = age
    eth_word = citizen or (eth if eth != "overall" else None)
    place = place_phrase(t, row, lang, rng, named)
    if lang == "en":
        e = (ETH_EN[eth_word] + " ") if eth_word else ""
        s = {"male": "male ", "female": "female ", "both": ""}[sex]
        a = age_phrase(age, "en", rng) if age != "overall" else ""
        noun = {"male": rng.choice(["males", "men"]), "female": rng.choice(["females", "women"]),
                "both": rng.choice(["people", "residents"])}[sex]
        group = f"{e}{noun}"
        if sex == "both" and eth_word in ("citizen", "noncitizen", "other_noncitizen"):
            noun = group = "citizens" if eth_word == "citizen" else "non-citizens"
            forms = [f"the {e}population{a}", f"the number of {noun}{a}", f"the population of {noun}{a}"]
        elif e or s or a:
            forms = [f"the {e}{s}population{a}" if e or s else f"the population{a}",
                     f"the population of {e}{noun}{a}", f"the number of {e}{noun}{a}"]
        else:
            forms = ["the total population", "the population", "the number of residents"]
            group = rng.choice(["people", "residents"])
        core = rng.choice(forms)
        hm = f"{group}{a} were there" if rng.random() < 0.5 else None
        # the hm phrase is followed by the place and the period
        return core, "", place, hm, named
    e = (" " + ETH_MS[eth_word]) if eth_word else ""
    s = {"male": " lelaki", "female": " perempuan", "both": ""}[sex]
    a = age_phrase(age, "ms", rng) if age != "overall" else ""
    core = rng.choice(["penduduk", "bilangan penduduk", "jumlah penduduk"]) + e + s + a
    return core, "", place, None, named


# --------------------------------------------------------------------------------------------
# Periods and sentence templates
# --------------------------------------------------------------------------------------------

def period_forms(freq, y, m, lang, census=False):
    """(bare forms, forms with a preposition) naming one period."""
    if census:
        if lang == "en":
            return [f"the {y} census", f"census {y}"], [f"in the {y} census", f"according to the {y} census"]
        return [f"Banci {y}", f"Banci Penduduk {y}"], [f"menurut Banci {y}", f"dalam Banci Penduduk dan Perumahan {y}",
                                                        f"pada Banci {y}"]
    if freq == "year":
        if lang == "en":
            return [f"{y}"], [f"in {y}", f"for {y}", f"in the year {y}", f"in {y}"]
        return [f"{y}", f"tahun {y}"], [f"pada tahun {y}", f"pada {y}", f"bagi tahun {y}", f"dalam tahun {y}"]
    if freq == "quarter":
        q = (m - 1) // 3 + 1
        if lang == "en":
            bare = [f"Q{q} {y}", f"{y} Q{q}", f"the {EN_ORD[q - 1]} quarter of {y}"]
            return bare, [f"in Q{q} {y}", f"for Q{q} {y}", f"in the {EN_ORD[q - 1]} quarter of {y}",
                          f"for the {EN_ORD[q - 1]} quarter of {y}", f"in {y}Q{q}"]
        bare = [f"suku {MS_ORD[q - 1]} {y}", f"S{q} {y}", f"Q{q} {y}"]
        return bare, [f"pada suku {MS_ORD[q - 1]} {y}", f"bagi suku tahun {MS_ORD[q - 1]} {y}", f"pada S{q} {y}",
                      f"dalam suku {MS_ORD[q - 1]} tahun {y}", f"bagi Q{q} {y}"]
    if lang == "en":
        bare = [f"{EN_MONTHS[m - 1]} {y}", f"{EN_MON3[m - 1]} {y}", f"{y}-{m:02d}"]
        return bare, [f"in {EN_MONTHS[m - 1]} {y}", f"for {EN_MONTHS[m - 1]} {y}", f"in {EN_MON3[m - 1]} {y}",
                      f"for {y}-{m:02d}", f"in {y}-{m:02d}", f"for the month of {EN_MONTHS[m - 1]} {y}"]
    bare = [f"{MS_MONTHS[m - 1]} {y}", f"{y}-{m:02d}", f"bulan {MS_MONTHS[m - 1]} {y}"]
    return bare, [f"pada {MS_MONTHS[m - 1]} {y}", f"bagi bulan {MS_MONTHS[m - 1]} {y}", f"pada bulan {MS_MONTHS[m - 1]} {y}",
                  f"bagi {y}-{m:02d}", f"pada {y}-{m:02d}"]


def cap(s):
    return s[:1].upper() + s[1:] if s else s


def noart(s):
    return s[4:] if s.startswith("the ") else s


def wchoice(rng, items):
    total = sum(w for _, w in items)
    x = rng.random() * total
    for it, w in items:
        x -= w
        if x < 0:
            return it
    return items[-1][0]


def hm_place(place, lang):
    """After "How many ... were recorded", a place reads " in X", not " for X"."""
    if lang == "en" and place.startswith(" for "):
        return " in " + place[5:]
    if lang == "ms" and place.startswith(" bagi "):
        return " di " + place[6:]
    return place


def lookup_sentence(core, dsuf, place, hm, bare, prep, lang, rng):
    suffix = dsuf + place
    m = core + suffix
    P = rng.choice(bare)
    inP = rng.choice(prep)
    if lang == "en":
        opts = [
            (f"What was {m} {inP}?", 3), (f"{cap(inP)}, what was {m}?", 2), (f"Give me {m} {inP}.", 1),
            (f"{cap(noart(m))}, {P}", 1.2), (f"{cap(noart(m))} {inP}", 1), (f"{cap(P)}: {noart(m)}?", 0.6),
            (f"Tell me {m} {inP}.", 1), (f"What is {m} {inP}?", 1), (f"Can you tell me {m} {inP}?", 0.7),
            (f"I'd like to know {m} {inP}.", 0.5),
        ]
        if hm:
            opts.append((f"How many {hm}{dsuf}{hm_place(place, lang)} {inP}?", 3))
    else:
        opts = [
            (f"Berapakah {m} {inP}?", 3), (f"Apakah {m} {inP}?", 1.5), (f"Nyatakan {m} {inP}.", 1.5),
            (f"{cap(inP)}, berapakah {m}?", 2), (f"{cap(m)} {P}", 1.2), (f"Berikan {m} {inP}.", 1),
            (f"Boleh nyatakan {m} {inP}?", 0.7), (f"Berapa {m} {inP}?", 0.6), (f"{cap(P)}: {m}?", 0.5),
        ]
        if hm:
            opts.append((f"Berapa ramai {hm}{dsuf}{hm_place(place, lang)} {inP}?", 3))
    return cap(wchoice(rng, opts))


LATEST_QUAL = {  # a sibling table has the same measure at another frequency: say which
    "labourforce_monthly": ("monthly ", " bulanan"),
    "lfs_month_duration": ("monthly ", " bulanan"),
    "lfs_year": ("annual ", " tahunan"),
}


def latest_sentence(t, core, suffix, lang, rng):
    c = noart(core)
    if t.source == "census_district":
        if lang == "en":
            return cap(rng.choice([f"What was {core}{suffix} in the latest census?",
                                   f"According to the most recent census, what was {core}{suffix}?",
                                   f"{cap(c)}{suffix}, latest census"]))
        return cap(rng.choice([f"Berapakah {core}{suffix} menurut banci terkini?",
                               f"Menurut banci terkini, berapakah {core}{suffix}?",
                               f"{cap(core)}{suffix} dalam banci terkini"]))
    q_en, q_ms = LATEST_QUAL.get(t.source, ("", ""))
    if lang == "en":
        c = q_en + c
        if not core.startswith("the "):  # a bare noun ("maternal deaths", "absolute poverty")
            return cap(wchoice(rng, [
                (f"What is the latest figure for {c}{suffix}?", 3), (f"Latest {c}{suffix}", 1),
                (f"Give me the most recent figure for {c}{suffix}.", 1.5),
                (f"{cap(c)}{suffix}: what is the latest figure?", 1),
            ]))
        return cap(wchoice(rng, [
            (f"What is the latest {c}{suffix}?", 3), (f"What is the most recent {c}{suffix}?", 2),
            (f"Latest {c}{suffix}", 1), (f"Give me the most recent figure for {c}{suffix}.", 1),
            (f"What's the latest available {c}{suffix}?", 1), (f"Most recent {c}{suffix}?", 0.7),
            (f"{cap(c)}{suffix}: what is the latest figure?", 0.7),
        ]))
    c = core + q_ms
    return cap(wchoice(rng, [
        (f"Berapakah {c} terkini{suffix}?", 3), (f"Apakah {c} terkini{suffix}?", 1.5),
        (f"Nyatakan {c} terbaru{suffix}.", 1.5), (f"{cap(c)} terkini{suffix}", 1),
        (f"Berapakah {c}{suffix} yang terkini?", 1.5), (f"Data terkini: {c}{suffix}?", 0.6),
    ]))


# --------------------------------------------------------------------------------------------
# Fairness: cells that another table states differently are not asked
# --------------------------------------------------------------------------------------------

LFS_ANNUAL_MAP = {"lf_size": "lf", "employed": "lf_employed", "unemployed": "lf_unemployed",
                  "outside": "lf_outside", "u_rate": "u_rate", "p_rate": "p_rate", "ep_ratio": "ep_ratio"}
CPI_WIDE_MAP = {"overall": "overall", "food_beverage": "01", "alcohol_tobacco": "02", "clothing_footwear": "03",
                "housing_utilities": "04", "furnishings": "05", "health": "06", "transport": "07",
                "communication": "08", "recreation_culture": "09", "education": "10", "hospitality": "11",
                "misc": "13"}


def concept(t, row, measure):
    """Key shared by cells of different tables that answer the same question, else None."""
    s = t.source
    d = t.val(row, t.date_col)
    if s == "lfs_year":
        return ("lfs_annual", measure, d)
    if s == "labourforce_annual":
        return ("lfs_annual", LFS_ANNUAL_MAP.get(measure, measure), d)
    if s in ("lfs_month_duration", "labourforce_monthly") and measure.startswith("unemployed"):
        return ("lfs_month", measure, d)
    if s == "cpi_2d":
        return ("cpi", t.val(row, "division"), d)
    if s == "cpi_headline" and measure in CPI_WIDE_MAP:
        return ("cpi", CPI_WIDE_MAP[measure], d)
    if s == "population_state":
        st = t.val(row, "state")
        if st not in DISTRICT_EQ_STATE:
            return None
        return ("pop", st, d, t.val(row, "sex"), t.val(row, "age"), t.val(row, "ethnicity"))
    if s == "population_district":
        st = t.val(row, "state")
        if t.val(row, "district") == st:
            return ("pop", st, d, t.val(row, "sex"), t.val(row, "age"), t.val(row, "ethnicity"))
    return None


class Concepts:
    def __init__(self, tables):
        self.cells = collections.defaultdict(list)
        for t in tables:
            if t.source not in ("lfs_year", "labourforce_annual", "lfs_month_duration", "labourforce_monthly",
                                "cpi_2d", "cpi_headline", "population_state", "population_district"):
                continue
            for row in t.rows:
                if t.source == "population_district" and t.val(row, "district") != t.val(row, "state"):
                    continue
                for m in t.measures:
                    k = concept(t, row, m)
                    if k is not None:
                        self.cells[k].append((t.source, t.val(row, m)))

    def fair(self, t, row, measure, empty=False):
        """True when every other table holding this cell agrees with it (or does not hold it)."""
        k = concept(t, row, measure)
        if k is None:
            return True
        mine = t.val(row, measure)
        for src, v in self.cells.get(k, []):
            if src == t.source:
                continue
            if empty:
                if v != "":
                    return False
            elif v == "" or not is_number(v) or abs(float(v) - float(mine)) > 1e-9 * max(1.0, abs(float(mine))):
                return False
        return True


# States whose only district is the state itself (district == state in the district tables).
DISTRICT_EQ_STATE = {"Perlis", "W.P. Kuala Lumpur", "W.P. Labuan", "W.P. Putrajaya"}


def excluded_cell(t, i, row, measure):
    """Cells another table answers in other units (census counts vs population estimates in '000)."""
    y = t.dates[i][0]
    if t.source in ("population_state", "hh_lq_state") and y in CENSUS_YEARS and t.val(row, "state") in DISTRICT_EQ_STATE:
        return True
    if t.source == "population_district" and y == 2020 and t.val(row, "age") == "overall":
        return True
    if t.source == "census_district":
        if t.val(row, "district") == t.val(row, "state") or measure in CENSUS_SKIP:
            return True
    return False


LATEST_EXCLUDE = {
    "labourforce_annual": None,  # None: every measure (lfs_year is the current table)
    "cpi_headline": None,  # cpi_2d continues it
    "labourforce_monthly": {"unemployed", "unemployed_active", "unemployed_inactive", "unemployed_active_3mo",
                            "unemployed_active_6mo", "unemployed_active_12mo", "unemployed_active_long"},
}


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------

FAMILY = {
    "cpi_2d": "cpi", "cpi_headline": "cpi", "cpi_core": "cpi_core", "cpi_2d_state_inflation": "inflation",
    "cpi_2d_inflation": "inflation", "lfs_year": "labour", "labourforce_annual": "labour",
    "labourforce_monthly": "labour", "lfs_month_duration": "labour", "population_district": "population",
    "population_state": "population", "population_dun": "population", "census_district": "population",
    "hh_income": "income", "hh_income_district": "income", "hies_malaysia_percentile": "income",
    "hies_state_percentile": "income", "hh_inequality": "gini", "hh_inequality_district": "gini",
    "hh_lq": "lq", "hh_lq_state": "lq", "hh_poverty": "poverty", "hh_poverty_district": "poverty",
    "death_district_sex": "deaths", "death_maternal_state": "maternal", "deaths_early_childhood_state": "child",
}

FAKE_DISTRICTS = ["Bukit Seroja", "Sungai Kelisa", "Tanjung Mawar", "Kuala Permai", "Lembah Cempaka", "Batu Delima"]
FOREIGN = ["Jakarta", "Singapore", "Bangkok", "Manila", "Ho Chi Minh City", "Bandar Seri Begawan", "Tokyo", "Dhaka"]

OUT_OF_DOMAIN = [
    ("en", "Who won the 2022 FIFA World Cup?"),
    ("en", "What is the GDP of Singapore?"),
    ("en", "How do I cook nasi lemak at home?"),
    ("en", "What will the weather be like in Kuala Lumpur tomorrow?"),
    ("en", "What is the capital city of Australia?"),
    ("en", "Translate 'good morning' into Japanese."),
    ("en", "What is the price of Bitcoin today?"),
    ("en", "Who is the Prime Minister of the United Kingdom?"),
    ("en", "Recommend a good laptop under RM3000."),
    ("en", "What is the boiling point of water at sea level?"),
    ("en", "Write a short poem about the sea."),
    ("en", "What was the unemployment rate in Germany in 2022?"),
    ("en", "How many goals did Messi score in 2023?"),
    ("ms", "Siapakah yang memenangi Piala Dunia FIFA 2022?"),
    ("ms", "Bagaimana cara memasak rendang daging?"),
    ("ms", "Apakah ramalan cuaca di Johor Bahru esok?"),
    ("ms", "Berapakah harga emas hari ini?"),
    ("ms", "Siapakah Perdana Menteri Jepun sekarang?"),
    ("ms", "Apakah ibu negara Indonesia?"),
    ("ms", "Berapakah KDNK Thailand pada tahun 2023?"),
    ("ms", "Berapakah jarak dari Bumi ke Bulan?"),
    ("ms", "Cadangkan resipi kek coklat yang mudah."),
]


def n_lookups(nrows):
    return max(6, int(round(3 + 2.2 * math.log10(max(nrows, 1)))))


def n_latest(nrows):
    return 2 if nrows < 1000 else (3 if nrows < 100000 else 4)


def fmt_period(t, y, m):
    """A period written the way this table writes its dates."""
    sample = t.val(t.rows[0], t.date_col)
    if "/" in sample:
        return f"{m}/1/{y}"
    if "-" in sample:
        return f"{y}-{m:02d}-01"
    return f"{y}"


class Gen:
    def __init__(self, tables, seed):
        self.tables = tables
        self.by_source = {t.source: t for t in tables}
        self.seed = seed
        self.concepts = Concepts(tables)
        self.out = []
        self.derived = []  # ranking, change, comparison, series: written after the others
        # every place name in the data, to check that the invented ones are absent
        self.places = set()
        for t in tables:
            for c in ("state", "district", "dun", "parlimen"):
                if c in t.col:
                    self.places |= {t.val(r, c) for r in t.rows}
        self.family_years = collections.defaultdict(set)
        for t in tables:
            self.family_years[FAMILY.get(t.source, t.source)] |= {d[0] for d in t.dates if d}

    def rng(self, source, what):
        return random.Random(f"{self.seed}:{source}:{what}")

    def lang(self, rng):
        return "ms" if rng.random() < 0.4 else "en"

    def emit(self, **q):
        self.out.append(q)

    def cells(self, t, empty=False):
        """Candidate (row index, measure) pairs: non-empty numeric cells (or empty cells)."""
        out = []
        for i, row in enumerate(t.rows):
            if t.dates[i] is None:
                continue
            for m in t.measures:
                v = t.val(row, m)
                if empty:
                    if v != "" or excluded_cell(t, i, row, m) or not self.concepts.fair(t, row, m, empty=True):
                        continue
                else:
                    if v == "" or not is_number(v):
                        continue
                    if t.source.startswith("population_") and float(v) < 1.0:
                        continue  # '000, rounded: 0.0-0.9 thousand says little and repeats across rows
                out.append((i, m))
        return out

    def nondefault_count(self, t, row):
        return sum(1 for d in t.dims if t.val(row, d) not in t.defaults.get(d, set()))

    def pick_cells(self, t, cands, n, rng, used):
        """n cells spread over measures and over how many dimensions are not at their default."""
        groups = collections.defaultdict(list)
        for i, m in cands:
            groups[(m, min(self.nondefault_count(t, t.rows[i]), 3))].append((i, m))
        keys = sorted(groups)
        picked = []
        tries = 0
        while len(picked) < n and tries < n * 50 and keys:
            tries += 1
            # spread over measures first, then over the number of named dimensions
            measures = sorted({k[0] for k in keys})
            m = rng.choice(measures)
            ks = [k for k in keys if k[0] == m]
            k = rng.choice(ks)
            i, mm = rng.choice(groups[k])
            row = t.rows[i]
            if (i, mm) in used or excluded_cell(t, i, row, mm) or not self.concepts.fair(t, row, mm):
                continue
            used.add((i, mm))
            picked.append((i, mm))
        return picked

    def question_for_cell(self, t, i, m, kind, rng, qid):
        row = t.rows[i]
        lang = self.lang(rng)
        core, dsuf, place, hm, named = describe(t, row, m, lang, rng)
        suffix = dsuf + place
        y, mo, _ = t.dates[i]
        if kind == "latest":
            text = latest_sentence(t, core, suffix, lang, rng)
        else:
            bare, prep = period_forms(t.freq, y, mo, lang, census=(t.source == "census_district"))
            text = lookup_sentence(core, dsuf, place, hm, bare, prep, lang, rng)
        answerable = kind in ("lookup", "latest")
        self.emit(id=qid, question=text, lang=lang, kind=kind, source=t.source, answerable=answerable,
                  expected_value=t.val(row, m) if answerable else None, expected_row_ref=i,
                  expected_period=t.val(row, t.date_col), filters=named, measure=m, freq=t.freq)

    def gen_table(self, t):
        used = set()
        # lookups
        rng = self.rng(t.source, "lookup")
        cands = self.cells(t)
        for k, (i, m) in enumerate(self.pick_cells(t, cands, n_lookups(len(t.rows)), rng, used)):
            self.question_for_cell(t, i, m, "lookup", rng, f"{t.source}-lookup-{k:02d}")
        # latest: the newest period of one combination of dimension values
        rng = self.rng(t.source, "latest")
        excl = LATEST_EXCLUDE.get(t.source, set())
        if t.source in LATEST_EXCLUDE and excl is None:
            pass
        else:
            latest = {}
            for i, row in enumerate(t.rows):
                key = t.dimkey(row)
                if key not in latest or t.period_key(i) > t.period_key(latest[key]):
                    latest[key] = i
            lc = []
            newest = max(t.period_key(i) for i in latest.values())
            for key, i in sorted(latest.items()):
                row = t.rows[i]
                if t.period_key(i) != newest:
                    continue  # a series that stops early (a new district, a category of old years)
                if t.source == "population_state" and t.val(row, "state") in DISTRICT_EQ_STATE:
                    continue  # population_district has later years for these
                for m in t.measures:
                    v = t.val(row, m)
                    if m in excl or v == "" or not is_number(v):
                        continue
                    if t.source.startswith("population_") and float(v) < 1.0:
                        continue
                    lc.append((i, m))
            for k, (i, m) in enumerate(self.pick_cells(t, lc, n_latest(len(t.rows)), rng, used)):
                self.question_for_cell(t, i, m, "latest", rng, f"{t.source}-latest-{k:02d}")
        # empty cells
        rng = self.rng(t.source, "empty")
        ec = self.cells(t, empty=True)
        if ec:
            n = 2 if len(ec) >= 2 else 1
            for k, (i, m) in enumerate(self.pick_cells_empty(t, ec, n, rng)):
                self.question_for_cell(t, i, m, "empty_cell", rng, f"{t.source}-empty-{k:02d}")
        self.gen_period(t)
        self.gen_place(t)

    def pick_cells_empty(self, t, cands, n, rng):
        by_m = collections.defaultdict(list)
        for i, m in cands:
            by_m[m].append((i, m))
        ms = sorted(by_m)
        rng.shuffle(ms)
        out = []
        for m in ms[:n]:
            out.append(rng.choice(by_m[m]))
        while len(out) < n:
            c = rng.choice(cands)
            if c not in out:
                out.append(c)
        return out

    def gen_period(self, t):
        """A period outside what this table (and every table on the same subject) covers."""
        rng = self.rng(t.source, "period")
        fam = self.family_years[FAMILY.get(t.source, t.source)]
        lo, hi = min(fam), max(fam)
        cands = [c for c in self.cells(t) if not excluded_cell(t, c[0], t.rows[c[0]], c[1])]
        specs = ["before" if rng.random() < 0.5 else "after"]
        if t.freq == "year" and t.source != "census_district":
            gaps = [y for y in range(lo, hi + 1) if y not in fam]
            if gaps and rng.random() < 0.5:
                specs.append(("gap", rng.choice(gaps)))
        for k, spec in enumerate(specs):
            i, m = rng.choice(cands)
            row = t.rows[i]
            if spec == "before":
                y = lo - rng.randint(3, 12)
            elif spec == "after":
                y = hi + rng.randint(2, 6)
            else:
                y = spec[1]
            mo = {"year": 1, "quarter": rng.choice([1, 4, 7, 10]), "month": rng.randint(1, 12)}[t.freq]
            lang = self.lang(rng)
            core, dsuf, place, hm, named = describe(t, row, m, lang, rng)
            bare, prep = period_forms(t.freq, y, mo, lang, census=(t.source == "census_district"))
            text = lookup_sentence(core, dsuf, place, hm, bare, prep, lang, rng)
            self.emit(id=f"{t.source}-period-{k:02d}", question=text, lang=lang, kind="unanswerable_period",
                      source=t.source, answerable=False, expected_value=None, expected_row_ref=None,
                      expected_period=fmt_period(t, y, mo), filters=named, measure=m, freq=t.freq,
                      note=("gap year" if isinstance(spec, tuple) else f"{spec} coverage {lo}-{hi}"))

    def gen_place(self, t):
        """A place the table does not have: invented district, foreign city, or a missing state."""
        if "state" not in t.col or "dun" in t.col:
            return
        rng = self.rng(t.source, "place")
        cands = [c for c in self.cells(t) if not excluded_cell(t, c[0], t.rows[c[0]], c[1])]
        i, m = rng.choice(cands)
        row = t.rows[i]
        lang = self.lang(rng)
        y, mo, _ = t.dates[i]
        if t.source == "deaths_early_childhood_state":
            have = {t.val(r, "state") for r in t.rows}
            missing = sorted(self.places_states() - have)
            kind, name = "state", rng.choice(missing)
        elif "district" in t.col and rng.random() < 0.6:
            kind, name = "district", rng.choice(FAKE_DISTRICTS)
        else:
            kind, name = "foreign", rng.choice(FOREIGN)
        assert name not in self.places or kind == "state", name
        # the real row's other dimensions, but the place replaced
        core, dsuf, _place, hm, named = describe(t, row, m, lang, rng)
        fake = fake_place_phrase("district" if kind == "district" else "city", name,
                                 t.val(row, "state"), lang, rng)
        for c in ("state", "district"):
            named.pop(c, None)
        named["district" if kind == "district" else "state"] = name
        if kind == "district":
            named["state"] = t.val(row, "state")
        bare, prep = period_forms(t.freq, y, mo, lang, census=(t.source == "census_district"))
        text = lookup_sentence(core, dsuf, fake, hm, bare, prep, lang, rng)
        self.emit(id=f"{t.source}-place-00", question=text, lang=lang, kind="unanswerable_place", source=t.source,
                  answerable=False, expected_value=None, expected_row_ref=None,
                  expected_period=t.val(row, t.date_col), filters=named, measure=m, freq=t.freq,
                  note=f"{kind} not in the table")

    def places_states(self):
        s = set()
        for t in self.tables:
            if "state" in t.col:
                s |= {t.val(r, "state") for r in t.rows}
        return s

    def gen_ood(self):
        for k, (lang, q) in enumerate(OUT_OF_DOMAIN):
            self.emit(id=f"ood-{k:02d}", question=q, lang=lang, kind="out_of_domain", source=None,
                      answerable=False, expected_value=None, expected_row_ref=None, expected_period=None,
                      filters={}, measure=None, freq=None)


# --------------------------------------------------------------------------------------------
# Derived questions: ranking, change, comparison, series (expected results computed here)
# --------------------------------------------------------------------------------------------

DERIVED_KINDS = ["ranking", "change", "comparison", "series"]
CPI_SOURCES = ("cpi_2d", "cpi_2d_state_inflation", "cpi_2d_inflation")
RATE_TOKENS = {"rate", "kadar", "ratio", "nisbah", "inflation", "inflasi", "growth", "pertumbuhan", "proportion"}
PLACE_COLS = ("state", "district", "dun")

RANK_NOUN_EN = {"state": ("state", "states"), "district": ("district", "districts"),
                "dun": ("state seat", "state seats"), "division": ("CPI division", "CPI divisions")}
RANK_NOUN_MS = {"state": "negeri", "district": "daerah", "dun": "DUN", "division": "bahagian IHP"}
UNITS_EN = {"month": "months", "quarter": "quarters", "year": "years"}
UNITS_MS = {"month": "bulan", "quarter": "suku tahun", "year": "tahun"}
LAST_N = {"month": [6, 12, 12, 24], "quarter": [4, 8, 8], "year": [3, 5, 5, 10]}
RANGE_LEN = {"month": (6, 24), "quarter": (4, 12), "year": (3, 10)}
SERIES_MAX = 40
SEX_MEMBER_EN = {"male": "males", "female": "females"}
SEX_MEMBER_MS = {"male": "lelaki", "female": "perempuan"}
# labour tables state the same measures monthly and annually: series and changes say which
DERIVED_QUAL = dict(LATEST_QUAL, labourforce_annual=("annual ", " tahunan"))
CENSUS_LATEST = ("in the latest census", "menurut banci terkini")


def n_derived(t, kind, ranks, compares):
    big = len(t.rows) >= 2000
    if kind == "ranking":
        return (2 + big) if ranks else 0
    if kind == "comparison":
        return (2 + big) if compares else 0
    return 1 + (len(t.rows) >= 400)


class View:
    """A table as describe() sees it with some columns hidden, so that the ranked or compared
    dimension is not named (a hidden dimension reads as its aggregate, e.g. sex 'both')."""

    def __init__(self, t, hide):
        self._t = t
        self.hide = set(hide)
        self.col = {k: v for k, v in t.col.items() if k not in self.hide}
        self.dims = [d for d in t.dims if d not in self.hide]

    def __getattr__(self, name):
        return getattr(self._t, name)

    def val(self, row, c):
        if c in self.hide and self._t.defaults.get(c):
            return sorted(self._t.defaults[c])[0]
        return row[self._t.col[c]]


def derived_describe(t, row, m, lang, rng, hide=()):
    """(core, dims suffix, place, named) for a derived question; `hide` columns are not named."""
    v = View(t, hide)
    if "division" in v.hide and t.source in CPI_SOURCES:
        en, ms = CPI_INDEX if m == "index" else INFLATION[m]
        core = rng.choice(en if lang == "en" else ms)
        named = {}
        place = place_phrase(v, row, lang, rng, named)
        place += national_suffix(v, lang, rng, 0.2)
        return core, "", place, named
    core, dsuf, place, _hm, named = describe(v, row, m, lang, rng)
    core = " ".join(re.sub(r"\{\w+\}", "", core).split())  # a placeholder of a hidden dimension
    for c in v.hide:
        named.pop(c, None)
    return core, dsuf, place, named


def decimals(s):
    s = s.strip()
    if "e" in s.lower():
        return None
    return len(s.split(".", 1)[1]) if "." in s else 0


def diff_str(a, b):
    """b - a as a number rounded to the inputs' decimals (no float noise)."""
    da, db = decimals(a), decimals(b)
    d = float(b) - float(a)
    if da is None or db is None:
        return d
    d = round(d, max(da, db))
    return int(d) if max(da, db) == 0 else d


def is_rate(t, m, row):
    """A rate/ratio/percentage measure: its change is given in points, not in per cent."""
    f = t.cat["fields"].get(m, {})
    text = " ".join([m, f.get("title_en", ""), f.get("title_ms", "")]).lower()
    if RATE_TOKENS & set(re.split(r"[^a-z]+", text)):
        return True
    desc = f.get("description_en", "").lower()
    if "%" in desc or "percentage" in desc or "per cent" in desc:
        return True
    if t.source == "ipi" and row[t.col["series"]] != "abs":
        return True
    return False


def is_aggregate(t, c, code):
    return code in t.defaults.get(c, set()) or code.lower() in ("malaysia", "overall", "total", "both") \
        or code.startswith("overall")


def next_period(freq, pk):
    y, m = pk
    if freq == "year":
        return (y + 1, m)
    step = 3 if freq == "quarter" else 1
    m += step
    return (y + 1, m - 12) if m > 12 else (y, m)


def join_en(xs):
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]


def join_ms(xs):
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " dan " + xs[-1]


class SeriesIndex:
    """Rows of one table by series (every dimension value) and by period."""

    def __init__(self, t):
        self.t = t
        self.series = {}
        seen, self.dup = set(), set()
        for i, row in enumerate(t.rows):
            if t.dates[i] is None:
                continue
            key = tuple(row[t.col[d]] for d in t.dims)
            pk = t.period_key(i)
            if (key, pk) in seen:
                self.dup.add(key)  # two rows for one series and period: never asked
            seen.add((key, pk))
            self.series.setdefault(key, []).append(i)
        for rows in self.series.values():
            rows.sort(key=t.period_key)
        self.newest = max(t.period_key(i) for i in range(len(t.rows)) if t.dates[i])
        self.groups = {}
        self.by_measure = {m: [i for i, row in enumerate(t.rows) if t.dates[i] is not None
                               and row[t.col[m]] != "" and is_number(row[t.col[m]])] for m in t.measures}

    def group(self, vary):
        """{fixed values of the other dimensions: {period: [row, ...]}} with the `vary` columns free."""
        vary = frozenset(vary)
        if vary not in self.groups:
            t = self.t
            g = {}
            keep = [k for k, d in enumerate(t.dims) if d not in vary]
            for key, rows in self.series.items():
                if key in self.dup:
                    continue
                fk = tuple(key[k] for k in keep)
                per = g.setdefault(fk, {})
                for i in rows:
                    per.setdefault(t.period_key(i), []).append(i)
            self.groups[vary] = g
        return self.groups[vary]


class Derived:
    """Draws the derived questions of one table from its own random streams (the single-value
    questions' streams are untouched)."""

    def __init__(self, gen, t):
        self.gen = gen
        self.t = t
        self.ix = SeriesIndex(t)
        self.measures = [m for m in t.measures if not (t.source == "census_district" and m in CENSUS_SKIP)
                         and self.ix.by_measure[m]]

    # ---- helpers --------------------------------------------------------------------------
    def ok(self, i, m):
        """A cell a derived question may use: numeric, not excluded, stated alike by every table."""
        t = self.t
        row = t.rows[i]
        v = row[t.col[m]]
        if v == "" or not is_number(v):
            return False
        if t.source.startswith("population_") and float(v) < 1.0:
            return False
        if excluded_cell(t, i, row, m):
            return False
        return self.gen.concepts.fair(t, row, m)

    def latest_ok(self, m):
        """No period named is fair only where no sibling table goes further in time."""
        src = self.t.source
        if src in LATEST_EXCLUDE:
            excl = LATEST_EXCLUDE[src]
            return excl is not None and m not in excl
        return True

    def pstr(self, i):
        return self.t.val(self.t.rows[i], self.t.date_col)

    def period_words(self, i, lang, rng, k=None):
        t = self.t
        y, mo, _ = t.dates[i]
        bare, prep = period_forms(t.freq, y, mo, lang, census=(t.source == "census_district"))
        if k is None:
            return rng.choice(bare), rng.choice(prep)
        return bare[min(k, len(bare) - 1)], prep[min(k, len(prep) - 1)]

    def latest_words(self, lang):
        """No period: None (the sentence says "latest"), or "in the latest census"."""
        if self.t.source == "census_district":
            return CENSUS_LATEST[0 if lang == "en" else 1]
        return None

    def anchor(self, m, rng):
        return rng.choice(self.ix.by_measure[m])

    def fixed_values(self, row, vary, rng):
        """The other dimensions: the anchor row's values, mostly pulled back to the aggregate."""
        t = self.t
        out = []
        for d in t.dims:
            if d in vary:
                continue
            v = row[t.col[d]]
            dv = t.defaults.get(d) or set()
            if t.source == "population_dun" and d in ("age", "ethnicity"):
                v = "overall"  # citizenship moves between these two columns over the years
            elif dv and v not in dv and rng.random() < 0.6:
                v = sorted(dv)[0]
            out.append(v)
        return tuple(out)

    def specs(self, compare):
        t = self.t
        out = []
        if "dun" in t.col:
            out.append(("dun", frozenset({"dun", "parlimen"})))
        elif "district" in t.col:
            out.append(("district", frozenset({"district"})))
            if not compare:
                states = {}
                for r in t.rows:
                    states.setdefault(t.val(r, "district"), set()).add(t.val(r, "state"))
                if all(len(v) == 1 for v in states.values()):
                    out.append(("district", frozenset({"district", "state"})))  # districts nationally
        elif "state" in t.col:
            out.append(("state", frozenset({"state"})))
        if "division" in t.col:
            out.append(("division", frozenset({"division"})))
        if compare:
            for c in ("sex", "ethnicity"):
                if c in t.col and c in t.dims and len({t.val(r, c) for r in t.rows} - t.defaults.get(c, set())) >= 2:
                    if c == "ethnicity" and t.source == "population_dun":
                        continue
                    out.append((c, frozenset({c})))
        # a dimension needs >= 3 members to rank
        res = []
        for c, vary in out:
            members = {t.val(r, c) for r in t.rows} - t.defaults.get(c, set())
            if len(members) >= (2 if compare else 3):
                res.append((c, vary))
        return res

    def member_name(self, c, code, lang, rng):
        t = self.t
        if c == "state":
            return state_name(code, lang, rng)
        if c == "division":
            return division_label(t, code, lang, rng)
        if c == "sex":
            return (SEX_MEMBER_EN if lang == "en" else SEX_MEMBER_MS)[code]
        if c == "ethnicity":
            return (ETH_EN if lang == "en" else ETH_MS).get(code, code)
        return code

    def labour_qual(self, core, lang):
        q_en, q_ms = DERIVED_QUAL.get(self.t.source, ("", ""))
        if lang == "en":
            if not q_en:
                return core
            return "the " + q_en + noart(core) if core.startswith("the ") else q_en + core
        return core + q_ms

    def emit(self, kind, k, text, lang, m, named, expected, note, **extra):
        q = dict(id=f"{self.t.source}-{kind}-{k:02d}", question=text, lang=lang, kind=kind, source=self.t.source,
                 answerable=True, expected_value=None, expected_row_ref=None, expected_period=None,
                 filters=named, measure=m, freq=self.t.freq, derived=True)
        q.update(extra)
        q["expected"] = expected
        q["note"] = note
        self.gen.derived.append(q)

    def draw_members(self, specs, rng):
        """A ranking's or comparison's draw: the dimension that varies, a measure, the values of the
        other dimensions (from an anchor row), and the period (a quarter of the time the latest):
        (column, vary, measure, fixed values, rows by period, period key, latest), or None when it does not fit."""
        t = self.t
        c, vary = rng.choice(specs)
        m = rng.choice(self.measures)
        a = self.anchor(m, rng)
        fk = self.fixed_values(t.rows[a], vary, rng)
        per = self.ix.group(vary).get(fk)
        if not per:
            return None
        latest = rng.random() < 0.25 and self.latest_ok(m)
        pk = max(per) if latest else t.period_key(a)
        if (latest and pk != self.ix.newest) or (not latest and pk not in per):
            return None
        return c, vary, m, fk, per, pk, latest

    # ---- ranking --------------------------------------------------------------------------
    def rankings(self, count):
        t = self.t
        specs = self.specs(compare=False)
        rng = self.gen.rng(t.source, "derived-ranking")
        used, k, tries = set(), 0, 0
        while k < count and tries < 300 and specs and self.measures:
            tries += 1
            draw = self.draw_members(specs, rng)
            if draw is None:
                continue
            c, vary, m, fk, per, pk, latest = draw
            rows = [i for i in per[pk] if not is_aggregate(t, c, t.val(t.rows[i], c))]
            if len(rows) < 3 or any(not is_number(t.val(t.rows[i], m)) for i in rows):
                continue  # an empty member leaves the ranking unknown
            direction = "desc" if rng.random() < 0.6 else "asc"
            x = rng.random()
            n = 1 if x < 0.6 else (3 if x < 0.9 else 5)
            if len(rows) < max(n, 3) + (1 if n > 1 else 0):
                n = 1
            key = (c, vary, fk, pk, m, direction)
            if key in used:
                continue
            rows.sort(key=lambda i: float(t.val(t.rows[i], m)), reverse=(direction == "desc"))
            vals = [float(t.val(t.rows[i], m)) for i in rows]
            head = vals[:n + 1]
            if len(set(head)) != len(head):
                continue  # a tie at the top or at the n-th place
            listed = rows[:max(n, 3)]
            if not all(self.ok(i, m) for i in listed):
                continue
            if latest and t.source == "population_state" and \
                    any(t.val(t.rows[i], "state") in DISTRICT_EQ_STATE for i in listed):
                continue
            codes = [t.val(t.rows[i], c) for i in rows]
            if len(set(codes)) != len(codes):
                continue
            used.add(key)
            lang = self.gen.lang(rng)
            hide = set(vary)
            core, dsuf, place, named = derived_describe(t, t.rows[listed[0]], m, lang, rng, hide)
            if latest:
                inP = self.latest_words(lang)
            else:
                _bare, inP = self.period_words(listed[0], lang, rng)
            text = ranking_sentence(c, n, direction, core, dsuf + place, inP, lang, rng)
            exp = {"column": c, "direction": direction, "n": n, "period": self.pstr(listed[0]),
                   "members": [[t.val(t.rows[i], c), t.val(t.rows[i], m), i] for i in listed]}
            scope = "nationally" if "state" in vary and c == "district" else None
            note = ("latest by default" if latest else "period named") + (f"; districts {scope}" if scope else "")
            self.emit("ranking", k, text, lang, m, named, exp, note)
            k += 1

    # ---- comparison -----------------------------------------------------------------------
    def comparisons(self, count):
        t = self.t
        specs = self.specs(compare=True)
        rng = self.gen.rng(t.source, "derived-comparison")
        used, k, tries = set(), 0, 0
        while k < count and tries < 300 and specs and self.measures:
            tries += 1
            draw = self.draw_members(specs, rng)
            if draw is None:
                continue
            c, vary, m, fk, per, pk, latest = draw
            cands = [i for i in per[pk] if not is_aggregate(t, c, t.val(t.rows[i], c)) and self.ok(i, m)]
            if latest and t.source == "population_state":
                cands = [i for i in cands if t.val(t.rows[i], "state") not in DISTRICT_EQ_STATE]
            if len(cands) < 2:
                continue
            nm = 3 if len(cands) >= 3 and rng.random() < 0.2 else 2
            picked = rng.sample(sorted(cands), nm)
            codes = [t.val(t.rows[i], c) for i in picked]
            if len(set(codes)) != nm:
                continue
            key = (c, vary, fk, pk, m, tuple(sorted(codes)))
            if key in used:
                continue
            used.add(key)
            lang = self.gen.lang(rng)
            core, dsuf, place, named = derived_describe(t, t.rows[picked[0]], m, lang, rng, set(vary))
            names = [self.member_name(c, code, lang, rng) for code in codes]
            if c in PLACE_COLS:
                place = ""  # the members are the places
                if c in ("district", "dun") and "state" in t.col:
                    named["state"] = t.val(t.rows[picked[0]], "state")
                    names[-1] += f" ({state_name(named['state'], lang, rng)})"
            if latest:
                inP = self.latest_words(lang)
            else:
                _bare, inP = self.period_words(picked[0], lang, rng)
            text = comparison_sentence(c, names, core, dsuf, place, inP, lang, rng)
            v0, v1 = (t.val(t.rows[i], m) for i in picked[:2])
            exp = {"column": c, "period": self.pstr(picked[0]),
                   "members": [[code, t.val(t.rows[i], m), i] for code, i in zip(codes, picked)],
                   "difference": diff_str(v1, v0)}
            self.emit("comparison", k, text, lang, m, named, exp,
                      "latest common period" if latest else "period named")
            k += 1

    # ---- change ---------------------------------------------------------------------------
    def changes(self, count):
        t = self.t
        rng = self.gen.rng(t.source, "derived-change")
        used, k, tries = set(), 0, 0
        while k < count and tries < 300 and self.measures:
            tries += 1
            m = rng.choice(self.measures)
            a = self.anchor(m, rng)
            key = self.fixed_values(t.rows[a], (), rng)
            if key not in self.ix.series or key in self.ix.dup:
                continue
            at = [j for j in self.ix.series[key] if t.period_key(j) == t.period_key(a)]
            if not at or not self.ok(at[0], m):
                continue
            a = at[0]
            others = [j for j in self.ix.series[key] if j != a and self.ok(j, m)]
            if not others:
                continue
            pa = t.period_key(a)
            if t.freq != "year" and rng.random() < 0.5:
                same = [j for j in others if t.dates[j][1] == t.dates[a][1] and abs(t.dates[j][0] - pa[0]) == 1]
                others = same or others
            b = rng.choice(others)
            i0, i1 = sorted((a, b), key=t.period_key)
            v0, v1 = t.val(t.rows[i0], m), t.val(t.rows[i1], m)
            rate = is_rate(t, m, t.rows[i0])
            if not rate and float(v0) == 0:
                continue
            uk = (key, m, t.period_key(i0), t.period_key(i1))
            if uk in used:
                continue
            used.add(uk)
            lang = self.gen.lang(rng)
            core, dsuf, place, named = derived_describe(t, t.rows[i0], m, lang, rng)
            core = self.labour_qual(core, lang)
            y0, mo0, _ = t.dates[i0]
            bare0, _ = period_forms(t.freq, y0, mo0, lang, census=(t.source == "census_district"))
            kk = rng.randrange(len(bare0))
            A, _ = self.period_words(i0, lang, rng, kk)
            B, _ = self.period_words(i1, lang, rng, kk)
            sign = (float(v1) > float(v0)) - (float(v1) < float(v0))
            text = change_sentence(core, dsuf + place, A, B, sign, lang, rng)
            diff = diff_str(v0, v1)
            pct = None if rate else round((float(v1) / float(v0) - 1) * 100, 6)
            exp = {"from_period": self.pstr(i0), "to_period": self.pstr(i1), "from_value": v0, "to_value": v1,
                   "from_row": i0, "to_row": i1, "difference": diff, "percent": pct, "rate": rate}
            self.emit("change", k, text, lang, m, named, exp, "rate: percentage points" if rate else "level",
                      expected_rate=rate)
            k += 1

    # ---- series ---------------------------------------------------------------------------
    def series(self, count):
        t = self.t
        rng = self.gen.rng(t.source, "derived-series")
        used, k, tries = set(), 0, 0
        while k < count and tries < 300 and self.measures:
            tries += 1
            m = rng.choice(self.measures)
            a = self.anchor(m, rng)
            key = self.fixed_values(t.rows[a], (), rng)
            if key not in self.ix.series or key in self.ix.dup:
                continue
            rows = self.ix.series[key]
            a = rows[-1]
            if len(rows) < 3:
                continue
            can_latest = self.latest_ok(m) and t.period_key(rows[-1]) == self.ix.newest and not (
                t.source == "population_state" and t.val(t.rows[a], "state") in DISTRICT_EQ_STATE)
            mode = wchoice(rng, [("last", 0.4), ("since", 0.25), ("range", 0.35)]) if can_latest else "range"
            lang = self.gen.lang(rng)
            if mode == "last":
                n = rng.choice(LAST_N[t.freq])
                sel = rows[-n:]
                if len(sel) < n or any(next_period(t.freq, t.period_key(x)) != t.period_key(y)
                                       for x, y in zip(sel, sel[1:])):
                    continue  # "the last 5 years" only where the series has every one of them
            elif mode == "since":
                if t.freq == "month" and rng.random() < 0.4:
                    starts = [s for s in range(len(rows)) if 3 <= len(rows) - s <= SERIES_MAX]
                else:
                    starts = [s for s in range(len(rows)) if 3 <= len(rows) - s <= SERIES_MAX
                              and (s == 0 or t.dates[rows[s - 1]][0] != t.dates[rows[s]][0])]
                    starts = [s for s in starts if s > 0]  # "since 2019": the series started before
                if not starts:
                    continue
                s = rng.choice(starts)
                sel = rows[s:]
                by_year = not (t.freq == "month" and t.dates[rows[s]][1] != 1) and \
                    (s == 0 or t.dates[rows[s - 1]][0] != t.dates[rows[s]][0])
            else:
                lo, hi = RANGE_LEN[t.freq]
                ln = rng.randint(lo, hi)
                s = rng.randrange(0, max(1, len(rows) - 2))
                sel = rows[s:s + ln]
                if len(sel) < 3:
                    continue
            if not all(self.ok(i, m) for i in sel):
                continue  # an empty (or unfair) point in range
            uk = (key, m, t.period_key(sel[0]), t.period_key(sel[-1]), mode)
            if uk in used:
                continue
            used.add(uk)
            core, dsuf, place, named = derived_describe(t, t.rows[sel[0]], m, lang, rng)
            core = self.labour_qual(core, lang)
            suffix = dsuf + place
            census = t.source == "census_district"
            if mode == "last":
                text = series_last_sentence(core, suffix, n, t.freq, lang, rng)
                note = f"last {n} periods"
            elif mode == "since":
                y, mo, _ = t.dates[sel[0]]
                if by_year:
                    A = rng.choice(period_forms("year", y, 1, lang, census=census)[0])
                else:
                    A = rng.choice(period_forms(t.freq, y, mo, lang)[0][:2])
                text = series_since_sentence(core, suffix, A, lang, rng)
                note = "since " + ("the year" if by_year else "the month")
            else:
                y0, mo0, _ = t.dates[sel[0]]
                y1, mo1, _ = t.dates[sel[-1]]
                bare0 = period_forms(t.freq, y0, mo0, lang, census=census)[0]
                kk = rng.randrange(min(2, len(bare0)))
                A = bare0[kk]
                B = period_forms(t.freq, y1, mo1, lang, census=census)[0][kk]
                text = series_range_sentence(core, suffix, A, B, lang, rng)
                note = "range"
            vals = [float(t.val(t.rows[i], m)) for i in sel]
            lo_v, hi_v = min(vals), max(vals)
            i_lo = [i for i, v in zip(sel, vals) if v == lo_v]
            i_hi = [i for i, v in zip(sel, vals) if v == hi_v]
            exp = {"count": len(sel),
                   "first": [self.pstr(sel[0]), t.val(t.rows[sel[0]], m)],
                   "last": [self.pstr(sel[-1]), t.val(t.rows[sel[-1]], m)],
                   "min": t.val(t.rows[i_lo[0]], m), "max": t.val(t.rows[i_hi[0]], m),
                   "min_period": self.pstr(i_lo[0]) if len(i_lo) == 1 else None,
                   "max_period": self.pstr(i_hi[0]) if len(i_hi) == 1 else None,
                   "rows": list(sel)}
            self.emit("series", k, text, lang, m, named, exp, note)
            k += 1

    def run(self):
        t = self.t
        ranks, compares = self.specs(compare=False), self.specs(compare=True)
        self.rankings(n_derived(t, "ranking", ranks, compares))
        self.changes(n_derived(t, "change", ranks, compares))
        self.comparisons(n_derived(t, "comparison", ranks, compares))
        self.series(n_derived(t, "series", ranks, compares))


def plural(core):
    """A bare plural noun ("live births", "maternal deaths") takes have/do, not has/does."""
    w = core.split()
    return not core.startswith("the ") and bool(w) and w[-1].endswith("s") and not w[-1].isupper()


def ranking_sentence(c, n, direction, core, suffix, inP, lang, rng):
    c_ = noart(core)
    if lang == "en":
        one, many = RANK_NOUN_EN[c]
        hi = "highest" if direction == "desc" else "lowest"
        if inP is None:  # latest by default
            if n == 1:
                opts = [(f"Which {one} has the {hi} {c_}{suffix}?", 3),
                        (f"Which {one} has the {hi} {c_}{suffix} according to the latest data?", 2),
                        (f"Which {one} currently has the {hi} {c_}{suffix}?", 1.5),
                        (f"{cap(one)} with the {hi} {c_}{suffix}, latest figures", 1)]
            else:
                top = "Top" if direction == "desc" else "Bottom"
                opts = [(f"{top} {n} {many} by {c_}{suffix}, latest figures", 2),
                        (f"Which {n} {many} have the {hi} {c_}{suffix} in the most recent data?", 2),
                        (f"List the {n} {many} with the {hi} {c_}{suffix} (latest).", 1)]
            return cap(wchoice(rng, opts))
        if n == 1:
            opts = [(f"Which {one} had the {hi} {c_}{suffix} {inP}?", 3),
                    (f"Which {one} recorded the {hi} {c_}{suffix} {inP}?", 2),
                    (f"{cap(inP)}, which {one} had the {hi} {c_}{suffix}?", 1.5),
                    (f"{cap(one)} with the {hi} {c_}{suffix} {inP}", 1)]
        else:
            top = "Top" if direction == "desc" else "Bottom"
            opts = [(f"{top} {n} {many} by {c_}{suffix} {inP}", 2.5),
                    (f"Which {n} {many} had the {hi} {c_}{suffix} {inP}?", 2),
                    (f"List the {n} {many} with the {hi} {c_}{suffix} {inP}.", 1.5)]
        return cap(wchoice(rng, opts))
    noun = RANK_NOUN_MS[c]
    hi = rng.choice(["tertinggi", "paling tinggi"] if direction == "desc" else ["terendah", "paling rendah"])
    top = "teratas" if direction == "desc" else "terbawah"
    if inP is None:
        if n == 1:
            opts = [(f"{cap(noun)} manakah yang mencatatkan {core} {hi}{suffix} mengikut data terkini?", 3),
                    (f"{cap(noun)} manakah yang mempunyai {core} {hi}{suffix} pada masa ini?", 2),
                    (f"{cap(noun)} dengan {core} {hi}{suffix} (data terkini)", 1)]
        else:
            opts = [(f"{n} {noun} {top} mengikut {core}{suffix} (data terkini)", 2),
                    (f"Senaraikan {n} {noun} dengan {core} {hi}{suffix} mengikut data terkini.", 2)]
        return cap(wchoice(rng, opts))
    if n == 1:
        opts = [(f"{cap(noun)} manakah yang mencatatkan {core} {hi}{suffix} {inP}?", 3),
                (f"{cap(noun)} manakah yang mempunyai {core} {hi}{suffix} {inP}?", 2),
                (f"{cap(inP)}, {noun} manakah yang mencatatkan {core} {hi}{suffix}?", 1.5)]
    else:
        opts = [(f"{n} {noun} {top} mengikut {core}{suffix} {inP}", 2.5),
                (f"Senaraikan {n} {noun} dengan {core} {hi}{suffix} {inP}.", 2)]
        if direction == "desc":
            opts.append((f"{cap(noun)} manakah {n} teratas bagi {core}{suffix} {inP}?", 1))
    return cap(wchoice(rng, opts))


def comparison_sentence(c, names, core, dsuf, place, inP, lang, rng):
    c_ = noart(core)
    two = len(names) == 2
    if lang == "en":
        prep = rng.choice(["in", "of"]) if c in PLACE_COLS else "for"
        L = join_en(names)
        vs = " vs ".join(names)
        if inP is None:
            opts = [(f"Compare the latest {c_}{dsuf} {prep} {L}{place}.", 3),
                    (f"{cap(c_)}{dsuf}{place}: {vs}, latest figures", 1.5)]
            if two:
                do = "do" if plural(c_) else "does"
                opts.append((f"How {do} the latest {c_}{dsuf} {prep} {names[0]} compare with {names[1]}{place}?", 1))
            return cap(wchoice(rng, opts))
        opts = [(f"Compare {core}{dsuf} {prep} {L}{place} {inP}.", 3),
                (f"{cap(c_)}{dsuf}{place}: {vs} {inP}", 1.5)]
        if two:
            opts += [(f"How did {core}{dsuf} {prep} {names[0]} compare with {names[1]}{place} {inP}?", 1.5),
                     (f"What was the difference in {c_}{dsuf} between {names[0]} and {names[1]}{place} {inP}?", 1)]
        return cap(wchoice(rng, opts))
    prep = rng.choice(["di", "bagi"]) if c in PLACE_COLS else "bagi"
    L = join_ms(names)
    vs = " berbanding ".join(names)
    if inP is None:
        opts = [(f"Bandingkan {core}{dsuf} terkini {prep} {L}{place}.", 3),
                (f"{cap(core)}{dsuf}{place} terkini: {vs}", 1.5)]
        return cap(wchoice(rng, opts))
    opts = [(f"Bandingkan {core}{dsuf} {prep} {L}{place} {inP}.", 3),
            (f"{cap(core)}{dsuf}{place}: {vs} {inP}", 1.5)]
    if two:
        opts += [(f"Apakah perbezaan {core}{dsuf} antara {names[0]} dengan {names[1]}{place} {inP}?", 1.5),
                 (f"Bagaimanakah {core}{dsuf} {prep} {names[0]} berbanding {names[1]}{place} {inP}?", 1)]
    return cap(wchoice(rng, opts))


def change_sentence(core, suffix, A, B, sign, lang, rng):
    c_ = noart(core)
    if lang == "en":
        opts = [(f"How much did {core}{suffix} change between {A} and {B}?", 3),
                (f"What was the change in {c_}{suffix} from {A} to {B}?", 2),
                (f"{cap(c_)}{suffix}: change from {A} to {B}", 1)]
        if sign:
            up = rng.choice(["rise", "increase"]) if sign > 0 else rng.choice(["fall", "decrease", "drop"])
            opts.append((f"By how much did {core}{suffix} {up} from {A} to {B}?", 3))
        return cap(wchoice(rng, opts))
    opts = [(f"Berapakah perubahan {core}{suffix} antara {A} dan {B}?", 3),
            (f"Apakah perubahan {core}{suffix} dari {A} ke {B}?", 2),
            (f"Perubahan {core}{suffix} antara {A} dan {B}", 1)]
    if sign:
        up = "meningkat" if sign > 0 else rng.choice(["menurun", "berkurang"])
        opts.append((f"Berapa banyakkah {core}{suffix} {up} dari {A} hingga {B}?", 3))
    return cap(wchoice(rng, opts))


def series_last_sentence(core, suffix, n, freq, lang, rng):
    c_ = noart(core)
    if lang == "en":
        u = UNITS_EN[freq]
        has = "have" if plural(core) else "has"
        return cap(wchoice(rng, [(f"How {has} {core}{suffix} moved over the last {n} {u}?", 3),
                                 (f"Show {core}{suffix} for the last {n} {u}.", 2),
                                 (f"{cap(c_)}{suffix} over the past {n} {u}", 1.5),
                                 (f"What is the trend in {c_}{suffix} over the last {n} {u}?", 1.5)]))
    u = UNITS_MS[freq]
    return cap(wchoice(rng, [(f"Bagaimanakah {core}{suffix} berubah dalam {n} {u} terakhir?", 3),
                             (f"Tunjukkan {core}{suffix} bagi {n} {u} terkini.", 2),
                             (f"Trend {core}{suffix} dalam {n} {u} lepas", 1.5)]))


def series_since_sentence(core, suffix, A, lang, rng):
    c_ = noart(core)
    if lang == "en":
        has = "have" if plural(core) else "has"
        return cap(wchoice(rng, [(f"How {has} {core}{suffix} changed since {A}?", 3),
                                 (f"{cap(c_)}{suffix} since {A}", 1.5),
                                 (f"Show the trend in {c_}{suffix} since {A}.", 1.5)]))
    return cap(wchoice(rng, [(f"Bagaimanakah {core}{suffix} berubah sejak {A}?", 3),
                             (f"{cap(core)}{suffix} sejak {A}", 1.5),
                             (f"Tunjukkan trend {core}{suffix} sejak {A}.", 1.5)]))


def series_range_sentence(core, suffix, A, B, lang, rng):
    c_ = noart(core)
    if lang == "en":
        return cap(wchoice(rng, [(f"{cap(c_)}{suffix} from {A} to {B}", 2),
                                 (f"Show me {core}{suffix} from {A} to {B}.", 2),
                                 (f"How did {core}{suffix} move between {A} and {B}?", 2),
                                 (f"What was the trend in {c_}{suffix} from {A} to {B}?", 1.5)]))
    return cap(wchoice(rng, [(f"Trend {core}{suffix} dari {A} hingga {B}", 2),
                             (f"Tunjukkan {core}{suffix} dari {A} hingga {B}.", 2),
                             (f"Bagaimanakah {core}{suffix} berubah dari {A} hingga {B}?", 2)]))



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--out", required=True, help="questions JSONL to write")
    ap.add_argument("--subset", choices=["full", "ci"], default="full",
                    help="ci: leave out population_district and population_state (not loaded in CI)")
    ap.add_argument("--leave-out", default="",
                    help="comma-separated sources not loaded (the benchmark's 347k rows: population_district)")
    ap.add_argument("--seed", type=int, default=20260817)
    ap.add_argument("--data", default=DEFAULT_DATA, help="opendosm_full directory (default: %(default)s)")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        print("skipped: ../shared not found")
        return 0
    tables = []
    for source, path, cat, layout in discover(args.data):
        tables.append(Table(source, path, cat, layout))
    for t in tables:
        for lang in ("en", "ms"):
            for k, v in t.cat["tr_" + lang].items():
                GLOBAL_TR[lang].setdefault(k, v)
    gen = Gen(tables, args.seed)
    for t in tables:
        gen.gen_table(t)
    gen.gen_ood()
    for t in tables:
        Derived(gen, t).run()
    qs = gen.out + gen.derived
    if args.subset == "ci":
        qs = [q for q in qs if q["source"] not in CI_EXCLUDE]
    leave_out = {x for x in args.leave_out.split(",") if x}
    qs = [q for q in qs if q["source"] not in leave_out]
    ids = [q["id"] for q in qs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    with open(args.out, "w", encoding="utf-8") as fh:
        for q in qs:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    summarize(qs, args, file=sys.stderr)
    return 0


def summarize(qs, args, file):
    kinds = ["lookup", "latest", "empty_cell", "unanswerable_period", "unanswerable_place", "out_of_domain"] \
        + DERIVED_KINDS
    by_src = collections.defaultdict(collections.Counter)
    for q in qs:
        by_src[q["source"] or "(none)"][q["kind"]] += 1
    short = {"lookup": "look", "latest": "late", "empty_cell": "empty", "unanswerable_period": "period",
             "unanswerable_place": "place", "out_of_domain": "ood", "ranking": "rank", "change": "chg",
             "comparison": "cmp", "series": "ser"}
    print(f"generate.py: {len(qs)} questions ({args.subset}) -> {args.out}", file=file)
    print(f"{'source':32} " + " ".join(f"{short[k]:>6}" for k in kinds) + "  total", file=file)
    for s in sorted(by_src):
        c = by_src[s]
        print(f"{s:32} " + " ".join(f"{c[k]:6d}" for k in kinds) + f"  {sum(c.values()):5d}", file=file)
    tot = collections.Counter(q["kind"] for q in qs)
    print(f"{'TOTAL':32} " + " ".join(f"{tot[k]:6d}" for k in kinds) + f"  {len(qs):5d}", file=file)
    base = [q for q in qs if not q.get("derived")]
    der = [q for q in qs if q.get("derived")]
    ans = [q for q in base if q["answerable"]]
    un = [q for q in base if not q["answerable"]]
    lang = collections.Counter(q["lang"] for q in base)
    lang_ans = collections.Counter(q["lang"] for q in ans)
    print(f"single-value: answerable {len(ans)} (ms {lang_ans['ms']}, {lang_ans['ms'] / max(1, len(ans)):.0%}); "
          f"unanswerable incl. empty cells {len(un)}; lang en {lang['en']} ms {lang['ms']} "
          f"({lang['ms'] / max(1, len(base)):.0%} Malay)", file=file)
    lang_d = collections.Counter(q["lang"] for q in der)
    print(f"derived: {len(der)} from {len({q['source'] for q in der})} tables; lang en {lang_d['en']} "
          f"ms {lang_d['ms']} ({lang_d['ms'] / max(1, len(der)):.0%} Malay)", file=file)
    kl = collections.Counter((q["kind"], q["lang"]) for q in qs)
    print("kind x lang (en/ms): " + ", ".join(f"{k} {kl[(k, 'en')]}/{kl[(k, 'ms')]}" for k in kinds), file=file)

if __name__ == "__main__":
    sys.exit(main())
