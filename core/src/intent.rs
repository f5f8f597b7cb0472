//! What a question asks to be done with the values it names: look one up, rank them, take the
//! change between two periods, compare places or categories, or follow a series. Deterministic,
//! from English and Malay function words only (as Data Commons and StatGPT classify a question
//! before they answer it); which dimension is ranked or compared is decided by resolution, from
//! the catalogue.

use std::collections::BTreeSet;

/// The operation a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// One value (today's questions).
    #[default]
    Lookup,
    /// Highest, lowest, top N over a dimension.
    Ranking,
    /// Between two periods: absolute and percent (percentage points for a rate).
    Change,
    /// Two or more places or categories at one period.
    Comparison,
    /// The values over a span of periods.
    Series,
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::Lookup => "lookup",
            Operation::Ranking => "ranking",
            Operation::Change => "change",
            Operation::Comparison => "comparison",
            Operation::Series => "series",
        }
    }
}

/// The order of a ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Highest first.
    #[default]
    Desc,
    Asc,
}

/// What the question asks, and the tokens that said so (they are not content words).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ask {
    pub op: Operation,
    pub direction: Direction,
    /// "top 3", "5 negeri teratas".
    pub n: Option<usize>,
    /// "over the last 12 months", "5 tahun terakhir": a span back from the latest period.
    pub last: Option<usize>,
    /// What `last` counts: months in "the last 12 months", the periods themselves in "the last 5
    /// periods" (None).
    pub last_months: Option<u32>,
    /// "since 2019", "sejak 2019": from the named period to the latest.
    pub since: bool,
    /// Token positions of the words above.
    pub words: BTreeSet<usize>,
}

const HIGH: &[&str] = &[
    "highest",
    "largest",
    "biggest",
    "greatest",
    "most",
    "top",
    "maximum",
    "tertinggi",
    "terbesar",
    "teratas",
    "terbanyak",
    "terpadat",
];
const LOW: &[&str] = &[
    "lowest",
    "smallest",
    "least",
    "fewest",
    "bottom",
    "minimum",
    "terendah",
    "terkecil",
    "tercorot",
    "terbawah",
    "tersedikit",
];
/// Malay "paling" + adjective: "paling tinggi", "paling rendah".
const PALING_HIGH: &[&str] = &["tinggi", "besar", "banyak", "ramai"];
const PALING_LOW: &[&str] = &["rendah", "kecil", "sedikit", "kurang"];
const RANK_WORDS: &[&str] = &[
    "rank",
    "ranking",
    "ranked",
    "manakah",
    "mana",
    "kedudukan",
    "list",
    "senaraikan",
    "name",
    "namakan",
];

const CHANGE: &[&str] = &[
    "change",
    "changed",
    "rise",
    "rose",
    "risen",
    "fall",
    "fell",
    "fallen",
    "increase",
    "increased",
    "decrease",
    "decreased",
    "grow",
    "grew",
    "grown",
    "drop",
    "dropped",
    "decline",
    "declined",
    "gain",
    "gained",
    "jump",
    "jumped",
    "go",
    "went",
    "gone",
    "perubahan",
    "berubah",
    "kenaikan",
    "naik",
    "meningkat",
    "peningkatan",
    "penurunan",
    "turun",
    "menurun",
    "merosot",
    "susut",
    "bertambah",
    "berkurang",
];
const SERIES: &[&str] = &[
    "trend",
    "trends",
    "moved",
    "move",
    "movement",
    "evolved",
    "evolve",
    "series",
    "history",
    "historical",
    "aliran",
    "perkembangan",
    "sepanjang",
];
const SINCE: &[&str] = &["since", "sejak"];
const LAST: &[&str] = &[
    "last",
    "past",
    "previous",
    "lepas",
    "terakhir",
    "lalu",
    "kebelakangan",
    // "6 bulan terkini", "the latest 12 months": with a count and a unit only
    "terkini",
    "latest",
    "recent",
];
const SPAN_UNITS: &[&str] = &[
    "month", "months", "year", "years", "quarter", "quarters", "period", "periods", "bulan",
    "tahun", "suku", "sukuan", "tempoh",
];
const COMPARE: &[&str] = &[
    "difference",
    "differ",
    "perbezaan",
    "beza",
    "compare",
    "compared",
    "comparison",
    "versus",
    "vs",
    "against",
    "bandingkan",
    "berbanding",
    "perbandingan",
    "banding",
];
/// "How has it changed", "how did it move": a series; "how much did it change": a change.
const HOW_DID: &[&str] = &["has", "have", "did", "bagaimana", "bagaimanakah"];
/// "How much", "berapa banyak": the size of a change.
const HOW_MUCH: &[&str] = &["much", "berapa", "berapakah", "banyakkah"];
/// Range words: "from 2015 to 2020", "between … and …", "dari … hingga …".
const RANGE: &[&str] = &[
    "from", "to", "between", "dari", "daripada", "hingga", "sehingga", "antara", "until", "till",
];
/// Words that only frame the question ("how much", "by how much", "berapa banyak").
const FRAME: &[&str] = &[
    "much",
    "by",
    "banyak",
    "banyakkah",
    "over",
    "time",
    "the",
    "each",
    "every",
    "did",
    "between",
    "antara",
    "move",
    "moved",
];
/// A change word right after these is a measure's title ("month-on-month change").
const TITLE_BEFORE: &[&str] = &["on", "percentage", "peratus", "ke"];

