//! Routes, request checks, API keys, error bodies and metrics.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use serde::{Deserialize, Deserializer};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::db::{Databases, DbError};
use crate::Config;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    db_errors: IntCounterVec,
    rate_limited: IntCounterVec,
    db_index_bytes: IntGaugeVec,
    db_source_rows: IntGaugeVec,
    db_stale_rows: IntGaugeVec,
    db_overdue_sources: IntGaugeVec,
    db_stats: GaugeVec,
    /// When the databases' figures were last read (they are read at most once a minute).
    figures_at: std::sync::Mutex<Option<Instant>>,
}

/// The databases' figures are read at most this often: counting stale rows reads every row.
const FIGURES_TTL: std::time::Duration = std::time::Duration::from_secs(60);

fn gauge(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    IntGaugeVec::new(Opts::new(name, help), labels).expect("metric")
}

impl Metrics {
    fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "dosm_rag_proxy_requests_total",
                "HTTP requests by route and status",
            ),
            &["route", "status"],
        )
        .expect("metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "dosm_rag_proxy_request_duration_seconds",
                "HTTP request latency",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route"],
        )
        .expect("metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "dosm_rag_proxy_pool_connections",
                "Pooled database connections",
            ),
            &["database", "state"],
        )
        .expect("metric");
        let db_errors = IntCounterVec::new(
            Opts::new("dosm_rag_proxy_db_errors_total", "Database errors by kind"),
            &["kind"],
        )
        .expect("metric");
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "dosm_rag_proxy_rate_limited_total",
                "Requests refused with 429, by what the limit was keyed on",
            ),
            &["by"],
        )
        .expect("metric");
        for by in ["api_key", "client_address"] {
            rate_limited.with_label_values(&[by]);
        }
        let db_index_bytes = gauge(
            "dosm_rag_db_index_bytes",
            "Size of each dosm_rag index (HNSW, GIN, btree) in bytes",
            &["database", "index"],
        );
        let db_source_rows = gauge(
            "dosm_rag_db_source_rows",
            "Rows stored per source",
            &["database", "source"],
        );
        let db_stale_rows = gauge(
            "dosm_rag_db_stale_rows",
            "Rows embedded by another model version than the database's (dosm_rag.reembed moves them)",
            &["database"],
        );
        let db_overdue_sources = gauge(
            "dosm_rag_db_overdue_sources",
            "Sources whose next_update has passed without a new ingest",
            &["database"],
        );
        let db_stats = GaugeVec::new(
            Opts::new(
                "dosm_rag_db_stat",
                "The database's dosm_rag.stats counters (answers, abstentions by failure mode, \
                 rag_answer and embed_text latency in ms, model loads) since its last stats_reset",
            ),
            &["database", "metric", "label"],
        )
        .expect("metric");
        for m in [
            Box::new(db_index_bytes.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(db_stats.clone()),
            Box::new(db_source_rows.clone()),
            Box::new(db_stale_rows.clone()),
            Box::new(db_overdue_sources.clone()),
            Box::new(requests.clone()),
            Box::new(latency.clone()),
            Box::new(pool.clone()),
            Box::new(db_errors.clone()),
            Box::new(rate_limited.clone()),
        ] {
            registry.register(m).expect("unique metric");
        }
        Metrics {
            registry,
            requests,
            latency,
            pool,
            db_errors,
            rate_limited,
            db_index_bytes,
            db_source_rows,
            db_stale_rows,
            db_overdue_sources,
            db_stats,
            figures_at: std::sync::Mutex::new(None),
        }
    }
}

/// The accepted API keys, kept only as SHA-256 digests.
///
/// A presented key is hashed and its digest compared with every accepted digest with `ct_eq`,
/// without an early exit: the work depends neither on where the presented key differs from an
/// accepted one nor on the accepted keys' lengths (every digest is 32 bytes), only on the
/// presented key's own length, which its sender knows anyway.
pub struct KeyRing {
    digests: Vec<[u8; 32]>,
}

impl KeyRing {
    pub fn new(keys: &[String]) -> KeyRing {
        let mut digests: Vec<[u8; 32]> = keys
            .iter()
            .filter(|k| !k.is_empty())
            .map(|k| Sha256::digest(k.as_bytes()).into())
            .collect();
        // A key listed twice is one key: it gets one rate-limit bucket.
        digests.sort_unstable();
        digests.dedup();
        KeyRing { digests }
    }

