//! Time of the core's answer composition alone (analyze, rank, confidence, wording) for one
//! question over 67 CPI-like candidates, the number `rag_answer` fetches for a typical question
//! at 100 000 rows. No database, no model: `cargo run --release -p dosm_rag_core --example
//! answer_bench`.
use dosm_rag_core::rank::{self as rag, Candidate};
use serde_json::{json, Map, Value};
use std::time::Instant;

fn main() {
    let states = [
        "Johor",
        "Kedah",
        "Kelantan",
        "Melaka",
        "Selangor",
        "W.P. Kuala Lumpur",
        "Pulau Pinang",
    ];
    let mut cands = Vec::new();
    for i in 0..67i64 {
        let st = states[i as usize % states.len()];
        let meta: Map<String, Value> = json!({"state": st, "date": format!("2023-{:02}-01", 1 + i % 12), "division": format!("{:02}", i % 13), "index": 120.0 + i as f64 / 10.0})
            .as_object().unwrap().clone();
        let content = format!("Consumer Price Index by State and Division (2010=100): state={st} date=2023-{:02}-01 division={:02} index={}", 1 + i % 12, i % 13, 120.0 + i as f64 / 10.0);
        cands.push(Candidate {
            id: i,
            source: "cpi_state".into(),
            title: Some("Consumer Price Index by State and Division (2010=100)".into()),
            source_url: None,
            row_ref: i,
            content,
            metadata: meta,
            similarity: 0.7,
        });
    }
    let question = "What was the CPI for food in Selangor in March 2023?";
    for round in 1..=3 {
        let t = Instant::now();
        let n = 200;
        for _ in 0..n {
            let a = rag::answer(question, cands.clone(), 3, 0.6);
            std::hint::black_box(a);
        }
        println!(
            "round {round}: answer over 67 candidates {:.3} ms per question",
            t.elapsed().as_secs_f64() * 1e3 / n as f64
        );
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(rag::analyze(question));
        }
        println!(
            "round {round}: analyze alone {:.3} ms",
            t.elapsed().as_secs_f64() * 1e3 / n as f64
        );
    }
}
