//! Resolution: a parsed question + the catalogue → which dataset, measure, dimension values and
//! period it asks for, ranked, each with the evidence behind it; or why none fits.
//!
//! Every dataset is scored the same way, from the catalogue alone:
//! - value mentions: the question's words that name a value of one of the dataset's dimension
//!   columns (the value, its publisher label in English or Malay, a shipped code-list label or
//!   an alias: "Penang" = "Pulau Pinang", "food" = division 01);
//! - coverage: the share of the question's other content words (weighted by rarity across the
//!   catalogue) found in the measure's and the dataset's titles and descriptions; a word no
//!   title or value knows ("Singapore", "football") weighs most and covers nothing;
//! - values the question names that this dataset has no column for (a district, asked of a
//!   state table) and dimensions it leaves open (no value named, none that means "all");
//! - the period: one the dataset has at its frequency, or the latest when none is named.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::catalogue::{description_head, words, Catalogue, Dataset, Frequency, Role, Vocabulary};
use crate::intent::{Direction, Operation};
use crate::question::{stem, Period, Question};

/// How a dimension's value was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// The question names it.
    Named,
    /// The question names none; this value means "not broken down".
    Default,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Filter {
    pub column: String,
    pub value: String,
    pub how: How,
}

/// The period a candidate answers for.
#[derive(Debug, Clone, PartialEq)]
pub enum PeriodPick {
    /// The dataset's own period value.
    Exact(String),
    /// None named: the latest the data has for the filters.
    Latest,
    /// Named, at the dataset's frequency, but not in the data; the nearest it has.
    Unavailable { nearest: Vec<String> },
    /// Named at another frequency (a year of a monthly table).
    OtherFrequency,
    /// The dataset has no period column but the question names one.
    NoPeriods,
    /// Several periods named, each in the data, ascending (a change's two ends).
    Several(Vec<String>),
    /// A span of the data's periods, as stored values (either end open), or the `last` n.
    Span {
        from: Option<String>,
        to: Option<String>,
        last: Option<usize>,
    },
}

/// One way to answer the question.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub dataset: usize,
    pub measure: usize,
    /// What is done with the values: the question's operation, or a comparison when it names
    /// several values of one dimension.
    pub op: Operation,
    /// A ranking's order and how many it asks for.
    pub direction: Direction,
    pub n: Option<usize>,
    /// The dimension a ranking or a comparison runs over.
    pub over: Option<String>,
    /// A comparison's values of `over`, in the question's order.
    pub members: Vec<String>,
    pub filters: Vec<Filter>,
    /// Dimensions with several values, none named and none meaning "all".
    pub open: Vec<String>,
    /// Dimensions left unfixed because a finer named one determines them.
    pub implied: Vec<String>,
    /// Columns the question names several values of.
    pub several: Vec<(String, Vec<String>)>,
    pub period: PeriodPick,
    pub coverage: f64,
    /// Value words of other datasets this one cannot use ("Kinta" asked of a state table).
    pub foreign: Vec<String>,
    /// Question words this candidate leaves unexplained that title another dataset ("core"
    /// answered from the headline CPI): the question may be about that one.
    pub others_words: Vec<String>,
    /// Question words this candidate leaves unexplained that name another value of a dimension
    /// it took the "all" value of ("month" of month-on-month growth, answered with the index).
    pub doubts: Vec<String>,
    pub score: f64,
}

/// The resolver's result: candidates best first, and the question's words nothing explains.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    pub candidates: Vec<Candidate>,
    pub unknown: Vec<String>,
}

fn stemmed(tokens: &[String]) -> Vec<String> {
    tokens.iter().map(|t| stem(t).to_string()).collect()
}

struct Label {
    dataset: usize,
    column: usize,
    value: usize,
    /// Content words (stemmed, no stop words, no single letters), distinct.
    tokens: Vec<String>,
}

/// The catalogue prepared for matching: built once per catalogue snapshot.
pub struct Index {
    pub vocab: Vocabulary,
    labels: Vec<Label>,
    /// Word → labels that have it.
    by_token: HashMap<String, Vec<usize>>,
    /// Distinctive single words of a value's labels (one value of its column has them).
    partial: HashMap<String, Vec<(usize, usize, usize)>>,
    /// Per dataset: title words, description words; per column: title words, description words.
    /// Each with the other form of its acronyms (CPI ↔ consumer price index).
    ds_title: Vec<BTreeSet<String>>,
    ds_desc: Vec<BTreeSet<String>>,
    col_title: Vec<Vec<BTreeSet<String>>>,
    col_desc: Vec<Vec<BTreeSet<String>>>,
    /// Per dataset: the title words of its dimension columns ("district", "daerah").
    dim_title: Vec<BTreeSet<String>>,
    /// Per dataset and column: all values are numbers (a percentile): a number names one only
    /// next to the column's title ("90th percentile").
    numeric_col: Vec<Vec<bool>>,
    synonyms: HashMap<String, Vec<String>>,
    /// A one-word value label → the value's one-word labels in the other language and the value
    /// itself, as the publisher translates them ("min" is "mean": the Malay label of a
    /// percentile table's mean; "perempuan" is "female").
    translations: HashMap<String, BTreeSet<String>>,
    /// Synonyms of several words ("meninggal dunia" = "kematian"): the words, stemmed, and the
    /// one word they mean.
    phrases: Vec<(Vec<String>, String)>,
    /// Every word the above match, for reading misspelt question words ([`crate::spell`]).
    pub spelling: crate::spell::Lexicon,
}

