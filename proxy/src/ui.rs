//! The public chat page: `GET /` and its assets, embedded in the binary, and `POST /ui/ask`,
//! which answers without an API key under a per-client-address rate limit of its own.
//!
//! Off unless `UI_ENABLED=true`; then `/` stays the 404 it always was. The page and its assets
//! carry a strict Content-Security-Policy (scripts, styles and requests from this origin only, no
//! inline script or style), `nosniff`, a referrer policy and caching headers. The client address
//! is the TCP peer, or, when the peer is one of `UI_TRUSTED_PROXIES`, the right-most address of
//! `X-Forwarded-For` that is not a trusted proxy.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::http::{error, with_retry_after, Bucket, WHITESPACE};
use crate::Config;

/// One embedded file of the page.
struct Asset {
    route: &'static str,
    body: &'static [u8],
    content_type: &'static str,
}

const INDEX: &str = include_str!("../ui/index.html");
const ASSETS: &[Asset] = &[
    Asset {
        route: "/ui/app.js",
        body: include_bytes!("../ui/app.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        route: "/ui/app.css",
        body: include_bytes!("../ui/app.css"),
        content_type: "text/css; charset=utf-8",
    },
    Asset {
        route: "/ui/favicon.svg",
        body: include_bytes!("../ui/favicon.svg"),
        content_type: "image/svg+xml",
    },
];

/// A short content hash, as an ETag and as the assets' version in the page's links.
fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The assets' version: the page links `ui/app.js?v=…`, so an asset can be cached for a year and
/// a new binary's page still loads its own assets.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut all = Vec::new();
    for a in ASSETS {
        all.extend_from_slice(a.body);
    }
    digest(&all)
});

/// The page with the assets' version filled in, and its ETag.
static PAGE: LazyLock<(String, String)> = LazyLock::new(|| {
    let html = INDEX.replace("@VERSION@", &VERSION);
    let etag = format!("\"{}\"", digest(html.as_bytes()));
    (html, etag)
});

/// An IP network from `UI_TRUSTED_PROXIES`: an address (a /32 or /128) or a CIDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Result<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| anyhow!("{s:?} is not an IP address or CIDR"))?;
        let net = net.to_canonical();
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            // digits only: u8's parser would also take "+8"
            Some(p) => Some(p)
                .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u8>().ok())
                .filter(|p| *p <= max)
                .ok_or_else(|| anyhow!("{s:?}: the prefix length must be 0..={max}"))?,
        };
        Ok(Cidr {
            net: mask(net, prefix),
            prefix,
        })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.net.is_ipv4() && mask(ip, self.prefix) == self.net
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6((bits & m).into())
        }
    }
}

