//! The proxy over real HTTP against a real PostgreSQL with dosm_rag and the sample data.
//!
//! Needs `DOSM_RAG_TEST_DATABASE_URL` (scripts/test.sh sets it to its cluster, with the sample
//! data ingested) and, for the restart test, `DOSM_RAG_TEST_DB_SCRIPT` (scripts/db.sh with the
//! test cluster's environment). Without them the tests fail: they are not optional.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn database_url() -> String {
    std::env::var("DOSM_RAG_TEST_DATABASE_URL")
        .expect("DOSM_RAG_TEST_DATABASE_URL (run through scripts/test.sh)")
}

struct Proxy {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Proxy {
    fn start(extra_env: &[(&str, &str)]) -> Proxy {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dosm-rag-proxy"));
        cmd.env("DATABASE_URL", database_url())
            .env("API_KEYS", "k3y-one,another-key-2")
            .env("BIND", "127.0.0.1:0")
            .env("POOL_SIZE", "2")
            .env_remove("DATABASE_REPLICA_URLS")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn proxy");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let log2 = log.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
                *log2.lock().unwrap() = s.clone();
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            assert!(Instant::now() < deadline, "proxy did not start");
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("dosm-rag-proxy listening on ") {
                        break url.trim().to_string();
                    }
                }
                _ => panic!("proxy exited: {}", log.lock().unwrap()),
            }
        };
        Proxy { child, base, log }
    }

    fn client() -> reqwest::blocking::Client {
        reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    fn predict(
        &self,
        key: Option<&str>,
        body: &str,
        content_type: &str,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut req = Self::client()
            .post(format!("{}/predict", self.base))
            .header("Content-Type", content_type)
            .body(body.to_string());
        if let Some(k) = key {
            req = req.header("X-API-Key", k);
        }
        let resp = req.send().expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }

    /// A /predict with the key as raw bytes (None: no header) and an optional Content-Type, on
    /// the given client (reuse one for keep-alive); the raw response.
    fn predict_raw(
        &self,
        client: &reqwest::blocking::Client,
        key: Option<&[u8]>,
        body: &str,
        content_type: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let mut req = client
            .post(format!("{}/predict", self.base))
            .body(body.to_string());
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        if let Some(k) = key {
            req = req.header(
                "X-API-Key",
                reqwest::header::HeaderValue::from_bytes(k).unwrap(),
            );
        }
        let resp = req.send().expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.text().unwrap())
    }

    fn get(&self, path: &str) -> (u16, String) {
        let resp = Self::client()
            .get(format!("{}{path}", self.base))
            .send()
            .expect("request");
        (resp.status().as_u16(), resp.text().unwrap())
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const KEY: Option<&str> = Some("k3y-one");
const JSON: &str = "application/json";

#[test]
fn predict_keeps_the_old_contract() {
    let p = Proxy::start(&[]);
    let (status, body, _) = p.predict(
        KEY,
        r#"{"query": "What was the unemployment rate in Sabah in Q3 2025?", "k": 2}"#,
        JSON,
    );
    assert_eq!(status, 200, "{body}");
    let pred = &body["prediction"];
    for key in ["answer", "citations", "confidence", "failure_mode"] {
        assert!(pred.get(key).is_some(), "missing {key}: {body}");
    }
    // the project's own sample (data/dosm_sample.csv): one cited row, its value and structure
    assert!(pred["answer"].as_str().unwrap().contains("5.7"), "{body}");
    assert_eq!(pred["value"], 5.7, "{body}");
    assert_eq!(pred["period"], "2025-Q3", "{body}");
    assert!(
        pred["sql"].as_str().unwrap().contains("dosm_rag.facts"),
        "{body}"
    );
    assert!(!pred["citations"].as_array().unwrap().is_empty());
    for key in ["source", "snippet", "page_or_row"] {
        assert!(
            pred["citations"][0].get(key).is_some(),
            "citation lacks {key}"
        );
    }
    assert!(body["latency_ms"].as_f64().unwrap() > 0.0);
    assert!(body["model_version"]
        .as_str()
        .unwrap()
        .starts_with("all-MiniLM-L6-v2@"));

    // k is optional; out-of-domain questions abstain with a 200
    let (status, body, _) = p.predict(
        Some("another-key-2"),
        r#"{"query": "how do I bake a chocolate cake?"}"#,
        JSON,
    );
    assert_eq!(status, 200);
    // no table is about cakes: an abstention that cites what the data has
    assert!(
        ["no_match", "low_confidence"]
            .contains(&body["prediction"]["failure_mode"].as_str().unwrap_or("")),
        "{body}"
    );
    assert!(body["prediction"]["answer"].is_null(), "{body}");
    assert_eq!(body["prediction"]["citations"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_requests_get_json_errors_never_500() {
    let p = Proxy::start(&[]);
    let cases: Vec<(Option<&str>, String, &str, u16, &str)> = vec![
        (KEY, "{\"query\": ".into(), JSON, 400, "invalid_json"),
        (KEY, "[1, 2]".into(), JSON, 400, "invalid_json"),
        (
            KEY,
            r#"{"query": "x", "extra": 1}"#.into(),
            JSON,
            400,
            "invalid_json",
        ),
        (KEY, r#"{"query": "   "}"#.into(), JSON, 400, "empty_query"),
        (
            KEY,
            "{\"query\": \"\u{3000}\u{a0}\\t\u{2029}\"}".into(),
            JSON,
            400,
            "empty_query",
        ),
        (
            KEY,
            r#"{"query": "x", "k": null}"#.into(),
            JSON,
            400,
            "invalid_json",
        ),
        (
            KEY,
            r#"{"query": "x", "k": 2.5}"#.into(),
            JSON,
            400,
            "invalid_json",
        ),
        (KEY, r#"{"query": null}"#.into(), JSON, 400, "invalid_json"),
        (KEY, r#"{"k": 3}"#.into(), JSON, 400, "invalid_json"),
        (KEY, "".into(), JSON, 400, "invalid_json"),
        (
            KEY,
            r#"{"query": "x", "k": 0}"#.into(),
            JSON,
            400,
            "invalid_k",
        ),
        (
            KEY,
            r#"{"query": "x", "k": 101}"#.into(),
            JSON,
            400,
            "invalid_k",
        ),
        (
            KEY,
            r#"{"query": "x", "k": "3"}"#.into(),
            JSON,
            400,
            "invalid_json",
        ),
        (
            KEY,
            r#"{"query": "x"}"#.into(),
            "text/plain",
            415,
            "unsupported_media_type",
        ),
        (
            KEY,
            format!(r#"{{"query": "{}"}}"#, "a".repeat(20_000)),
            JSON,
            413,
            "payload_too_large",
        ),
        (None, r#"{"query": "x"}"#.into(), JSON, 401, "unauthorized"),
    ];
    for (key, body, ct, want, code) in cases {
        let (status, resp, _) = p.predict(key, &body, ct);
        assert_eq!(status, want, "{code}: {resp}");
        assert_eq!(resp["error"]["code"], code, "{resp}");
        assert!(resp["error"]["message"].is_string());
    }
    // no Content-Type at all
    let (status, _, text) = p.predict_raw(
        &Proxy::client(),
        Some(b"k3y-one"),
        r#"{"query": "x"}"#,
        None,
    );
    assert_eq!(status, 415, "{text}");
    let (status, body) = p.get("/nope");
    assert_eq!(status, 404, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    // a method a route does not have: 405, Allow, and the usual error body
    for (method, path, allow) in [
        (reqwest::Method::GET, "/predict", "POST"),
        (reqwest::Method::DELETE, "/predict", "POST"),
        (reqwest::Method::POST, "/healthz", "GET,HEAD"),
        (reqwest::Method::PUT, "/openapi.json", "GET,HEAD"),
    ] {
        let resp = Proxy::client()
            .request(method.clone(), format!("{}{path}", p.base))
            .header("X-API-Key", "k3y-one")
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405, "{method} {path}");
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
        let body: Value = resp.json().unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
}

#[test]
fn inputs_the_spec_allows_are_answered() {
    let p = Proxy::start(&[]);
    // JSON Schema's integers include 2.0
    let (status, body, _) = p.predict(KEY, r#"{"query": "GDP 2015", "k": 2.0}"#, JSON);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["prediction"]["citations"].as_array().unwrap().len(), 2);
    // PostgreSQL text cannot hold NUL: dropped, not a 500
    let (status, body, _) = p.predict(KEY, r#"{"query": "GDP\u0000 2015"}"#, JSON);
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = p.predict(KEY, r#"{"query": "\u0000"}"#, JSON);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["prediction"]["failure_mode"], "empty_query");
    // other control characters and astral-plane text are fine too
    let (status, body, _) = p.predict(KEY, r#"{"query": "\u001c\ud83d\ude00 \u0007"}"#, JSON);
    assert_eq!(status, 200, "{body}");
}

/// The headers that may differ between two otherwise identical responses.
fn comparable(headers: &reqwest::header::HeaderMap) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = headers
        .iter()
        .filter(|(name, _)| *name != "x-request-id" && *name != "date")
        .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
        .collect();
    v.sort();
    v
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

#[test]
fn wrong_keys_are_indistinguishable() {
    let p = Proxy::start(&[]);
    let client = Proxy::client();
    let body = r#"{"query": "population of Johor 2026"}"#;
    let long = "k3y-one".repeat(600);
    let cases: Vec<(&str, Option<&[u8]>)> = vec![
        ("no key", None),
        ("empty key", Some(b"")),
        ("short wrong key", Some(b"x")),
        ("wrong key, same length", Some(b"wrong-k")),
        ("almost right: last byte differs", Some(b"k3y-onf")),
        ("almost right: first byte differs", Some(b"x3y-one")),
        ("right prefix, shorter", Some(b"k3y-on")),
        ("right key plus more", Some(b"k3y-one-and-more")),
        ("right key twice", Some(b"k3y-onek3y-one")),
        ("4 KiB key", Some(long.as_bytes())),
        ("non-ASCII byte", Some(b"k3y-one\xe9")),
        ("right key, other case", Some(b"K3Y-ONE")),
    ];
    let (status, headers, first) = p.predict_raw(&client, None, body, Some(JSON));
    assert_eq!(status, 401);
    assert_eq!(
        first,
        r#"{"error":{"code":"unauthorized","message":"missing or invalid X-API-Key"}}"#
    );
    let first_headers = comparable(&headers);
    assert!(headers.contains_key("x-request-id"));
    for (name, key) in &cases {
        let (status, headers, text) = p.predict_raw(&client, *key, body, Some(JSON));
        assert_eq!(status, 401, "{name}");
        assert_eq!(text, first, "{name}: body differs");
        assert_eq!(
            comparable(&headers),
            first_headers,
            "{name}: headers differ"
        );
    }

    // Timing: interleaved rounds over key classes that relate differently to the real key; the
    // medians must agree. Over loopback HTTP this cannot see nanoseconds (no test can), but it
    // does fail for any work that depends on how close a key is (a lookup, a second check, a
    // log line for near misses …). Keys are short, so hashing them costs the same.
    let timed: Vec<(&str, &[u8])> = vec![
        ("short wrong", b"x"),
        ("long wrong", b"a-much-longer-wrong-key-value"),
        ("almost right", b"k3y-onf"),
        ("right prefix, longer", b"k3y-one-and-more"),
    ];
    let rounds = 300;
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); timed.len()];
    for round in 0..rounds {
        for i in 0..timed.len() {
            // rotate the order so no class always follows the same one
            let i = (i + round) % timed.len();
            let started = Instant::now();
            let (status, _, _) = p.predict_raw(&client, Some(timed[i].1), body, Some(JSON));
            samples[i].push(started.elapsed().as_secs_f64() * 1e6);
            assert_eq!(status, 401);
        }
    }
    let medians: Vec<f64> = samples.iter_mut().map(|s| median(s)).collect();
    let lo = medians.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = medians.iter().cloned().fold(0.0, f64::max);
    let report: Vec<String> = timed
        .iter()
        .zip(&medians)
        .map(|((name, _), m)| format!("{name}: {m:.0} µs"))
        .collect();
    eprintln!(
        "401 medians over {rounds} requests each: {}",
        report.join(", ")
    );
    // Generous: a quarter of the median or 100 µs, whichever is larger.
    let bound = (0.25 * lo).max(100.0);
    assert!(
        hi - lo < bound,
        "401 latency depends on the key: {} (spread {:.0} µs, bound {bound:.0} µs)",
        report.join(", "),
        hi - lo
    );

    // keys and the database password never reach the logs
    let log = p.log.lock().unwrap().clone();
    assert!(!log.contains("k3y-one") && !log.contains("wrong"), "{log}");
}

#[test]
fn floods_get_429_per_key_and_per_address_then_recover() {
    let p = Proxy::start(&[("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "3")]);
    let client = Proxy::client();
    // A 415 is decided after the rate limit and needs no database: cheap requests that count.
    let send =
        |key: Option<&[u8]>| p.predict_raw(&client, key, r#"{"query": "x"}"#, Some("text/plain"));

    // The burst passes; the next request inside the same second is refused.
    let started = Instant::now();
    let mut passed = 0;
    let (limited, headers, text) = loop {
        let (status, headers, text) = send(Some(b"k3y-one"));
        if status == 429 {
            break (status, headers, text);
        }
        assert_eq!(status, 415, "{text}");
        passed += 1;
        assert!(passed <= 10, "no 429 after {passed} requests at 1/s");
    };
    // one more token per second may have arrived while sending
    let slack = started.elapsed().as_secs() as usize;
    assert!(
        (3..=3 + slack).contains(&passed),
        "{passed} requests passed before the first 429"
    );
    assert_eq!(limited, 429);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{text}");
    assert!(body["error"]["message"].is_string());
    assert_eq!(headers["content-type"], "application/json");
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");

    // Per key: the other key has its own allowance.
    assert_eq!(send(Some(b"another-key-2")).0, 415);

    // Without a valid key, requests count against the client address, not against any key:
    // missing and wrong keys share that bucket and, limited or not, get identical answers.
    let mut unauthenticated = Vec::new();
    for i in 0..12 {
        let key: Option<&[u8]> = match i % 3 {
            0 => None,
            1 => Some(b"wrong"),
            _ => Some(b"k3y-onf"),
        };
        let (status, _, text) = send(key);
        unauthenticated.push((status, text));
    }
    let statuses: Vec<u16> = unauthenticated.iter().map(|r| r.0).collect();
    assert_eq!(statuses[..3], [401, 401, 401], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    for r in &unauthenticated {
        let same = unauthenticated.iter().find(|o| o.0 == r.0).unwrap();
        assert_eq!(r.1, same.1);
    }
    // ... which left both keys' allowances alone
    assert_eq!(send(Some(b"another-key-2")).0, 415);

    // Waiting the advertised time is enough.
    std::thread::sleep(Duration::from_secs(retry_after));
    let (status, _, text) = send(Some(b"k3y-one"));
    assert_eq!(status, 415, "no recovery after Retry-After: {text}");
    // and a real question under the limit is answered normally
    let (status, body, _) = p.predict(Some("another-key-2"), r#"{"query": "GDP 2015"}"#, JSON);
    assert_eq!(status, 200, "{body}");

    let (_, metrics) = p.get("/metrics");
    let count = |line: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(line))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{line} missing: {metrics}"))
    };
    let by_key = count(r#"dosm_rag_proxy_rate_limited_total{by="api_key"}"#);
    let by_address = count(r#"dosm_rag_proxy_rate_limited_total{by="client_address"}"#);
    let total = count(r#"dosm_rag_proxy_requests_total{route="/predict",status="429"}"#);
    assert_eq!(by_key, 1);
    assert!(by_address >= 1);
    assert_eq!(total, by_key + by_address);
}

#[test]
fn rate_limit_is_off_by_default_and_checked_at_start() {
    let p = Proxy::start(&[]);
    let client = Proxy::client();
    for _ in 0..200 {
        let (status, _, text) = p.predict_raw(
            &client,
            Some(b"k3y-one"),
            r#"{"query": "x"}"#,
            Some("text/plain"),
        );
        assert_eq!(status, 415, "{text}");
    }
    drop(p);
    for (rate, burst, message) in [
        ("-1", "0", "RATE_LIMIT_PER_SECOND must be a number >= 0"),
        ("NaN", "0", "RATE_LIMIT_PER_SECOND must be a number >= 0"),
        ("1e-300", "0", "is too low"),
        ("fast", "0", "invalid value 'fast'"),
        ("1", "-2", "invalid value '-2'"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dosm-rag-proxy"))
            .env("DATABASE_URL", database_url())
            .env("API_KEYS", "k")
            .env("BIND", "127.0.0.1:0")
            .env("RATE_LIMIT_PER_SECOND", rate)
            .env("RATE_LIMIT_BURST", burst)
            .output()
            .expect("run proxy");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{rate}/{burst} accepted");
        assert!(stderr.contains(message), "{rate}/{burst}: {stderr}");
    }
}

#[test]
fn health_readiness_metrics_openapi() {
    let p = Proxy::start(&[]);
    assert_eq!(p.get("/healthz").0, 200);
    let (status, body) = p.get("/readyz");
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["databases"][0]["model_loaded"], true);
    p.predict(KEY, r#"{"query": "GDP 2015"}"#, JSON);
    p.predict(None, r#"{"query": "GDP 2015"}"#, JSON);
    let (status, metrics) = p.get("/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains(r#"dosm_rag_proxy_requests_total{route="/predict",status="200"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"dosm_rag_proxy_requests_total{route="/predict",status="401"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("dosm_rag_proxy_request_duration_seconds_bucket"));
    assert!(metrics.contains(r#"dosm_rag_proxy_pool_connections{database="primary",state="idle"}"#));
    // the database's own figures, in the same scrape
    assert!(
        metrics.contains(
            r#"dosm_rag_db_index_bytes{database="primary",index="embeddings_default_embedding_hnsw"}"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"dosm_rag_db_stale_rows{database="primary"} 0"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"dosm_rag_db_overdue_sources{database="primary"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("dosm_rag_db_source_rows{database=\"primary\",source="),
        "{metrics}"
    );
    // the test cluster does not preload the library: it says so, and exports no counts
    // rather than zeros
    assert!(
        metrics.contains(
            r#"dosm_rag_db_stat{database="primary",label="",metric="counters_enabled"} 0"#
        ),
        "{metrics}"
    );
    assert!(!metrics.contains(r#"metric="answers""#), "{metrics}");
    let (status, spec) = p.get("/openapi.json");
    assert_eq!(status, 200);
    let spec: Value = serde_json::from_str(&spec).unwrap();
    assert_eq!(spec["openapi"], "3.0.3");
    for path in [
        "/predict",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} missing from the spec"
        );
    }
    let documented = spec["paths"]["/predict"]["post"]["responses"]
        .as_object()
        .unwrap();
    for status in [
        "200", "400", "401", "413", "415", "429", "500", "503", "504",
    ] {
        assert!(documented.contains_key(status), "{status} undocumented");
    }
}

#[test]
fn statement_timeout_is_a_504() {
    let p = Proxy::start(&[("REQUEST_TIMEOUT_MS", "1")]);
    let (status, body, _) = p.predict(
        KEY,
        &json!({"query": "unemployment rate Johor 2025"}).to_string(),
        JSON,
    );
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "timeout");
}

#[test]
fn database_down_is_a_503_then_recovers_without_restart() {
    let script = std::env::var("DOSM_RAG_TEST_DB_SCRIPT").expect("DOSM_RAG_TEST_DB_SCRIPT");
    let db = |action: &str| {
        let ok = Command::new("bash")
            .arg(&script)
            .arg(action)
            .status()
            .expect("db script")
            .success();
        assert!(ok, "db {action} failed");
    };
    let p = Proxy::start(&[]);
    // the project's own sample (data/dosm_sample.csv), so the test needs no ../shared
    let q = r#"{"query": "What was the unemployment rate in Sabah in Q3 2025?"}"#;
    assert_eq!(p.predict(KEY, q, JSON).0, 200);
    db("stop");
    let (status, body, headers) = p.predict(KEY, q, JSON);
    let readyz = p.get("/readyz").0;
    let healthz = p.get("/healthz").0;
    db("start");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable");
    assert!(headers.contains_key("retry-after"));
    assert_eq!(readyz, 503);
    assert_eq!(healthz, 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body, _) = p.predict(KEY, q, JSON);
        if status == 200 {
            let v = body["prediction"]["value"].as_f64().unwrap_or_default();
            assert_eq!(v, 5.7, "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {status} {body}");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(p.get("/readyz").0, 200);
}

#[test]
fn sigterm_lets_in_flight_requests_finish() {
    let mut p = Proxy::start(&[]);
    // a long question (truncated to 256 tokens) keeps the request busy for tens of milliseconds
    let body =
        json!({"query": "unemployment rate in Selangor in the third quarter of 2025 ".repeat(200)})
            .to_string();
    let url = format!("{}/predict", p.base);
    let inflight = std::thread::spawn(move || {
        Proxy::client()
            .post(url)
            .header("X-API-Key", "k3y-one")
            .header("Content-Type", JSON)
            .body(body)
            .send()
            .map(|r| r.status().as_u16())
    });
    std::thread::sleep(Duration::from_millis(15));
    let pid = p.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(
        inflight
            .join()
            .unwrap()
            .expect("in-flight request answered"),
        200
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = p.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "proxy did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
