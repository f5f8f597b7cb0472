//! Spelling: a question word that no catalogue text knows, a slip or two of the keyboard away
//! from exactly one word the catalogue does know ("unemplyment", "populaton", "houshold"), is
//! read as that word, before resolution. English and Malay alike: the vocabulary is the
//! catalogue's own (titles, descriptions, value labels, aliases, synonyms), in the stemmed form
//! the resolver matches.
//!
//! - one edit for words of 4–7 letters, two for 8 or more (optimal string alignment: a swap of
//!   two letters is one edit); shorter words are never corrected;
//! - never a number or a code: a word with a digit, or written in capitals ("KDNK");
//! - never a word the vocabulary, the stop words or the scaffolding of questions have;
//! - never an inflection: a word that is a known word plus or minus an ending ("lived", "live");
//! - never the first letter: people seldom mistype it, and a word that differs there is more
//!   often another word ("cook" is no "Sook", "warga" no "harga");
//! - a letter typed for another only when their keys are neighbours ("rste" for "rate"); a
//!   letter left out, typed twice or swapped with the next is any letter. A word one other letter
//!   away is more often another word than a slip ("cara" is no "care", "term" no "tera");
//! - two known words equally near: no correction.
//!
//! A corrected word is then an ordinary word of the question, nothing more.

use std::collections::{BTreeMap, BTreeSet};

use crate::question::{stem, Question};

/// Everyday words of questions that are not misspellings of catalogue words (English, Malay).
const SCAFFOLDING: &[&str] = &[
    "born",
    "died",
    "lived",
    "living",
    "married",
    "marry",
    "grew",
    "grow",
    "were",
    "there",
    "people",
    "persons",
    "person",
    "highest",
    "lowest",
    "largest",
    "smallest",
    "biggest",
    "most",
    "least",
    "between",
    "compared",
    "compare",
    "versus",
    "since",
    "last",
    "past",
    "years",
    "months",
    "quarters",
    "change",
    "changed",
    "rise",
    "rose",
    "fell",
    "fall",
    "lahir",
    "meninggal",
    "tinggal",
    "berkahwin",
    "ramai",
    "terkini",
    "tertinggi",
    "terendah",
    "paling",
    "antara",
    "berbanding",
    "sejak",
    "lepas",
    "berubah",
    "naik",
    "turun",
    "percentage",
    "percent",
    "proportion",
    "peratus",
];

/// Whether two letters are neighbouring keys of a QWERTY keyboard (rows staggered by half a key).
fn neighbours(a: char, b: char) -> bool {
    const ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
    let at = |c: char| {
        ROWS.iter()
            .enumerate()
            .find_map(|(r, row)| row.find(c).map(|i| (r as f64, i as f64 + 0.5 * r as f64)))
    };
    match (at(a), at(b)) {
        (Some((ra, xa)), Some((rb, xb))) => {
            a != b && (ra - rb).abs() <= 1.0 && (xa - xb).abs() <= 1.0
        }
        _ => false,
    }
}

/// Whether `typed` can be a slip for `known` within its edits: the letters one has and the other
/// lacks are added or dropped letters, except at most one letter typed for another, and that on
/// a neighbouring key.
fn slip(typed: &str, known: &str) -> bool {
    let minus = |a: &str, b: &str| {
        let mut rest: Vec<char> = a.chars().collect();
        for c in b.chars() {
            if let Some(i) = rest.iter().position(|&x| x == c) {
                rest.remove(i);
            }
        }
        rest
    };
    match (&minus(typed, known)[..], &minus(known, typed)[..]) {
        ([], _) | (_, []) => true,
        ([a], [b]) | ([a, _], [b]) | ([a], [b, _]) => neighbours(*a, *b),
        _ => false,
    }
}

/// The words a question may be corrected to, and all the words it need not be.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    known: BTreeSet<String>,
    /// Correction targets (letters only, 4 or more) by length in characters.
    by_len: BTreeMap<usize, Vec<String>>,
}

impl Lexicon {
    pub fn new(words: impl IntoIterator<Item = String>) -> Lexicon {
        let known: BTreeSet<String> = words.into_iter().collect();
        let mut by_len: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for w in &known {
            let n = w.chars().count();
            if n >= 4 && w.chars().all(char::is_alphabetic) {
                by_len.entry(n).or_default().push(w.clone());
            }
        }
        Lexicon { known, by_len }
    }

    pub fn knows(&self, w: &str) -> bool {
        self.known.contains(w) || self.known.contains(stem(w))
    }

    /// The one known word within reach of `word` (stemmed), if exactly one is nearest.
    pub fn nearest(&self, word: &str) -> Option<&str> {
        let n = word.chars().count();
        let reach = match n {
            0..=3 => return None,
            4..=7 => 1,
            _ => 2,
        };
        let first = word.chars().next();
        let mut best: Option<(usize, &str)> = None;
        let mut tied = false;
        for (_, ws) in self.by_len.range(n - reach..=n + reach) {
            for w in ws {
                // an ending more or less is morphology, not a slip ("lived" and "live")
                let inflection = w.starts_with(word) || word.starts_with(w.as_str());
                if inflection || w.chars().next() != first {
                    continue;
                }
                let d = strsim::osa_distance(word, w);
                if d <= reach && !slip(word, w) {
                    continue;
                }
                match best {
                    _ if d > reach => {}
                    Some((b, _)) if d > b => {}
                    Some((b, _)) if d == b => tied = true,
                    _ => {
                        best = Some((d, w.as_str()));
                        tied = false;
                    }
                }
            }
        }
        best.filter(|_| !tied).map(|(_, w)| w)
    }
}