/// Label words for matching: stemmed, without stop words and single letters ("W.P.").
fn label_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in crate::question::tokens(text) {
        let single_letter = t.len() == 1 && t.chars().all(char::is_alphabetic);
        if crate::question::is_stop_word(&t) || single_letter || t == "+" && out.is_empty() {
            continue;
        }
        let w = stem(&t).to_string();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// Acronyms the catalogue spells out, in any of its texts: "CPI (Consumer Price Index)",
/// "Inflation (YoY)" beside "Year-on-year inflation", "KDNK" beside "Keluaran Dalam Negeri
/// Kasar". Acronym (lower case) → the words it stands for (stemmed content words).
fn acronyms(texts: &[&str]) -> HashMap<String, Vec<String>> {
    let mut found: HashMap<String, Vec<String>> = HashMap::new();
    let all: Vec<Vec<String>> = texts.iter().map(|t| crate::question::tokens(t)).collect();
    let mut candidates = BTreeSet::new();
    for t in texts {
        for w in t.split(|c: char| !c.is_alphanumeric()) {
            let letters = w.chars().count();
            let upper = w.chars().filter(char::is_ascii_uppercase).count();
            if (2..=5).contains(&letters)
                && upper >= 2
                && w.chars().all(|c| c.is_ascii_alphabetic())
            {
                candidates.insert(w.to_lowercase());
            }
        }
        // "(sa)", "(tsm)": a short word in parentheses, any case
        for part in t.split('(').skip(1) {
            if let Some(inner) = part.split(')').next() {
                let inner = inner.trim();
                if (2..=5).contains(&inner.len()) && inner.chars().all(|c| c.is_ascii_alphabetic())
                {
                    candidates.insert(inner.to_lowercase());
                }
            }
        }
    }
    for a in candidates {
        let n = a.chars().count();
        // every spelt-out form in the catalogue; the commonest wins, then one beside the
        // acronym itself ("Index (sa)" ... "seasonally adjusted")
        let mut seen: Vec<(Vec<String>, usize, bool)> = Vec::new();
        for toks in &all {
            let beside = toks.contains(&a);
            for win in toks.windows(n) {
                let initials: String = win.iter().filter_map(|w| w.chars().next()).collect();
                let edges_ok = !crate::question::is_stop_word(&win[0])
                    && !crate::question::is_stop_word(&win[n - 1]);
                if initials != a || !edges_ok || win.contains(&a) {
                    continue;
                }
                let words: Vec<String> = win
                    .iter()
                    .filter(|w| !crate::question::is_stop_word(w))
                    .map(|w| stem(w).to_string())
                    .collect();
                if words.len() < 2 {
                    continue;
                }
                match seen.iter_mut().find(|(w, _, _)| *w == words) {
                    Some(e) => {
                        e.1 += 1;
                        e.2 |= beside;
                    }
                    None => seen.push((words, 1, beside)),
                }
            }
        }
        // only a form spelt out beside the acronym (in the same title and description): "RM"
        // is no acronym of the "religion muslim" two columns away
        if let Some((words, _, _)) = seen
            .into_iter()
            .filter(|(_, _, beside)| *beside)
            .max_by_key(|(_, count, _)| *count)
        {
            found.insert(a.clone(), words);
        }
    }
    found
}

/// Add to a bag the other form of each acronym it holds, either way round.
fn with_acronyms(
    mut bag: BTreeSet<String>,
    acr: &HashMap<String, Vec<String>>,
) -> BTreeSet<String> {
    let mut add = Vec::new();
    for (a, words) in acr {
        if bag.contains(a) {
            add.extend(words.iter().cloned());
        } else if words.iter().all(|w| bag.contains(w)) {
            add.push(a.clone());
        }
    }
    bag.extend(add);
    bag
}

/// Every word the resolver matches (titles, descriptions, labels, synonyms, translations,
/// phrase synonyms), for reading misspelt question words ([`crate::spell`]).
fn spelling(
    vocab: &Vocabulary,
    by_token: &HashMap<String, Vec<usize>>,
    synonyms: &HashMap<String, Vec<String>>,
    translations: &HashMap<String, BTreeSet<String>>,
    phrases: &[(Vec<String>, String)],
) -> crate::spell::Lexicon {
    crate::spell::Lexicon::new(
        vocab
            .idf
            .keys()
            .chain(&vocab.value_words)
            .chain(by_token.keys())
            .chain(synonyms.keys())
            .chain(synonyms.values().flatten())
            .chain(translations.keys())
            .chain(phrases.iter().flat_map(|(k, w)| k.iter().chain([w])))
            .cloned()
            .collect::<Vec<String>>(),
    )
}

impl Index {
    pub fn build(cat: &Catalogue) -> Index {
        let vocab = Vocabulary::build(cat);
        // acronyms: spelt out in the catalogue (one text per thing and language: a title with
        // its description), or shipped as multi-word synonyms
        let pair = |a: &Option<String>, b: &Option<String>| {
            format!(
                "{} | {}",
                a.as_deref().unwrap_or(""),
                b.as_deref().unwrap_or("")
            )
        };
        let mut texts: Vec<String> = Vec::new();
        for d in &cat.datasets {
            texts.push(pair(&d.title_en, &d.description_en));
            texts.push(pair(&d.title_ms, &d.description_ms));
            for c in &d.columns {
                texts.push(pair(&c.title_en, &c.description_en));
                texts.push(pair(&c.title_ms, &c.description_ms));
            }
        }
        let text_refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut acr = acronyms(&text_refs);
        // shipped multi-word synonyms are curated: they win over what was read
        for (word, means) in &cat.synonyms {
            for m in means {
                let words = words(m);
                if words.len() >= 2 {
                    acr.insert(stem(&word.to_lowercase()).to_string(), words);
                }
            }
        }
        let mut labels = Vec::new();
        let mut by_token: HashMap<String, Vec<usize>> = HashMap::new();
        let mut partial: HashMap<String, Vec<(usize, usize, usize)>> = HashMap::new();
        let mut ds_title = Vec::new();
        let mut ds_desc = Vec::new();
        let mut col_title = Vec::new();
        let mut col_desc = Vec::new();
        let mut dim_title = Vec::new();
        let mut numeric_col = Vec::new();
        let title_words: BTreeSet<String> = vocab.idf.keys().cloned().collect();
        for (di, d) in cat.datasets.iter().enumerate() {
            let join = |xs: [&Option<String>; 2]| {
                xs.into_iter()
                    .flatten()
                    .flat_map(|t| words(t))
                    .collect::<BTreeSet<String>>()
            };
            let mut t = join([&d.title_en, &d.title_ms]);
            if d.title_en.is_none() {
                // no title: the source's name ("census_district")
                t.extend(words(&d.source.replace('_', " ")));
            }
            ds_title.push(with_acronyms(t, &acr));
            ds_desc.push(with_acronyms(
                [&d.description_en, &d.description_ms]
                    .into_iter()
                    .flatten()
                    .flat_map(|t| words(t))
                    .collect(),
                &acr,
            ));
            let mut ct = Vec::new();
            let mut cd = Vec::new();
            let mut nc = Vec::new();
            let mut dt = BTreeSet::new();
            for (ci, c) in d.columns.iter().enumerate() {
                let mut t = join([&c.title_en, &c.title_ms]);
                t.extend(words(&c.name.replace('_', " ")));
                if c.role == Role::Dimension {
                    dt.extend(t.iter().cloned());
                }
                ct.push(with_acronyms(t, &acr));
                cd.push(with_acronyms(
                    [&c.description_en, &c.description_ms]
                        .into_iter()
                        .flatten()
                        .flat_map(|x| words(description_head(x)))
                        .collect(),
                    &acr,
                ));
                nc.push(
                    !c.values.is_empty() && c.values.iter().all(|v| v.value.parse::<f64>().is_ok()),
                );
                if c.role != Role::Dimension {
                    continue;
                }
                // word → values of this column whose labels hold it
                let mut owners: HashMap<String, BTreeSet<usize>> = HashMap::new();
                for (vi, v) in c.values.iter().enumerate() {
                    let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
                    let mut forms: Vec<Vec<String>> = Vec::new();
                    for l in v.labels() {
                        let toks = label_words(&l.replace('_', " "));
                        if toks.is_empty() {
                            continue;
                        }
                        // a code whose numbers repeat ("2_2") reads as one number: no question
                        // names it so ("km²" is no code); "65-69" keeps both numbers
                        let numbers =
                            |ts: &[String]| ts.iter().filter(|t| t.parse::<f64>().is_ok()).count();
                        if numbers(&toks) == toks.len()
                            && numbers(&toks)
                                < numbers(&crate::question::tokens(&l.replace('_', " ")))
                        {
                            continue;
                        }
                        // the spelt-out form of an acronym in the label ("growth yoy")
                        if toks.iter().any(|w| acr.contains_key(w)) {
                            let mut long = Vec::new();
                            for w in &toks {
                                match acr.get(w) {
                                    Some(ws) => long.extend(ws.iter().cloned()),
                                    None => long.push(w.clone()),
                                }
                            }
                            long.dedup();
                            forms.push(long);
                        }
                        forms.push(toks);
                    }
                    for toks in forms {
                        if !seen.insert(toks.clone()) {
                            continue;
                        }
                        for w in &toks {
                            owners.entry(w.clone()).or_default().insert(vi);
                            by_token.entry(w.clone()).or_default().push(labels.len());
                        }
                        labels.push(Label {
                            dataset: di,
                            column: ci,
                            value: vi,
                            tokens: toks,
                        });
                    }
                }
                for (w, vs) in owners {
                    let distinctive = vs.len() == 1
                        && w.len() >= 4
                        && !crate::question::is_stop_word(&w)
                        && !title_words.contains(&w)
                        && w.parse::<f64>().is_err();
                    if distinctive {
                        let vi = *vs.iter().next().expect("one");
                        partial.entry(w).or_default().push((di, ci, vi));
                    }
                }
            }
            col_title.push(ct);
            col_desc.push(cd);
            dim_title.push(dt);
            numeric_col.push(nc);
        }
        for v in by_token.values_mut() {
            v.dedup();
        }
        let mut translations: HashMap<String, BTreeSet<String>> = HashMap::new();
        for c in cat.datasets.iter().flat_map(|d| &d.columns) {
            for v in &c.values {
                let one = |t: &Option<String>| {
                    t.as_deref()
                        .map(label_words)
                        .filter(|w| w.len() == 1)
                        .map(|mut w| w.remove(0))
                };
                let (Some(en), Some(ms)) = (one(&v.label_en), one(&v.label_ms)) else {
                    continue;
                };
                let mut forms: BTreeSet<String> = [en, ms].into();
                forms.extend(label_words(&v.value.replace('_', " ")));
                if forms.len() < 2 {
                    continue;
                }
                for f in &forms {
                    translations
                        .entry(f.clone())
                        .or_default()
                        .extend(forms.iter().filter(|g| *g != f).cloned());
                }
            }
        }
        let synonyms: HashMap<String, Vec<String>> = cat
            .synonyms
            .iter()
            .map(|(k, v)| {
                (
                    stem(k).to_string(),
                    // one-word meanings only: "cpi" = "consumer price index" is an acronym
                    // (matched whole, above), not three words each standing for it
                    v.iter()
                        .map(|s| words(s))
                        .filter(|w| w.len() == 1)
                        .flatten()
                        .collect(),
                )
            })
            .collect();
        let phrases = cat
            .synonyms
            .iter()
            .filter_map(|(k, means)| {
                let key: Vec<String> = crate::question::tokens(k)
                    .iter()
                    .map(|t| stem(t).to_string())
                    .collect();
                let one = means.iter().map(|m| words(m)).find(|w| w.len() == 1)?;
                (key.len() >= 2).then(|| (key, one[0].clone()))
            })
            .collect::<Vec<(Vec<String>, String)>>();
        let spelling = spelling(&vocab, &by_token, &synonyms, &translations, &phrases);
        Index {
            vocab,
            labels,
            by_token,
            partial,
            ds_title,
            ds_desc,
            col_title,
            col_desc,
            dim_title,
            numeric_col,
            synonyms,
            translations,
            phrases,
            spelling,
        }
    }
}

#[derive(Debug, Clone)]
struct Mention {
    dataset: usize,
    column: usize,
    value: usize,
    /// The question's token positions it uses (ascending).
    positions: Vec<usize>,
    full: bool,
}

fn find_mentions(q: &Question, toks: &[String], ix: &Index) -> Vec<Mention> {
    let mut out = Vec::new();
    let free = |j: usize| !q.period_tokens.contains(&j) && !q.ask.words.contains(&j);
    // each word with its synonyms ("annual" also reads "year")
    let forms: Vec<Vec<&str>> = toks
        .iter()
        .map(|t| {
            let mut f = vec![t.as_str()];
            if let Some(s) = ix.synonyms.get(t) {
                f.extend(s.iter().map(String::as_str));
            }
            f
        })
        .collect();
    let has = |j: usize, w: &str| forms[j].contains(&w);
    // labels any of whose words the question has
    let mut seen = std::collections::HashSet::new();
    let mut cands = Vec::new();
    for (i, f) in forms.iter().enumerate() {
        if !free(i) {
            continue;
        }
        for t in f {
            for &li in ix.by_token.get(*t).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(li) {
                    cands.push(li);
                }
            }
        }
    }
    for li in cands {
        let l = &ix.labels[li];
        // a lone number names a value only next to its column's title ("90th percentile",
        // "division 6"), in a column of numbers or of codes: "6 bulan terkini" is six months,
        // not division 06; "65-69" has two numbers and names its age group anywhere
        let numeric = ix.numeric_col[l.dataset][l.column]
            || l.tokens.len() == 1 && l.tokens[0].parse::<f64>().is_ok();
        if l.tokens.len() == 1 {
            // a one-word label names its value wherever the word stands ("Kuala Terengganu
            // (Terengganu)": the state is the second "terengganu")
            for j in 0..toks.len() {
                if free(j) && has(j, &l.tokens[0]) && !numeric {
                    out.push(Mention {
                        dataset: l.dataset,
                        column: l.column,
                        value: l.value,
                        positions: vec![j],
                        full: true,
                    });
                }
            }
            if !numeric {
                continue;
            }
        }
        // every word of the label, each at a free position, close together (any order)
        let mut positions = Vec::new();
        for w in &l.tokens {
            match (0..toks.len()).find(|&j| free(j) && has(j, w) && !positions.contains(&j)) {
                Some(j) => positions.push(j),
                None => break,
            }
        }
        if positions.len() < l.tokens.len() {
            continue;
        }
        positions.sort_unstable();
        let (lo, hi) = (positions[0], *positions.last().expect("non-empty"));
        if hi - lo > l.tokens.len() + 2 {
            continue;
        }
        // a dimension's title between them ends a name: "Hulu district, Terengganu" is the
        // district Hulu in the state Terengganu, not "Hulu Terengganu"
        if (lo..=hi).any(|j| {
            !positions.contains(&j)
                && !l.tokens.contains(&toks[j])
                && ix.dim_title[l.dataset].contains(&toks[j])
        }) {
            continue;
        }
        if numeric {
            // "90th percentile", "percentile 90", "persentil ke-90"
            let title = &ix.col_title[l.dataset][l.column];
            let near = lo.saturating_sub(3)..(hi + 4).min(toks.len());
            if !near
                .into_iter()
                .any(|j| !positions.contains(&j) && title.contains(&toks[j]))
            {
                continue;
            }
        }
        out.push(Mention {
            dataset: l.dataset,
            column: l.column,
            value: l.value,
            positions,
            full: true,
        });
    }
    for (i, t) in toks.iter().enumerate() {
        if !free(i) {
            continue;
        }
        // one word of a longer name, next to a word nothing knows ("Bandar Seri Begawan" is no
        // "Bandar Baharu")
        let unknown_next = [i.wrapping_sub(1), i + 1].iter().any(|&j| {
            toks.get(j).is_some_and(|w| {
                !crate::question::is_stop_word(w) && w.parse::<f64>().is_err() && !ix.vocab.knows(w)
            })
        });
        if unknown_next {
            continue;
        }
        if let Some(ps) = ix.partial.get(t) {
            for &(d, c, v) in ps {
                out.push(Mention {
                    dataset: d,
                    column: c,
                    value: v,
                    positions: vec![i],
                    full: false,
                });
            }
        }
    }
    out
}

