//! Composition of computed answers: rankings, changes, comparisons and series. The numbers are
//! what SQL computed over the exact rows (src/execute.rs runs `plan::RANKING` …); this module
//! only checks that the rows can be combined (one row per member or period, one unit), words
//! the result with its unit and periods, and cites every row it names.

use serde_json::{json, Map, Value};

use crate::catalogue::{Catalogue, Column, Dataset, Frequency, Role};
use crate::compose::{
    as_of_note, below_threshold, candidate_json, cell, citation, confidence, dataset_json,
    frequency, is_rival, number_words, period_problem, period_words, title_words, unit_for,
    value_label, with_unit, Answer, Executed, Row, AMBIGUOUS, INCOMPARABLE_UNITS, NO_MATCH,
    PERIOD_NOT_AVAILABLE, VALUE_NOT_AVAILABLE,
};
use crate::intent::{Direction, Operation};
use crate::plan::{Plan, RANKED};
use crate::question::{Lang, Question};
use crate::resolve::{period_of, Candidate, How, PeriodPick, Resolution};

/// A number SQL computed, as JSON.
fn num(m: &Map<String, Value>, key: &str) -> Option<f64> {
    m.get(key).and_then(Value::as_f64)
}

/// Decimals a raw cell shows ("3.40" → 2).
fn decimals(raw: &str) -> usize {
    raw.split('.').nth(1).map_or(0, str::len).min(3)
}

/// A computed number with as many decimals as its inputs show.
fn shown(v: f64, dec: usize) -> String {
    let s = format!("{v:.dec$}");
    number_words(&s, s.parse().unwrap_or(v))
}