    /// Which accepted key `presented` is (an index into the ring), or None.
    pub fn check(&self, presented: &[u8]) -> Option<usize> {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut found = Choice::from(0u8);
        let mut index = 0u32;
        for (i, accepted) in self.digests.iter().enumerate() {
            let same = accepted.ct_eq(&digest);
            index.conditional_assign(&(i as u32), same);
            found |= same;
        }
        bool::from(found).then_some(index as usize)
    }
}

/// What a request's rate limit is counted against.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) enum Bucket {
    /// A valid API key (its index in the key ring).
    Key(usize),
    /// The client address of a request without a valid key (IPv6: its /64).
    Client(IpAddr),
}

impl Bucket {
    pub(crate) fn client(addr: IpAddr) -> Bucket {
        Bucket::Client(match addr.to_canonical() {
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(prefix.into())
            }
            v4 => v4,
        })
    }

    fn label(&self) -> &'static str {
        match self {
            Bucket::Key(_) => "api_key",
            Bucket::Client(_) => "client_address",
        }
    }
}

pub struct Inner {
    pub(crate) config: Config,
    pub(crate) keys: KeyRing,
    /// None when RATE_LIMIT_PER_SECOND is 0.
    pub(crate) limiter: Option<DefaultKeyedRateLimiter<Bucket>>,
    pub(crate) dbs: Databases,
    pub(crate) metrics: Metrics,
}

pub type State = Arc<Inner>;

pub fn new_state(config: Config, keys: &[String], quota: Option<Quota>, dbs: Databases) -> State {
    Arc::new(Inner {
        keys: KeyRing::new(keys),
        limiter: quota.map(DefaultKeyedRateLimiter::dashmap),
        config,
        dbs,
        metrics: Metrics::new(),
    })
}

/// Forget the rate-limit state of clients that have been quiet long enough to have a full burst
/// again, so that many one-off client addresses do not grow memory without bound.
pub fn spawn_housekeeping(state: &State) {
    if state.limiter.is_none() {
        return;
    }
    let state = Arc::downgrade(state);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(state) = state.upgrade() else { break };
            if let Some(limiter) = &state.limiter {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
    });
}

pub(crate) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message.into()}})),
    )
        .into_response()
}

pub(crate) fn with_retry_after(mut r: Response, seconds: u64) -> Response {
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    r
}

/// Count a request against its bucket: the 429 to answer when it is over the rate.
pub(crate) fn rate_limit(state: &Inner, bucket: Bucket) -> Option<Response> {
    let limiter = state.limiter.as_ref()?;
    match limiter.check_key(&bucket) {
        Ok(()) => None,
        Err(not_until) => {
            let wait = not_until.wait_time_from(limiter.clock().now());
            state
                .metrics
                .rate_limited
                .with_label_values(&[bucket.label()])
                .inc();
            let seconds = wait.as_secs_f64().ceil() as u64;
            Some(with_retry_after(
                error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!(
                        "over the limit of {} requests per second; retry in {} s",
                        state.config.rate_limit_per_second,
                        seconds.max(1)
                    ),
                ),
                seconds,
            ))
        }
    }
}

/// `k` as JSON Schema sees an integer: 3 and 3.0 are both 3; null, "3" and 3.5 are not integers.
fn integer_or_invalid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    let k = n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e18)
            .map(|f| f as i64)
    });
    k.map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("k must be an integer, got {n}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictRequest {
    query: String,
    /// Absent means the configured default; `null` is rejected like any other non-integer.
    #[serde(default, deserialize_with = "integer_or_invalid")]
    k: Option<i64>,
}

/// Whitespace as Rust's `char::is_whitespace` (Unicode White_Space) has it. The OpenAPI pattern
/// for `query` is built from this same list, so that the spec and the proxy agree on what a
/// blank query is whichever regex dialect reads the spec (`\s` differs between them).
pub(crate) const WHITESPACE: &[char] = &[
    '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}',
    '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];

async fn predict(
    axum::extract::State(state): axum::extract::State<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let presented = headers
        .get("x-api-key")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let key = state.keys.check(presented);
    // Every request counts, malformed or not; without a valid key it counts against its address,
    // so guessing keys is slowed down too and never touches a real key's allowance.
    let bucket = key.map_or_else(|| Bucket::client(peer.ip()), Bucket::Key);
    if let Some(too_many) = rate_limit(&state, bucket) {
        return too_many;
    }
    if key.is_none() {
        // One response for every wrong key: missing, empty, wrong, longer, shorter, almost right.
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid X-API-Key",
        );
    }
    let req: PredictRequest = match json_request(&state, &headers, body) {
        Ok(r) => r,
        Err(refused) => return *refused,
    };
    answer(&state, &req.query, req.k, started).await
}