/// What a period value of a dataset stands for: "2023" a year, "2023-Q1" a quarter,
/// "2023-03-01" a year, quarter or month by the dataset's frequency.
pub fn period_of(value: &str, freq: Frequency) -> Option<Period> {
    let y: i32 = value.get(0..4)?.parse().ok()?;
    let rest = value.get(4..).unwrap_or("");
    if rest.is_empty() {
        return Some(Period::Year(y));
    }
    let rest = rest.trim_start_matches(['-', ' ', '/']);
    if let Some(n) = rest.strip_prefix(['Q', 'q']) {
        let n: u32 = n.get(0..1)?.parse().ok()?;
        return (1..=4).contains(&n).then_some(Period::Quarter(y, n));
    }
    let m: u32 = rest.get(0..2)?.parse().ok()?;
    if !(1..=12).contains(&m) {
        return None;
    }
    Some(match freq {
        Frequency::Annual => Period::Year(y),
        Frequency::Quarterly => Period::Quarter(y, (m - 1) / 3 + 1),
        Frequency::Monthly | Frequency::Other => Period::Month(y, m),
    })
}

fn same_kind(a: Period, b: Period) -> bool {
    std::mem::discriminant(&a) == std::mem::discriminant(&b)
}

/// A stored period value as (year, month): "2023" → (2023, 1), "2023-03-01" → (2023, 3),
/// "2023-Q3" → (2023, 7).
fn month_key(value: &str) -> Option<(i32, u32)> {
    let y: i32 = value.get(0..4)?.parse().ok()?;
    let rest = value
        .get(4..)
        .unwrap_or("")
        .trim_start_matches(['-', ' ', '/']);
    if rest.is_empty() {
        return Some((y, 1));
    }
    if let Some(n) = rest.strip_prefix(['Q', 'q']) {
        let n: u32 = n.get(0..1)?.parse().ok()?;
        return Some((y, 3 * n - 2));
    }
    Some((y, rest.get(0..2)?.parse().ok()?))
}

/// The first and last (year, month) a named period covers.
fn bounds(p: Period) -> ((i32, u32), (i32, u32)) {
    match p {
        Period::Year(y) => ((y, 1), (y, 12)),
        Period::Quarter(y, q) => ((y, 3 * q - 2), (y, 3 * q)),
        Period::Month(y, m) => ((y, m), (y, m)),
    }
}

fn nearest(d: &Dataset, asked: Period) -> PeriodPick {
    let y = asked.year();
    let mut near: Vec<&String> = d.periods.iter().collect();
    near.sort_by_key(|s| (s.get(0..4).and_then(|x| x.parse::<i32>().ok()).unwrap_or(0) - y).abs());
    let mut nearest: Vec<String> = near.into_iter().take(3).cloned().collect();
    nearest.sort();
    PeriodPick::Unavailable { nearest }
}

