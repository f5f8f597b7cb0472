//! dosm-rag-proxy: the HTTP door to `dosm_rag.rag_answer()` for apps that do not speak SQL.
//!
//! `POST /predict` keeps the old FastAPI app's contract; `/healthz`, `/readyz`, `/metrics` and
//! `/openapi.json` are for operators. All the work happens in PostgreSQL; this process only
//! checks the request, picks a connection (a healthy replica round-robin, else the primary) and
//! maps outcomes to HTTP statuses.

mod catalog;
mod db;
mod http;
mod mcp;
mod types;
mod ui;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

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
    /// Requests per second allowed on /predict to each API key, and to each client address for
    /// requests without a valid key (fractions work: 0.5 is one every 2 s). 0 turns it off.
    #[arg(long, env = "RATE_LIMIT_PER_SECOND", default_value_t = 0.0)]
    pub rate_limit_per_second: f64,
    /// Requests a client may send at once before the rate applies; 0 means the rate rounded up.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 0)]
    pub rate_limit_burst: u32,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "LOG_JSON")]
    pub log_json: bool,
    /// Serve the public chat page at / and its keyless question route POST /ui/ask.
    #[arg(long, env = "UI_ENABLED")]
    pub ui_enabled: bool,
    /// Questions a minute the chat page accepts from each client address (0 turns it off).
    #[arg(long, env = "UI_RATE_PER_MIN", default_value_t = 20)]
    pub ui_rate_per_min: u32,
    /// Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For the chat page trusts.
    #[arg(long, env = "UI_TRUSTED_PROXIES", value_delimiter = ',')]
    pub ui_trusted_proxies: Vec<String>,
    /// The chat page's CSP frame-ancestors: who may embed it ('none', 'self', origins).
    #[arg(long, env = "UI_FRAME_ANCESTORS", default_value = "'none'")]
    pub ui_frame_ancestors: String,
    /// Largest MCP message body (POST /mcp), in bytes. Larger than MAX_BODY_BYTES so that an
    /// over-long question gets an MCP error that says so rather than a bare 413.
    #[arg(long, env = "MCP_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub mcp_max_body_bytes: usize,
    /// Host names (or host:port) /mcp accepts in the Host header, comma-separated, for
    /// DNS-rebinding protection; empty accepts any (every request needs an API key anyway).
    #[arg(long, env = "MCP_ALLOWED_HOSTS", value_delimiter = ',')]
    pub mcp_allowed_hosts: Vec<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Serve MCP over standard input and output (for desktop AI clients that start the server
    /// themselves); needs DATABASE_URL only, no API key. Logs go to standard error.
    McpStdio,
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

    /// The rate limit as a governor quota, or None when it is off.
    fn rate_quota(&self) -> Result<Option<governor::Quota>> {
        let rate = self.rate_limit_per_second;
        anyhow::ensure!(
            rate.is_finite() && rate >= 0.0,
            "RATE_LIMIT_PER_SECOND must be a number >= 0, got {rate}"
        );
        if rate == 0.0 {
            return Ok(None);
        }
        let period = Duration::try_from_secs_f64(1.0 / rate)
            .with_context(|| format!("RATE_LIMIT_PER_SECOND {rate} is too low"))?;
        let quota = governor::Quota::with_period(period)
            .with_context(|| format!("RATE_LIMIT_PER_SECOND {rate} is too high"))?;
        let burst = match self.rate_limit_burst {
            // `as` saturates: a rate above u32::MAX/s gets the largest burst.
            0 => rate.ceil() as u32,
            b => b,
        };
        Ok(Some(quota.allow_burst(
            std::num::NonZeroU32::new(burst.max(1)).expect("at least 1"),
        )))
    }
}

fn init_logging(config: &Config, stdio: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    // Over stdio, standard output is the protocol: every log line goes to standard error.
    let writer = move || -> Box<dyn std::io::Write> {
        if stdio {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::stdout())
        }
    };
    if config.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(writer)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .init();
    }
}

fn main() -> Result<()> {
    let config = Config::parse();
    let stdio = matches!(config.command, Some(Command::McpStdio));
    init_logging(&config, stdio);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if stdio {
        return runtime.block_on(async move {
            let dbs = db::Databases::connect(&config).await?;
            dbs.warm_up().await;
            mcp::serve_stdio(http::new_state(config, &[], None, dbs)).await
        });
    }
    let keys = config.keys()?;
    let quota = config.rate_quota()?;
    ui::check(&config)?;
    runtime.block_on(async move {
        let dbs = db::Databases::connect(&config).await?;
        dbs.warm_up().await;
        let state = http::new_state(config.clone(), &keys, quota, dbs);
        http::spawn_housekeeping(&state);
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        // A line for humans and for tests that bind port 0.
        println!("dosm-rag-proxy listening on http://{addr}");
        tracing::info!(%addr, "listening");
        // The peer address is the rate limit's key for requests without a valid API key.
        let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
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
