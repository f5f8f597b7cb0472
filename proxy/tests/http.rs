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
        r#"{"query": "What was the unemployment rate in Selangor in Q3 2025?", "k": 2}"#,
        JSON,
    );
    assert_eq!(status, 200, "{body}");
    let pred = &body["prediction"];
    for key in ["answer", "citations", "confidence", "failure_mode"] {
        assert!(pred.get(key).is_some(), "missing {key}: {body}");
    }
    assert!(pred["answer"].as_str().unwrap().contains("1.8"), "{body}");
    assert_eq!(pred["citations"].as_array().unwrap().len(), 2);
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
    assert_eq!(body["prediction"]["failure_mode"], "low_confidence");
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
    let (status, body) = p.get("/nope");
    assert_eq!(status, 404, "{body}");
}

#[test]
fn wrong_keys_are_indistinguishable() {
    let p = Proxy::start(&[]);
    let body = r#"{"query": "population of Johor 2026"}"#;
    let responses: Vec<(u16, Value)> = [
        None,
        Some("wrong"),
        Some("k3y-onf"),
        Some("k3y-one-and-more"),
        Some(""),
    ]
    .into_iter()
    .map(|k| {
        let (s, b, _) = p.predict(k, body, JSON);
        (s, b)
    })
    .collect();
    for r in &responses {
        assert_eq!(r, &responses[0]);
        assert_eq!(r.0, 401);
    }
    // keys and the database password never reach the logs
    let log = p.log.lock().unwrap().clone();
    assert!(!log.contains("k3y-one") && !log.contains("wrong"), "{log}");
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
    let q = r#"{"query": "population of Sabah 2026"}"#;
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
            assert!(body["prediction"]["answer"]
                .as_str()
                .unwrap()
                .contains("3767"));
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
