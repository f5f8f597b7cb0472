//! Connection pools for the primary and the read replicas, replica selection and the one query.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Timeouts};
use tokio_postgres::config::SslMode;

use crate::Config;

/// How long a replica that failed is skipped.
const REPLICA_COOLDOWN: Duration = Duration::from_secs(5);
/// How long /metrics waits for a database's figures (a count over every stored row).
const FIGURES_TIMEOUT: Duration = Duration::from_secs(10);

/// The server's message for a database error ("relation … does not exist"), else the error.
fn db_message(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_string())
}

/// A database's figures for /metrics.
pub struct Figures {
    /// (index name, bytes)
    pub indexes: Vec<(String, i64)>,
    /// (source, rows, stale rows, overdue)
    pub sources: Vec<(String, i64, i64, bool)>,
    /// (metric, label, value) of dosm_rag.stats_counters(): only `counters_enabled` = 0 when
    /// the server does not collect them (no shared_preload_libraries), none before 0.7.0
    pub counters: Vec<(String, String, f64)>,
}

/// How long a request waits for a pooled connection before it is a 503.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);

pub struct Db {
    pub role: &'static str,
    pub pool: Pool,
    unhealthy_until: Mutex<Option<Instant>>,
}

impl Db {
    fn healthy(&self) -> bool {
        self.unhealthy_until
            .lock()
            .map(|u| u.is_none_or(|t| Instant::now() >= t))
            .unwrap_or(true)
    }

    fn mark_unhealthy(&self) {
        if let Ok(mut u) = self.unhealthy_until.lock() {
            *u = Some(Instant::now() + REPLICA_COOLDOWN);
        }
    }
}

pub struct Databases {
    pub primary: Db,
    pub replicas: Vec<Db>,
    next: AtomicUsize,
}

/// What went wrong, as the HTTP layer needs to know it.
#[derive(Debug)]
pub enum DbError {
    /// No connection could be had: 503.
    Unavailable(String),
    /// statement_timeout fired: 504.
    Timeout,
    /// The database answered with an error (extension missing, bad input …).
    Query { code: String, message: String },
}