/// The unit a difference is in: percentage points for a percentage.
fn difference_unit(unit: Option<&str>, lang: Lang) -> Option<String> {
    if unit == Some("%") {
        return Some(
            match lang {
                Lang::En => "percentage points",
                Lang::Ms => "mata peratusan",
            }
            .to_string(),
        );
    }
    unit.map(str::to_string)
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn row_value(r: &Row) -> Option<(f64, &str)> {
    let raw = r.value.as_deref()?;
    Some((raw.parse().ok()?, raw))
}

/// What a computed plan's rows amount to, for comparing two tables: their periods, and the
/// difference SQL computed, else the first row's member and value (a ranking) or the last
/// value (a series).
fn headline(rows: &[Row]) -> Option<(Vec<String>, Option<String>, Option<f64>)> {
    let first = rows.first()?;
    let mut periods: Vec<String> = rows.iter().filter_map(|r| r.period.clone()).collect();
    periods.dedup();
    let diff = first.computed.as_ref().and_then(|m| num(m, "difference"));
    Some(match diff {
        Some(d) => (periods, None, Some(d)),
        None => (
            periods,
            first.member.clone(),
            rows.last().and_then(row_value).map(|x| x.0),
        ),
    })
}

/// The answer for a computed operation (the best candidate's; runners-up only when its plan
/// found nothing).
pub fn compose(
    q: &Question,
    cat: &Catalogue,
    res: &Resolution,
    executed: &[Executed<'_>],
    threshold: f64,
) -> Answer {
    let lang = q.lang;
    let first = &executed[0];
    let top = executed
        .iter()
        .find(|e| {
            !e.rows.is_empty()
                && e.candidate.op == first.candidate.op
                && e.candidate.score >= first.candidate.score - 0.1
        })
        .unwrap_or(first);
    let c = top.candidate;
    let d = &cat.datasets[c.dataset];
    let m = &d.columns[c.measure];
    let freq = frequency(d);
    let conf = confidence(c, d.inferred, res.unknown.len());
    if conf < threshold {
        let mut f = below_threshold(cat, res, c, conf, lang);
        f.operation = Some(c.op);
        return f;
    }
    let mut a = Answer {
        lang: Some(lang),
        operation: Some(c.op),
        dataset: Some(dataset_json(d)),
        measure: Some(json!({"column": m.name, "title": m.title_en, "title_ms": m.title_ms})),
        filters: Some(
            c.filters
                .iter()
                .map(|f| (f.column.clone(), Value::String(f.value.clone())))
                .collect(),
        ),
        sql: top.plan.as_ref().map(Plan::display),
        confidence: conf,
        ..Default::default()
    };
    if period_problem(&mut a, d, m, c, freq, lang) {
        return a;
    }
    // no end named ("over the last 6 months", "since 2005"): another table of the same kind of
    // figure that goes on to a later period has the answer, not this one
    let last_period = |rows: &[Row]| {
        rows.iter()
            .filter_map(|r| r.period.clone())
            .max_by_key(|p| period_of(p, freq))
    };
    let open_end = matches!(
        c.period,
        PeriodPick::Latest | PeriodPick::Span { to: None, .. }
    );
    let newer = executed.iter().find(|e| {
        let (od, om) = (
            &cat.datasets[e.candidate.dataset],
            &cat.datasets[e.candidate.dataset].columns[e.candidate.measure],
        );
        open_end
            && is_rival(c, e.candidate)
            && frequency(od) == freq
            && om.unit == m.unit
            && last_period(&e.rows).and_then(|p| period_of(&p, freq))
                > last_period(&top.rows).and_then(|p| period_of(&p, freq))
    });
    if let Some(r) = newer {
        let od = &cat.datasets[r.candidate.dataset];
        let end = last_period(&r.rows).unwrap_or_default();
        a.candidates = vec![
            candidate_json(cat, c, lang),
            candidate_json(cat, r.candidate, lang),
        ];
        a.failure_mode = Some(AMBIGUOUS.into());
        a.confidence = a.confidence.min(0.59);
        a.answer = Some(format!(
            "Two tables fit this question: {} ends at {}, {} goes on to {}; name the table or the period.",
            d.title(),
            last_period(&top.rows)
                .map(|p| period_words(&p, freq, lang))
                .unwrap_or_default(),
            od.title(),
            period_words(&end, freq, lang)
        ));
        return a;
    }
    // another table that fits as well and computes another result
    let head = headline(&top.rows);
    let rival = executed.iter().find(|e| {
        let h = headline(&e.rows);
        // at the same periods (a table a year behind answers another question)
        is_rival(c, e.candidate)
            && h.is_some()
            && h.as_ref().map(|x| &x.0) == head.as_ref().map(|x| &x.0)
            && h != head
    });
    if let Some(r) = rival {
        let od = &cat.datasets[r.candidate.dataset];
        a.candidates = vec![
            candidate_json(cat, c, lang),
            candidate_json(cat, r.candidate, lang),
        ];
        a.failure_mode = Some(AMBIGUOUS.into());
        a.confidence = a.confidence.min(0.59);
        a.answer = Some(format!(
            "Two tables fit this question and give different results: {} ({}) and {} ({}); name the measure.",
            d.title(),
            title_words(m, lang),
            od.title(),
            title_words(&od.columns[r.candidate.measure], lang)
        ));
        return a;
    }
    let refuse = |mut a: Answer, mode: &str, text: String| {
        a.failure_mode = Some(mode.to_string());
        a.confidence = a.confidence.min(0.59);
        a.answer = Some(text);
        a
    };
    if top.plan.is_none() {
        let mut choices = Vec::new();
        let text = unplanned(c, d, lang, &mut choices);
        a.candidates = choices;
        return refuse(a, AMBIGUOUS, text);
    }
    let rows = &top.rows;
    if rows.is_empty() {
        return refuse(
            a,
            NO_MATCH,
            format!("{} has no rows for these values and periods.", d.title()),
        );
    }
    // one unit: a unit column in the rows must say the same on each
    if let Some(uc) = d
        .columns
        .iter()
        .find(|x| x.role == Role::Attribute && x.name.starts_with("unit"))
    {
        let mut units: Vec<&str> = rows.iter().filter_map(|r| cell(r, &uc.name)).collect();
        units.sort_unstable();
        units.dedup();
        if units.len() > 1 {
            a.citations = rows.iter().map(|r| citation(d, r)).collect();
            return refuse(
                a,
                INCOMPARABLE_UNITS,
                format!(
                    "These rows of {} are in different units ({}); they are not combined.",
                    d.title(),
                    units.join(", ")
                ),
            );
        }
    }
    a.citations = rows.iter().map(|r| citation(d, r)).collect();
    let unit = unit_for(d, m, &rows[0], lang);
    let mut named: Vec<String> = c
        .filters
        .iter()
        .filter(|f| f.how == How::Named)
        .map(|f| value_label(d, &f.column, &f.value, lang))
        .collect();
    // a table of indicators ("indicator, area, value"): the named indicator is the subject
    let mut base = title_words(m, lang);
    if ["value", "nilai", "amount", "jumlah"].contains(&base.as_str()) && !named.is_empty() {
        base = named.remove(0);
    }
    // a long unit ("(index, 2010 = 100)") is said once, after the measure, not after each number
    let long = unit
        .as_deref()
        .is_some_and(|u| u.contains('(') || u.contains('='));
    let title = match (&unit, long) {
        (Some(u), true) => format!(
            "{base} [{}]",
            u.trim_start_matches('(').trim_end_matches(')')
        ),
        _ => base,
    };
    let ctx = Ctx {
        d,
        m,
        c,
        freq,
        lang,
        unit: if long { None } else { unit.clone() },
        named,
        title,
    };
    let over = c.over.as_deref().unwrap_or("");
    a.values = rows
        .iter()
        .map(|r| {
            let mut v = json!({
                "period": r.period,
                "value": row_value(r).map(|x| x.0),
                "row": r.row_ref,
            });
            if let Some(mem) = &r.member {
                v["member"] = json!(mem);
                v["label"] = json!(value_label(d, over, mem, lang));
            }
            v
        })
        .collect();
    let mut periods: Vec<String> = rows.iter().filter_map(|r| r.period.clone()).collect();
    periods.sort();
    periods.dedup();
    a.periods = periods;
    a.unit = unit;
    as_of_note(&mut a, d, lang);
    for f in c.filters.iter().filter(|f| f.how == How::Default) {
        a.notes.push(format!(
            "{} = {} (not named in the question)",
            f.column,
            value_label(d, &f.column, &f.value, lang)
        ));
    }
    let worded = match c.op {
        Operation::Ranking => ranking(&ctx, rows, &mut a),
        Operation::Comparison => comparison(&ctx, rows, &mut a),
        Operation::Change => change(&ctx, rows, &mut a),
        Operation::Series => series(&ctx, rows, &mut a),
        Operation::Lookup => Err((NO_MATCH, String::new())),
    };
    match worded {
        Ok(text) => {
            a.answer = Some(text);
            a
        }
        Err((mode, text)) => refuse(a, mode, text),
    }
}

/// Why a computed candidate has no plan: a dimension left open, several values where one is
/// needed; with the values to choose from.
fn unplanned(c: &Candidate, d: &Dataset, lang: Lang, out: &mut Vec<Value>) -> String {
    let mut cols: Vec<String> = c.open.clone();
    cols.extend(c.several.iter().map(|(col, _)| col.clone()));
    for col in &cols {
        if let Some(x) = d.columns.iter().find(|x| x.name == *col) {
            out.push(json!({"column": col, "values": x.values.iter().take(20)
                .map(|v| json!({"value": v.value, "label": v.display(lang)}))
                .collect::<Vec<_>>()}));
        }
    }
    let what = match c.op {
        Operation::Ranking if c.over.is_none() => "name what to rank (state, district …)".into(),
        Operation::Comparison => "name two or more values of one dimension".into(),
        Operation::Change => "name one series and two periods".into(),
        _ if !cols.is_empty() => format!("name one {}", cols.join(" and ")),
        _ => "name one series".into(),
    };
    format!(
        "{} has several series for this question; {what}.",
        d.title()
    )
}

struct Ctx<'a> {
    d: &'a Dataset,
    m: &'a Column,
    c: &'a Candidate,
    freq: Frequency,
    lang: Lang,
    unit: Option<String>,
    named: Vec<String>,
    title: String,
}

type Worded = Result<String, (&'static str, String)>;

impl Ctx<'_> {
    fn amount(&self, v: f64, raw: &str) -> String {
        with_unit(&number_words(raw, v), self.unit.as_deref())
    }
    fn when(&self, p: Option<&str>) -> String {
        p.map(|p| period_words(p, self.freq, self.lang))
            .unwrap_or_default()
    }
    fn source(&self) -> &str {
        match self.lang {
            Lang::En => self.d.title(),
            Lang::Ms => self.d.title_ms.as_deref().unwrap_or(self.d.title()),
        }
    }
    fn for_named(&self) -> String {
        if self.named.is_empty() {
            return String::new();
        }
        match self.lang {
            Lang::En => format!(" for {}", self.named.join(", ")),
            Lang::Ms => format!(" bagi {}", self.named.join(", ")),
        }
    }
    fn latest_note(&self, a: &mut Answer, when: &str) {
        a.notes.push(match self.lang {
            Lang::En => format!("no period named: the latest available, {when}"),
            Lang::Ms => format!("tiada tempoh dinyatakan: yang terkini, {when}"),
        });
    }
}

fn empty(ctx: &Ctx<'_>, r: &Row) -> (&'static str, String) {
    (
        VALUE_NOT_AVAILABLE,
        format!(
            "The published cell for {} is empty in {} ({}).",
            ctx.title,
            ctx.when(r.period.as_deref()),
            ctx.d.title()
        ),
    )
}

fn ranking(ctx: &Ctx<'_>, rows: &[Row], a: &mut Answer) -> Worded {
    let (c, lang) = (ctx.c, ctx.lang);
    let over = c.over.as_deref().unwrap_or_default();
    let mut members: Vec<&str> = rows.iter().filter_map(|r| r.member.as_deref()).collect();
    members.sort_unstable();
    members.dedup();
    if members.len() < rows.len() {
        return Err((
            AMBIGUOUS,
            format!(
                "{} has several rows for each {over}; name the other values.",
                ctx.d.title()
            ),
        ));
    }
    let computed = rows[0].computed.clone().unwrap_or_default();
    let of = num(&computed, "of").unwrap_or(rows.len() as f64) as usize;
    // every ranked row, not only those listed: one per member
    if num(&computed, "members").is_some_and(|m| (m as usize) < of) {
        return Err((
            AMBIGUOUS,
            format!(
                "{} has several rows for some {over}; name the other values.",
                ctx.d.title()
            ),
        ));
    }
    let rank = |r: &Row| r.computed.as_ref().and_then(|m| num(m, "rank"));
    // members tied for first place are all first
    let tied = rows
        .iter()
        .take_while(|r| rank(r) == Some(1.0))
        .count()
        .max(1);
    let period = rows[0].period.clone();
    let when = ctx.when(period.as_deref());
    if matches!(c.period, PeriodPick::Latest) {
        ctx.latest_note(a, &when);
    }
    let n = c.n.unwrap_or(1).max(tied).min(rows.len());
    let listed: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let label = value_label(ctx.d, over, r.member.as_deref().unwrap_or(""), lang);
            let amount = row_value(r).map_or(String::new(), |(v, raw)| ctx.amount(v, raw));
            (label, amount)
        })
        .collect();
    let top = row_value(&rows[0]).map(|x| x.0);
    a.value = top;
    a.result = Some(json!({
        "column": over,
        "direction": c.direction,
        "n": n,
        "period": period,
        "ranked": of,
    }));
    let high = c.direction == Direction::Desc;
    let rest: Vec<String> = listed[n..]
        .iter()
        .take(RANKED.max(n) - n.min(RANKED))
        .map(|(l, v)| format!("{l} ({v})"))
        .collect();
    let and = match lang {
        Lang::En => " and ",
        Lang::Ms => " dan ",
    };
    let join = |v: &[String]| match v.len() {
        0 => String::new(),
        1 => v[0].clone(),
        _ => format!("{}{and}{}", v[..v.len() - 1].join(", "), v[v.len() - 1]),
    };
    let noun = ctx
        .d
        .columns
        .iter()
        .find(|x| x.name == over)
        .map(|x| title_words(x, lang))
        .unwrap_or_else(|| over.to_string());
    // a ranking over one member is no ranking: say that it is the only one in the data
    if of == 1 {
        return Ok(only_one(ctx, &noun, &when, &listed[0]));
    }
    if tied > 1 && c.n.unwrap_or(1) == 1 {
        let names: Vec<String> = listed[..tied].iter().map(|(l, _)| l.clone()).collect();
        return Ok(match lang {
            Lang::En => format!(
                "{} tied for the {} {}{} in {when}, {} each ({}).",
                join(&names),
                if high { "highest" } else { "lowest" },
                ctx.title,
                ctx.for_named(),
                listed[0].1,
                ctx.source()
            ),
            Lang::Ms => format!(
                "{} sama-sama mencatatkan {} {}{} pada {when}, {} ({}).",
                join(&names),
                ctx.title,
                if high { "tertinggi" } else { "terendah" },
                ctx.for_named(),
                listed[0].1,
                ctx.source()
            ),
        });
    }
    Ok(match (lang, n) {
        (Lang::En, 1) => {
            let mut s = format!(
                "{} had the {} {}{} in {when}, {}",
                listed[0].0,
                if high { "highest" } else { "lowest" },
                ctx.title,
                ctx.for_named(),
                listed[0].1
            );
            if !rest.is_empty() {
                s.push_str(&format!(", followed by {}", join(&rest)));
            }
            s.push_str(&format!(" (of {of}, {}).", ctx.source()));
            s
        }
        (Lang::Ms, 1) => {
            let mut s = format!(
                "{} mencatatkan {} {}{} pada {when}, {}",
                listed[0].0,
                ctx.title,
                if high { "tertinggi" } else { "terendah" },
                ctx.for_named(),
                listed[0].1
            );
            if !rest.is_empty() {
                s.push_str(&format!(", diikuti {}", join(&rest)));
            }
            s.push_str(&format!(" (daripada {of}, {}).", ctx.source()));
            s
        }
        (Lang::En, _) => format!(
            "{} {}{} in {when}, {} {n} of {of} by {noun}: {} ({}).",
            capitalised(if high { "highest" } else { "lowest" }),
            ctx.title,
            ctx.for_named(),
            if high { "top" } else { "bottom" },
            numbered(&listed[..n]),
            ctx.source()
        ),
        (Lang::Ms, _) => format!(
            "{} {}{} pada {when}, {n} {} daripada {of} mengikut {noun}: {} ({}).",
            capitalised(&ctx.title),
            if high { "tertinggi" } else { "terendah" },
            ctx.for_named(),
            if high { "teratas" } else { "terbawah" },
            numbered(&listed[..n]),
            ctx.source()
        ),
    })
}