/// A JSON request body as `/predict` and the chat page check theirs: 415 when it is not JSON,
/// 413 over `MAX_BODY_BYTES`, 400 when it does not parse as `T`.
pub(crate) fn json_request<T: serde::de::DeserializeOwned>(
    state: &Inner,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Box<Response>> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_type {
        return Err(Box::new(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type must be application/json",
        )));
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(Box::new(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("request body over {} bytes", state.config.max_body_bytes),
            )))
        }
        Err(rejection) => {
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                rejection.body_text(),
            )))
        }
    };
    serde_json::from_slice(&body).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("malformed request: {e}"),
        ))
    })
}

/// A checked question answered as `/predict` answers it: the prediction with its latency and
/// model version, or the error response. `/predict`, the chat page and MCP's `ask` share it, so
/// that they cannot differ.
pub async fn answer(state: &Inner, query: &str, k: Option<i64>, started: Instant) -> Response {
    match prediction(state, query, k).await {
        Ok((value, model_version)) => {
            let latency_ms = (started.elapsed().as_secs_f64() * 1e5).round() / 100.0;
            match serde_json::from_value::<crate::types::Prediction>(value.clone()) {
                Ok(prediction) => Json(crate::types::PredictResponse {
                    prediction,
                    latency_ms,
                    model_version,
                })
                .into_response(),
                Err(e) => {
                    // A newer extension's shape: passed through as it came, and logged.
                    tracing::error!(error = %e, "rag_answer gave an unexpected shape");
                    Json(json!({"prediction": value, "latency_ms": latency_ms,
                                "model_version": model_version}))
                    .into_response()
                }
            }
        }
        Err(rejection) => rejection.into_response(),
    }
}

/// Why a request gets no prediction: the HTTP status, a stable code and a message for people
/// (never a server message or a connection string), and when to retry.
#[derive(Debug)]
pub struct Rejection {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl Rejection {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    fn retry(mut self, seconds: u64) -> Rejection {
        self.retry_after = Some(seconds);
        self
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let r = error(self.status, self.code, self.message);
        match self.retry_after {
            Some(s) => with_retry_after(r, s),
            None => r,
        }
    }
}

/// The prediction and model version for a question, or why there is none.
pub async fn prediction(
    state: &Inner,
    query: &str,
    k: Option<i64>,
) -> Result<(serde_json::Value, String), Rejection> {
    if query.trim_matches(WHITESPACE).is_empty() {
        return Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            "empty_query",
            "query must not be empty",
        ));
    }
    let k = match k {
        None => None,
        Some(k) if (1..=100).contains(&k) => Some(k as i32),
        Some(k) => {
            return Err(Rejection::new(
                StatusCode::BAD_REQUEST,
                "invalid_k",
                format!("k must be between 1 and 100, got {k}"),
            ))
        }
    };
    // PostgreSQL text cannot hold NUL; the tokenizer drops it anyway (like other control characters).
    let query = query.replace('\0', "");
    state
        .dbs
        .answer(&query, k)
        .await
        .map_err(|e| db_error(state, e))
}

/// A database error as a rejection: 503 (unreachable, or no extension), 504 (statement
/// timeout) or 500 with the SQLSTATE only (the server's message is logged, never sent).
pub fn db_error(state: &Inner, e: DbError) -> Rejection {
    let kind = match e {
        DbError::Unavailable(_) => "unavailable",
        DbError::Timeout => "timeout",
        DbError::Query { .. } => "query",
    };
    state.metrics.db_errors.with_label_values(&[kind]).inc();
    match e {
        DbError::Unavailable(e) => {
            tracing::warn!(error = %e, "no database available");
            Rejection::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "no database is reachable; retry shortly",
            )
            .retry(5)
        }
        DbError::Timeout => Rejection::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!(
                "the answer took longer than {} ms",
                state.config.request_timeout_ms
            ),
        ),
        DbError::Query { code, message } => {
            tracing::error!(%code, %message, "database error");
            if code == "42883" || code == "3F000" || code == "42P01" {
                return Rejection::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "extension_missing",
                    "the database has no dosm_rag extension",
                )
                .retry(30);
            }
            Rejection::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("database error {code}"),
            )
        }
    }
}

async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