fn pool(url: &str, role: &'static str, config: &Config) -> Result<Db> {
    let mut pg: tokio_postgres::Config = url
        .parse()
        .with_context(|| format!("invalid {role} database URL"))?;
    // Applied at connection start-up, so each request pays no extra round trip.
    pg.options(format!(
        "-c statement_timeout={} -c dosm_rag.conf_threshold={} -c dosm_rag.top_k={}",
        config.request_timeout_ms, config.conf_threshold, config.top_k
    ));
    pg.application_name("dosm-rag-proxy");
    // sslmode=require means "encrypt", as in libpq: the certificate is not verified.
    let tls = native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(pg.get_ssl_mode() == SslMode::Require)
        .danger_accept_invalid_hostnames(pg.get_ssl_mode() == SslMode::Require)
        .build()
        .context("TLS set-up")?;
    let manager = Manager::from_config(
        pg,
        postgres_native_tls::MakeTlsConnector::new(tls),
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(config.pool_size.max(1))
        .timeouts(Timeouts {
            wait: Some(CHECKOUT_TIMEOUT),
            create: Some(CHECKOUT_TIMEOUT),
            recycle: Some(CHECKOUT_TIMEOUT),
        })
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .context("building the connection pool")?;
    Ok(Db {
        role,
        pool,
        unhealthy_until: Mutex::new(None),
    })
}

fn classify(e: &tokio_postgres::Error) -> DbError {
    match e.as_db_error() {
        Some(db) if db.code().code() == "57014" => DbError::Timeout,
        Some(db) => DbError::Query {
            code: db.code().code().to_string(),
            message: db.message().to_string(),
        },
        None => DbError::Unavailable(e.to_string()),
    }
}

impl Databases {
    pub async fn connect(config: &Config) -> Result<Databases> {
        let primary = pool(&config.database_url, "primary", config)?;
        let replicas = config
            .database_replica_urls
            .iter()
            .filter(|u| !u.trim().is_empty())
            .map(|u| pool(u.trim(), "replica", config))
            .collect::<Result<Vec<_>>>()?;
        Ok(Databases {
            primary,
            replicas,
            next: AtomicUsize::new(0),
        })
    }

    pub fn all(&self) -> impl Iterator<Item = &Db> {
        std::iter::once(&self.primary).chain(self.replicas.iter())
    }

    /// Open every pooled connection and load the model in it, so the first request is fast.
    /// A database that is down now is not fatal: /readyz says so and requests get 503s.
    pub async fn warm_up(&self) {
        for db in self.all() {
            let size = db.pool.status().max_size;
            let mut held = Vec::with_capacity(size);
            for _ in 0..size {
                match db.pool.get().await {
                    Ok(c) => held.push(c),
                    Err(e) => {
                        tracing::warn!(role = db.role, error = %e, "warm-up: cannot connect");
                        break;
                    }
                }
            }
            for c in &held {
                if let Err(e) = c
                    .query_one("SELECT dosm_rag.embed_text('warm up') IS NOT NULL", &[])
                    .await
                {
                    tracing::warn!(role = db.role, error = %e, "warm-up query failed");
                }
            }
            tracing::info!(role = db.role, connections = held.len(), "warmed up");
        }
    }

    /// A healthy replica, round-robin, else the primary.
    fn pick(&self) -> &Db {
        let healthy: Vec<&Db> = self.replicas.iter().filter(|r| r.healthy()).collect();
        if healthy.is_empty() {
            return &self.primary;
        }
        healthy[self.next.fetch_add(1, Ordering::Relaxed) % healthy.len()]
    }

    async fn answer_on(
        &self,
        db: &Db,
        query: &str,
        k: Option<i32>,
    ) -> Result<(serde_json::Value, String), DbError> {
        let client = db
            .pool
            .get()
            .await
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        let stmt = client
            .prepare_cached(
                "SELECT dosm_rag.rag_answer($1, $2)::text, dosm_rag.model_info() ->> 'version'",
            )
            .await
            .map_err(|e| classify(&e))?;
        let row = client
            .query_one(&stmt, &[&query, &k])
            .await
            .map_err(|e| classify(&e))?;
        let text: Option<String> = row.get(0);
        let version: Option<String> = row.get(1);
        let value = text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null);
        Ok((value, version.unwrap_or_default()))
    }

    /// `dosm_rag.rag_answer(query, k)`: on a replica if one is healthy; a replica that fails to
    /// connect is set aside and the primary answers instead.
    pub async fn answer(
        &self,
        query: &str,
        k: Option<i32>,
    ) -> Result<(serde_json::Value, String), DbError> {
        let db = self.pick();
        match self.answer_on(db, query, k).await {
            Err(DbError::Unavailable(e)) if db.role == "replica" => {
                tracing::warn!(error = %e, "replica unavailable; using the primary");
                db.mark_unhealthy();
                self.answer_on(&self.primary, query, k).await
            }
            other => other,
        }
    }

    async fn json_on(
        db: &Db,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<serde_json::Value, DbError> {
        let client = db
            .pool
            .get()
            .await
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        let stmt = client.prepare_cached(sql).await.map_err(|e| classify(&e))?;
        let row = client
            .query_opt(&stmt, params)
            .await
            .map_err(|e| classify(&e))?;
        let text: Option<String> = row.and_then(|r| r.get(0));
        Ok(text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null))
    }

    /// A read-only query whose one row is one JSON document as text (null when the query gives
    /// NULL or no row): on a replica if one is healthy, else the primary, as `answer`. `sql` is constant
    /// text; every value is a parameter.
    pub async fn json(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<serde_json::Value, DbError> {
        let db = self.pick();
        match Self::json_on(db, sql, params).await {
            Err(DbError::Unavailable(e)) if db.role == "replica" => {
                tracing::warn!(error = %e, "replica unavailable; using the primary");
                db.mark_unhealthy();
                Self::json_on(&self.primary, sql, params).await
            }
            other => other,
        }
    }

    /// What the database holds, for /metrics: each dosm_rag index's size in bytes, each source's
    /// rows, the rows embedded by another model version than the database's backends use, and
    /// the sources whose publisher's next update has passed without a new ingest.
    pub async fn figures(db: &Db) -> Result<Figures, String> {
        let read = async {
            let client = db.pool.get().await.map_err(|e| e.to_string())?;
            let indexes = client
                .query(
                    "SELECT c.relname::text, pg_catalog.pg_relation_size(c.oid)
                       FROM pg_catalog.pg_class c
                      WHERE c.relnamespace = 'dosm_rag'::pg_catalog.regnamespace AND c.relkind = 'i'",
                    &[],
                )
                .await
                .map_err(|e| db_message(&e))?
                .iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
                .collect();
            let sources = client
                .query(
                    "SELECT s.source, s.rows, s.stale_rows, s.overdue FROM dosm_rag.source_status s",
                    &[],
                )
                .await
                .map_err(|e| db_message(&e))?
                .iter()
                .map(|r| {
                    (
                        r.get::<_, String>(0),
                        r.get::<_, i64>(1),
                        r.get::<_, i64>(2),
                        r.get::<_, bool>(3),
                    )
                })
                .collect();
            let counters = client
                .query(
                    "SELECT c.metric, coalesce(c.label, ''), c.value
                       FROM dosm_rag.stats_counters() c WHERE c.value IS NOT NULL",
                    &[],
                )
                .await
                .map(|rows| {
                    rows.iter()
                        .map(|r| (r.get(0), r.get(1), r.get(2)))
                        .collect()
                })
                .unwrap_or_default();
            Ok::<_, String>(Figures {
                indexes,
                sources,
                counters,
            })
        };
        tokio::time::timeout(FIGURES_TIMEOUT, read)
            .await
            .unwrap_or_else(|_| Err("timeout".into()))
    }

    /// Readiness of one database: reachable, extension present, model loaded on that connection.
    pub async fn readiness(db: &Db) -> serde_json::Value {
        let check = async {
            let client = db.pool.get().await.map_err(|e| e.to_string())?;
            let row = client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'dosm_rag'),
                            pg_catalog.pg_is_in_recovery()",
                    &[],
                )
                .await
                .map_err(|e| e.to_string())?;
            let extension: bool = row.get(0);
            let in_recovery: bool = row.get(1);
            // Loads the model on this connection if a restart gave it a fresh backend. Two
            // statements: an unused embed_text() in a sub-select is optimised away, and questions
            // the catalogue answers no longer load the model themselves.
            let loaded = if extension {
                let embedded = client
                    .query_one("SELECT dosm_rag.embed_text('warm up') IS NOT NULL", &[])
                    .await
                    .map(|r| r.get::<_, bool>(0))
                    .unwrap_or(false);
                embedded
                    && client
                        .query_one("SELECT (dosm_rag.model_info() ->> 'loaded')::bool", &[])
                        .await
                        .map(|r| r.get::<_, bool>(0))
                        .unwrap_or(false)
            } else {
                false
            };
            Ok::<_, String>((extension, in_recovery, loaded))
        };
        match tokio::time::timeout(CHECKOUT_TIMEOUT, check).await {
            Ok(Ok((extension, in_recovery, loaded))) => serde_json::json!({
                "role": db.role, "reachable": true, "extension": extension,
                "model_loaded": loaded, "in_recovery": in_recovery,
                "ready": extension && loaded,
            }),
            Ok(Err(e)) => {
                serde_json::json!({"role": db.role, "reachable": false, "error": e, "ready": false})
            }
            Err(_) => {
                serde_json::json!({"role": db.role, "reachable": false, "error": "timeout", "ready": false})
            }
        }
    }
}