/// A ranking's one member: "Only one state is in the data for Q3 2025: Sabah, … 5.7%".
fn only_one(ctx: &Ctx<'_>, noun: &str, when: &str, (label, amount): &(String, String)) -> String {
    match ctx.lang {
        Lang::En => format!(
            "Only one {noun} is in the data for {when}: {label}, {} {amount}{} ({}).",
            ctx.title,
            ctx.for_named(),
            ctx.source()
        ),
        Lang::Ms => format!(
            "Hanya satu {noun} dalam data bagi {when}: {label}, {} {amount}{} ({}).",
            ctx.title,
            ctx.for_named(),
            ctx.source()
        ),
    }
}

/// "1. Selangor, 23; 2. Sabah, 18".
fn numbered(listed: &[(String, String)]) -> String {
    listed
        .iter()
        .enumerate()
        .map(|(i, (l, v))| format!("{}. {l}, {v}", i + 1))
        .collect::<Vec<_>>()
        .join("; ")
}

fn comparison(ctx: &Ctx<'_>, rows: &[Row], a: &mut Answer) -> Worded {
    let (c, lang) = (ctx.c, ctx.lang);
    let over = c.over.as_deref().unwrap_or_default();
    let label = |m: &str| value_label(ctx.d, over, m, lang);
    // one row per named member
    for mem in &c.members {
        let n = rows
            .iter()
            .filter(|r| r.member.as_deref() == Some(mem))
            .count();
        if n == 0 {
            return Err((
                PERIOD_NOT_AVAILABLE,
                format!(
                    "{} has no row for {} in {}.",
                    ctx.d.title(),
                    label(mem),
                    ctx.when(rows[0].period.as_deref())
                ),
            ));
        }
        if n > 1 {
            return Err((
                AMBIGUOUS,
                format!(
                    "{} has several rows for {}; name the other values.",
                    ctx.d.title(),
                    label(mem)
                ),
            ));
        }
    }
    let mut parts = Vec::new();
    for r in rows {
        let Some((v, raw)) = row_value(r) else {
            return Err(empty(ctx, r));
        };
        parts.push((label(r.member.as_deref().unwrap_or("")), v, raw));
    }
    let period = rows[0].period.clone();
    let when = ctx.when(period.as_deref());
    if matches!(c.period, PeriodPick::Latest) {
        ctx.latest_note(a, &when);
    }
    let computed = rows[0].computed.clone().unwrap_or_default();
    let diff = num(&computed, "difference");
    let pct = num(&computed, "percent").filter(|_| !ctx.m.is_rate());
    a.value = diff;
    a.result = Some(json!({
        "column": over,
        "period": period,
        "difference": diff,
        "percent": pct,
        "difference_unit": difference_unit(a.unit.as_deref(), lang),
    }));
    let dec = parts.iter().map(|p| decimals(p.2)).max().unwrap_or(0);
    let listing = parts
        .iter()
        .map(|(l, v, raw)| format!("{l} {}", ctx.amount(*v, raw)))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(diff) = diff else {
        return Err((VALUE_NOT_AVAILABLE, listing));
    };
    let gap = with_unit(
        &shown(diff.abs(), dec),
        difference_unit(ctx.unit.as_deref(), lang).as_deref(),
    );
    let pct_words = pct.map_or(String::new(), |p| format!(" ({:.1}%)", p.abs()));
    let (l1, l2) = (&parts[0].0, &parts[1].0);
    Ok(match lang {
        Lang::En => format!(
            "The {}{} in {when}: {listing}. {l1}'s is {gap}{pct_words} {} than {l2}'s ({}).",
            ctx.title,
            ctx.for_named(),
            if diff >= 0.0 { "higher" } else { "lower" },
            ctx.source()
        ),
        Lang::Ms => format!(
            "{}{} pada {when}: {listing}. {l1} {gap}{pct_words} lebih {} daripada {l2} ({}).",
            capitalised(&ctx.title),
            ctx.for_named(),
            if diff >= 0.0 { "tinggi" } else { "rendah" },
            ctx.source()
        ),
    })
}