/// Words of the question's own text that are numbers or codes: with a digit, or in capitals.
fn codes(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            w.chars().any(|c| c.is_ascii_digit())
                || letters >= 2 && w.chars().all(|c| !c.is_lowercase())
        })
        .flat_map(crate::question::tokens)
        .collect()
}

/// The question with its misspelt content words read as the catalogue's words; each correction
/// is recorded in `corrections` (as typed, as read).
pub fn correct(q: &Question, lex: &Lexicon) -> Question {
    let protected = codes(&q.text);
    let mut out = q.clone();
    for (i, t) in q.content() {
        let candidate = t.chars().all(char::is_alphabetic)
            && !protected.contains(t)
            && !SCAFFOLDING.contains(&t)
            && !lex.knows(t);
        if !candidate {
            continue;
        }
        let s = stem(t);
        if let Some(to) = lex.nearest(s) {
            // keep the ending the stem took off ("housholds" → "households")
            let read = format!("{to}{}", &t[s.len()..]);
            out.corrections.push((t.to_string(), read.clone()));
            out.tokens[i] = read;
        }
    }
    if !out.corrections.is_empty() {
        out.lang = crate::question::lang_of(&out.tokens);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::parse;

    fn lex() -> Lexicon {
        Lexicon::new(
            [
                "unemployment",
                "rate",
                "population",
                "household",
                "income",
                "median",
                "penduduk",
                "kadar",
                "pengangguran",
                "live",
                "birth",
                "state",
                "stat",
                "johor",
                "kinta",
                "gross",
                "product",
                "sook",
                "harga",
                "care",
                "percentile",
            ]
            .map(String::from),
        )
    }

    fn read(text: &str) -> (Vec<String>, Vec<(String, String)>) {
        let q = correct(&parse(text), &lex());
        (q.tokens, q.corrections)
    }

    #[test]
    fn slips_are_read_as_the_catalogue_words() {
        let (t, c) = read("unemplyment rate 2020");
        assert_eq!(t[0], "unemployment");
        assert_eq!(c, vec![("unemplyment".into(), "unemployment".into())]);
        assert_eq!(read("populaton of Johor").0[0], "population");
        // two edits for a long word, a swap is one; the plural ending stays
        assert_eq!(read("median housholds income Kinta").0[1], "households");
        assert_eq!(read("median incmoe").0[1], "income");
        // Malay
        let (t, _) = read("kadar penganguran 2020");
        assert_eq!(t[1], "pengangguran");
        assert_eq!(read("pendudk Johor 2020").0[0], "penduduk");
    }

    #[test]
    fn numbers_codes_short_known_and_everyday_words_stay() {
        for q in [
            "unemployment rate 2020",
            "GROS product",
            "rte of Johor",
            "how many people lived in Johor",
            "kadar pengangguran terkini",
            "u2rate of johor",
            "how do I cook at home",
            "warga emas",
            "cara kira",
            "perventage of johor",
            // j and k are neighbours, but the first letter is not corrected
            "jadar 2020",
            // a word in capitals is a code; an ending more is an inflection
            "KDAAR 2020",
            "rated johor",
        ] {
            assert!(read(q).1.is_empty(), "{q}: {:?}", read(q).1);
        }
        // a short word has one edit only: "incme" is one from "income", "inxme" two
        assert!(read("median inxme").1.is_empty());
    }

    #[test]
    fn a_letter_for_another_only_on_a_neighbouring_key() {
        assert!(neighbours('a', 's') && neighbours('t', 'r') && neighbours('g', 'b'));
        assert!(!neighbours('a', 'e') && !neighbours('m', 'c') && !neighbours('a', 'a'));
        assert_eq!(read("unemploymemt rate").0[0], "unemployment");
        assert_eq!(read("pendudul johor").0[0], "penduduk");
        // "cara" is one letter from "care", but a and e are far apart
        assert!(read("cara johor").1.is_empty());
        assert!(!slip("percentage", "percentile"));
        assert!(slip("populaton", "population") && slip("houshold", "household"));
    }

    #[test]
    fn a_tie_is_no_correction() {
        // "staet" is one slip from "state" (a swap) and from "stat" (an "e" too many)
        assert!(read("staet of Johor").1.is_empty());
        assert_eq!(lex().nearest("staet"), None);
        assert_eq!(lex().nearest("sttae"), Some("state"));
    }

    #[test]
    fn a_correction_can_make_the_question_malay() {
        let q = correct(&parse("pendudk johor"), &lex());
        assert_eq!(q.lang, crate::question::Lang::Ms);
    }
}
