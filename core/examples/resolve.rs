//! Print how questions resolve against a catalogue snapshot, candidate by candidate; or, with
//! `--questions FILE` (tests/eval/generate.py's JSONL), how often the best candidate is the
//! expected dataset, measure and filters, and which questions miss. Reads no rows: a tool for
//! tracing a wrong or missed answer to the stage that chose it.
//!
//!   psql -Atc "SELECT dosm_rag.catalogue_snapshot()" > snap.json
//!   cargo run --release -p dosm_rag_core --example resolve -- snap.json "question" ...
//!   cargo run --release -p dosm_rag_core --example resolve -- snap.json --questions q.jsonl

use dosm_rag_core::catalogue::Catalogue;
use dosm_rag_core::question::parse;
use dosm_rag_core::resolve::{resolve, How, Index};
use serde_json::Value;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: resolve SNAPSHOT.json QUESTION... | --questions FILE");
    let text = std::fs::read_to_string(&path).expect("readable snapshot");
    let cat: Catalogue = serde_json::from_str(&text).expect("a catalogue snapshot");
    let ix = Index::build(&cat);
    let rest: Vec<String> = args.collect();
    if rest.first().map(String::as_str) == Some("--questions") {
        let file = rest.get(1).expect("--questions FILE");
        let (mut n, mut ok) = (0, 0);
        for line in std::fs::read_to_string(file)
            .expect("readable questions")
            .lines()
        {
            let q: Value = serde_json::from_str(line).expect("JSON line");
            if q["answerable"] != Value::Bool(true) {
                continue;
            }
            n += 1;
            let question = q["question"].as_str().unwrap_or_default();
            let r = resolve(&parse(question), &cat, &ix, &|_, _| None);
            let Some(c) = r.candidates.first() else {
                continue;
            };
            let d = &cat.datasets[c.dataset];
            let named: Vec<(String, String)> = c
                .filters
                .iter()
                .filter(|f| f.how == How::Named || q["filters"].get(&f.column).is_some())
                .map(|f| (f.column.clone(), f.value.clone()))
                .collect();
            let want: Vec<(String, String)> = q["filters"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let filters_ok = want
                .iter()
                .all(|w| named.contains(w) || c.implied.contains(&w.0));
            let same = d.source == q["source"].as_str().unwrap_or_default()
                && d.columns[c.measure].name == q["measure"].as_str().unwrap_or_default()
                && filters_ok;
            if same {
                ok += 1;
            } else {
                println!(
                    "MISS {question}\n     want {}.{} {:?}\n     got  {}.{} {:?} open {:?} cov {:.2}",
                    q["source"].as_str().unwrap_or_default(),
                    q["measure"].as_str().unwrap_or_default(),
                    want,
                    d.source,
                    d.columns[c.measure].name,
                    named,
                    c.open,
                    c.coverage
                );
            }
        }
        println!("\nbest candidate = expected dataset, measure and filters: {ok}/{n}");
        return;
    }
    for question in rest {
        let q = parse(&question);
        let r = resolve(&q, &cat, &ix, &|_, _| None);
        println!(
            "\n{question}\n  tokens {:?} periods {:?} lang {:?} ask {:?} unknown {:?}",
            q.tokens, q.periods, q.lang, q.ask, r.unknown
        );
        for c in r.candidates.iter().take(6) {
            let d = &cat.datasets[c.dataset];
            println!(
                "  {:7.3} {} over {:?} {:?} cov {:.2} {}.{} filters {:?} open {:?} implied {:?} several {:?} foreign {:?} others {:?} period {:?}",
                c.score,
                c.op.name(),
                c.over,
                c.members,
                c.coverage,
                d.source,
                d.columns[c.measure].name,
                c.filters.iter().map(|f| format!("{}={}", f.column, f.value)).collect::<Vec<_>>(),
                c.open,
                c.implied,
                c.several,
                c.foreign,
                c.others_words,
                c.period
            );
        }
    }
}