const NUMBER_WORDS: &[(&str, usize)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("twelve", 12),
    ("satu", 1),
    ("dua", 2),
    ("tiga", 3),
    ("empat", 4),
    ("lima", 5),
    ("enam", 6),
    ("tujuh", 7),
    ("lapan", 8),
    ("sembilan", 9),
    ("sepuluh", 10),
];

fn count(w: &str) -> Option<usize> {
    if let Ok(n) = w.parse::<usize>() {
        return (1..=60).contains(&n).then_some(n);
    }
    NUMBER_WORDS.iter().find(|(x, _)| *x == w).map(|(_, n)| *n)
}

/// A number that is no "top N": an ordinal ("the 46th percentile", "persentil ke-46"), a share
/// ("the top 20%"), an age or a span ("5-year age group").
fn not_a_count(toks: &[String], j: usize) -> bool {
    let at = |i: usize| toks.get(i).map(String::as_str).unwrap_or("");
    at(j.wrapping_sub(1)) == "ke"
        || matches!(
            at(j + 1),
            "th" | "st"
                | "nd"
                | "rd"
                | "percentile"
                | "persentil"
                | "%"
                | "percent"
                | "peratus"
                | "year"
                | "years"
                | "tahun"
                | "month"
                | "months"
                | "bulan"
                | "+"
        )
}

fn is(w: &str, set: &[&str]) -> bool {
    set.contains(&w)
}