fn change(ctx: &Ctx<'_>, rows: &[Row], a: &mut Answer) -> Worded {
    let lang = ctx.lang;
    let mut ps: Vec<&str> = rows.iter().filter_map(|r| r.period.as_deref()).collect();
    ps.dedup();
    if rows.len() != 2 || ps.len() != 2 {
        return Err((
            AMBIGUOUS,
            format!(
                "{} has {} rows for these values at these periods, not one at each.",
                ctx.d.title(),
                rows.len()
            ),
        ));
    }
    let (Some((va, ra)), Some((vb, rb))) = (row_value(&rows[0]), row_value(&rows[1])) else {
        let r = if row_value(&rows[0]).is_none() {
            &rows[0]
        } else {
            &rows[1]
        };
        return Err(empty(ctx, r));
    };
    let computed = rows[0].computed.clone().unwrap_or_default();
    let diff = num(&computed, "difference").unwrap_or(vb - va);
    let rate = ctx.m.is_rate();
    let pct = num(&computed, "percent").filter(|_| !rate);
    let dunit = difference_unit(a.unit.as_deref(), lang);
    a.value = Some(diff);
    a.result = Some(json!({
        "from": rows[0].period,
        "to": rows[1].period,
        "from_value": va,
        "to_value": vb,
        "difference": diff,
        "percent": pct,
        "difference_unit": dunit,
    }));
    let dec = decimals(ra).max(decimals(rb));
    let gap = with_unit(
        &shown(diff.abs(), dec),
        difference_unit(ctx.unit.as_deref(), lang).as_deref(),
    );
    let pct_words = pct.map_or(String::new(), |p| format!(" ({:.1}%)", p.abs()));
    let (p1, p2) = (
        ctx.when(rows[0].period.as_deref()),
        ctx.when(rows[1].period.as_deref()),
    );
    let (a1, a2) = (ctx.amount(va, ra), ctx.amount(vb, rb));
    Ok(match lang {
        Lang::En => {
            let verb = if diff > 0.0 {
                format!("rose by {gap}{pct_words}")
            } else if diff < 0.0 {
                format!("fell by {gap}{pct_words}")
            } else {
                "was unchanged".to_string()
            };
            format!(
                "The {}{} {verb}, from {a1} in {p1} to {a2} in {p2} ({}).",
                ctx.title,
                ctx.for_named(),
                ctx.source()
            )
        }
        Lang::Ms => {
            let verb = if diff > 0.0 {
                format!("meningkat sebanyak {gap}{pct_words}")
            } else if diff < 0.0 {
                format!("menurun sebanyak {gap}{pct_words}")
            } else {
                "tidak berubah".to_string()
            };
            format!(
                "{}{} {verb}, daripada {a1} pada {p1} kepada {a2} pada {p2} ({}).",
                capitalised(&ctx.title),
                ctx.for_named(),
                ctx.source()
            )
        }
    })
}

