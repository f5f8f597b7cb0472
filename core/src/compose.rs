//! Composition: resolved candidates + the rows their plans fetched → the answer a person reads,
//! with the value, its unit and period in words, the SQL that produced it, a citation for every
//! row used, a calibrated confidence, and a failure mode that says what the data does have.
//!
//! Nothing is invented: the value is the cited row's own cell; an empty cell is said to be
//! empty; two datasets that would give different numbers for the question are an ambiguity.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::catalogue::{Catalogue, Column, Dataset, Frequency, Role};
use crate::intent::Operation;
use crate::plan::Plan;
use crate::question::{Lang, Period, Question};
use crate::resolve::{period_of, Candidate, How, PeriodPick, Resolution};

pub const NO_MATCH: &str = "no_match";
pub const PERIOD_NOT_AVAILABLE: &str = "period_not_available";
pub const AMBIGUOUS: &str = "ambiguous";
pub const LOW_CONFIDENCE: &str = "low_confidence";
pub const VALUE_NOT_AVAILABLE: &str = "value_not_available";
pub const INCOMPARABLE_UNITS: &str = "incomparable_units";

/// A row a plan fetched.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    pub id: i64,
    pub row_ref: i64,
    pub content: String,
    pub metadata: Map<String, Value>,
    pub period: Option<String>,
    /// Computed plans: the ranked or compared member, the measure's cell read as a number by
    /// SQL, and what SQL computed over the rows (the same on each).
    pub member: Option<String>,
    pub value: Option<String>,
    pub computed: Option<Map<String, Value>>,
}

/// A candidate with its plan and what the plan returned.
#[derive(Debug, Clone)]
pub struct Executed<'a> {
    pub candidate: &'a Candidate,
    pub plan: Option<Plan>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Citation {
    pub source: String,
    pub snippet: String,
    pub page_or_row: i64,
    pub title: Option<String>,
    pub source_url: Option<String>,
    pub similarity: Option<f64>,
    pub id: i64,
}

/// `rag_answer`'s result, field for field.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Answer {
    pub answer: Option<String>,
    pub citations: Vec<Citation>,
    pub confidence: f64,
    pub failure_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// What was done: lookup, ranking, change, comparison or series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// A computed answer's numbers, each from a cited row: {period, value, row, member, label}.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Value>,
    /// What SQL computed from them (difference, percent, rank, first/last/min/max).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The periods a computed answer uses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<String>,
    /// What else the question could mean (an app can ask back).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Value>,
    /// The periods nearest to the one asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub available_periods: Vec<String>,
    /// Assumptions made ("latest period", "all ages"), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

const MONTH_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTH_MS: [&str; 12] = [
    "Januari",
    "Februari",
    "Mac",
    "April",
    "Mei",
    "Jun",
    "Julai",
    "Ogos",
    "September",
    "Oktober",
    "November",
    "Disember",
];

pub(crate) fn frequency(d: &Dataset) -> Frequency {
    if d.frequency == Frequency::Other {
        Frequency::infer(&d.periods)
    } else {
        d.frequency
    }
}

/// A period value in words: "2020", "March 2023" / "Mac 2023", "Q3 2025" / "S3 2025".
pub fn period_words(value: &str, freq: Frequency, lang: Lang) -> String {
    match period_of(value, freq) {
        Some(Period::Year(y)) => y.to_string(),
        Some(Period::Month(y, m)) => {
            let names = if lang == Lang::Ms { MONTH_MS } else { MONTH_EN };
            format!("{} {y}", names[(m - 1) as usize])
        }
        Some(Period::Quarter(y, q)) => match lang {
            Lang::En => format!("Q{q} {y}"),
            Lang::Ms => format!("suku tahun ke-{q} {y}"),
        },
        None => value.to_string(),
    }
}