/// Classify a question from its tokens; `period_tokens` are the positions of its periods and
/// `periods` how many it names. A word `is_value` says the catalogue has as a value ("Minimum"
/// and "Maximum" household income are categories, not a ranking) is no operator.
pub fn classify(
    toks: &[String],
    period_tokens: &BTreeSet<usize>,
    periods: usize,
    is_value: &dyn Fn(&str) -> bool,
) -> Ask {
    let mut ask = Ask::default();
    let at = |i: usize| toks.get(i).map(String::as_str).unwrap_or("");
    let free = |i: usize| !period_tokens.contains(&i);
    // rankings
    let mut high = false;
    let mut low = false;
    for (i, t) in toks.iter().enumerate() {
        let t = t.as_str();
        // "most recent", "paling terkini": a period, not a ranking
        let recent = matches!(at(i + 1), "recent" | "current" | "latest" | "terkini");
        if is_value(t) {
            continue;
        }
        if is(t, HIGH) && !recent {
            high = true;
            ask.words.insert(i);
        } else if is(t, LOW) {
            low = true;
            ask.words.insert(i);
        } else if t == "paling" {
            if is(at(i + 1), PALING_HIGH) {
                high = true;
                ask.words.extend([i, i + 1]);
            } else if is(at(i + 1), PALING_LOW) {
                low = true;
                ask.words.extend([i, i + 1]);
            }
        }
    }
    if high || low {
        ask.op = Operation::Ranking;
        ask.direction = if low && !high {
            Direction::Asc
        } else {
            Direction::Desc
        };
        for (i, t) in toks.iter().enumerate() {
            if is(t, RANK_WORDS) {
                ask.words.insert(i);
            }
        }
        // "top 3", "the 5 highest", "3 negeri teratas", "lima daerah tertinggi"
        let marks: Vec<usize> = ask.words.iter().copied().collect();
        for i in marks {
            let near = [i + 1, i.wrapping_sub(1), i.wrapping_sub(2)];
            let ordinal = |j: usize| not_a_count(toks, j);
            if let Some(j) = near
                .into_iter()
                .find(|&j| free(j) && count(at(j)).is_some() && !ordinal(j))
            {
                ask.n = count(at(j));
                ask.words.insert(j);
                break;
            }
        }
        // a count that opens the question: "Lima daerah dengan …", "List 5 states …"
        if ask.n.is_none() {
            if let Some(j) = (0..4.min(toks.len()))
                .find(|&j| free(j) && count(at(j)).is_some() && !not_a_count(toks, j))
            {
                ask.n = count(at(j));
                ask.words.insert(j);
            }
        }
        return ask;
    }
    // the last n periods: "last 12 months", "the past five years", "12 bulan terakhir",
    // "4 suku tahun lepas"
    for (i, t) in toks.iter().enumerate() {
        if !is(t, LAST) {
            continue;
        }
        let after = count(at(i + 1)).map(|n| (n, i + 1, vec![i + 2]));
        let before = (2..=3).find_map(|back| {
            let j = i.checked_sub(back)?;
            let units: Vec<usize> = (j + 1..i).collect();
            (units.iter().all(|&u| is(at(u), SPAN_UNITS)))
                .then(|| count(at(j)).map(|n| (n, j, units)))
                .flatten()
        });
        if let Some((n, at_n, units)) = after.or(before) {
            if units.iter().all(|&u| is(at(u), SPAN_UNITS)) {
                ask.last = Some(n);
                // "suku tahun": quarters
                let has = |ws: &[&str]| units.iter().any(|&u| is(at(u), ws));
                ask.last_months = if has(&["quarter", "quarters", "suku", "sukuan"]) {
                    Some(3)
                } else if has(&["year", "years", "tahun"]) {
                    Some(12)
                } else if has(&["month", "months", "bulan"]) {
                    Some(1)
                } else {
                    None
                };
                ask.words.insert(i);
                ask.words.insert(at_n);
                ask.words.extend(units);
            }
        }
    }
    let since = toks
        .iter()
        .enumerate()
        .find(|(i, t)| is(t, SINCE) && period_tokens.contains(&(i + 1)));
    if let Some((i, _)) = since {
        ask.since = true;
        ask.words.insert(i);
    }
    let changed: Vec<usize> = (0..toks.len())
        .filter(|&i| {
            is(at(i), CHANGE)
                && !is(at(i.wrapping_sub(1)), TITLE_BEFORE)
                && at(i.wrapping_sub(2)) != "on"
        })
        .collect();
    let series: Vec<usize> = (0..toks.len()).filter(|&i| is(at(i), SERIES)).collect();
    let compare: Vec<usize> = (0..toks.len()).filter(|&i| is(at(i), COMPARE)).collect();
    let how_much = (0..toks.len()).any(|i| {
        (at(i) == "how" && is(at(i + 1), HOW_MUCH)) || matches!(at(i), "berapa" | "berapakah")
    });
    let how_did = !how_much
        && (0..toks.len()).any(|i| {
            (at(i) == "how" && is(at(i + 1), HOW_DID)) || is(at(i), &["bagaimana", "bagaimanakah"])
        });
    let ranged = periods >= 2 && toks.iter().any(|t| is(t, RANGE));
    // a change word with one period and no span is a measure's title ("month-on-month change")
    // "how did it change from 2019 to 2023": the series; "how much did it change": the change;
    // a change word with one period and no span is a measure's title ("change in prices")
    ask.op = if !series.is_empty() || ask.last.is_some() || (!changed.is_empty() && how_did) {
        Operation::Series
    } else if !changed.is_empty() && (periods >= 2 || ask.since) {
        Operation::Change
    } else if ask.since {
        Operation::Series
    } else if !compare.is_empty() {
        Operation::Comparison
    } else if ranged {
        Operation::Series
    } else {
        Operation::Lookup
    };
    if ask.op != Operation::Lookup {
        ask.words.extend(changed);
        ask.words.extend(series);
        ask.words.extend(compare);
        for (i, t) in toks.iter().enumerate() {
            if is(t, RANGE) || is(t, FRAME) || is(t, HOW_DID) || is(t, HOW_MUCH) {
                ask.words.insert(i);
            }
        }
    }
    ask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::parse;

    fn op(q: &str) -> Operation {
        parse(q).ask.op
    }

    #[test]
    fn each_kind_in_both_languages() {
        assert_eq!(
            op("What was the population of Johor in 2020?"),
            Operation::Lookup
        );
        assert_eq!(
            op("Which district had the lowest median household income in 2022?"),
            Operation::Ranking
        );
        assert_eq!(
            op("Daerah manakah yang mencatatkan kematian paling tinggi pada 2021?"),
            Operation::Ranking
        );
        assert_eq!(
            op("How much did food inflation in Perak change between 2019 and 2023?"),
            Operation::Change
        );
        assert_eq!(
            op("Berapakah perubahan kadar pengangguran antara 2019 dan 2023?"),
            Operation::Change
        );
        assert_eq!(
            op("Compare the population of Johor and Kedah in 2020"),
            Operation::Comparison
        );
        assert_eq!(
            op("How has the unemployment rate moved over the last 12 months?"),
            Operation::Series
        );
        assert_eq!(
            op("Bagaimanakah kadar pengangguran berubah sejak 2019?"),
            Operation::Series
        );
        assert_eq!(op("CPI from 2015 to 2020"), Operation::Series);
    }

    #[test]
    fn direction_and_counts() {
        let a = parse("Top 3 states by population in 2020").ask;
        assert_eq!((a.direction, a.n), (Direction::Desc, Some(3)));
        let a = parse("Lima daerah dengan pendapatan terendah").ask;
        assert_eq!((a.direction, a.n), (Direction::Asc, Some(5)));
        let a = parse("the unemployment rate over the past twelve months").ask;
        assert_eq!((a.op, a.last), (Operation::Series, Some(12)));
        let a = parse("kadar inflasi 12 bulan terakhir").ask;
        assert_eq!(a.last, Some(12));
        let a = parse("Trend KDNK dalam 4 suku tahun lepas").ask;
        assert_eq!(a.last, Some(4));
        let a = parse("kadar inflasi bagi 6 bulan terkini").ask;
        assert_eq!((a.op, a.last), (Operation::Series, Some(6)));
        let a = parse("inflation over the latest 12 months").ask;
        assert_eq!((a.op, a.last), (Operation::Series, Some(12)));
        assert_eq!(parse("kadar inflasi terkini").ask.op, Operation::Lookup);
    }

    #[test]
    fn most_recent_is_a_period_not_a_ranking() {
        assert_eq!(op("the most recent unemployment rate"), Operation::Lookup);
    }

    #[test]
    fn a_change_word_with_one_period_is_a_title() {
        assert_eq!(
            op("What is the month-on-month change in prices in 2013-07?"),
            Operation::Lookup
        );
        assert_eq!(op("How has the CPI changed?"), Operation::Series);
        assert_eq!(
            op("Month-on-month change in prices from Jan 2017 to Dec 2017"),
            Operation::Series
        );
    }

    #[test]
    fn a_value_of_the_catalogue_is_no_operator() {
        let q = parse("minimum household income at the 1st percentile, 2024");
        let ask = classify(&q.tokens, &q.period_tokens, 1, &|w| w == "minimum");
        assert_eq!(ask.op, Operation::Lookup);
        assert_eq!(
            parse("pendapatan min isi rumah 2022").ask.op,
            Operation::Lookup
        );
    }

    #[test]
    fn shares_and_spans_are_not_counts() {
        let a = parse("income of the top 20% of households in 2022").ask;
        assert_eq!((a.op, a.n), (Operation::Ranking, None));
        let a = parse("Which 5-year age group had the highest population in 2020?").ask;
        assert_eq!(a.n, None);
    }

    #[test]
    fn an_age_is_not_a_count() {
        let a = parse("Which state had the most people aged 85+ in 2020?").ask;
        assert_eq!((a.op, a.n), (Operation::Ranking, None));
    }
}
