//! Bounded load on a running proxy (loopback only): N concurrent clients for D seconds, each
//! sending /predict requests from a fixed question list. Prints requests/s, p50/p99 latency and
//! the status counts; exits 1 if any response was a 5xx.
//!
//!   cargo run --release -p dosm-rag-proxy --example load -- URL API_KEY [clients=16] [seconds=60]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const QUESTIONS: &[&str] = &[
    "What was the unemployment rate in Selangor in Q3 2025?",
    "Berapakah penduduk Johor pada 2026?",
    "CPI inflation June 2026",
    "Mean household income in Batu Pahat 2024",
    "Exports in March 2000",
    "Gini coefficient Malaysia 1970",
    "How do I bake a chocolate cake?",
    "Kadar pengangguran Sabah suku tahun ketiga 2025",
];

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).expect("URL").trim_end_matches('/').to_string();
    assert!(
        url.starts_with("http://127.")
            || url.starts_with("http://localhost")
            || url.starts_with("http://[::1]"),
        "load only a proxy on loopback"
    );
    let key = args.get(2).expect("API key").clone();
    let clients: usize = args.get(3).map_or(16, |s| s.parse().expect("clients"));
    let seconds: u64 = args.get(4).map_or(60, |s| s.parse().expect("seconds"));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (client, url, key) = (client.clone(), url.clone(), key.clone());
            tokio::spawn(async move {
                let mut out = Vec::new();
                let mut i = c;
                while Instant::now() < deadline {
                    let body =
                        serde_json::json!({"query": QUESTIONS[i % QUESTIONS.len()]}).to_string();
                    i += 1;
                    let t = Instant::now();
                    let status = match client
                        .post(format!("{url}/predict"))
                        .header("X-API-Key", &key)
                        .header("Content-Type", "application/json")
                        .body(body)
                        .send()
                        .await
                    {
                        Ok(r) => {
                            let s = r.status().as_u16();
                            let _ = r.bytes().await;
                            s
                        }
                        Err(_) => 0,
                    };
                    out.push((status, t.elapsed().as_secs_f64() * 1e3));
                }
                out
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut lat: Vec<f64> = all.iter().map(|(_, l)| *l).collect();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for (s, _) in &all {
        *statuses.entry(*s).or_default() += 1;
    }
    let bad = all.iter().filter(|(s, _)| *s >= 500 || *s == 0).count();
    println!(
        "clients={clients} seconds={elapsed:.1} requests={} rps={:.1} p50_ms={:.2} p99_ms={:.2} statuses={statuses:?} 5xx_or_failed={bad}",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99)
    );
    if bad > 0 {
        std::process::exit(1);
    }
}