fn series(ctx: &Ctx<'_>, rows: &[Row], a: &mut Answer) -> Worded {
    let lang = ctx.lang;
    let mut ps: Vec<&str> = rows.iter().filter_map(|r| r.period.as_deref()).collect();
    ps.dedup();
    if ps.len() != rows.len() {
        return Err((
            AMBIGUOUS,
            format!(
                "{} has several rows per period for these values; name one series.",
                ctx.d.title()
            ),
        ));
    }
    let computed = rows[0].computed.clone().unwrap_or_default();
    let point = |k: &str| -> Option<(String, f64)> {
        let p = computed.get(k)?;
        Some((
            p.get("period")?.as_str()?.to_string(),
            p.get("value")?.as_f64()?,
        ))
    };
    let (Some(first), Some(last), Some(min), Some(max)) =
        (point("first"), point("last"), point("min"), point("max"))
    else {
        return Err((NO_MATCH, format!("{} has no values here.", ctx.d.title())));
    };
    let diff = num(&computed, "difference");
    let rate = ctx.m.is_rate();
    let pct = num(&computed, "percent").filter(|_| !rate);
    let dunit = difference_unit(a.unit.as_deref(), lang);
    a.value = Some(last.1);
    let pj = |p: &(String, f64)| json!({"period": p.0, "value": p.1});
    a.result = Some(json!({
        "count": rows.len(),
        "first": pj(&first),
        "last": pj(&last),
        "min": pj(&min),
        "max": pj(&max),
        "difference": diff,
        "percent": pct,
        "difference_unit": dunit,
    }));
    if let PeriodPick::Span { last: Some(n), .. } = ctx.c.period {
        if rows.len() < n {
            a.notes.push(format!(
                "{} of the {n} periods asked for have a value",
                rows.len()
            ));
        }
    }
    let dec = rows
        .iter()
        .filter_map(|r| r.value.as_deref())
        .map(decimals)
        .max()
        .unwrap_or(0);
    // a point as published: its own cell's text
    let amt = |v: f64| {
        let raw = rows
            .iter()
            .filter_map(row_value)
            .find(|(x, _)| *x == v)
            .map(|(_, raw)| raw);
        match raw {
            Some(raw) => ctx.amount(v, raw),
            None => with_unit(&shown(v, dec), ctx.unit.as_deref()),
        }
    };
    let gap = diff.map_or(String::new(), |d| {
        with_unit(
            &shown(d.abs(), dec),
            difference_unit(ctx.unit.as_deref(), lang).as_deref(),
        )
    });
    let pct_words = pct.map_or(String::new(), |p| format!(" ({:.1}%)", p.abs()));
    let w = |p: &str| ctx.when(Some(p));
    let up = diff.unwrap_or(0.0);
    // the same sentence in both languages, word for word
    let (subject, from, to, values, into, rise, fall, same, lowest, highest, at) = match lang {
        Lang::En => (
            format!("The {}", ctx.title),
            "from",
            "to",
            "values",
            "to",
            "up",
            "down",
            "unchanged",
            "lowest",
            "highest",
            "in",
        ),
        Lang::Ms => (
            capitalised(&ctx.title),
            "dari",
            "hingga",
            "nilai",
            "kepada",
            "naik",
            "turun",
            "tidak berubah",
            "terendah",
            "tertinggi",
            "pada",
        ),
    };
    let movement = if up > 0.0 {
        format!("{rise} {gap}{pct_words}")
    } else if up < 0.0 {
        format!("{fall} {gap}{pct_words}")
    } else {
        same.to_string()
    };
    Ok(format!(
        "{subject}{} {from} {} {to} {} ({} {values}): {} {into} {}, {movement}; {lowest} {} {at} {}, {highest} {} {at} {} ({}).",
        ctx.for_named(),
        w(&first.0),
        w(&last.0),
        rows.len(),
        amt(first.1),
        amt(last.1),
        amt(min.1),
        w(&min.0),
        amt(max.1),
        w(&max.0),
        ctx.source()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{plan, CHANGE, COMPARISON, RANKING, SERIES};
    use crate::question::parse;
    use crate::resolve::{resolve, tests::catalogue, Index};

    fn resolved(question: &str) -> (Catalogue, Question, Resolution) {
        let cat = catalogue();
        let ix = Index::build(&cat);
        let q = parse(question);
        let res = resolve(&q, &cat, &ix, &|_, _| None);
        (cat, q, res)
    }

    /// A row as a computed plan returns it.
    fn row(row_ref: i64, period: &str, member: Option<&str>, v: &str, computed: Value) -> Row {
        Row {
            id: row_ref + 100,
            row_ref,
            content: format!("row {row_ref}"),
            metadata: Map::new(),
            period: Some(period.into()),
            member: member.map(str::to_string),
            value: Some(v.into()),
            computed: computed.as_object().cloned(),
        }
    }

    fn answer(question: &str, rows: Vec<Row>) -> (Answer, Option<Plan>) {
        let (cat, q, res) = resolved(question);
        let c = &res.candidates[0];
        let p = plan(&cat, c);
        let ex = [Executed {
            candidate: c,
            plan: p.clone(),
            rows,
        }];
        (crate::compose::compose(&q, &cat, &res, &ex, 0.6), p)
    }

    #[test]
    fn a_series_with_no_end_is_ambiguous_when_a_rival_table_goes_on_later() {
        let mut cat = catalogue();
        let mut newer = cat.datasets[0].clone();
        newer.source = "population_state_2025".into();
        newer.periods.push("2025-01-01".into());
        cat.datasets.push(newer);
        let ix = Index::build(&cat);
        let question = "Population of Johor over the last 2 years";
        let q = parse(question);
        let res = resolve(&q, &cat, &ix, &|_, _| None);
        let (a, b) = (&res.candidates[0], &res.candidates[1]);
        assert_eq!(a.op, Operation::Series);
        assert_ne!(a.dataset, b.dataset);
        let series = |years: [&str; 2]| {
            years
                .iter()
                .enumerate()
                .map(|(i, y)| row(i as i64 + 1, y, None, "4000.0", json!({})))
                .collect::<Vec<_>>()
        };
        let run = |ends_later: bool| {
            let ex = [
                Executed {
                    candidate: a,
                    plan: plan(&cat, a),
                    rows: series(["2023-01-01", "2024-01-01"]),
                },
                Executed {
                    candidate: b,
                    plan: plan(&cat, b),
                    rows: if ends_later {
                        series(["2024-01-01", "2025-01-01"])
                    } else {
                        series(["2023-01-01", "2024-01-01"])
                    },
                },
            ];
            crate::compose::compose(&q, &cat, &res, &ex, 0.6)
        };
        let out = run(true);
        assert_eq!(
            out.failure_mode.as_deref(),
            Some(AMBIGUOUS),
            "{:?}",
            out.answer
        );
        assert!(out.answer.unwrap().contains("goes on to 2025"));
        // both end in 2024: no rival for the latest (these rows carry no statistics, so the
        // series itself is refused further on)
        assert_ne!(run(false).failure_mode.as_deref(), Some(AMBIGUOUS));
    }

    #[test]
    fn a_ranking_leaves_out_the_total_and_ranks_the_named_dimension() {
        let (cat, _, res) = resolved("Which state had the highest population in 2020?");
        let c = &res.candidates[0];
        assert_eq!(c.op, Operation::Ranking);
        assert_eq!(cat.datasets[c.dataset].source, "population_state");
        assert_eq!(c.over.as_deref(), Some("state"));
        let p = plan(&cat, c).unwrap();
        assert_eq!(p.sql, RANKING);
        assert_eq!(p.params[1].as_deref(), Some(r#"{"sex":"both"}"#));
        assert_eq!(p.params[2].as_deref(), Some("2020-01-01"));
        assert_eq!(p.params[6].as_deref(), Some("desc"));
        let rows = vec![
            row(
                1,
                "2020-01-01",
                Some("Selangor"),
                "6994.4",
                json!({"rank": 1, "of": 3}),
            ),
            row(
                2,
                "2020-01-01",
                Some("Johor"),
                "4009.7",
                json!({"rank": 2, "of": 3}),
            ),
            row(
                3,
                "2020-01-01",
                Some("Pulau Pinang"),
                "1740.4",
                json!({"rank": 3, "of": 3}),
            ),
        ];
        let (a, _) = answer("Which state had the highest population in 2020?", rows);
        assert_eq!(a.failure_mode, None);
        assert_eq!(a.value, Some(6994.4));
        assert_eq!(a.citations.len(), 3);
        let text = a.answer.unwrap();
        assert!(
            text.starts_with("Selangor had the highest population in 2020, 6,994.4 thousand"),
            "{text}"
        );
        assert!(
            text.contains("followed by Johor (4,009.7 thousand) and Pulau Pinang"),
            "{text}"
        );
    }

    #[test]
    fn a_ranking_over_one_member_says_it_is_the_only_one() {
        let one = || {
            vec![row(
                1,
                "2020-01-01",
                Some("Johor"),
                "4009.7",
                json!({"rank": 1, "of": 1}),
            )]
        };
        let (a, _) = answer("Which state had the highest population in 2020?", one());
        assert_eq!(a.failure_mode, None);
        assert_eq!(a.value, Some(4009.7));
        let text = a.answer.unwrap();
        assert_eq!(
            text,
            "Only one state is in the data for 2020: Johor, population 4,009.7 thousand (Population Table: States)."
        );
        let (a, _) = answer(
            "Negeri manakah yang mempunyai penduduk paling tinggi pada 2020?",
            one(),
        );
        let text = a.answer.unwrap();
        assert!(text.starts_with("Hanya satu "), "{text}");
        assert!(text.contains(" dalam data bagi 2020: Johor, "), "{text}");
        assert!(
            !text.contains("tertinggi") && !text.contains("daripada 1"),
            "{text}"
        );
    }

    #[test]
    fn a_table_of_indicators_ranks_the_named_indicator() {
        // a measure titled "Value": the named value of the other dimension is what is ranked
        let q = "Which state had the highest population in 2020?";
        let (mut cat, q, mut res) = resolved(q);
        let c = &mut res.candidates[0];
        cat.datasets[c.dataset].columns[c.measure].title_en = Some("Value".into());
        let sex = c.filters.iter_mut().find(|f| f.column == "sex").unwrap();
        sex.how = How::Named;
        let c = &res.candidates[0];
        let rows = vec![
            row(
                1,
                "2020-01-01",
                Some("Selangor"),
                "6994.4",
                json!({"rank": 1, "of": 2}),
            ),
            row(
                2,
                "2020-01-01",
                Some("Johor"),
                "4009.7",
                json!({"rank": 2, "of": 2}),
            ),
        ];
        let ex = [Executed {
            candidate: c,
            plan: plan(&cat, c),
            rows,
        }];
        let a = crate::compose::compose(&q, &cat, &res, &ex, 0.6);
        let text = a.answer.unwrap();
        assert!(
            text.starts_with("Selangor had the highest Both sexes in 2020, "),
            "{text}"
        );
        assert!(!text.contains("value"), "{text}");
    }

    #[test]
    fn a_ranking_in_malay_without_a_period_is_the_latest() {
        let (cat, _, res) = resolved("Negeri manakah yang mempunyai penduduk paling rendah?");
        let c = &res.candidates[0];
        assert_eq!((c.op, c.direction), (Operation::Ranking, Direction::Asc));
        let p = plan(&cat, c).unwrap();
        assert_eq!(p.params[2], None, "the latest period is found by SQL");
        assert!(p.display().contains("COALESCE(NULL"));
    }

    #[test]
    fn a_change_of_a_rate_is_in_percentage_points() {
        let q = "How much did the unemployment rate change between 2019 and 2022?";
        let (cat, _, res) = resolved(q);
        let c = &res.candidates[0];
        assert_eq!(c.op, Operation::Change);
        let p = plan(&cat, c).unwrap();
        assert_eq!(p.sql, CHANGE);
        assert_eq!(p.params[2].as_deref(), Some("2019-01-01"));
        assert_eq!(p.params[3].as_deref(), Some("2022-01-01"));
        let computed =
            json!({"from_value": 3.3, "to_value": 3.9, "difference": 0.6, "percent": 18.181818});
        let rows = vec![
            row(37, "2019-01-01", None, "3.3", computed.clone()),
            row(40, "2022-01-01", None, "3.9", computed),
        ];
        let (a, _) = answer(q, rows);
        assert_eq!(a.failure_mode, None);
        assert_eq!(a.value, Some(0.6));
        assert_eq!(a.result.as_ref().unwrap()["percent"], Value::Null);
        assert_eq!(
            a.answer.as_deref(),
            Some("The unemployment rate rose by 0.6 percentage points, from 3.3% in 2019 to 3.9% in 2022 (Annual Principal Labour Force Statistics).")
        );
    }

    #[test]
    fn a_change_with_a_missing_period_says_what_the_data_has() {
        let (a, p) = answer(
            "How much did the unemployment rate change between 1970 and 2022?",
            vec![],
        );
        assert!(p.is_none());
        assert_eq!(a.failure_mode.as_deref(), Some(PERIOD_NOT_AVAILABLE));
        assert!(!a.available_periods.is_empty());
        assert!(a.confidence < 0.6);
    }

    #[test]
    fn a_comparison_keeps_the_question_order() {
        let q = "Compare the population of Selangor and Johor in 2020";
        let (cat, _, res) = resolved(q);
        let c = &res.candidates[0];
        assert_eq!(c.op, Operation::Comparison);
        assert_eq!(c.members, vec!["Selangor".to_string(), "Johor".to_string()]);
        let p = plan(&cat, c).unwrap();
        assert_eq!(p.sql, COMPARISON);
        assert_eq!(p.params[5].as_deref(), Some(r#"{"Selangor","Johor"}"#));
        let computed = json!({"difference": 2984.7, "percent": 74.4});
        let rows = vec![
            row(
                1,
                "2020-01-01",
                Some("Selangor"),
                "6994.4",
                computed.clone(),
            ),
            row(2, "2020-01-01", Some("Johor"), "4009.7", computed),
        ];
        let (a, _) = answer(q, rows);
        assert_eq!(a.failure_mode, None);
        let text = a.answer.unwrap();
        assert!(
            text.contains("Selangor 6,994.4 thousand, Johor 4,009.7 thousand"),
            "{text}"
        );
        assert!(
            text.contains("Selangor's is 2,984.7 thousand (74.4%) higher than Johor's"),
            "{text}"
        );
    }

    #[test]
    fn a_series_over_the_last_months() {
        let q = "How has the CPI for transport moved over the last 3 months?";
        let (cat, _, res) = resolved(q);
        let c = &res.candidates[0];
        assert_eq!(c.op, Operation::Series);
        let p = plan(&cat, c).unwrap();
        assert_eq!(p.sql, SERIES);
        // the last 3 months back from the latest (December 2023)
        assert_eq!(p.params[2].as_deref(), Some("2023-10-01"));
        let computed = json!({"count": 3,
            "first": {"period": "2023-10-01", "value": 120.1},
            "last": {"period": "2023-12-01", "value": 119.5},
            "min": {"period": "2023-12-01", "value": 119.5},
            "max": {"period": "2023-10-01", "value": 120.1},
            "difference": -0.6, "percent": -0.4996});
        let rows = vec![
            row(1, "2023-10-01", None, "120.1", computed.clone()),
            row(2, "2023-11-01", None, "119.8", computed.clone()),
            row(3, "2023-12-01", None, "119.5", computed),
        ];
        let (a, _) = answer(q, rows);
        assert_eq!(a.failure_mode, None);
        assert_eq!(a.values.len(), 3);
        assert_eq!(a.citations.len(), 3);
        let text = a.answer.unwrap();
        assert!(
            text.contains(
                "from October 2023 to December 2023 (3 values): 120.1 to 119.5, down 0.6 (0.5%)"
            ),
            "{text}"
        );
    }

    #[test]
    fn two_rows_for_one_member_are_not_combined() {
        let q = "Compare the population of Selangor and Johor in 2020";
        let rows = vec![
            row(1, "2020-01-01", Some("Selangor"), "6994.4", json!({})),
            row(2, "2020-01-01", Some("Selangor"), "3500.1", json!({})),
            row(3, "2020-01-01", Some("Johor"), "4009.7", json!({})),
        ];
        let (a, _) = answer(q, rows);
        assert_eq!(a.failure_mode.as_deref(), Some(AMBIGUOUS));
        assert!(a.confidence < 0.6);
    }
}