/// The published number, without float noise: at most three decimals (the structured `value`
/// keeps every digit).
pub(crate) fn number_words(raw: &str, v: f64) -> String {
    let decimals = raw.split('.').nth(1).map_or(0, str::len);
    let shown = if decimals > 3 {
        format!("{:.2}", v)
    } else {
        raw.to_string()
    };
    // a count published as "13334.0" reads "13,334"
    let shown = match shown.split_once('.') {
        Some((i, f)) if f.chars().all(|c| c == '0') => i.to_string(),
        _ => shown,
    };
    // thousands separators for the integer part
    let (int, frac) = match shown.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (shown.clone(), None),
    };
    let (sign, digits) = int
        .strip_prefix('-')
        .map_or(("", int.as_str()), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

pub(crate) fn with_unit(num: &str, unit: Option<&str>) -> String {
    match unit {
        None | Some("") => num.to_string(),
        Some("%") => format!("{num}%"),
        Some(u) if u == "RM" || u.starts_with("RM ") => format!("RM {num}{}", &u[2..]),
        Some(u) => format!("{num} {u}"),
    }
}

/// A column title for prose: "Population ('000)" → "population"; "Inflation (YoY)" stays.
pub(crate) fn title_words(c: &Column, lang: Lang) -> String {
    let t = match lang {
        Lang::Ms => c.title_ms.as_deref().or(c.title_en.as_deref()),
        Lang::En => c.title_en.as_deref(),
    }
    .unwrap_or(&c.name);
    let mut out = String::new();
    let mut depth = 0;
    let mut inner = String::new();
    for ch in t.chars() {
        match ch {
            '(' => {
                depth += 1;
                inner.clear();
            }
            ')' if depth > 0 => {
                depth -= 1;
                // keep qualifiers made of letters (YoY, SA), drop units ('000), (%), (RM)
                let keep = inner.chars().any(char::is_alphabetic)
                    && !["rm", "'000", "000", "%"].contains(&inner.to_lowercase().trim());
                if keep {
                    out.push('(');
                    out.push_str(&inner);
                    out.push(')');
                }
            }
            _ if depth > 0 => inner.push(ch),
            _ => out.push(ch),
        }
    }
    // lower-case every word but acronyms (CPI, GDP, DUN): "Unemployment Rate" → "unemployment rate"
    out.split_whitespace()
        .map(|w| {
            let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
            let acronym = letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase());
            if acronym {
                w.to_string()
            } else {
                w.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn dataset_json(d: &Dataset) -> Value {
    json!({
        "id": d.source,
        "title": d.title_en,
        "title_ms": d.title_ms,
        "data_as_of": d.data_as_of,
        "next_update": d.next_update,
        "source_url": d.source_url,
        "licence": d.licence,
        "catalogue": if d.inferred { "inferred from the data" } else { "publisher" },
    })
}

pub(crate) fn citation(d: &Dataset, r: &Row) -> Citation {
    Citation {
        source: d.source.clone(),
        snippet: r.content.chars().take(300).collect(),
        page_or_row: r.row_ref,
        title: d.title_en.clone(),
        source_url: d.source_url.clone(),
        similarity: None,
        id: r.id,
    }
}

pub(crate) fn cell<'r>(r: &'r Row, col: &str) -> Option<&'r str> {
    match r.metadata.get(col)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    }
}

pub(crate) fn value_label(d: &Dataset, col: &str, value: &str, lang: Lang) -> String {
    d.columns
        .iter()
        .find(|c| c.name == col)
        .and_then(|c| c.values.iter().find(|v| v.value == value))
        .map_or(value.to_string(), |v| v.display(lang).to_string())
}

/// Confidence from the resolution's evidence: the share of the question explained, less each
/// named value the dataset cannot use. Calibrated on the evaluation (tests/eval): answerable
/// questions land at or above 0.6, others below. A dataset without a publisher entry (`inferred`)
/// is known by its column names only, and trusted less.
pub fn confidence(c: &Candidate, inferred: bool, unknown: usize) -> f64 {
    let mut conf = 0.3 + 0.75 * c.coverage.clamp(0.0, 1.0);
    if inferred {
        conf -= 0.25;
    }
    conf -= 0.3 * c.foreign.len() as f64;
    // a word no catalogue text knows ("Germany", "football"): the data may not be about it
    conf -= 0.25 * unknown as f64;
    conf -= 0.3 * c.others_words.len() as f64;
    // a word of another value where the "all" value was taken: the question may ask for that one
    conf -= 0.2 * c.doubts.len() as f64;
    (conf.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}

pub(crate) fn candidate_json(cat: &Catalogue, c: &Candidate, lang: Lang) -> Value {
    let d = &cat.datasets[c.dataset];
    json!({
        "dataset": d.source,
        "title": d.title_en,
        "measure": d.columns[c.measure].name,
        "measure_title": title_words(&d.columns[c.measure], lang),
        "filters": c.filters.iter().filter(|f| f.how == How::Named)
            .map(|f| (f.column.clone(), Value::String(f.value.clone()))).collect::<Map<_, _>>(),
    })
}

pub(crate) fn fail(mode: &str, confidence: f64, text: Option<String>) -> Answer {
    Answer {
        answer: text,
        confidence: confidence.min(0.59),
        failure_mode: Some(mode.to_string()),
        ..Default::default()
    }
}

/// Too little of the question is about the best candidate: what the data has instead.
pub(crate) fn below_threshold(
    cat: &Catalogue,
    res: &Resolution,
    c: &Candidate,
    conf: f64,
    lang: Lang,
) -> Answer {
    let d = &cat.datasets[c.dataset];
    let mode = if c.coverage < 0.35 && c.foreign.is_empty() {
        NO_MATCH
    } else {
        LOW_CONFIDENCE
    };
    let mut f = fail(mode, conf, None);
    f.lang = Some(lang);
    f.candidates = res
        .candidates
        .iter()
        .take(3)
        .map(|c| candidate_json(cat, c, lang))
        .collect();
    if !res.unknown.is_empty() {
        f.notes
            .push(format!("not in the catalogue: {}", res.unknown.join(", ")));
    }
    if !c.foreign.is_empty() {
        f.notes.push(format!(
            "{} has no column for: {}",
            d.source,
            c.foreign.join(", ")
        ));
    }
    f
}

/// A named period the dataset does not have (or not at its frequency): sets the failure on `a`
/// and says so.
pub(crate) fn period_problem(
    a: &mut Answer,
    d: &Dataset,
    m: &Column,
    c: &Candidate,
    freq: Frequency,
    lang: Lang,
) -> bool {
    let conf = a.confidence;
    match &c.period {
        PeriodPick::Unavailable { nearest } => {
            a.failure_mode = Some(PERIOD_NOT_AVAILABLE.into());
            a.confidence = conf.min(0.59);
            a.available_periods = nearest.clone();
            a.answer = Some(format!(
                "{} has no {} for that period; nearest: {}.",
                d.title(),
                title_words(m, lang),
                nearest
                    .iter()
                    .map(|p| period_words(p, freq, lang))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            true
        }
        PeriodPick::OtherFrequency | PeriodPick::NoPeriods => {
            a.failure_mode = Some(PERIOD_NOT_AVAILABLE.into());
            a.confidence = conf.min(0.59);
            let first = d.periods.first().cloned().unwrap_or_default();
            let last = d.periods.last().cloned().unwrap_or_default();
            a.available_periods = vec![first.clone(), last.clone()];
            a.answer = Some(format!(
                "{} is {} data ({} to {}); name a period of that kind.",
                d.title(),
                match freq {
                    Frequency::Annual => "annual",
                    Frequency::Quarterly => "quarterly",
                    Frequency::Monthly => "monthly",
                    Frequency::Other => "dated",
                },
                period_words(&first, freq, lang),
                period_words(&last, freq, lang)
            ));
            true
        }
        _ => false,
    }
}

/// A candidate of another table that fits the question about as well as `top` (score, coverage,
/// no word of another title left unexplained): if it gives another number, the question is
/// ambiguous.
pub fn is_rival(top: &Candidate, c: &Candidate) -> bool {
    c.dataset != top.dataset
        && c.op == top.op
        && c.score >= top.score - 0.3
        && top.coverage - c.coverage < 0.3
        && (c.others_words.is_empty() || !top.others_words.is_empty())
}

/// "data as of …": when the publisher last updated the table (its catalogue's `data_as_of`).
pub(crate) fn as_of_note(a: &mut Answer, d: &Dataset, lang: Lang) {
    if let Some(when) = d.data_as_of.as_deref().filter(|w| !w.is_empty()) {
        a.notes.push(match lang {
            Lang::En => format!("data as of {when}"),
            Lang::Ms => format!("data setakat {when}"),
        });
    }
}

/// A measure's title words in both languages and its name's ("age_0_14": age, 0, 14).
fn measure_words(c: &Column) -> BTreeSet<String> {
    [
        c.title_en.as_deref(),
        c.title_ms.as_deref(),
        Some(&c.name.replace('_', " ")),
    ]
    .into_iter()
    .flatten()
    .flat_map(crate::catalogue::words)
    .collect()
}

/// The measure's unit in the answer's language, or the row's own unit column. A Malay answer
/// has no English unit words: the catalogue's Malay unit, else the English one read in Malay
/// ([`unit_in_malay`]).
pub(crate) fn unit_for(d: &Dataset, m: &Column, row: &Row, lang: Lang) -> Option<String> {
    if lang == Lang::Ms {
        if let Some(u) = &m.unit_ms {
            return Some(u.clone());
        }
    }
    let unit = m.unit.clone().or_else(|| {
        // a unit column in the row itself
        d.columns
            .iter()
            .find(|x| x.role == Role::Attribute && x.name.starts_with("unit"))
            .and_then(|x| cell(row, &x.name))
            .map(str::to_string)
    });
    match lang {
        Lang::En => unit,
        Lang::Ms => unit.as_deref().and_then(unit_in_malay),
    }
}

/// An English unit in a Malay sentence: its symbols ("%", "RM", "'000", "2010 = 100") and its
/// scale words in Malay ("thousand persons" → "ribu", "RM million" → "RM juta", "percent" →
/// "%"); other English words are left out. None when nothing is left.
pub(crate) fn unit_in_malay(unit: &str) -> Option<String> {
    let lower = unit.trim().to_lowercase();
    if matches!(lower.as_str(), "percent" | "per cent" | "percentage") {
        return Some("%".into());
    }
    // (word, whether it stands on its own: a scale, a currency, a percent sign)
    let read: Vec<Option<(&str, bool)>> = unit
        .split_whitespace()
        .map(|w| {
            let bare = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            match bare.as_str() {
                "thousand" | "thousands" => Some(("ribu", true)),
                "million" | "millions" => Some(("juta", true)),
                "billion" | "billions" => Some(("bilion", true)),
                "rm" | "km" | "km2" | "km²" => Some((w, true)),
                _ if w == "%" || w == "'000" => Some((w, true)),
                _ if !w.chars().any(char::is_alphabetic) => Some((w, false)),
                _ => None,
            }
        })
        .collect();
    // with a word left out, numbers and signs ("2010 = 100)") lose their sense
    let whole = read.iter().all(Option::is_some);
    let kept: Vec<&str> = read
        .into_iter()
        .flatten()
        .filter(|(_, alone)| whole || *alone)
        .map(|(w, _)| w)
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

/// The answer for a question from its resolution and the executed plans (best candidate first;
/// the runners-up let two datasets disagreeing on the number show as an ambiguity). The notes
/// begin with the words the question was read with in place of what it typed.
pub fn compose(
    q: &Question,
    cat: &Catalogue,
    res: &Resolution,
    executed: &[Executed<'_>],
    threshold: f64,
) -> Answer {
    let mut a = answer(q, cat, res, executed, threshold);
    let read: Vec<String> = q
        .corrections
        .iter()
        .map(|(typed, read)| match q.lang {
            Lang::En => format!("read '{typed}' as '{read}'"),
            Lang::Ms => format!("'{typed}' dibaca sebagai '{read}'"),
        })
        .collect();
    a.notes.splice(0..0, read);
    a
}

fn answer(
    q: &Question,
    cat: &Catalogue,
    res: &Resolution,
    executed: &[Executed<'_>],
    threshold: f64,
) -> Answer {
    let lang = q.lang;
    let Some(first) = executed.first() else {
        let mut a = fail(NO_MATCH, 0.0, None);
        a.lang = Some(lang);
        return a;
    };
    if first.candidate.op != Operation::Lookup {
        return crate::computed::compose(q, cat, res, executed, threshold);
    }
    // no period named: of the best candidates that fit as well, the one with the newest data
    // (an annual table that stopped in 2019 beside one that goes on to 2022)
    let newest = |e: &Executed<'_>| {
        let f = frequency(&cat.datasets[e.candidate.dataset]);
        e.rows
            .first()
            .and_then(|r| r.period.as_deref())
            .and_then(|p| period_of(p, f))
    };
    // another reading of the same words (a value named in two columns) when this one finds no row
    let first = if first.rows.is_empty() {
        executed
            .iter()
            .find(|e| {
                e.candidate.dataset == first.candidate.dataset
                    && e.candidate.measure == first.candidate.measure
                    && e.candidate.score >= first.candidate.score - 0.1
                    && !e.rows.is_empty()
            })
            .unwrap_or(first)
    } else {
        first
    };
    let top = if matches!(first.candidate.period, PeriodPick::Latest) {
        executed
            .iter()
            .filter(|e| {
                e.candidate.score >= first.candidate.score - 0.4
                    && e.candidate.others_words.is_empty()
                    && !e.rows.is_empty()
            })
            .max_by(|a, b| {
                let (pa, pb) = (newest(a).map(|p| p.year()), newest(b).map(|p| p.year()));
                pa.cmp(&pb)
                    .then(b.candidate.score.total_cmp(&a.candidate.score).reverse())
            })
            .unwrap_or(first)
    } else {
        first
    };
    let c = top.candidate;
    let d = &cat.datasets[c.dataset];
    let m = &d.columns[c.measure];
    let freq = frequency(d);
    let conf = confidence(c, d.inferred, res.unknown.len());
    let mut a = Answer {
        lang: Some(lang),
        dataset: Some(dataset_json(d)),
        measure: Some(json!({"column": m.name, "title": m.title_en, "title_ms": m.title_ms})),
        filters: Some(
            c.filters
                .iter()
                .map(|f| (f.column.clone(), Value::String(f.value.clone())))
                .collect(),
        ),
        sql: top.plan.as_ref().map(Plan::display),
        operation: Some(Operation::Lookup),
        confidence: conf,
        ..Default::default()
    };
    // too little of the question is about this dataset
    if conf < threshold {
        return below_threshold(cat, res, c, conf, lang);
    }
    // the period
    if period_problem(&mut a, d, m, c, freq, lang) {
        return a;
    }
    match &c.period {
        PeriodPick::Several(_) | PeriodPick::Span { .. } => {
            a.failure_mode = Some(AMBIGUOUS.into());
            a.confidence = conf.min(0.59);
            a.notes.push(
                "the question names several periods: a change or a series, not one value".into(),
            );
            return a;
        }
        _ => {}
    }
    // rows at one period
    let first_period = top.rows.first().and_then(|r| r.period.clone());
    let rows: Vec<&Row> = top
        .rows
        .iter()
        .filter(|r| r.period == first_period)
        .collect();
    a.citations = rows.iter().take(10).map(|r| citation(d, r)).collect();
    if rows.is_empty() {
        a.failure_mode = Some(if matches!(c.period, PeriodPick::Exact(_)) {
            PERIOD_NOT_AVAILABLE.into()
        } else {
            NO_MATCH.into()
        });
        a.confidence = conf.min(0.59);
        a.answer = Some(format!(
            "{} has no row for these values{}.",
            d.title(),
            match &c.period {
                PeriodPick::Exact(p) => format!(" in {}", period_words(p, freq, lang)),
                _ => String::new(),
            }
        ));
        return a;
    }
    if rows.len() > 1 || !c.open.is_empty() || !c.several.is_empty() {
        // which columns tell the rows apart
        let mut differ: Vec<(String, Vec<String>)> = Vec::new();
        for col in d.columns.iter().filter(|x| x.role == Role::Dimension) {
            let mut vals: Vec<String> = rows
                .iter()
                .filter_map(|r| cell(r, &col.name).map(str::to_string))
                .collect();
            vals.sort();
            vals.dedup();
            if vals.len() > 1 {
                differ.push((col.name.clone(), vals));
            }
        }
        a.failure_mode = Some(AMBIGUOUS.into());
        a.confidence = conf.min(0.59);
        a.candidates = differ
            .iter()
            .map(|(col, vals)| {
                json!({"column": col, "values": vals.iter().take(20)
                    .map(|v| json!({"value": v, "label": value_label(d, col, v, lang)}))
                    .collect::<Vec<_>>()})
            })
            .collect();
        a.answer = Some(format!(
            "{} has {} rows for this question; name one {}.",
            d.title(),
            rows.len(),
            differ
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        ));
        return a;
    }
    let row = rows[0];
    let period = row.period.clone();
    a.period = period.clone();
    let Some(raw) = cell(row, &m.name) else {
        a.failure_mode = Some(VALUE_NOT_AVAILABLE.into());
        a.confidence = conf.min(0.59);
        a.answer = Some(format!(
            "The published cell for {} is empty in this row of {}.",
            title_words(m, lang),
            d.title()
        ));
        return a;
    };
    let Ok(v) = raw.replace(',', "").parse::<f64>() else {
        a.failure_mode = Some(VALUE_NOT_AVAILABLE.into());
        a.confidence = conf.min(0.59);
        a.answer = Some(format!("The cell holds \"{raw}\", not a number."));
        return a;
    };
    // the runners-up: a close candidate of another dataset that gives another number for the
    // same period (one that leaves a word of another table's title unexplained, when this one
    // does not, is no rival: "core" CPI is not the headline CPI)
    let this_period = row.period.as_deref().and_then(|p| period_of(p, freq));
    // the question's words and this measure's, read once, when a sibling measure competes
    let sibling_words: std::cell::OnceCell<(BTreeSet<String>, BTreeSet<String>)> =
        std::cell::OnceCell::new();
    for other in executed.iter() {
        let oc = other.candidate;
        if std::ptr::eq(oc, c)
            || oc.score < c.score - 0.6
            || oc.dataset == c.dataset && oc.measure == c.measure
        {
            continue;
        }
        if !oc.others_words.is_empty() && c.others_words.is_empty() {
            continue;
        }
        // a candidate that explains far less of the question is no rival
        if c.coverage - oc.coverage >= 0.3 {
            continue;
        }
        // another measure of the same table whose title has no word of the question that this
        // one's lacks ("death rate": the deaths are no rival of the rate; "aged 0-14" keeps
        // age_0_14 a rival of the total)
        if oc.dataset == c.dataset {
            let (asked, known) = sibling_words.get_or_init(|| {
                let asked: BTreeSet<String> = q
                    .tokens
                    .iter()
                    .map(|t| crate::question::stem(t).to_string())
                    .collect();
                // the table's own subject ("consumer price index" of a CPI table) is both's
                let mut known = measure_words(m);
                known.extend(d.texts().flat_map(crate::catalogue::words));
                (asked, known)
            });
            let theirs = measure_words(&cat.datasets[oc.dataset].columns[oc.measure]);
            if theirs
                .iter()
                .all(|w| !asked.contains(w) || known.contains(w))
            {
                continue;
            }
        }
        let od_freq = frequency(&cat.datasets[oc.dataset]);
        let other_period = other
            .rows
            .first()
            .and_then(|r| r.period.as_deref())
            .and_then(|p| period_of(p, od_freq));
        let od = &cat.datasets[oc.dataset];
        let om = &od.columns[oc.measure];
        // no period named: another table that fits and goes on to a later period has the latest
        // figure, not this one ("the latest CPI" from a table that stopped in 2023)
        let other_raw = other.rows.first().and_then(|r| r.period.as_deref());
        if oc.dataset != c.dataset
            && matches!(c.period, PeriodPick::Latest)
            && matches!(oc.period, PeriodPick::Latest)
            // the same kind of figure, as often, explaining about as much of the question
            && od_freq == freq
            && om.unit == m.unit
            && c.coverage - oc.coverage < 0.2
            && this_period.is_some()
            && other_period > this_period
            && other.rows.first().and_then(|r| cell(r, &om.name)).is_some()
        {
            a.failure_mode = Some(AMBIGUOUS.into());
            a.confidence = conf.min(0.59);
            a.candidates = vec![candidate_json(cat, c, lang), candidate_json(cat, oc, lang)];
            a.answer = Some(format!(
                "Two tables fit this question: {} has {} for {}, and {} goes on to {}.",
                d.title(),
                raw,
                period
                    .as_deref()
                    .map(|p| period_words(p, freq, lang))
                    .unwrap_or_default(),
                od.title(),
                other_raw
                    .map(|p| period_words(p, od_freq, lang))
                    .unwrap_or_default(),
            ));
            return a;
        }
        if other_period != this_period {
            continue;
        }
        let ov = other
            .rows
            .first()
            .and_then(|r| cell(r, &om.name))
            .and_then(|s| s.parse::<f64>().ok());
        if let Some(ov) = ov {
            if (ov - v).abs() > 1e-9 * v.abs().max(1.0) && oc.score > c.score - 0.3 {
                a.failure_mode = Some(AMBIGUOUS.into());
                a.confidence = conf.min(0.59);
                a.candidates = vec![candidate_json(cat, c, lang), candidate_json(cat, oc, lang)];
                a.answer = Some(format!(
                    "Two tables fit this question and give different numbers: {} ({}) and {} ({}).",
                    d.title(),
                    raw,
                    od.title(),
                    ov
                ));
                return a;
            }
        }
    }
    let unit = unit_for(d, m, row, lang);
    a.value = Some(v);
    a.unit = unit.clone();
    let named: Vec<String> = c
        .filters
        .iter()
        .filter(|f| f.how == How::Named)
        .map(|f| value_label(d, &f.column, &f.value, lang))
        .collect();
    let when = period
        .as_deref()
        .map(|p| period_words(p, freq, lang))
        .unwrap_or_default();
    as_of_note(&mut a, d, lang);
    if matches!(c.period, PeriodPick::Latest) && period.is_some() {
        a.notes.push(match lang {
            Lang::En => format!("no period named: the latest available, {when}"),
            Lang::Ms => format!("tiada tempoh dinyatakan: yang terkini, {when}"),
        });
    }
    for f in c.filters.iter().filter(|f| f.how == How::Default) {
        a.notes.push(format!(
            "{} = {} (not named in the question)",
            f.column,
            value_label(d, &f.column, &f.value, lang)
        ));
    }
    let mut title = title_words(m, lang);
    let mut named = named;
    // a table of indicators ("indicator, area, value"): the named indicator is the subject
    if ["value", "nilai", "amount", "jumlah"].contains(&title.as_str()) && !named.is_empty() {
        title = named.remove(0);
    }
    let amount = with_unit(&number_words(raw, v), unit.as_deref());
    let latest = matches!(c.period, PeriodPick::Latest);
    a.answer = Some(match lang {
        Lang::En => {
            let mut s = format!("The {title}");
            if !named.is_empty() {
                s.push_str(&format!(" for {}", named.join(", ")));
            }
            s.push_str(&format!(" was {amount}"));
            if !when.is_empty() {
                s.push_str(&format!(" in {when}"));
                if latest {
                    s.push_str(" (latest available)");
                }
            }
            s.push_str(&format!(" ({}).", d.title()));
            s
        }
        Lang::Ms => {
            let mut s = title.clone();
            let mut chars = s.chars();
            if let Some(f) = chars.next() {
                s = f.to_uppercase().collect::<String>() + chars.as_str();
            }
            if !named.is_empty() {
                s.push_str(&format!(" bagi {}", named.join(", ")));
            }
            s.push_str(&format!(" ialah {amount}"));
            if !when.is_empty() {
                s.push_str(&format!(" pada {when}"));
                if latest {
                    s.push_str(" (terkini)");
                }
            }
            s.push_str(&format!(
                " ({}).",
                d.title_ms.as_deref().unwrap_or(d.title())
            ));
            s
        }
    });
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan;
    use crate::question::parse;
    use crate::resolve::{resolve, tests::catalogue, Index};

    fn row(meta: Value, period: &str) -> Row {
        Row {
            id: 7,
            row_ref: 42,
            content: "row".into(),
            metadata: meta.as_object().unwrap().clone(),
            period: Some(period.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_later_table_of_the_same_figure_makes_the_latest_ambiguous() {
        // a second state table that goes on a year later
        let mut cat = catalogue();
        let mut newer = cat.datasets[0].clone();
        newer.source = "population_state_2025".into();
        newer.periods.push("2025-01-01".into());
        cat.datasets.push(newer);
        let ix = Index::build(&cat);
        let q = parse("What is the population of Johor?");
        let res = resolve(&q, &cat, &ix, &|_, _| None);
        let a = &res.candidates[0];
        // a runner-up further behind than the newest-wins margin (0.4), executed all the same
        let mut b = res.candidates[1].clone();
        assert_ne!(a.dataset, b.dataset);
        b.score = a.score - 0.5;
        let b = &b;
        fn rows<'a>(cat: &Catalogue, d: &'a Candidate, period: &str, v: &str) -> Executed<'a> {
            Executed {
                candidate: d,
                plan: plan(cat, d),
                rows: vec![row(json!({"state": "Johor", "population": v}), period)],
            }
        }
        // the best's row stops a year before the runner-up's
        let ex = vec![
            rows(&cat, a, "2024-01-01", "4100.0"),
            rows(&cat, b, "2025-01-01", "4150.0"),
        ];
        let out = compose(&q, &cat, &res, &ex, 0.6);
        assert_eq!(
            out.failure_mode.as_deref(),
            Some(AMBIGUOUS),
            "{:?}",
            out.answer
        );
        // the same two, both at the same latest period and value: one answer
        let ex = vec![
            rows(&cat, a, "2025-01-01", "4150.0"),
            rows(&cat, b, "2025-01-01", "4150.0"),
        ];
        let out = compose(&q, &cat, &res, &ex, 0.6);
        assert_eq!(out.failure_mode, None, "{:?}", out.answer);
        assert_eq!(out.value, Some(4150.0));
    }

    fn answer_with(question: &str, rows: Vec<Row>) -> Answer {
        let cat = catalogue();
        let ix = Index::build(&cat);
        let q = parse(question);
        let res = resolve(&q, &cat, &ix, &|_, _| None);
        let ex = vec![Executed {
            candidate: &res.candidates[0],
            plan: plan(&cat, &res.candidates[0]),
            rows,
        }];
        compose(&q, &cat, &res, &ex, 0.6)
    }

    #[test]
    fn a_lookup_in_words_with_unit_period_and_sql() {
        let a = answer_with(
            "What was the population of Penang in 2020?",
            vec![row(
                json!({"state": "Pulau Pinang", "date": "2020-01-01", "sex": "both", "population": "1740.4"}),
                "2020-01-01",
            )],
        );
        assert_eq!(a.failure_mode, None);
        assert_eq!(a.value, Some(1740.4));
        assert_eq!(
            a.answer.as_deref(),
            Some("The population for Pulau Pinang was 1,740.4 thousand in 2020 (Population Table: States).")
        );
        assert!(a.confidence >= 0.6);
        assert_eq!(a.citations.len(), 1);
        assert!(a.sql.unwrap().contains("'population_state'"));
    }

    #[test]
    fn malay_answer() {
        let a = answer_with(
            "Berapakah kadar pengangguran pada 2020?",
            vec![row(
                json!({"date": "2020-01-01", "u_rate": "4.5"}),
                "2020-01-01",
            )],
        );
        assert_eq!(
            a.answer.as_deref(),
            Some("Kadar pengangguran ialah 4.5% pada 2020 (Statistik Tenaga Buruh Tahunan Utama).")
        );
    }

    #[test]
    fn an_empty_cell_is_never_quoted() {
        let a = answer_with(
            "unemployment rate in 2020",
            vec![row(
                json!({"date": "2020-01-01", "u_rate": null}),
                "2020-01-01",
            )],
        );
        assert_eq!(a.failure_mode.as_deref(), Some(VALUE_NOT_AVAILABLE));
        assert_eq!(a.value, None);
        assert!(a.confidence < 0.6);
    }

    #[test]
    fn several_rows_are_an_ambiguity() {
        let a = answer_with(
            "population of Johor in 2020",
            vec![
                row(
                    json!({"state": "Johor", "district": "Johor Bahru", "population": "1"}),
                    "2020-01-01",
                ),
                row(
                    json!({"state": "Johor", "district": "Kluang", "population": "2"}),
                    "2020-01-01",
                ),
            ],
        );
        assert_eq!(a.failure_mode.as_deref(), Some(AMBIGUOUS));
        assert!(a.confidence < 0.6);
    }

    #[test]
    fn a_misspelt_word_is_read_as_the_catalogue_word_and_said() {
        let cat = catalogue();
        let ix = Index::build(&cat);
        let rows = || {
            vec![row(
                json!({"date": "2020-01-01", "u_rate": "4.5"}),
                "2020-01-01",
            )]
        };
        let run = |text: &str| {
            let q = crate::spell::correct(&parse(text), &ix.spelling);
            let res = resolve(&q, &cat, &ix, &|_, _| None);
            let ex = vec![Executed {
                candidate: &res.candidates[0],
                plan: plan(&cat, &res.candidates[0]),
                rows: rows(),
            }];
            compose(&q, &cat, &res, &ex, 0.6)
        };
        let typed = run("What was the unemplyment rate in 2020?");
        let right = run("What was the unemployment rate in 2020?");
        assert_eq!(typed.failure_mode, None);
        assert_eq!(typed.answer, right.answer);
        assert_eq!(typed.confidence, right.confidence);
        assert_eq!(typed.notes[0], "read 'unemplyment' as 'unemployment'");
        assert!(!right.notes.iter().any(|n| n.starts_with("read ")));
        let ms = run("Berapakah kadar penganguran pada 2020?");
        assert_eq!(ms.failure_mode, None);
        assert_eq!(ms.notes[0], "'penganguran' dibaca sebagai 'pengangguran'");
    }

    #[test]
    fn out_of_domain_abstains() {
        let a = answer_with("Who won the 2022 FIFA World Cup?", vec![]);
        assert!(a.failure_mode.is_some());
        assert!(a.confidence < 0.6);
        assert_eq!(a.value, None);
    }

    #[test]
    fn a_malay_sentence_has_no_english_unit_words() {
        assert_eq!(unit_in_malay("thousand persons").as_deref(), Some("ribu"));
        assert_eq!(unit_in_malay("RM million").as_deref(), Some("RM juta"));
        assert_eq!(unit_in_malay("percent").as_deref(), Some("%"));
        assert_eq!(unit_in_malay("%").as_deref(), Some("%"));
        assert_eq!(unit_in_malay("births"), None);
        assert_eq!(unit_in_malay("index"), None);
        assert_eq!(unit_in_malay("(index, 2010 = 100)"), None);
        assert_eq!(unit_in_malay("'000 persons").as_deref(), Some("'000"));
        let a = answer_with(
            "Berapakah penduduk Johor pada 2020?",
            vec![row(
                json!({"state": "Johor", "date": "2020-01-01", "sex": "both", "population": "4009.7"}),
                "2020-01-01",
            )],
        );
        let text = a.answer.unwrap();
        assert!(text.contains("4,009.7 ribu"), "{text}");
        assert!(!text.contains("thousand"), "{text}");
        assert_eq!(a.unit.as_deref(), Some("ribu"));
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(number_words("1740.4", 1740.4), "1,740.4");
        assert_eq!(
            number_words("13.43226327478296", 13.43226327478296),
            "13.43"
        );
        assert_eq!(number_words("-2107", -2107.0), "-2,107");
        assert_eq!(
            period_words("2023-03-01", Frequency::Monthly, Lang::Ms),
            "Mac 2023"
        );
        assert_eq!(
            period_words("2025-07-01", Frequency::Quarterly, Lang::En),
            "Q3 2025"
        );
    }
}