/// The address a request's rate limit is counted against. The peer, unless it is a trusted proxy:
/// then `X-Forwarded-For` is read from the right, skipping trusted proxies, and the first address
/// that is not one is the client. A hop that is not an address ends the walk at the last trusted
/// one (a proxy is never blamed on a forged entry's behalf, nor lets it pick a bucket); when every
/// hop is trusted, the left-most is the client.
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    let mut hops: Vec<Option<IpAddr>> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        match value.to_str() {
            Ok(v) => hops.extend(v.split(',').map(parse_hop)),
            Err(_) => hops.push(None),
        }
    }
    for hop in hops.into_iter().rev() {
        let Some(ip) = hop else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: `192.0.2.1`, `2001:db8::1`, or with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`).
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(|ip| ip.to_canonical())
}

/// `UI_FRAME_ANCESTORS` as a CSP source list: `'none'`, `'self'`, schemes and origins, separated by
/// spaces or commas. Anything that could end the directive or start another is refused.
pub(crate) fn frame_ancestors(setting: &str) -> Result<String> {
    let sources: Vec<&str> = setting
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    anyhow::ensure!(
        !sources.is_empty(),
        "UI_FRAME_ANCESTORS is empty (use 'none' to forbid embedding)"
    );
    for s in &sources {
        let keyword = matches!(s.to_ascii_lowercase().as_str(), "'none'" | "'self'");
        let source = !s.starts_with('\'')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~:/*%[]".contains(c));
        anyhow::ensure!(
            keyword || source,
            "UI_FRAME_ANCESTORS: {s:?} is not 'none', 'self', a scheme or an origin"
        );
    }
    anyhow::ensure!(
        sources.len() == 1 || !sources.iter().any(|s| s.eq_ignore_ascii_case("'none'")),
        "UI_FRAME_ANCESTORS: 'none' cannot be combined with other sources"
    );
    Ok(sources.join(" "))
}

/// The chat page's settings, checked.
pub(crate) struct Ui {
    trusted: Vec<Cidr>,
    frame_ancestors: String,
    per_minute: u32,
    /// None when UI_RATE_PER_MIN is 0.
    limiter: Option<DefaultKeyedRateLimiter<Bucket>>,
}

impl Ui {
    pub(crate) fn new(config: &Config) -> Result<Ui> {
        let trusted = config
            .ui_trusted_proxies
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| Cidr::parse(s))
            .collect::<Result<Vec<_>>>()
            .context("UI_TRUSTED_PROXIES")?;
        let frame_ancestors = frame_ancestors(&config.ui_frame_ancestors)?;
        let limiter = NonZeroU32::new(config.ui_rate_per_min)
            .map(|n| DefaultKeyedRateLimiter::dashmap(Quota::per_minute(n)));
        Ok(Ui {
            trusted,
            frame_ancestors,
            per_minute: config.ui_rate_per_min,
            limiter,
        })
    }

    /// The headers of the page and its assets.
    fn secure_headers(&self, headers: &mut HeaderMap) {
        let csp = format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors {}",
            self.frame_ancestors
        );
        let set = |h: &mut HeaderMap, name: HeaderName, value: &str| {
            h.insert(name, HeaderValue::from_str(value).expect("checked header"));
        };
        set(headers, header::CONTENT_SECURITY_POLICY, &csp);
        set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(
            headers,
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        );
        set(
            headers,
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        );
        set(
            headers,
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        );
        if self.frame_ancestors == "'none'" {
            set(headers, header::X_FRAME_OPTIONS, "DENY");
        }
    }

    /// Count a question against its client: the 429 to answer when it is over the rate.
    fn rate_limit(&self, client: IpAddr, lang: Lang) -> Option<Response> {
        let limiter = self.limiter.as_ref()?;
        let not_until = limiter.check_key(&Bucket::client(client)).err()?;
        let seconds = (not_until
            .wait_time_from(limiter.clock().now())
            .as_secs_f64()
            .ceil() as u64)
            .max(1);
        let n = self.per_minute;
        let message = match lang {
            Lang::En => format!(
                "Too many questions from your address: the page answers {n} a minute. \
                 Try again in {seconds} s."
            ),
            Lang::Ms => format!(
                "Terlalu banyak soalan dari alamat anda: halaman ini menjawab {n} seminit. \
                 Cuba lagi dalam {seconds} saat."
            ),
        };
        Some(with_retry_after(
            error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message),
            seconds,
        ))
    }
}

/// Checks the chat page's settings at start-up (even when it is off, so that a typo does not wait
/// for the day it is turned on).
pub fn check(config: &Config) -> Result<()> {
    Ui::new(config).map(|_| ())
}

/// The chat page's routes, or none when UI_ENABLED is off. Merged into `http::router`.
pub fn routes(state: &crate::http::State) -> Router<crate::http::State> {
    if !state.config.ui_enabled {
        return Router::new();
    }
    let ui = Arc::new(Ui::new(&state.config).expect("checked at start-up"));
    spawn_housekeeping(&ui);
    let mut router = Router::new()
        .route("/", get(page))
        .route("/ui/ask", post(ask));
    for a in ASSETS {
        router = router.route(
            a.route,
            get(
                move |Extension(ui): Extension<Arc<Ui>>, headers: HeaderMap| async move {
                    let etag = format!("\"{}\"", digest(a.body));
                    let cache = if a.route.ends_with(".svg") {
                        "public, max-age=86400"
                    } else {
                        // linked with ?v=<version>: a new version is a new URL
                        "public, max-age=31536000, immutable"
                    };
                    static_response(&ui, &headers, a.body, a.content_type, &etag, cache)
                },
            ),
        );
    }
    router.layer(Extension(ui))
}

/// Forget clients quiet long enough to have their whole allowance back (bounded memory).
fn spawn_housekeeping(ui: &Arc<Ui>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let ui = Arc::downgrade(ui);
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(ui) = ui.upgrade() else { break };
            if let Some(limiter) = &ui.limiter {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
    });
}

async fn page(Extension(ui): Extension<Arc<Ui>>, headers: HeaderMap) -> Response {
    let (html, etag) = &*PAGE;
    static_response(
        &ui,
        &headers,
        html.as_bytes(),
        "text/html; charset=utf-8",
        etag,
        "no-cache",
    )
}

/// A page or asset with its headers; 304 when the client's copy is this one.
fn static_response(
    ui: &Ui,
    request: &HeaderMap,
    body: &'static [u8],
    content_type: &'static str,
    etag: &str,
    cache: &'static str,
) -> Response {
    let fresh = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == etag || t == "*" || t.strip_prefix("W/") == Some(etag)
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response()
    };
    let h = response.headers_mut();
    ui.secure_headers(h);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::ETAG, HeaderValue::from_str(etag).expect("hex etag"));
    response
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Lang {
    #[default]
    En,
    Ms,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskRequest {
    query: String,
    /// The page's language, for its error messages (answers follow the question's language).
    /// Absent is English; `null` is refused like any other value outside the enum.
    #[serde(default)]
    lang: Lang,
}

/// The chat page's question: `/predict`'s answer for it, without an API key, under the page's own
/// rate limit and `/predict`'s input limits (JSON only, MAX_BODY_BYTES, a non-blank query).
async fn ask(
    State(state): State<crate::http::State>,
    Extension(ui): Extension<Arc<Ui>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let client = client_ip(peer.ip(), &headers, &ui.trusted);
    // The language for a 429 is sniffed from the body only if it parses; every request counts.
    let parsed = body
        .as_ref()
        .ok()
        .and_then(|b| serde_json::from_slice::<AskRequest>(b).ok());
    let lang = parsed.as_ref().map_or(Lang::En, |r| r.lang);
    let mut response = match ui.rate_limit(client, lang) {
        Some(too_many) => too_many,
        None => match check_request(&state, &headers, body) {
            Err(refused) => *refused,
            Ok(req) => crate::http::answer(&state, &req.query, None, started).await,
        },
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The request as `/predict` checks its own: 415 not JSON, 413 too large, 400 malformed.
fn check_request(
    state: &crate::http::Inner,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<AskRequest, Box<Response>> {
    crate::http::json_request(state, headers, body)
}

/// The chat page's routes in the OpenAPI document, when the page is on (schemathesis checks every
/// status listed here, as for the other routes).
pub fn document(config: &Config, spec: &mut Value) {
    if !config.ui_enabled {
        return;
    }
    let request_id = json!({"$ref": "#/components/headers/RequestId"});
    let err = crate::http::err_doc;
    let err_retry = crate::http::err_retry_doc;
    let file = |summary: &str, media: &str| {
        json!({"get": {"summary": summary, "responses": {"200": {"description": summary,
            "headers": {"X-Request-Id": request_id},
            "content": {media: {"schema": {"type": "string"}}}}}}})
    };
    let not_blank: String = format!("[^{}]", WHITESPACE.iter().collect::<String>());
    let rate = match config.ui_rate_per_min {
        0 => "off on this instance (UI_RATE_PER_MIN=0)".to_string(),
        n => format!("{n} questions a minute per client address"),
    };
    spec["components"]["schemas"]["AskRequest"] = json!({
        "type": "object", "required": ["query"], "additionalProperties": false,
        "example": {"query": "What was the unemployment rate in Sabah in Q3 2025?", "lang": "en"},
        "properties": {
            "query": {"type": "string", "pattern": not_blank,
                      "description": "The question; at least one non-whitespace character"},
            "lang": {"type": "string", "enum": ["en", "ms"],
                     "description": "The page's language, for error messages (default en)"}}});
    let paths = &mut spec["paths"];
    paths["/"] = file("The chat page (HTML)", "text/html");
    paths["/ui/app.js"] = file("The chat page's script", "text/javascript");
    paths["/ui/app.css"] = file("The chat page's style sheet", "text/css");
    paths["/ui/favicon.svg"] = file("The chat page's icon", "image/svg+xml");
    paths["/ui/ask"] = json!({"post": {
    "summary": "The chat page's question: /predict's answer, without an API key",
    "security": [],
    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AskRequest"}}}},
    "responses": {
        "200": {"description": "An answer, or an abstention (failure_mode set)",
                "headers": {"X-Request-Id": request_id},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"}}}},
        "400": err("Malformed JSON, an unknown field, lang not en or ms, or an empty query"),
        "413": err(&format!("Body over {} bytes", config.max_body_bytes)),
        "415": err("Content-Type is not application/json"),
        "429": err_retry(&format!("Over the chat page's rate limit: {rate}")),
        "500": err("The database answered with an unexpected error"),
        "503": err_retry("No database reachable, or the dosm_rag extension is missing"),
        "504": err(&format!("The statement timeout ({} ms) fired", config.request_timeout_ms))
    }}});
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn config(args: &[&str]) -> Config {
        let mut all = vec![
            "dosm-rag-proxy",
            "--database-url",
            "postgresql://x@127.0.0.1/x",
        ];
        all.extend_from_slice(args);
        Config::parse_from(all)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn cidrs_parse_and_match() {
        let c = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(c.contains(ip("10.1.255.7")));
        assert!(!c.contains(ip("10.2.0.1")));
        assert!(c.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped is IPv4");
        assert_eq!(
            Cidr::parse("10.1.2.3/16").unwrap(),
            c,
            "host bits are masked"
        );
        let one = Cidr::parse(" 192.0.2.1 ").unwrap();
        assert!(one.contains(ip("192.0.2.1")) && !one.contains(ip("192.0.2.2")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.1.2.3")));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("203.0.113.9")));
        assert!(!Cidr::parse("0.0.0.0/0").unwrap().contains(ip("::1")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("::1")));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0/8",
            "host",
            "10.0.0.0/8/8",
            "2001:db8::/x",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn client_is_the_peer_unless_it_is_a_trusted_proxy() {
        let trusted = [
            Cidr::parse("10.0.0.0/8").unwrap(),
            Cidr::parse("::1").unwrap(),
        ];
        let h = xff(&["198.51.100.7"]);
        // an untrusted peer's X-Forwarded-For is ignored
        assert_eq!(
            client_ip(ip("203.0.113.5"), &h, &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(client_ip(ip("203.0.113.5"), &h, &[]), ip("203.0.113.5"));
        // a trusted peer: the header's right-most untrusted address
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("198.51.100.7"));
        assert_eq!(client_ip(ip("::1"), &h, &trusted), ip("198.51.100.7"));
        // a client cannot pick its bucket by prepending addresses
        let h = xff(&["1.2.3.4, 198.51.100.7, 10.0.0.9"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("198.51.100.7"));
        // several headers are one list, in order
        let h = xff(&["1.2.3.4", "198.51.100.7", "10.0.0.9"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("198.51.100.7"));
        // no header: the proxy itself
        assert_eq!(
            client_ip(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
        // every hop trusted: the left-most
        let h = xff(&["10.9.9.9, 10.0.0.9"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("10.9.9.9"));
        // garbage stops the walk at the last trusted hop
        let h = xff(&["198.51.100.7, unknown, 10.0.0.9"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("10.0.0.9"));
        let h = xff(&["198.51.100.7, "]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("10.0.0.2"));
        // ports and IPv6, IPv4-mapped peers
        let h = xff(&["[2001:db8::5]:4711, 198.51.100.8:80"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("198.51.100.8"));
        let h = xff(&["2001:db8::5"]);
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.2"), &h, &trusted),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn frame_ancestors_are_a_source_list() {
        assert_eq!(frame_ancestors("'none'").unwrap(), "'none'");
        assert_eq!(
            frame_ancestors("'self', https://www.dosm.gov.my  https://*.example.org").unwrap(),
            "'self' https://www.dosm.gov.my https://*.example.org"
        );
        for bad in [
            "",
            "  ",
            "'none' 'self'",
            "https://a.example; script-src *",
            "'unsafe-inline'",
            "https://a.example\"",
            "'self\r\nX-Evil: 1",
        ] {
            assert!(frame_ancestors(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn settings_are_checked() {
        assert!(check(&config(&[])).is_ok());
        assert!(check(&config(&["--ui-trusted-proxies", "10.0.0.0/8,::1"])).is_ok());
        assert!(check(&config(&["--ui-trusted-proxies", "10.0.0.0/8,nope"])).is_err());
        assert!(check(&config(&["--ui-frame-ancestors", "*; script-src *"])).is_err());
        let off = config(&[]);
        assert!(!off.ui_enabled, "off by default");
        assert_eq!(off.ui_rate_per_min, 20);
    }

    #[test]
    fn page_headers_are_strict() {
        let ui = Ui::new(&config(&[])).unwrap();
        let r = static_response(
            &ui,
            &HeaderMap::new(),
            b"x",
            "text/html; charset=utf-8",
            "\"e\"",
            "no-cache",
        );
        let h = r.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self';"));
        assert!(csp.ends_with("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe"), "no inline script or style");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert!(h.contains_key(header::REFERRER_POLICY));
        assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(h[header::CACHE_CONTROL], "no-cache");
        // the client's copy is current: 304, same headers, no body type
        let mut req = HeaderMap::new();
        req.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"old\", \"e\""),
        );
        let r = static_response(
            &ui,
            &req,
            b"x",
            "text/html; charset=utf-8",
            "\"e\"",
            "no-cache",
        );
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()[header::ETAG], "\"e\"");
        assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        // embedding allowed for an origin: no X-Frame-Options DENY
        let ui = Ui::new(&config(&[
            "--ui-frame-ancestors",
            "https://www.dosm.gov.my",
        ]))
        .unwrap();
        let mut h = HeaderMap::new();
        ui.secure_headers(&mut h);
        assert!(h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .ends_with("frame-ancestors https://www.dosm.gov.my"));
        assert!(!h.contains_key(header::X_FRAME_OPTIONS));
    }

    #[test]
    fn page_links_versioned_assets_only_from_its_origin() {
        let (html, _) = &*PAGE;
        assert!(!html.contains("@VERSION@"));
        assert!(html.contains(&format!("ui/app.js?v={}", *VERSION)));
        assert!(
            !html.contains("<style") && !html.contains(" style="),
            "no inline style"
        );
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "nothing outside the origin"
        );
        let scripts = html.matches("<script").count();
        assert_eq!(
            scripts,
            html.matches("<script src=").count(),
            "no inline script"
        );
    }

    #[test]
    fn ask_requests_parse_as_documented() {
        let parse = |s: &str| serde_json::from_str::<AskRequest>(s).map(|r| r.lang);
        assert_eq!(parse(r#"{"query": "x"}"#).unwrap(), Lang::En);
        assert_eq!(parse(r#"{"query": "x", "lang": "ms"}"#).unwrap(), Lang::Ms);
        for bad in [
            r#"{"query": "x", "lang": null}"#,
            r#"{"query": "x", "lang": "fr"}"#,
            r#"{"query": "x", "k": 3}"#,
            r#"{"lang": "en"}"#,
            r#"{"query": 3}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn documented_only_when_on() {
        let mut spec = json!({"paths": {}, "components": {"schemas": {}}});
        document(&config(&[]), &mut spec);
        assert_eq!(spec["paths"], json!({}));
        document(
            &config(&["--ui-enabled", "--ui-rate-per-min", "7"]),
            &mut spec,
        );
        let ask = &spec["paths"]["/ui/ask"]["post"];
        for status in ["200", "400", "413", "415", "429", "500", "503", "504"] {
            assert!(ask["responses"].get(status).is_some(), "{status}");
        }
        assert!(ask["responses"]["429"]["description"]
            .as_str()
            .unwrap()
            .contains("7 questions a minute"));
        assert_eq!(ask["security"], json!([]));
        assert!(spec["paths"]["/"]["get"].is_object());
    }
}