/// The period values of dataset `d` for the question's periods and operation, or why there are
/// none.
fn pick_period(q: &Question, d: &Dataset) -> PeriodPick {
    let op = q.ask.op;
    if q.periods.is_empty() {
        return match (q.ask.last, op) {
            // "the last 5 years": the periods within five years of the latest (five of an annual
            // table, one census of a decennial one); "the last 5 periods": five
            (Some(n), _) => match (
                q.ask.last_months,
                d.periods.last().and_then(|p| month_key(p)),
            ) {
                (Some(unit), Some((y, m))) => {
                    let back = (n as i64) * i64::from(unit) - 1;
                    let at = i64::from(y) * 12 + i64::from(m) - 1 - back;
                    let cutoff = ((at.div_euclid(12)) as i32, (at.rem_euclid(12) + 1) as u32);
                    PeriodPick::Span {
                        from: d
                            .periods
                            .iter()
                            .find(|v| month_key(v).is_some_and(|k| k >= cutoff))
                            .cloned(),
                        to: None,
                        last: None,
                    }
                }
                _ => PeriodPick::Span {
                    from: None,
                    to: None,
                    last: Some(n),
                },
            },
            (None, Operation::Series) => PeriodPick::Span {
                from: None,
                to: None,
                last: None,
            },
            _ => PeriodPick::Latest,
        };
    }
    if d.period_column().is_none() || d.periods.is_empty() {
        return PeriodPick::NoPeriods;
    }
    let freq = if d.frequency == Frequency::Other {
        Frequency::infer(&d.periods)
    } else {
        d.frequency
    };
    let parsed: Vec<(Option<Period>, &String)> =
        d.periods.iter().map(|v| (period_of(v, freq), v)).collect();
    let find = |p: Period| {
        parsed
            .iter()
            .find(|(x, _)| *x == Some(p))
            .map(|(_, v)| (*v).clone())
    };
    let kind_ok = |p: Period| {
        parsed
            .iter()
            .any(|(x, _)| x.is_some_and(|x| same_kind(x, p)))
    };
    // a series covers every period of the data within the named ones, whatever their kind
    // ("since 2019" of a monthly table starts in January 2019)
    if op == Operation::Series {
        let lo = bounds(q.periods[0]).0;
        // "since 2019": to the latest; "in 2020", "from 2015 to 2020": to the end of the last
        let hi = if q.ask.since && q.periods.len() == 1 {
            None
        } else {
            Some(bounds(*q.periods.last().expect("one")).1)
        };
        let inside: Vec<&String> = d
            .periods
            .iter()
            .filter(|v| month_key(v).is_some_and(|k| k >= lo && hi.is_none_or(|hi| k <= hi)))
            .collect();
        return match (inside.first(), inside.last()) {
            (Some(&from), Some(&to)) => PeriodPick::Span {
                from: Some(from.clone()),
                to: hi.map(|_| to.clone()),
                last: None,
            },
            _ => nearest(d, q.periods[0]),
        };
    }
    // a change since a period: from it to the latest
    if op == Operation::Change && q.ask.since && q.periods.len() == 1 {
        let asked = q.periods[0];
        return match (find(asked), d.periods.last()) {
            (Some(v), Some(last)) if v != *last => PeriodPick::Several(vec![v, last.clone()]),
            (Some(_), _) => nearest(d, asked),
            (None, _) if kind_ok(asked) => nearest(d, asked),
            (None, _) => PeriodPick::OtherFrequency,
        };
    }
    if q.periods.len() > 1 {
        let mut found = Vec::new();
        for &p in &q.periods {
            match find(p) {
                Some(v) => found.push(v),
                None if kind_ok(p) => return nearest(d, p),
                None => return PeriodPick::OtherFrequency,
            }
        }
        return PeriodPick::Several(found);
    }
    let asked = q.periods[0];
    if let Some(v) = find(asked) {
        return PeriodPick::Exact(v);
    }
    if !kind_ok(asked) {
        return PeriodPick::OtherFrequency;
    }
    nearest(d, asked)
}

/// The score a wide table's aggregate column ("overall") gets when the question names no category.
const AGGREGATE: f64 = 0.25;

/// A reading's dimensions: fixed by a value, left open, named with several values, implied.
struct Dims {
    filters: Vec<Filter>,
    open: Vec<String>,
    several: Vec<(String, Vec<String>)>,
    implied: Vec<String>,
}

/// A reading's dimensions shaped for the operation: the dimension a ranking or comparison runs
/// over is not a filter, and the dimensions it determines are not open.
struct Shape {
    op: Operation,
    over: Option<String>,
    members: Vec<String>,
    dims: Dims,
}

fn shape(
    op: Operation,
    d: &Dataset,
    col_title: &[BTreeSet<String>],
    rest: &[&str],
    first_pos: &BTreeMap<(usize, usize), usize>,
    mut dims: Dims,
) -> Shape {
    let col = |name: &str| d.columns.iter().position(|c| c.name == name);
    let named_col = |name: &str| {
        dims.filters
            .iter()
            .any(|f| f.column == name && f.how == How::Named)
    };
    let mut over = None;
    let mut members = Vec::new();
    let mut op = op;
    // several values of one dimension at one period: a comparison
    if matches!(op, Operation::Lookup | Operation::Comparison) && dims.several.len() == 1 {
        let (c, values) = dims.several.remove(0);
        let ci = col(&c).expect("a column of d");
        let mut ordered: Vec<(usize, String)> = values
            .into_iter()
            .map(|v| {
                let vi = d.columns[ci].values.iter().position(|x| x.value == v);
                let at = vi
                    .and_then(|vi| first_pos.get(&(ci, vi)).copied())
                    .unwrap_or(usize::MAX);
                (at, v)
            })
            .collect();
        ordered.sort();
        members = ordered.into_iter().map(|(_, v)| v).collect();
        over = Some(c);
        op = Operation::Comparison;
    } else if op == Operation::Comparison {
        // "compare … in 2019 and 2023": one series at two periods
        op = Operation::Change;
    }
    if op == Operation::Ranking {
        // the dimension the question names by its title ("which district"), else the one left
        // open, else the broken-down dimension with the most values
        let dims_ix: Vec<usize> = d
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.role == Role::Dimension && c.values.len() > 1 && !named_col(&c.name))
            .map(|(i, _)| i)
            .collect();
        // (of those, the one whose title the question has most of: "district" is the district,
        // not code_state_district)
        let share = |ci: usize| {
            let t = &col_title[ci];
            t.iter().filter(|w| rest.contains(&w.as_str())).count() * 1000 / t.len().max(1)
        };
        let by_title = dims_ix
            .iter()
            .copied()
            .filter(|&ci| rest.iter().any(|w| col_title[ci].contains(*w)))
            .max_by_key(|&ci| (share(ci), d.columns[ci].values.len()));
        let open_one = (dims.open.len() == 1).then(|| col(&dims.open[0])).flatten();
        let widest = dims_ix
            .iter()
            .copied()
            .max_by_key(|&ci| d.columns[ci].values.len());
        over = by_title
            .or(open_one)
            .or(widest)
            .map(|ci| d.columns[ci].name.clone());
    }
    if let Some(o) = &over {
        dims.filters.retain(|f| f.column != *o);
        dims.open.retain(|c| c != o);
        // a district ranked or compared: its state goes with it
        let determined: Vec<String> = d
            .columns
            .iter()
            .filter(|c| c.determined_by.contains(o))
            .map(|c| c.name.clone())
            .collect();
        for c in determined {
            let defaulted = dims
                .filters
                .iter()
                .any(|f| f.column == c && f.how == How::Default);
            if dims.open.contains(&c) || defaulted {
                dims.open.retain(|x| *x != c);
                dims.filters.retain(|f| f.column != c);
                dims.implied.push(c);
            }
        }
    }
    Shape {
        op,
        over,
        members,
        dims,
    }
}

/// What the question's similarity to a measure's texts adds to its score: less than one word
/// of its title. Measured on the evaluation (tests/eval, CI subset): 0 and 0.5 answer the same,
/// 2 and 4 answer fewer questions right (the words are the better evidence).
pub const SIMILARITY_WEIGHT: f64 = 0.5;

/// Whether the similarity could reorder the best candidates of a resolution made without it:
/// the best two are other measures and closer than the weight.
pub fn similarity_may_decide(r: &Resolution) -> bool {
    match (r.candidates.first(), r.candidates.get(1)) {
        (Some(a), Some(b)) => {
            (a.dataset, a.measure) != (b.dataset, b.measure)
                && a.score - b.score < SIMILARITY_WEIGHT
        }
        _ => false,
    }
}

