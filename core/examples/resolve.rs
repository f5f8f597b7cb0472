//! Print how questions resolve against a catalogue snapshot, candidate by candidate.
//!
//!   psql -Atc "SELECT dosm_rag.catalogue_snapshot()" > snap.json
//!   cargo run --release -p dosm_rag_core --example resolve -- snap.json "question" ...
//!
//! For tracing a wrong or missed answer to the stage that chose it; reads no rows.

use dosm_rag_core::catalogue::Catalogue;
use dosm_rag_core::question::parse;
use dosm_rag_core::resolve::{resolve, Index};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: resolve SNAPSHOT.json QUESTION...");
    let text = std::fs::read_to_string(&path).expect("readable snapshot");
    let cat: Catalogue = serde_json::from_str(&text).expect("a catalogue snapshot");
    let ix = Index::build(&cat);
    for question in args {
        let q = parse(&question);
        let r = resolve(&q, &cat, &ix, &|_, _| None);
        println!(
            "\n{question}\n  tokens {:?} periods {:?} lang {:?} unknown {:?}",
            q.tokens, q.periods, q.lang, r.unknown
        );
        for c in r.candidates.iter().take(6) {
            let d = &cat.datasets[c.dataset];
            println!(
                "  {:7.3} cov {:.2} {}.{} filters {:?} open {:?} implied {:?} several {:?} foreign {:?} period {:?}",
                c.score,
                c.coverage,
                d.source,
                d.columns[c.measure].name,
                c.filters.iter().map(|f| format!("{}={}", f.column, f.value)).collect::<Vec<_>>(),
                c.open,
                c.implied,
                c.several,
                c.foreign,
                c.period
            );
        }
    }
}