async fn readyz(axum::extract::State(state): axum::extract::State<State>) -> Response {
    let mut dbs = Vec::new();
    for db in state.dbs.all() {
        dbs.push(Databases::readiness(db).await);
    }
    let ready = dbs.first().is_some_and(|p| p["ready"] == true);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({"status": if ready {"ready"} else {"not_ready"}, "databases": dbs})),
    )
        .into_response()
}

async fn metrics(axum::extract::State(state): axum::extract::State<State>) -> Response {
    for db in state.dbs.all() {
        let s = db.pool.status();
        let name = db.role;
        state
            .metrics
            .pool
            .with_label_values(&[name, "in_use"])
            .set((s.size - s.available) as i64);
        state
            .metrics
            .pool
            .with_label_values(&[name, "idle"])
            .set(s.available as i64);
    }
    let due = state
        .metrics
        .figures_at
        .lock()
        .map(|mut at| {
            let due = at.is_none_or(|t| t.elapsed() >= FIGURES_TTL);
            if due {
                *at = Some(Instant::now());
            }
            due
        })
        .unwrap_or(false);
    if due {
        state.metrics.db_source_rows.reset();
        for db in state.dbs.all() {
            match Databases::figures(db).await {
                Ok(f) => {
                    let m = &state.metrics;
                    for (index, bytes) in &f.indexes {
                        m.db_index_bytes
                            .with_label_values(&[db.role, index])
                            .set(*bytes);
                    }
                    let (mut stale, mut overdue) = (0, 0);
                    for (source, rows, s, late) in &f.sources {
                        m.db_source_rows
                            .with_label_values(&[db.role, source])
                            .set(*rows);
                        stale += s;
                        overdue += i64::from(*late);
                    }
                    m.db_stale_rows.with_label_values(&[db.role]).set(stale);
                    m.db_overdue_sources
                        .with_label_values(&[db.role])
                        .set(overdue);
                    for (metric, label, value) in &f.counters {
                        m.db_stats
                            .with_label_values(&[db.role, metric, label])
                            .set(*value);
                    }
                }
                Err(e) => tracing::warn!(database = db.role, error = %e, "no figures for /metrics"),
            }
        }
    }
    let mut buf = Vec::new();
    let _ = TextEncoder::new().encode(&state.metrics.registry.gather(), &mut buf);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], buf).into_response()
}

async fn openapi(axum::extract::State(state): axum::extract::State<State>) -> Response {
    let mut spec = openapi_spec(&state.config);
    crate::ui::document(&state.config, &mut spec);
    Json(spec).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// axum adds the `Allow` header listing the route's methods.
async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed on this route (see the Allow header)",
    )
}

/// Counts and times every request by matched route.
async fn observe(
    axum::extract::State(state): axum::extract::State<State>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let response = next.run(req).await;
    state
        .metrics
        .latency
        .with_label_values(&[&route])
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .requests
        .with_label_values(&[&route, response.status().as_str()])
        .inc();
    response
}

