//! dosm-rag-proxy: the HTTP door to `dosm_rag.rag_answer()` for apps that do not speak SQL.
//!
//! `POST /predict` keeps the old FastAPI app's contract; `/healthz`, `/readyz`, `/metrics` and
//! `/openapi.json` are for operators. All the work happens in PostgreSQL; this process only
//! checks the request, picks a connection (a healthy replica round-robin, else the primary) and
//! maps outcomes to HTTP statuses.

mod db;
mod http;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;

#[derive(Parser, Debug, Clone)]
#[command(version, about)]
pub struct Config {
    /// Primary database (libpq URL; URL-encoded passwords and sslmode=require work).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// Read replicas for /predict, comma-separated; the primary is used when none is healthy.
    #[arg(
        long,
        env = "DATABASE_REPLICA_URLS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub database_replica_urls: Vec<String>,
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Accepted API keys, comma-separated.
    #[arg(long, env = "API_KEYS", hide_env_values = true, value_delimiter = ',')]
    pub api_keys: Vec<String>,
    /// File with one API key per line (added to API_KEYS).
    #[arg(long, env = "API_KEY_FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Citations per answer when the request gives no k.
    #[arg(long, env = "RAG_TOP_K", default_value_t = 3)]
    pub top_k: i32,
    /// Confidence below which answers abstain (dosm_rag.conf_threshold).
    #[arg(long, env = "CONF_THRESHOLD", default_value_t = 0.6)]
    pub conf_threshold: f64,
    /// Connections per database.
    #[arg(long, env = "POOL_SIZE", default_value_t = 8)]
    pub pool_size: usize,
    /// statement_timeout for each /predict, in milliseconds (504 when it fires).
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 5000)]
    pub request_timeout_ms: u64,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 16 * 1024)]
    pub max_body_bytes: usize,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "LOG_JSON")]
    pub log_json: bool,
}

impl Config {
    fn keys(&self) -> Result<Vec<String>> {
        let mut keys: Vec<String> = self.api_keys.iter().map(|k| k.trim().to_string()).collect();
        if let Some(path) = &self.api_key_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            keys.extend(text.lines().map(|l| l.trim().to_string()));
        }
        keys.retain(|k| !k.is_empty());
        anyhow::ensure!(
            !keys.is_empty(),
            "no API keys: set API_KEYS or API_KEY_FILE"
        );
        Ok(keys)
    }
}

fn main() -> Result<()> {
    let config = Config::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    if config.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let keys = config.keys()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let dbs = db::Databases::connect(&config).await?;
            dbs.warm_up().await;
            let state = http::new_state(config.clone(), keys, dbs);
            let listener = tokio::net::TcpListener::bind(config.bind).await?;
            let addr = listener.local_addr()?;
            // A line for humans and for tests that bind port 0.
            println!("dosm-rag-proxy listening on http://{addr}");
            tracing::info!(%addr, "listening");
            axum::serve(listener, http::router(state))
                .with_graceful_shutdown(shutdown_signal())
                .await?;
            tracing::info!("stopped");
            Ok(())
        })
}

/// SIGTERM or Ctrl-C: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down; finishing in-flight requests");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
