//! Routes, request checks, API keys, error bodies and metrics.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
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
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool.clone()),
            Box::new(db_errors.clone()),
        ] {
            registry.register(m).expect("unique metric");
        }
        Metrics {
            registry,
            requests,
            latency,
            pool,
            db_errors,
        }
    }
}

pub struct Inner {
    config: Config,
    /// SHA-256 of each accepted key: comparing digests makes the comparison independent of the
    /// keys' lengths, and `ct_eq` makes it independent of where they differ.
    key_digests: Vec<[u8; 32]>,
    dbs: Databases,
    metrics: Metrics,
}

pub type State = Arc<Inner>;

pub fn new_state(config: Config, keys: Vec<String>, dbs: Databases) -> State {
    Arc::new(Inner {
        key_digests: keys
            .iter()
            .map(|k| Sha256::digest(k.as_bytes()).into())
            .collect(),
        config,
        dbs,
        metrics: Metrics::new(),
    })
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message.into()}})),
    )
        .into_response()
}

fn authorized(state: &Inner, headers: &HeaderMap) -> bool {
    let provided = headers
        .get("x-api-key")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let digest: [u8; 32] = Sha256::digest(provided).into();
    // Check every key, without an early exit.
    let mut ok = subtle::Choice::from(0u8);
    for key in &state.key_digests {
        ok |= key.ct_eq(&digest);
    }
    bool::from(ok) && !provided.is_empty()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictRequest {
    query: String,
    #[serde(default)]
    k: Option<i64>,
}

async fn predict(
    axum::extract::State(state): axum::extract::State<State>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    if !authorized(&state, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid X-API-Key",
        );
    }
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_type {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type must be application/json",
        );
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("request body over {} bytes", state.config.max_body_bytes),
            )
        }
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                rejection.body_text(),
            )
        }
    };
    let req: PredictRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("malformed request: {e}"),
            )
        }
    };
    if req.query.trim().is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "empty_query",
            "query must not be empty",
        );
    }
    let k = match req.k {
        None => None,
        Some(k) if (1..=100).contains(&k) => Some(k as i32),
        Some(k) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_k",
                format!("k must be between 1 and 100, got {k}"),
            )
        }
    };
    match state.dbs.answer(&req.query, k).await {
        Ok((prediction, version)) => Json(json!({
            "prediction": prediction,
            "latency_ms": (started.elapsed().as_secs_f64() * 1e5).round() / 100.0,
            "model_version": version,
        }))
        .into_response(),
        Err(DbError::Unavailable(e)) => {
            state
                .metrics
                .db_errors
                .with_label_values(&["unavailable"])
                .inc();
            tracing::warn!(error = %e, "no database available");
            let mut r = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "no database is reachable; retry shortly",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            r
        }
        Err(DbError::Timeout) => {
            state
                .metrics
                .db_errors
                .with_label_values(&["timeout"])
                .inc();
            error(
                StatusCode::GATEWAY_TIMEOUT,
                "timeout",
                format!(
                    "the answer took longer than {} ms",
                    state.config.request_timeout_ms
                ),
            )
        }
        Err(DbError::Query { code, message }) => {
            state.metrics.db_errors.with_label_values(&["query"]).inc();
            tracing::error!(%code, %message, "database error");
            if code == "42883" || code == "3F000" || code == "42P01" {
                let mut r = error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "extension_missing",
                    "the database has no dosm_rag extension",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
                return r;
            }
            error(
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
    let mut buf = Vec::new();
    let _ = TextEncoder::new().encode(&state.metrics.registry.gather(), &mut buf);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], buf).into_response()
}

async fn openapi() -> Response {
    Json(crate::http::openapi_spec()).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such route")
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
        .fallback(not_found)
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

/// The OpenAPI 3.0 description of the routes above.
pub fn openapi_spec() -> serde_json::Value {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let err =
        |d: &str| json!({"description": d, "content": {"application/json": {"schema": error}}});
    json!({
      "openapi": "3.0.3",
      "info": {"title": "dosm-rag-proxy", "version": env!("CARGO_PKG_VERSION"),
               "description": "Question answering over DOSM statistics, answered by dosm_rag.rag_answer() in PostgreSQL."},
      "components": {
        "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        "schemas": {
          "PredictRequest": {"type": "object", "required": ["query"], "additionalProperties": false,
            "properties": {"query": {"type": "string", "minLength": 1, "pattern": "\\S"},
                           "k": {"type": "integer", "minimum": 1, "maximum": 100}}},
          "Citation": {"type": "object", "required": ["source", "snippet", "page_or_row"],
            "properties": {"source": {"type": "string"}, "snippet": {"type": "string"},
                           "page_or_row": {"type": "integer"}, "title": {"type": "string", "nullable": true},
                           "source_url": {"type": "string", "nullable": true}, "similarity": {"type": "number"},
                           "id": {"type": "integer"}}},
          "Prediction": {"type": "object", "required": ["answer", "citations", "confidence", "failure_mode"],
            "properties": {"answer": {"type": "string", "nullable": true},
                           "citations": {"type": "array", "items": {"$ref": "#/components/schemas/Citation"}},
                           "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                           "failure_mode": {"type": "string", "nullable": true,
                                            "enum": ["empty_query", "no_documents", "low_confidence", null]}}},
          "PredictResponse": {"type": "object", "required": ["prediction", "latency_ms", "model_version"],
            "properties": {"prediction": {"$ref": "#/components/schemas/Prediction"},
                           "latency_ms": {"type": "number"}, "model_version": {"type": "string"}}},
          "Error": {"type": "object", "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"],
              "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}
        }
      },
      "paths": {
        "/predict": {"post": {
          "summary": "Answer a question with cited rows",
          "security": [{"ApiKey": []}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}},
          "responses": {
            "200": {"description": "An answer, or an abstention (failure_mode set)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"}}}},
            "400": err("Malformed JSON, empty query or k out of range"),
            "401": err("Missing or invalid X-API-Key"),
            "413": err("Body over the size limit"),
            "415": err("Content-Type is not application/json"),
            "503": err("No database reachable (Retry-After set)"),
            "504": err("The statement timeout fired")
          }}},
        "/healthz": {"get": {"summary": "Liveness (no database)", "responses": {"200": {"description": "alive",
            "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/readyz": {"get": {"summary": "Readiness: database reachable, extension present, model loaded",
            "responses": {"200": {"description": "ready", "content": {"application/json": {"schema": {"type": "object"}}}},
                          "503": {"description": "not ready", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "metrics",
            "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI",
            "content": {"application/json": {"schema": {"type": "object"}}}}}}}
      }
    })
}
