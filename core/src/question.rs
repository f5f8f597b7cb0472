//! What a question names, before any catalogue is consulted: its words, its language and its
//! periods. Language only (English and Malay function words, month names, ordinal suffixes);
//! every statistical term, place and code comes from the catalogue tables.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;

/// The language an answer is worded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ms,
}

/// A period the question names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
}

impl Period {
    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Quarter(y, _) | Period::Month(y, _) => y,
        }
    }
}

/// A parsed question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub text: String,
    /// Normalised tokens: lower case, punctuation dropped, digits split from letters.
    pub tokens: Vec<String>,
    /// Token positions that belong to a period expression (not content words).
    pub period_tokens: BTreeSet<usize>,
    pub periods: Vec<Period>,
    pub lang: Lang,
    /// What it asks to be done (a lookup, a ranking, a change …).
    pub ask: crate::intent::Ask,
    /// Words read as other words (as typed, as read): spelling corrections ([`crate::spell`]).
    pub corrections: Vec<(String, String)>,
}

/// Month names and abbreviations, English and Malay.
pub const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("januari", 1),
    ("february", 2),
    ("feb", 2),
    ("februari", 2),
    ("march", 3),
    ("mar", 3),
    ("mac", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("mei", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("julai", 7),
    ("august", 8),
    ("aug", 8),
    ("ogos", 8),
    ("ogo", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("october", 10),
    ("oct", 10),
    ("oktober", 10),
    ("okt", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    ("disember", 12),
    ("dis", 12),
];

/// Ordinals of quarters, English and Malay ("third quarter", "suku ketiga").
const ORDINALS: &[(&str, u32)] = &[
    ("first", 1),
    ("1st", 1),
    ("pertama", 1),
    ("second", 2),
    ("2nd", 2),
    ("kedua", 2),
    ("third", 3),
    ("3rd", 3),
    ("ketiga", 3),
    ("fourth", 4),
    ("4th", 4),
    ("keempat", 4),
];

/// Function words: they carry no meaning for matching. English and Malay.
pub const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "by",
    "can",
    "did",
    "do",
    "does",
    "for",
    "from",
    "give",
    "get",
    "how",
    "i",
    "in",
    "is",
    "it",
    "its",
    "me",
    "many",
    "much",
    "of",
    "on",
    "or",
    "please",
    "show",
    "tell",
    "the",
    "to",
    "was",
    "were",
    "what",
    "whats",
    "when",
    "which",
    "who",
    "with",
    "there",
    "their",
    "this",
    "that",
    "value",
    "figure",
    "figures",
    "data",
    "statistic",
    "statistics",
    "level",
    "amount",
    "recorded",
    "reported",
    "according",
    "known",
    "registered",
    "you",
    "we",
    "about",
    "during",
    "has",
    "have",
    "had",
    "s",
    "th",
    "st",
    "nd",
    "rd",
    "aged",
    "age",
    "group",
    "berapakah",
    "berapa",
    "apakah",
    "apa",
    "bagi",
    "dalam",
    "di",
    "ialah",
    "adalah",
    "pada",
    "yang",
    "dan",
    "untuk",
    "ke",
    "nyatakan",
    "berikan",
    "sila",
    "tunjukkan",
    "mengikut",
    "oleh",
    "dari",
    "daripada",
    "bagaimana",
    "jumlah",
    "nilai",
    "suku",
    "kumpulan",
    "umur",
    "berumur",
    "tercatat",
    "dicatatkan",
    "mencatatkan",
    "ada",
    "itu",
    "ini",
    "se",
    "telah",
    "boleh",
    "ramai",
    "like",
    "know",
    "want",
    "would",
    "could",
    "tahu",
    "mahu",
    "ingin",
    "latest",
    "terkini",
    "recent",
    "most",
    "current",
    "newest",
    "terbaru",
    "available",
    "kindly",
    "find",
    "look",
    "up",
    "lookup",
    "what's",
    "hingga",
    "among",
    "amongst",
    "within",
    "orang",
    "number",
    "bilangan",
    "total",
    "count",
    "nationally",
    "national",
    "nasional",
    "peringkat",
    "negara",
    "country",
    "whole",
    "seluruh",
    "malaysia",
    "malaysian",
    "currently",
    "now",
    "today",
    "kini",
    "sekarang",
    "masa",
    "mempunyai",
    "mencatat",
    "punya",
];

/// Words that belong to a period when they stand next to one ("in the year 2020", "bulan Mac").
const PERIOD_WORDS: &[&str] = &[
    "year", "years", "month", "quarter", "tahun", "bulan", "suku", "sukuan", "of", "the", "in",
];

/// Words that mark a Malay question.
const MALAY_MARKERS: &[&str] = &[
    "berapakah",
    "berapa",
    "apakah",
    "bagi",
    "pada",
    "tahun",
    "di",
    "ialah",
    "adalah",
    "yang",
    "nyatakan",
    "berikan",
    "kadar",
    "jumlah",
    "penduduk",
    "bilangan",
    "mengikut",
    "bulan",
    "suku",
    "negeri",
    "daerah",
    "pendapatan",
    "isi",
    "rumah",
    "kelahiran",
    "kematian",
    "lelaki",
    "perempuan",
    "tunjukkan",
    "sila",
    "purata",
    "tenaga",
    "buruh",
    "harga",
    "pengguna",
];

/// Lower-case `text` and split it into tokens: letters and digits runs; digits are split from
/// letters ("90th" → "90", "th"; "q3" → "q", "3"); '+' and '%' stay as tokens ("85+").
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    // NFKC first: "km²" is km2, a full-width digit a digit, a ligature its letters
    let chars: Vec<char> = text.nfkc().flat_map(char::to_lowercase).collect();
    for (i, &c) in chars.iter().enumerate() {
        // a dot or comma inside a number is part of it: 1.8, 12,345
        let inner = (c == '.' || c == ',')
            && cur_digit
            && !cur.is_empty()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if inner {
            if c == '.' {
                cur.push(c);
            }
            continue;
        }
        if c.is_alphanumeric() {
            let d = c.is_ascii_digit();
            if !cur.is_empty() && d != cur_digit {
                out.push(std::mem::take(&mut cur));
            }
            cur_digit = d;
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if c == '+' || c == '%' {
                out.push(c.to_string());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A crude singular: "births" → "birth", "rates" → "rate"; leaves "ss", short words and
/// numbers alone. Applied to both sides of every comparison.
pub fn stem(word: &str) -> &str {
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        &word[..word.len() - 1]
    } else if word.len() >= 8 && word.ends_with("ly") && word.is_ascii() {
        // an adverb is its adjective: the "actively" unemployed are the active ones
        // ("monthly", "family", "yearly" stay: too short to be sure)
        &word[..word.len() - 2]
    } else {
        word
    }
}

pub fn is_stop_word(w: &str) -> bool {
    STOP_WORDS.contains(&w)
}

fn year_of(w: &str) -> Option<i32> {
    let y: i32 = w.parse().ok()?;
    (w.len() == 4 && (1900..=2100).contains(&y)).then_some(y)
}

fn month_of(w: &str) -> Option<u32> {
    MONTHS.iter().find(|(n, _)| *n == w).map(|(_, m)| *m)
}

fn small(w: &str, max: u32) -> Option<u32> {
    let n: u32 = w.parse().ok()?;
    (w.len() <= 2 && (1..=max).contains(&n)).then_some(n)
}

/// Parse a question.
pub fn parse(text: &str) -> Question {
    let toks = tokens(text);
    let mut periods = Vec::new();
    let mut used = BTreeSet::new();
    let n = toks.len();
    for i in 0..n {
        let Some(y) = year_of(&toks[i]) else { continue };
        used.insert(i);
        let mut found = None;
        // 2023-03 / 2023 03 (the "-" is dropped by tokens)
        if let Some(m) = toks.get(i + 1).and_then(|w| small(w, 12)) {
            if text_has_iso_month(text, y, m) {
                found = Some(Period::Month(y, m));
                used.insert(i + 1);
            }
        }
        // 03/2023
        if found.is_none() && i > 0 {
            if let Some(m) = small(&toks[i - 1], 12) {
                if text.contains(&format!("{}/{y}", toks[i - 1])) {
                    found = Some(Period::Month(y, m));
                    used.insert(i - 1);
                }
            }
        }
        // March 2023, Mac 2023, 2023 March
        if found.is_none() {
            for j in [i.wrapping_sub(1), i + 1, i.wrapping_sub(2)] {
                if let Some(m) = toks.get(j).and_then(|w| month_of(w)) {
                    found = Some(Period::Month(y, m));
                    used.insert(j);
                    break;
                }
            }
        }
        // Q3 2023, 2023 Q3, 2023-Q3, third quarter of 2023, suku ketiga 2023
        if found.is_none() {
            let lo = i.saturating_sub(5);
            let hi = (i + 3).min(n);
            for j in lo..hi {
                if toks[j] == "q" {
                    if let Some(q) = toks.get(j + 1).and_then(|w| small(w, 4)) {
                        found = Some(Period::Quarter(y, q));
                        used.extend([j, j + 1]);
                        break;
                    }
                }
                if let Some((_, q)) = ORDINALS.iter().find(|(w, _)| *w == toks[j]) {
                    let near_quarter =
                        (lo..hi).any(|k| matches!(toks[k].as_str(), "quarter" | "suku" | "sukuan"));
                    if near_quarter {
                        found = Some(Period::Quarter(y, *q));
                        used.insert(j);
                        for (k, t) in toks.iter().enumerate().take(hi).skip(lo) {
                            if matches!(t.as_str(), "quarter" | "suku" | "sukuan" | "tahun") {
                                used.insert(k);
                            }
                        }
                        break;
                    }
                }
            }
        }
        periods.push(found.unwrap_or(Period::Year(y)));
    }
    // "year", "month", "bulan" … next to a period are part of it
    let mut grow = true;
    while grow {
        grow = false;
        for (i, t) in toks.iter().enumerate() {
            if used.contains(&i) || !PERIOD_WORDS.contains(&t.as_str()) {
                continue;
            }
            // "for the month of May 2023": "of" and "the" bridge "month" to the period
            let next_to = (i > 0 && used.contains(&(i - 1))) || used.contains(&(i + 1));
            if next_to {
                used.insert(i);
                grow = true;
            }
        }
    }
    periods.sort();
    periods.dedup();
    let ask = crate::intent::classify(&toks, &used, periods.len(), &|_| false);
    let lang = lang_of(&toks);
    Question {
        text: text.to_string(),
        tokens: toks,
        period_tokens: used,
        periods,
        lang,
        ask,
        corrections: Vec::new(),
    }
}

/// The language of a question's tokens: Malay when it has more Malay markers than English ones.
pub fn lang_of(toks: &[String]) -> Lang {
    let malay = toks
        .iter()
        .filter(|t| MALAY_MARKERS.contains(&t.as_str()))
        .count();
    let english = toks
        .iter()
        .filter(|t| {
            matches!(
                t.as_str(),
                "what" | "how" | "the" | "of" | "in" | "was" | "is" | "which" | "give" | "for"
            )
        })
        .count();
    if malay > english {
        Lang::Ms
    } else {
        Lang::En
    }
}

fn text_has_iso_month(text: &str, y: i32, m: u32) -> bool {
    text.contains(&format!("{y}-{m:02}"))
        || text.contains(&format!("{y}-{m}"))
        || text.contains(&format!("{y}/{m:02}"))
}

impl Question {
    /// Content words: not stop words, not part of a period, with their positions.
    pub fn content(&self) -> Vec<(usize, &str)> {
        self.tokens
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                let single_letter = t.len() == 1 && t.chars().all(char::is_alphabetic);
                !self.period_tokens.contains(i)
                    && !self.ask.words.contains(i)
                    && !is_stop_word(t)
                    && t.as_str() != "%"
                    && t.as_str() != "+"
                    && !single_letter
            })
            .map(|(i, t)| (i, t.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drop_plurals_and_long_adverbs() {
        assert_eq!(stem("households"), "household");
        assert_eq!(stem("actively"), "active");
        assert_eq!(stem("nationally"), "national");
        for w in ["monthly", "family", "yearly", "census", "gross"] {
            assert_eq!(stem(w), w);
        }
    }

    #[test]
    fn tokens_are_read_in_nfkc() {
        assert_eq!(tokens("area (km²)"), vec!["area", "km", "2"]);
        assert_eq!(tokens("area_km2"), vec!["area", "km", "2"]);
    }

    #[test]
    fn tokens_split_digits_and_keep_plus() {
        assert_eq!(tokens("85+ aged 90th"), vec!["85", "+", "aged", "90", "th"]);
        assert_eq!(
            tokens("W.P. Kuala Lumpur"),
            vec!["w", "p", "kuala", "lumpur"]
        );
        assert_eq!(
            tokens("rate 1.8% in Q3"),
            vec!["rate", "1.8", "%", "in", "q", "3"]
        );
    }

    #[test]
    fn periods_in_both_languages() {
        let p = |t: &str| parse(t).periods;
        assert_eq!(p("CPI in March 2023"), vec![Period::Month(2023, 3)]);
        assert_eq!(p("IHP Mac 2023"), vec![Period::Month(2023, 3)]);
        assert_eq!(p("inflation 2023-03"), vec![Period::Month(2023, 3)]);
        assert_eq!(p("inflation 03/2023"), vec![Period::Month(2023, 3)]);
        assert_eq!(p("rate in Q3 2025"), vec![Period::Quarter(2025, 3)]);
        assert_eq!(
            p("kadar suku tahun ketiga 2025"),
            vec![Period::Quarter(2025, 3)]
        );
        assert_eq!(p("population 2020"), vec![Period::Year(2020)]);
        assert_eq!(
            p("between 2019 and 2023"),
            vec![Period::Year(2019), Period::Year(2023)]
        );
        assert!(p("population of Johor").is_empty());
    }

    #[test]
    fn language() {
        assert_eq!(parse("Berapakah penduduk Johor pada 2020?").lang, Lang::Ms);
        assert_eq!(parse("What is the population of Johor?").lang, Lang::En);
    }

    #[test]
    fn content_leaves_out_periods_and_stop_words() {
        let q = parse("What was the unemployment rate in March 2023?");
        let c: Vec<&str> = q.content().into_iter().map(|(_, t)| t).collect();
        assert_eq!(c, vec!["unemployment", "rate"]);
    }
}