/// Resolve a question against the catalogue. `similarity(dataset, measure)` gives the cosine
/// similarity of the question's embedding to the measure's and its dataset's texts
/// ([`Catalogue::similarity`]) when they are at hand; it weighs less than the words.
pub fn resolve(
    q: &Question,
    cat: &Catalogue,
    ix: &Index,
    similarity: &dyn Fn(usize, usize) -> Option<f64>,
) -> Resolution {
    // an operator word the catalogue has as a value ("minimum" income) is that value
    let is_value = |w: &str| ix.vocab.value_words.contains(stem(w));
    let requalified;
    let q = if q.ask.words.iter().any(|&i| is_value(&q.tokens[i])) {
        let mut r = q.clone();
        r.ask = crate::intent::classify(&q.tokens, &q.period_tokens, q.periods.len(), &is_value);
        requalified = r;
        &requalified
    } else {
        q
    };
    let mut toks = stemmed(&q.tokens);
    // values are named by the question's own words ("Penyelenggaraan Isi Rumah")
    let mentions = find_mentions(q, &toks, ix);
    // for the rest, a phrase synonym reads as its one word, at its first word's place; its other
    // words are explained by it
    let mut absorbed: BTreeSet<usize> = BTreeSet::new();
    for (key, means) in &ix.phrases {
        for i in 0..toks.len().saturating_sub(key.len() - 1) {
            if toks[i..i + key.len()] == key[..] {
                toks[i] = means.clone();
                absorbed.extend(i + 1..i + key.len());
            }
        }
    }
    // question words, with synonyms
    let content: Vec<(usize, &str)> = q
        .content()
        .into_iter()
        .filter(|(i, _)| !absorbed.contains(i))
        .map(|(i, _)| (i, toks[i].as_str()))
        .collect();
    let expand = |w: &str| -> Vec<String> {
        let mut v = vec![w.to_string()];
        if let Some(s) = ix.synonyms.get(w) {
            v.extend(s.iter().cloned());
        }
        if let Some(t) = ix.translations.get(w) {
            v.extend(t.iter().cloned());
        }
        v
    };
    let is_number = |w: &str| w.parse::<f64>().is_ok();
    // a number that a title or description has ("0-14" of age_0_14, "12 months") is a word like
    // the others; any other number explains half of every candidate
    let plain_number = |w: &str| is_number(w) && !ix.vocab.idf.contains_key(w);
    // "how many", "number of", "berapa ramai", "bilangan": a count, not a rate
    let count_asked = q.tokens.windows(2).any(|p| {
        matches!(
            (p[0].as_str(), p[1].as_str()),
            ("how", "many") | ("number", "of") | ("berapa", "ramai")
        )
    }) || q.tokens.iter().any(|t| t == "bilangan" || t == "jumlah");
    let known = |w: &str| expand(w).iter().any(|x| ix.vocab.knows(x)) || is_number(w);
    let unknown: Vec<String> = content
        .iter()
        .filter(|(i, w)| !known(w) && !mentions.iter().any(|m| m.positions.contains(i)))
        .map(|(_, w)| w.to_string())
        .collect();
    let weight = |w: &str| -> f64 {
        if plain_number(w) {
            0.5
        } else {
            expand(w)
                .iter()
                .map(|x| ix.vocab.weight(x))
                .fold(f64::INFINITY, f64::min)
        }
    };

    let newest: Option<&String> = cat.datasets.iter().filter_map(|d| d.periods.last()).max();
    let mut out = Vec::new();
    let mut aggregates: Vec<bool> = Vec::new();
    for (di, d) in cat.datasets.iter().enumerate() {
        // this dataset's mentions: per column the full ones, else the partial ones; longer
        // spans first, a position used once
        let mut mine: Vec<&Mention> = mentions.iter().filter(|m| m.dataset == di).collect();
        let full_cols: BTreeSet<usize> = mine.iter().filter(|m| m.full).map(|m| m.column).collect();
        mine.retain(|m| m.full || !full_cols.contains(&m.column));
        mine.sort_by_key(|m| {
            (
                std::cmp::Reverse(m.positions.len()),
                !m.full,
                m.positions[0],
            )
        });
        let mut used = BTreeSet::new();
        let mut spans: Vec<Vec<usize>> = Vec::new();
        let mut named: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        let mut mentions_cols: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut twins: Vec<(usize, usize)> = Vec::new();
        let mut first_pos: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for m in mine {
            let overlaps = m.positions.iter().any(|j| used.contains(j));
            // the same words may name the same value through two labels, or the same name in
            // two columns (W.P. Putrajaya is a state and a district)
            let same = named.get(&m.column).is_some_and(|s| s.contains(&m.value));
            let twin = m.full && !named.contains_key(&m.column) && spans.contains(&m.positions);
            if overlaps && !same && !twin {
                continue;
            }
            if twin && overlaps {
                if let Some(other) = named.iter().find_map(|(c, _)| {
                    mentions_cols
                        .iter()
                        .find(|(col, pos)| col == c && *pos == m.positions)
                        .map(|_| *c)
                }) {
                    twins.push((other, m.column));
                }
            }
            mentions_cols.push((m.column, m.positions.clone()));
            spans.push(m.positions.clone());
            used.extend(m.positions.iter().copied());
            named.entry(m.column).or_default().insert(m.value);
            let p = first_pos
                .entry((m.column, m.value))
                .or_insert(m.positions[0]);
            *p = (*p).min(m.positions[0]);
        }
        // value words of other datasets, not used here
        let mut foreign_spans: BTreeSet<Vec<usize>> = BTreeSet::new();
        // (one word of a longer name counts too: "Manila" of "N.51 Sungai Manila" is no place of
        // a national table)
        for m in mentions.iter().filter(|m| m.dataset != di) {
            if m.positions.iter().all(|j| !used.contains(j)) {
                foreign_spans.insert(m.positions.clone());
            }
        }
        // filters, open dimensions, for one reading of the named values
        let dims_for = |named: &BTreeMap<usize, BTreeSet<usize>>| {
            let mut filters = Vec::new();
            let mut open = Vec::new();
            let mut several = Vec::new();
            let mut implied = Vec::new();
            for (ci, c) in d.columns.iter().enumerate() {
                if c.role != Role::Dimension {
                    continue;
                }
                match named.get(&ci) {
                    Some(vs) if vs.len() == 1 => {
                        let v = *vs.iter().next().expect("one");
                        filters.push(Filter {
                            column: c.name.clone(),
                            value: c.values[v].value.clone(),
                            how: How::Named,
                        });
                    }
                    Some(vs) => several.push((
                        c.name.clone(),
                        vs.iter().map(|&v| c.values[v].value.clone()).collect(),
                    )),
                    None => {
                        if c.values.len() == 1 {
                            filters.push(Filter {
                                column: c.name.clone(),
                                value: c.values[0].value.clone(),
                                how: How::Default,
                            });
                            continue;
                        }
                        if c.values.is_empty() {
                            continue;
                        }
                        if let Some(v) = c.values.iter().find(|v| v.is_default) {
                            filters.push(Filter {
                                column: c.name.clone(),
                                value: v.value.clone(),
                                how: How::Default,
                            });
                        } else if c
                            .determined_by
                            .iter()
                            .any(|by| named.keys().any(|&n| d.columns[n].name == *by))
                        {
                            // a named dimension determines it (a district, its state)
                            implied.push(c.name.clone());
                        } else {
                            open.push(c.name.clone());
                        }
                    }
                }
            }
            (filters, open, several, implied)
        };
        // words that name a value in two columns: both (W.P. Putrajaya is a state and a
        // district), or either one alone (population tables whose age column holds another
        // column's categories in some years); the plans that find no row drop out
        let mut readings = vec![named.clone()];
        let twin_cols: Vec<usize> = named
            .keys()
            .copied()
            .filter(|&c| twins.iter().any(|(a, b)| *a == c || *b == c))
            .collect();
        if twin_cols.len() >= 2 {
            for &keep in &twin_cols {
                let mut r = named.clone();
                r.retain(|c, _| *c == keep || !twin_cols.contains(c));
                readings.push(r);
            }
        }
        // the titles of its dimension columns ("district", "daerah", "sex") are its words too
        let dim_titles: BTreeSet<String> = d
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.role == Role::Dimension)
            .flat_map(|(ci, _)| ix.col_title[di][ci].iter().cloned())
            .collect();
        // content words left for the measure and the dataset's titles
        let rest: Vec<&(usize, &str)> = content.iter().filter(|(i, _)| !used.contains(i)).collect();
        let total: f64 = rest.iter().map(|(_, w)| weight(w)).sum();
        let period = pick_period(q, d);
        for (ri, reading) in readings.iter().enumerate() {
            let (filters, open, several, implied) = dims_for(reading);
            let shape = shape(
                q.ask.op,
                d,
                &ix.col_title[di],
                &rest.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
                &first_pos,
                Dims {
                    filters,
                    open,
                    several,
                    implied,
                },
            );
            let Dims {
                filters,
                open,
                several,
                implied,
            } = shape.dims;
            let named = reading;
            // unexplained words of another value's labels, in a dimension left at its default
            let label_of = |ci: usize, w: &str, pick: &dyn Fn(usize) -> bool| {
                ix.by_token.get(w).is_some_and(|ls| {
                    ls.iter().any(|&li| {
                        let l = &ix.labels[li];
                        l.dataset == di && l.column == ci && pick(l.value)
                    })
                })
            };
            let doubt_words: Vec<&str> = rest
                .iter()
                .map(|(_, w)| *w)
                .filter(|w| {
                    filters.iter().filter(|f| f.how == How::Default).any(|f| {
                        let Some(ci) = d.columns.iter().position(|c| c.name == f.column) else {
                            return false;
                        };
                        let vals = &d.columns[ci].values;
                        label_of(ci, w, &|v| vals[v].value != f.value)
                            && !label_of(ci, w, &|v| vals[v].value == f.value)
                    })
                })
                .collect::<BTreeSet<&str>>()
                .into_iter()
                .collect();
            // the question's names this reading uses: one name read in two columns (Perlis, a
            // state and a district) counts once
            let named_spans = named
                .keys()
                .map(|c| {
                    mentions_cols
                        .iter()
                        .filter(|(col, _)| col == c)
                        .flat_map(|(_, p)| p.iter().copied())
                        .collect::<BTreeSet<usize>>()
                })
                .collect::<BTreeSet<_>>()
                .len();
            for (mi, m) in d.columns.iter().enumerate() {
                if m.role != Role::Measure {
                    continue;
                }
                let title = &ix.col_title[di][mi];
                let desc = &ix.col_desc[di][mi];
                // another dataset's value words that this measure's or dataset's titles have are
                // this dataset's words ("median" of a median-income measure)
                let foreign: Vec<&Vec<usize>> = foreign_spans
                    .iter()
                    .filter(|span| {
                        !span.iter().all(|&j| {
                            expand(&toks[j]).iter().any(|w| {
                                title.contains(w) || ix.ds_title[di].contains(w) || desc.contains(w)
                            })
                        })
                    })
                    .collect();
                let mut explained = 0.0;
                for (_, w) in &rest {
                    let ws = expand(w);
                    let e = if ws.iter().any(|x| title.contains(x)) {
                        1.0
                    } else if ws
                        .iter()
                        .any(|x| ix.ds_title[di].contains(x) || dim_titles.contains(x))
                    {
                        0.8
                    } else if ws.iter().any(|x| desc.contains(x)) {
                        0.7
                    } else if ws.iter().any(|x| ix.ds_desc[di].contains(x)) {
                        0.4
                    } else if plain_number(w) {
                        0.5
                    } else {
                        0.0
                    };
                    explained += weight(w) * e;
                }
                // words this candidate leaves unexplained (compared with its rivals' titles below)
                let others_words: Vec<String> = rest
                    .iter()
                    .filter(|(_, w)| {
                        !expand(w).iter().any(|x| {
                            title.contains(x)
                                || desc.contains(x)
                                || ix.ds_title[di].contains(x)
                                || ix.ds_desc[di].contains(x)
                                || dim_titles.contains(x)
                        })
                    })
                    .map(|(_, w)| w.to_string())
                    .collect();
                let mut total = total;
                for &i in &q.ask.words {
                    let w = toks[i].as_str();
                    if !crate::question::is_stop_word(w)
                        && (title.contains(w) || ix.ds_title[di].contains(w))
                    {
                        explained += weight(w);
                        total += weight(w);
                    }
                }
                let coverage = if total > 0.0 {
                    explained / total
                } else if !named.is_empty() {
                    // only value words: "Johor 2020" — the values speak for the dataset
                    0.7
                } else {
                    0.0
                };
                // share of the measure's own title the question has
                let mtitle: BTreeSet<&String> = title.iter().collect();
                let spec = if mtitle.is_empty() {
                    0.0
                } else {
                    mtitle
                        .iter()
                        .filter(|t| rest.iter().any(|(_, w)| expand(w).contains(t)))
                        .count() as f64
                        / mtitle.len() as f64
                };
                // the measure's own title words the question does not have: the plainer measure
                // wins when the question names no qualifier ("index" over "index (sa)")
                let unmatched = title
                    .iter()
                    .filter(|t| !ix.ds_title[di].contains(*t))
                    .filter(|t| !rest.iter().any(|(_, w)| expand(w).contains(t)))
                    .filter(|t| !used.iter().any(|&j| toks[j] == **t))
                    .count();
                let is_rate = m.is_rate();
                let sim = similarity(di, mi).unwrap_or(0.0);
                let period_pen = match &period {
                    PeriodPick::Exact(_)
                    | PeriodPick::Latest
                    | PeriodPick::Several(_)
                    | PeriodPick::Span { .. } => 0.0,
                    PeriodPick::Unavailable { .. } => 0.8,
                    PeriodPick::OtherFrequency => 1.0,
                    PeriodPick::NoPeriods => 1.2,
                };
                // no period named: fresher data first (a table that stopped in 2023 after one that
                // goes on to 2026)
                let open_ended = matches!(
                    period,
                    PeriodPick::Latest | PeriodPick::Span { to: None, .. }
                );
                let stale = match (open_ended, d.periods.last(), newest) {
                    (true, Some(last), Some(newest)) => {
                        let y =
                            |s: &str| s.get(0..4).and_then(|x| x.parse::<i32>().ok()).unwrap_or(0);
                        (y(newest) - y(last)).clamp(0, 5) as f64
                    }
                    _ => 0.0,
                };
                // the dataset's own title words the question does not have: "Core CPI by Group"
                // after "CPI by Group" when the question says no "core"
                let ds_unmatched = ix.ds_title[di]
                    .iter()
                    .filter(|t| !toks.iter().any(|w| expand(w).contains(t)))
                    .count();
                // a wide table's aggregate column ("overall") when the question names no category
                let aggregate = cat.defaults.iter().any(|v| {
                    m.name.eq_ignore_ascii_case(v)
                        || m.title_en
                            .as_deref()
                            .is_some_and(|t| t.eq_ignore_ascii_case(v))
                });
                aggregates.push(aggregate);
                let score = 3.0 * coverage + if aggregate { AGGREGATE } else { 0.0 } - 0.12 * stale - 0.05 * ds_unmatched as f64 + 0.7 * spec + 0.2 * (named_spans.min(3) as f64)
                - 1.5 * foreign.len() as f64
                - 1.5 * open.len() as f64
                - 0.15 * unmatched as f64
                - if count_asked && is_rate { 0.6 } else { 0.0 }
                - period_pen
                + SIMILARITY_WEIGHT * sim
                // the publisher lists the main measure first
                - 0.01 * mi as f64
                - 0.02 * ri as f64;
                out.push(Candidate {
                    dataset: di,
                    measure: mi,
                    op: shape.op,
                    direction: q.ask.direction,
                    n: q.ask.n,
                    over: shape.over.clone(),
                    members: shape.members.clone(),
                    filters: filters.clone(),
                    open: open.clone(),
                    implied: implied.clone(),
                    several: several.clone(),
                    period: period.clone(),
                    coverage,
                    others_words,
                    doubts: doubt_words
                        .iter()
                        .filter(|w| !expand(w).iter().any(|x| title.contains(x)))
                        .map(|w| w.to_string())
                        .collect(),
                    foreign: foreign
                        .iter()
                        .map(|span| {
                            span.iter()
                                .map(|&j| q.tokens[j].as_str())
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .collect(),
                    score,
                });
            }
        }
    }
    // the aggregate column is the answer when the question names no category: not when a sibling
    // measure explains clearly more of it ("miscellaneous goods & services" of a wide CPI table)
    let siblings: Vec<(usize, f64)> = out.iter().map(|c| (c.dataset, c.coverage)).collect();
    for (c, &agg) in out.iter_mut().zip(&aggregates) {
        let beaten = siblings
            .iter()
            .any(|&(d, cov)| d == c.dataset && cov >= c.coverage + 0.2);
        if agg && beaten {
            c.score -= AGGREGATE;
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    // of the words a candidate leaves unexplained, keep those that title a rival among the
    // best five ("core" answered from the headline CPI while core CPI is a close second)
    let mut rivals: Vec<usize> = Vec::new();
    for c in &out {
        if rivals.len() == 5 {
            break;
        }
        if !rivals.contains(&c.dataset) {
            rivals.push(c.dataset);
        }
    }
    for c in out.iter_mut().take(5) {
        c.others_words.retain(|w| {
            rivals
                .iter()
                .any(|&o| o != c.dataset && ix.ds_title[o].contains(w.as_str()))
        });
    }
    for c in out.iter_mut().skip(5) {
        c.others_words.clear();
    }
    Resolution {
        candidates: out,
        unknown,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalogue::{Column, Dataset, DimValue};
    use crate::question::parse;

    fn dim(name: &str, title: &str, values: &[(&str, Option<&str>, bool)]) -> Column {
        Column {
            name: name.into(),
            role: Role::Dimension,
            title_en: Some(title.into()),
            title_ms: None,
            description_en: None,
            description_ms: None,
            unit: None,
            unit_ms: None,
            values: values
                .iter()
                .map(|(v, l, d)| DimValue {
                    value: (*v).into(),
                    label_en: l.map(str::to_string),
                    label_ms: None,
                    aliases: vec![],
                    is_default: *d,
                })
                .collect(),
            determined_by: vec![],
            embedding: None,
        }
    }

    fn measure(name: &str, title: &str, title_ms: &str, unit: Option<&str>) -> Column {
        Column {
            name: name.into(),
            role: Role::Measure,
            title_en: Some(title.into()),
            title_ms: Some(title_ms.into()),
            description_en: None,
            description_ms: None,
            unit: unit.map(str::to_string),
            unit_ms: None,
            values: vec![],
            determined_by: vec![],
            embedding: None,
        }
    }

    fn period() -> Column {
        Column {
            name: "date".into(),
            role: Role::Period,
            title_en: Some("Date".into()),
            title_ms: Some("Tarikh".into()),
            description_en: None,
            description_ms: None,
            unit: None,
            unit_ms: None,
            values: vec![],
            determined_by: vec![],
            embedding: None,
        }
    }

    fn dataset(
        source: &str,
        titles: [&str; 2],
        description_en: Option<String>,
        frequency: Frequency,
        columns: Vec<Column>,
        periods: Vec<String>,
    ) -> Dataset {
        Dataset {
            source: source.into(),
            title_en: Some(titles[0].into()),
            title_ms: Some(titles[1].into()),
            description_en,
            description_ms: None,
            frequency,
            data_as_of: None,
            next_update: None,
            source_url: None,
            licence: None,
            inferred: false,
            columns,
            periods,
            embedding: None,
        }
    }

    /// A small catalogue shaped like DOSM's: state population, district population, national
    /// labour force (annual), monthly CPI by division.
    pub(crate) fn catalogue() -> Catalogue {
        let states: Vec<(&str, Option<&str>, bool)> = vec![
            ("Johor", None, false),
            ("Pulau Pinang", None, false),
            ("Selangor", None, false),
        ];
        let mut penang = dim("state", "State", &states);
        penang.values[1].aliases.push("Penang".into());
        let sex = dim(
            "sex",
            "Sex",
            &[
                ("both", Some("Both sexes"), true),
                ("male", Some("Male"), false),
                ("female", Some("Female"), false),
            ],
        );
        let years = |a: i32, b: i32| (a..=b).map(|y| format!("{y}-01-01")).collect::<Vec<_>>();
        Catalogue {
            datasets: vec![
                dataset(
                    "population_state",
                    ["Population Table: States", "Jadual Penduduk: Negeri"],
                    None,
                    Frequency::Annual,
                    vec![
                        penang.clone(),
                        period(),
                        sex.clone(),
                        measure(
                            "population",
                            "Population ('000)",
                            "Penduduk ('000)",
                            Some("thousand"),
                        ),
                    ],
                    years(1970, 2024),
                ),
                dataset(
                    "population_district",
                    [
                        "Population Table: Administrative Districts",
                        "Jadual Penduduk: Daerah Pentadbiran",
                    ],
                    None,
                    Frequency::Annual,
                    vec![
                        {
                            let mut s = penang;
                            s.determined_by = vec!["district".into()];
                            s
                        },
                        dim(
                            "district",
                            "District",
                            &[
                                ("Kinta", None, false),
                                ("Johor Bahru", None, false),
                                ("Hulu", None, false),
                                ("Hulu Selangor", None, false),
                            ],
                        ),
                        period(),
                        sex,
                        measure(
                            "population",
                            "Population ('000)",
                            "Penduduk ('000)",
                            Some("thousand"),
                        ),
                    ],
                    years(2020, 2024),
                ),
                dataset(
                    "lfs_year",
                    [
                        "Annual Principal Labour Force Statistics",
                        "Statistik Tenaga Buruh Tahunan Utama",
                    ],
                    None,
                    Frequency::Annual,
                    vec![
                        period(),
                        measure("lf", "Labour Force Size", "Saiz Tenaga Buruh", None),
                        measure(
                            "u_rate",
                            "Unemployment Rate",
                            "Kadar Pengangguran",
                            Some("%"),
                        ),
                        measure(
                            "p_rate",
                            "Participation Rate",
                            "Kadar Penyertaan",
                            Some("%"),
                        ),
                    ],
                    years(1982, 2023),
                ),
                Dataset {
                    source: "cpi_2d".into(),
                    title_en: Some("Monthly CPI by Division (2-digit)".into()),
                    title_ms: Some("IHP Bulanan mengikut Bahagian (2-digit)".into()),
                    description_en: Some(
                        "National-level CPI for 13 main groups of goods and services.".into(),
                    ),
                    description_ms: None,
                    frequency: Frequency::Monthly,
                    data_as_of: None,
                    next_update: None,
                    source_url: None,
                    licence: None,
                    inferred: false,
                    columns: vec![
                        period(),
                        dim(
                            "division",
                            "Division",
                            &[
                                ("overall", Some("Overall"), true),
                                ("01", Some("Food & Beverages"), false),
                                ("07", Some("Transport"), false),
                            ],
                        ),
                        measure("index", "Index", "Indeks", None),
                    ],
                    periods: (2020..=2023)
                        .flat_map(|y| (1..=12).map(move |m| format!("{y}-{m:02}-01")))
                        .collect(),
                    embedding: None,
                },
            ],
            synonyms: [("people".to_string(), vec!["population".to_string()])].into(),
            defaults: vec!["overall".into(), "both".into()],
        }
    }

    fn top(question: &str) -> (String, String, Vec<(String, String)>, PeriodPick, f64) {
        let cat = catalogue();
        let ix = Index::build(&cat);
        let r = resolve(&parse(question), &cat, &ix, &|_, _| None);
        let c = &r.candidates[0];
        let d = &cat.datasets[c.dataset];
        (
            d.source.clone(),
            d.columns[c.measure].name.clone(),
            c.filters
                .iter()
                .filter(|f| f.how == How::Named)
                .map(|f| (f.column.clone(), f.value.clone()))
                .collect(),
            c.period.clone(),
            c.coverage,
        )
    }

    #[test]
    fn state_question_goes_to_the_state_table() {
        let (src, m, f, p, _) = top("What was the population of Penang in 2020?");
        assert_eq!(
            (src.as_str(), m.as_str()),
            ("population_state", "population")
        );
        assert_eq!(f, vec![("state".into(), "Pulau Pinang".into())]);
        assert_eq!(p, PeriodPick::Exact("2020-01-01".into()));
    }

    #[test]
    fn district_question_goes_to_the_district_table() {
        let (src, _, f, _, _) = top("Population of Kinta district in 2022");
        assert_eq!(src, "population_district");
        assert_eq!(f, vec![("district".into(), "Kinta".into())]);
    }

    #[test]
    fn a_phrase_synonym_reads_as_its_word() {
        let mut cat = catalogue();
        let ix = Index::build(&cat);
        let q = parse("How many passed away in Johor in 2020?");
        let before = resolve(&q, &cat, &ix, &|_, _| None);
        assert!(!before.unknown.is_empty(), "{:?}", before.unknown);
        cat.synonyms
            .insert("passed away".into(), vec!["population".into()]);
        let ix = Index::build(&cat);
        let after = resolve(&q, &cat, &ix, &|_, _| None);
        assert!(after.unknown.is_empty(), "{:?}", after.unknown);
        assert!(after.candidates[0].coverage > before.candidates[0].coverage);
    }

    #[test]
    fn a_dimension_title_between_two_words_splits_the_names() {
        let (_, _, f, _, _) = top("Population of Hulu district, Selangor in 2022");
        assert_eq!(
            f,
            vec![
                ("state".into(), "Selangor".into()),
                ("district".into(), "Hulu".into())
            ]
        );
        let (_, _, f, _, _) = top("Population of Hulu Selangor in 2022");
        assert_eq!(f, vec![("district".into(), "Hulu Selangor".into())]);
    }

    #[test]
    fn a_word_of_another_value_than_the_default_is_a_doubt() {
        let ipi = dataset(
            "ipi",
            ["Industrial Production Index", "Indeks Pengeluaran Industri"],
            Some("The index of output, every month".into()),
            Frequency::Monthly,
            vec![
                dim(
                    "series",
                    "Series",
                    &[
                        ("abs", Some("Absolute values"), true),
                        ("growth_mom", Some("month-on-month growth"), false),
                        ("growth_yoy", Some("year-on-year growth"), false),
                    ],
                ),
                period(),
                measure("index", "Index", "Indeks", None),
            ],
            vec!["2023-03-01".into()],
        );
        let cat = Catalogue {
            datasets: vec![ipi],
            synonyms: Default::default(),
            defaults: vec![],
        };
        let ix = Index::build(&cat);
        let best = |q: &str| resolve(&parse(q), &cat, &ix, &|_, _| None).candidates[0].clone();
        let c = best("month-on-month change of the industrial production index in March 2023");
        assert_eq!(c.filters[0].value, "abs");
        assert_eq!(c.doubts, vec!["month".to_string()]);
        assert!(best("industrial production index in March 2023")
            .doubts
            .is_empty());
    }

    #[test]
    fn a_ranking_runs_over_the_dimension_the_question_titles_most_closely() {
        let t = dataset(
            "census",
            ["Census by District", "Banci mengikut Daerah"],
            None,
            Frequency::Annual,
            vec![
                dim(
                    "district",
                    "District",
                    &[("Kinta", None, false), ("Kampar", None, false)],
                ),
                dim(
                    "code_state_district",
                    "Code State District",
                    &[
                        ("8_1", None, false),
                        ("8_2", None, false),
                        ("8_3", None, false),
                    ],
                ),
                period(),
                measure("population", "Population", "Penduduk", None),
            ],
            vec!["2020-01-01".into()],
        );
        let cat = Catalogue {
            datasets: vec![t],
            synonyms: Default::default(),
            defaults: vec![],
        };
        let ix = Index::build(&cat);
        let r = resolve(
            &parse("Which district had the highest population in 2020?"),
            &cat,
            &ix,
            &|_, _| None,
        );
        assert_eq!(r.candidates[0].over.as_deref(), Some("district"));
    }

    #[test]
    fn numbers_name_an_age_group_but_not_a_repeating_code() {
        let t = dataset(
            "pop",
            ["Population by Age", "Penduduk mengikut Umur"],
            None,
            Frequency::Annual,
            vec![
                dim("state", "State", &[("Johor", None, false)]),
                dim(
                    "age",
                    "Age",
                    &[
                        ("overall", None, true),
                        ("65-69", None, false),
                        ("0-4", None, false),
                    ],
                ),
                dim(
                    "code",
                    "Code",
                    &[("2_2", None, false), ("10_5", None, false)],
                ),
                period(),
                measure("area_km2", "Area km2", "Keluasan km2", None),
            ],
            vec!["2020-01-01".into()],
        );
        let cat = Catalogue {
            datasets: vec![t],
            synonyms: Default::default(),
            defaults: vec![],
        };
        let ix = Index::build(&cat);
        let named = |q: &str| {
            resolve(&parse(q), &cat, &ix, &|_, _| None).candidates[0]
                .filters
                .iter()
                .filter(|f| f.how == How::Named)
                .map(|f| format!("{}={}", f.column, f.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            named("Area of Johor aged 65-69 in 2020"),
            ["state=Johor", "age=65-69"]
        );
        assert_eq!(named("Area (km²) of Johor in 2020"), ["state=Johor"]);
    }

    #[test]
    fn a_number_a_title_has_is_a_word_of_it() {
        let census = dataset(
            "census",
            ["Census by State", "Banci mengikut Negeri"],
            None,
            Frequency::Annual,
            vec![
                dim("state", "State", &[("Johor", None, false)]),
                period(),
                measure(
                    "population_total",
                    "Population Total",
                    "Jumlah Penduduk",
                    None,
                ),
                measure("age_0_14", "Age 0 14", "Umur 0 14", None),
                measure("age_15_64", "Age 15 64", "Umur 15 64", None),
            ],
            vec!["2020-01-01".into()],
        );
        let cat = Catalogue {
            datasets: vec![census],
            synonyms: Default::default(),
            defaults: vec![],
        };
        let ix = Index::build(&cat);
        let best = |q: &str| {
            let r = resolve(&parse(q), &cat, &ix, &|_, _| None);
            let c = &r.candidates[0];
            cat.datasets[0].columns[c.measure].name.clone()
        };
        assert_eq!(best("Population aged 0-14 in Johor, 2020"), "age_0_14");
        assert_eq!(best("Population aged 15-64 in Johor, 2020"), "age_15_64");
        assert_eq!(
            best("Total population of Johor in 2020"),
            "population_total"
        );
    }

    #[test]
    fn measure_by_its_title_in_malay() {
        let (src, m, _, p, _) = top("Berapakah kadar pengangguran pada 2020?");
        assert_eq!((src.as_str(), m.as_str()), ("lfs_year", "u_rate"));
        assert_eq!(p, PeriodPick::Exact("2020-01-01".into()));
    }

    #[test]
    fn partial_label_names_a_code() {
        let (src, _, f, p, _) = top("CPI for food in March 2021");
        assert_eq!(src, "cpi_2d");
        assert_eq!(f, vec![("division".into(), "01".into())]);
        assert_eq!(p, PeriodPick::Exact("2021-03-01".into()));
    }

    #[test]
    fn no_period_means_latest_and_missing_period_is_said() {
        assert_eq!(top("population of Johor").3, PeriodPick::Latest);
        match top("population of Johor in 1950").3 {
            PeriodPick::Unavailable { nearest } => assert_eq!(nearest[0], "1970-01-01"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_words_lower_coverage() {
        let (_, _, _, _, cov) = top("population of Singapore in 2020");
        assert!(cov < 0.6, "{cov}");
        let (_, _, _, _, cov) = top("population of Johor in 2020");
        assert!(cov > 0.9, "{cov}");
    }
}

#[cfg(test)]
mod acronym_tests {
    use super::acronyms;

    #[test]
    fn acronyms_are_read_from_the_catalogue() {
        let a = acronyms(&[
            "Index (sa) | [Float] Quantity of output expressed as a seasonally adjusted index",
            "CPI (Consumer Price Index) | ",
            "Inflation (YoY) | Year-on-year inflation, i.e. the percentage change",
            "Goods and services | Religion Muslim",
            "Income (RM) | Gross income",
        ]);
        // only beside the acronym
        assert!(!a.contains_key("rm"));
        assert_eq!(
            a.get("sa").map(Vec::as_slice),
            Some(&["seasonal".to_string(), "adjusted".to_string()][..])
        );
        assert_eq!(a["cpi"], vec!["consumer", "price", "index"]);
        assert_eq!(a["yoy"], vec!["year", "year"]);
    }
}