pub fn router(state: State) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .route("/predict", post(predict))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .merge(crate::ui::routes(&state))
        .merge(crate::mcp::routes(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .route_layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // Path only: query strings and headers (API keys) are never logged.
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The OpenAPI 3.0 description of the routes above, with this instance's limits. Every status a
/// route can answer is listed (schemathesis checks that in tests/client/proxy_fuzz.sh); 405 with
/// `Allow` for a method a route lacks and 404 for an unknown path are common to all routes and
/// described here instead.
/// An error response in the OpenAPI document: the Error body and the request id header.
pub(crate) fn err_doc(description: &str) -> serde_json::Value {
    json!({"description": description,
           "headers": {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}},
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// An error response that also says when to retry (Retry-After).
pub(crate) fn err_retry_doc(description: &str) -> serde_json::Value {
    let mut doc = err_doc(description);
    doc["headers"]["Retry-After"] = json!({"$ref": "#/components/headers/RetryAfter"});
    doc
}

pub fn openapi_spec(config: &Config) -> serde_json::Value {
    let request_id = json!({"$ref": "#/components/headers/RequestId"});
    let err = err_doc;
    let err_retry = err_retry_doc;
    let ok = |d: &str, media: &str, schema: serde_json::Value| {
        json!({"description": d, "headers": {"X-Request-Id": request_id},
               "content": {media: {"schema": schema}}})
    };
    let not_blank: String = format!("[^{}]", WHITESPACE.iter().collect::<String>());
    let rate = if config.rate_limit_per_second > 0.0 {
        format!(
            "{} requests per second (burst {}) per API key, and per client address for requests \
             without a valid key",
            config.rate_limit_per_second,
            if config.rate_limit_burst == 0 {
                config.rate_limit_per_second.ceil() as u64
            } else {
                u64::from(config.rate_limit_burst)
            }
        )
    } else {
        "off on this instance (RATE_LIMIT_PER_SECOND=0)".to_string()
    };
    let mut spec = json!({
      "openapi": "3.0.3",
      "info": {"title": "dosm-rag-proxy", "version": env!("CARGO_PKG_VERSION"),
               "description": format!(
                   "Question answering over DOSM statistics, answered by dosm_rag.rag_answer() in \
                    PostgreSQL. Errors are {{\"error\": {{\"code\", \"message\"}}}}. Any route \
                    answers 405 (with Allow) to a method it does not have; unknown paths are 404. \
                    Request bodies are limited to {} bytes. Rate limit on /predict: {rate}.",
                   config.max_body_bytes)},
      "components": {
        "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        "headers": {
          "RequestId": {"description": "Request id (the client's X-Request-Id, else a new UUID); also in the logs",
                        "required": true, "schema": {"type": "string", "minLength": 1}},
          "RetryAfter": {"description": "Seconds to wait before retrying", "required": true,
                         "schema": {"type": "integer", "minimum": 1}}
        },
        "schemas": {
          "PredictRequest": {"type": "object", "required": ["query"], "additionalProperties": false,
            "example": {"query": "What was the unemployment rate in Sabah in Q3 2025?", "k": 3},
            "properties": {
              "query": {"type": "string", "pattern": not_blank,
                        "description": "The question; at least one non-whitespace character. NUL characters are dropped."},
              "k": {"type": "integer", "minimum": 1, "maximum": 100,
                    "description": format!("Citations to return (default {})", config.top_k)}}},
          "Error": {"type": "object", "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"],
              "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
          "Health": {"type": "object", "required": ["status"],
            "properties": {"status": {"type": "string", "enum": ["ok"]}}},
          "Readiness": {"type": "object", "required": ["status", "databases"],
            "properties": {"status": {"type": "string", "enum": ["ready", "not_ready"]},
                           "databases": {"type": "array", "minItems": 1,
                                         "items": {"$ref": "#/components/schemas/DatabaseReadiness"}}}},
          "DatabaseReadiness": {"type": "object", "required": ["role", "reachable", "ready"],
            "properties": {"role": {"type": "string", "enum": ["primary", "replica"]},
                           "reachable": {"type": "boolean"}, "extension": {"type": "boolean"},
                           "model_loaded": {"type": "boolean"}, "in_recovery": {"type": "boolean"},
                           "ready": {"type": "boolean"}, "error": {"type": "string"}}}
        }
      },
      "paths": {
        "/predict": {"post": {
          "summary": "Answer a question with cited rows",
          "security": [{"ApiKey": []}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}},
          "responses": {
            "200": ok("An answer, or an abstention (failure_mode set)", "application/json",
                      json!({"$ref": "#/components/schemas/PredictResponse"})),
            "400": err("Malformed JSON, empty query or k out of range"),
            "401": err("Missing or invalid X-API-Key (the same response for every wrong key)"),
            "413": err(&format!("Body over {} bytes", config.max_body_bytes)),
            "415": err("Content-Type is not application/json"),
            "429": err_retry(&format!("Over the rate limit: {rate}")),
            "500": err("The database answered with an unexpected error"),
            "503": err_retry("No database reachable, or the dosm_rag extension is missing"),
            "504": err(&format!("The statement timeout ({} ms) fired", config.request_timeout_ms))
          }}},
        "/healthz": {"get": {"summary": "Liveness (no database)", "responses": {
            "200": ok("alive", "application/json", json!({"$ref": "#/components/schemas/Health"}))}}},
        "/readyz": {"get": {"summary": "Readiness: database reachable, extension present, model loaded",
            "responses": {
              "200": ok("ready", "application/json", json!({"$ref": "#/components/schemas/Readiness"})),
              "503": ok("the primary is not ready", "application/json",
                        json!({"$ref": "#/components/schemas/Readiness"}))}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
            "200": ok("metrics", "text/plain", json!({"type": "string"}))}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {
            "200": ok("OpenAPI", "application/json",
                      json!({"type": "object", "required": ["openapi", "info", "paths"]}))}}}
      }
    });
    if let Some(schemas) = spec["components"]["schemas"].as_object_mut() {
        schemas.extend(answer_schemas());
    }
    spec
}

/// The answer types' OpenAPI 3.0 schemas (Prediction, Citation, Dataset, Measure,
/// PredictResponse), derived from `types` as the server writes them: the same types whose JSON
/// Schemas MCP's tools declare as their output.
fn answer_schemas() -> serde_json::Map<String, serde_json::Value> {
    let mut generator = schemars::generate::SchemaSettings::openapi3()
        .with(|s| s.contract = schemars::generate::Contract::Serialize)
        .into_generator();
    generator.subschema_for::<crate::types::PredictResponse>();
    generator.take_definitions(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn key_ring_accepts_exactly_the_keys() {
        let ring = KeyRing::new(&["k3y-one".into(), "another-key-2".into(), "k3y-one".into()]);
        assert_eq!(ring.digests.len(), 2, "duplicates are one key");
        let one = ring.check(b"k3y-one").expect("accepted");
        let two = ring.check(b"another-key-2").expect("accepted");
        assert_ne!(one, two);
        assert_eq!(ring.check(b"k3y-one"), Some(one), "stable index");
        for wrong in [
            &b""[..],
            b"k",
            b"k3y-on",
            b"k3y-onf",
            b"k3y-one ",
            b"K3Y-ONE",
            b"k3y-one-and-more",
        ] {
            assert_eq!(
                ring.check(wrong),
                None,
                "{:?}",
                String::from_utf8_lossy(wrong)
            );
        }
        assert_eq!(KeyRing::new(&[String::new()]).check(b""), None);
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a = Bucket::client("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = Bucket::client("2001:db8:1:2:bbbb::2".parse().unwrap());
        let c = Bucket::client("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        // IPv4-mapped IPv6 is the IPv4 address
        assert_eq!(
            Bucket::client("::ffff:192.0.2.7".parse().unwrap()),
            Bucket::client("192.0.2.7".parse().unwrap())
        );
        assert_ne!(
            Bucket::client("192.0.2.7".parse().unwrap()),
            Bucket::client("192.0.2.8".parse().unwrap())
        );
    }

    #[test]
    fn k_is_an_integer_as_json_schema_says() {
        let k = |body: &str| serde_json::from_str::<PredictRequest>(body).map(|r| r.k);
        assert_eq!(k(r#"{"query": "x"}"#).unwrap(), None);
        assert_eq!(k(r#"{"query": "x", "k": 3}"#).unwrap(), Some(3));
        assert_eq!(k(r#"{"query": "x", "k": 3.0}"#).unwrap(), Some(3));
        assert_eq!(k(r#"{"query": "x", "k": 1e2}"#).unwrap(), Some(100));
        assert_eq!(k(r#"{"query": "x", "k": -7}"#).unwrap(), Some(-7));
        for bad in ["null", "3.5", "\"3\"", "true", "[3]", "1e300"] {
            assert!(
                k(&format!(r#"{{"query": "x", "k": {bad}}}"#)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn whitespace_list_is_rusts() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(c.is_whitespace(), WHITESPACE.contains(&c), "{:?}", c);
        }
    }

    #[test]
    fn spec_describes_this_instance() {
        let config = Config::parse_from([
            "dosm-rag-proxy",
            "--database-url",
            "postgresql://x@127.0.0.1/x",
            "--rate-limit-per-second",
            "2.5",
            "--max-body-bytes",
            "1000",
        ]);
        let spec = openapi_spec(&config);
        let predict = &spec["paths"]["/predict"]["post"]["responses"];
        for status in [
            "200", "400", "401", "413", "415", "429", "500", "503", "504",
        ] {
            assert!(predict.get(status).is_some(), "{status} undocumented");
        }
        assert_eq!(
            predict["429"]["headers"]["Retry-After"]["$ref"],
            "#/components/headers/RetryAfter"
        );
        assert!(predict["413"]["description"]
            .as_str()
            .unwrap()
            .contains("1000 bytes"));
        assert!(spec["info"]["description"]
            .as_str()
            .unwrap()
            .contains("2.5 requests per second (burst 3)"));
        assert!(
            spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
                .get("text/plain")
                .is_some()
        );
        let pattern = spec["components"]["schemas"]["PredictRequest"]["properties"]["query"]
            ["pattern"]
            .as_str()
            .unwrap();
        assert!(pattern.starts_with("[^\t\n") && pattern.ends_with("\u{3000}]"));
    }
}
