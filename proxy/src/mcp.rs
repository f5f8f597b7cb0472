//! The Model Context Protocol door: the same answers as `/predict`, as MCP tools, resources and
//! a prompt, over streamable HTTP at `/mcp` (behind the API keys) and over stdio
//! (`dosm-rag-proxy mcp-stdio`). The protocol is the official Rust SDK's (`rmcp`); this module
//! only says what each tool does.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, GetPromptRequestParams, GetPromptResponse, GetPromptResult,
    Implementation, ListPromptsResult, ListResourcesResult, PaginatedRequestParams, Prompt,
    PromptArgument, PromptMessage, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, Role, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{tool, tool_handler, tool_router, ErrorData, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::{self, CatalogError, SeriesRequest};
use crate::http::{self, Bucket, State};
use crate::types::{DatasetDescription, DatasetList, Point, Prediction, Series};

/// Resources listed per page of `resources/list`.
const PAGE: usize = 50;
/// Points `get_series` returns unless told otherwise, and at most.
const POINTS: i64 = 500;
const MAX_POINTS: i64 = 5000;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskInput {
    /// A question about Malaysian official statistics, in English or Malay
    /// ("What was the unemployment rate in Sabah in Q3 2025?").
    #[schemars(length(min = 1))]
    pub question: String,
    /// How many rows to cite (1-100; default: the server's).
    #[schemars(range(min = 1, max = 100))]
    pub k: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchInput {
    /// Words for the figure wanted, in English or Malay ("unemployment", "penduduk").
    #[schemars(length(min = 1))]
    pub query: String,
    /// At most this many datasets (1-50, default 10).
    #[schemars(range(min = 1, max = 50))]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeInput {
    /// A dataset id, as search_datasets lists it ("lfs_year").
    #[schemars(length(min = 1))]
    pub dataset: String,
}

/// Either a question naming one series, or a dataset, a measure and the dimension values.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesInput {
    /// A question naming one series ("unemployment rate in Johor since 2019"); or leave it out
    /// and give dataset and measure.
    pub question: Option<String>,
    /// A dataset id (describe_dataset lists its measures and dimensions).
    pub dataset: Option<String>,
    /// A measure column of the dataset.
    pub measure: Option<String>,
    /// Dimension values by column, as codes or labels ({"state": "Johor"}); a dimension left
    /// out takes its only value among the rows, or its "overall"/"both" value.
    pub filters: Option<Map<String, Value>>,
    /// The first period to include, as the dataset writes periods ("2019", "2019-01-01").
    pub from: Option<String>,
    /// The last period to include ("2022" includes every period of 2022).
    pub to: Option<String>,
    /// At most this many points, the latest kept (1-5000, default 500).
    #[schemars(range(min = 1, max = 5000))]
    pub max_points: Option<i64>,
}

/// The MCP server: one per session (HTTP) or process (stdio), sharing the proxy's state.
#[derive(Clone)]
pub struct Mcp {
    state: State,
    tool_router: ToolRouter<Mcp>,
}

fn invalid(message: impl Into<String>) -> ErrorData {
    ErrorData::invalid_params(message.into(), None)
}

/// A tool result: the structured value and a paragraph for models that read only text.
fn result(value: &impl Serialize, text: String) -> Result<CallToolResult, ErrorData> {
    let value =
        serde_json::to_value(value).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    let mut r = CallToolResult::structured(value);
    r.content = vec![ContentBlock::text(text)];
    Ok(r)
}

/// A tool error the model should read (the call was well formed; the data says no).
fn tool_error(text: impl Into<String>) -> Result<CallToolResult, ErrorData> {
    Ok(CallToolResult::error(vec![ContentBlock::text(text.into())]))
}

fn rejected(r: http::Rejection) -> Result<CallToolResult, ErrorData> {
    if r.status == StatusCode::BAD_REQUEST {
        return Err(invalid(format!("{}: {}", r.code, r.message)));
    }
    tool_error(format!("{}: {}", r.code, r.message))
}

impl Mcp {
    pub fn new(state: State) -> Mcp {
        Mcp {
            state,
            tool_router: Self::tool_router(),
        }
    }

    fn check_length(&self, what: &str, text: &str) -> Result<(), ErrorData> {
        let max = self.state.config.max_body_bytes;
        if text.len() > max {
            return Err(invalid(format!("{what} is over {max} bytes")));
        }
        Ok(())
    }

    fn catalog_error(&self, e: CatalogError) -> Result<CallToolResult, ErrorData> {
        match e {
            CatalogError::Invalid(why) => tool_error(why),
            CatalogError::Db(e) => rejected(http::db_error(&self.state, e)),
        }
    }

    async fn predict(&self, question: &str, k: Option<i64>) -> Result<Prediction, CallToolResult> {
        if let Err(e) = self.check_length("question", question) {
            return Err(CallToolResult::error(vec![ContentBlock::text(e.message)]));
        }
        match http::prediction(&self.state, question, k).await {
            Ok((value, _version)) => serde_json::from_value(value).map_err(|e| {
                tracing::error!(error = %e, "rag_answer gave an unexpected shape");
                CallToolResult::error(vec![ContentBlock::text("internal: unexpected answer")])
            }),
            Err(r) => Err(CallToolResult::error(vec![ContentBlock::text(format!(
                "{}: {}",
                r.code, r.message
            ))])),
        }
    }
}

/// One paragraph for a prediction: the answer, or why not and what the data has.
pub fn summary(p: &Prediction) -> String {
    let mut s = p.answer.clone().unwrap_or_default();
    if let Some(mode) = &p.failure_mode {
        s = format!("Not answered from the data ({mode}). {s}");
        let asks: Vec<String> = p.candidates.iter().take(5).map(label).collect();
        if !asks.is_empty() {
            s.push_str(&format!(" It could mean: {}.", asks.join("; ")));
        }
        if !p.available_periods.is_empty() {
            s.push_str(&format!(
                " Periods available: {}.",
                p.available_periods.join(", ")
            ));
        }
    } else if let Some(d) = &p.dataset {
        s.push_str(&format!(" Source: {}", d.title.as_deref().unwrap_or(&d.id)));
        if let Some(asof) = &d.data_as_of {
            s.push_str(&format!(", data as of {asof}"));
        }
        s.push('.');
        s.push_str(&format!(" Confidence {:.2}.", p.confidence));
    }
    s.trim().to_string()
}

/// A candidate in words: its measure's title and dataset, or what it names.
fn label(o: &Map<String, Value>) -> String {
    let text = |k: &str| o.get(k).and_then(Value::as_str);
    match (
        text("measure_title").or(text("measure")),
        text("title").or(text("dataset")),
    ) {
        (Some(m), Some(d)) => format!("{m} ({d})"),
        _ => ["question", "label", "title", "value", "column"]
            .iter()
            .find_map(|k| text(k))
            .map_or_else(|| Value::Object(o.clone()).to_string(), str::to_string),
    }
}

/// A series answer's points, from its values and citations.
fn points_of(p: &Prediction) -> Vec<Point> {
    let source = p.dataset.as_ref().map_or("", |d| d.id.as_str());
    p.values
        .iter()
        .zip(p.citations.iter())
        .map(|(v, c)| Point {
            period: v.get("period").and_then(Value::as_str).map(str::to_string),
            value: v.get("value").and_then(Value::as_f64),
            source: if c.source.is_empty() {
                source.to_string()
            } else {
                c.source.clone()
            },
            row: c.page_or_row,
        })
        .collect()
}

fn series_text(s: &Series) -> String {
    let unit = s
        .unit
        .as_deref()
        .map(|u| format!(" ({u})"))
        .unwrap_or_default();
    let (first, last) = (s.points.first(), s.points.last());
    let span = match (first, last) {
        (Some(a), Some(b)) => format!(
            ", from {} ({}) to {} ({})",
            a.period.as_deref().unwrap_or("?"),
            a.value.map_or("empty".into(), |v| v.to_string()),
            b.period.as_deref().unwrap_or("?"),
            b.value.map_or("empty".into(), |v| v.to_string()),
        ),
        _ => String::new(),
    };
    let cut = if s.truncated {
        "; the oldest points are left out"
    } else {
        ""
    };
    format!(
        "{} points of {}{unit} in {}{span}{cut}.",
        s.points.len(),
        s.measure,
        s.dataset
    )
}

#[tool_router]
impl Mcp {
    /// Answer a question from DOSM's published tables: the value with its unit, period,
    /// dataset, the cited rows and the SQL that fetched them, or an abstention
    /// (`failure_mode`) saying what the data has.
    #[tool(
        name = "ask",
        description = "Answer a question about Malaysian official statistics (DOSM/OpenDOSM) from the published tables. Returns the figure with its unit, period and dataset, the cited rows and the SQL that fetched them; when failure_mode is set the data does not answer it: say so, and offer the candidates or available_periods.",
        output_schema = schema_for_output::<Prediction>()
    )]
    async fn ask(
        &self,
        Parameters(input): Parameters<AskInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.check_length("question", &input.question)?;
        match http::prediction(&self.state, &input.question, input.k).await {
            Ok((value, _)) => {
                let p: Prediction = serde_json::from_value(value).map_err(|e| {
                    ErrorData::internal_error(format!("unexpected answer: {e}"), None)
                })?;
                result(&p, summary(&p))
            }
            Err(r) => rejected(r),
        }
    }

    #[tool(
        name = "search_datasets",
        description = "Find DOSM datasets by words in English or Malay (titles, descriptions, column titles) and meaning. Returns each dataset's id, titles, frequency, geography, coverage (first and last period), data_as_of and measures.",
        output_schema = schema_for_output::<DatasetList>()
    )]
    async fn search_datasets(
        &self,
        Parameters(input): Parameters<SearchInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.check_length("query", &input.query)?;
        if input.query.trim_matches(http::WHITESPACE).is_empty() {
            return Err(invalid("query must not be empty"));
        }
        let limit = input.limit.unwrap_or(10);
        if !(1..=50).contains(&limit) {
            return Err(invalid(format!(
                "limit must be between 1 and 50, got {limit}"
            )));
        }
        match catalog::search(&self.state.dbs, &input.query, limit).await {
            Ok(list) => {
                let lines: Vec<String> = list
                    .datasets
                    .iter()
                    .map(|d| {
                        format!(
                            "{} — {} ({}, {} to {})",
                            d.id,
                            d.title_en.as_deref().unwrap_or("untitled"),
                            d.frequency,
                            d.coverage.first.as_deref().unwrap_or("?"),
                            d.coverage.last.as_deref().unwrap_or("?")
                        )
                    })
                    .collect();
                let text = format!("{} datasets: {}", lines.len(), lines.join("; "));
                result(&list, text)
            }
            Err(e) => self.catalog_error(e),
        }
    }

    #[tool(
        name = "describe_dataset",
        description = "What one DOSM dataset holds: its measures with units, its dimensions with their values (English and Malay labels), its periods, source URL and licence.",
        output_schema = schema_for_output::<DatasetDescription>()
    )]
    async fn describe_dataset(
        &self,
        Parameters(input): Parameters<DescribeInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.check_length("dataset", &input.dataset)?;
        match catalog::describe(&self.state.dbs, &input.dataset).await {
            Ok(d) => {
                let measures: Vec<String> = d
                    .measures
                    .iter()
                    .map(|m| match &m.unit {
                        Some(u) => format!("{} ({u})", m.name),
                        None => m.name.clone(),
                    })
                    .collect();
                let dims: Vec<String> = d
                    .dimensions
                    .iter()
                    .map(|x| format!("{} ({} values)", x.column.name, x.n_values))
                    .collect();
                let text = format!(
                    "{}: {}. {} data from {} to {}. Measures: {}. Dimensions: {}.",
                    d.id,
                    d.title_en.as_deref().unwrap_or("untitled"),
                    d.frequency,
                    d.coverage.first.as_deref().unwrap_or("?"),
                    d.coverage.last.as_deref().unwrap_or("?"),
                    measures.join(", "),
                    if dims.is_empty() {
                        "none".into()
                    } else {
                        dims.join(", ")
                    }
                );
                result(&d, text)
            }
            Err(e) => self.catalog_error(e),
        }
    }

    #[tool(
        name = "get_series",
        description = "The points (period, value) of one series with the row each comes from: either {question} naming one series, or {dataset, measure, filters, from, to}. Capped at max_points (the latest kept), and says so.",
        output_schema = schema_for_output::<Series>()
    )]
    async fn get_series(
        &self,
        Parameters(input): Parameters<SeriesInput>,
    ) -> Result<CallToolResult, ErrorData> {
        let max_points = input.max_points.unwrap_or(POINTS);
        if !(1..=MAX_POINTS).contains(&max_points) {
            return Err(invalid(format!(
                "max_points must be between 1 and {MAX_POINTS}"
            )));
        }
        match (&input.question, &input.dataset, &input.measure) {
            (Some(q), None, None) => self.series_of_question(q, max_points).await,
            (None, Some(dataset), Some(measure)) => {
                for t in [dataset, measure]
                    .into_iter()
                    .chain(input.from.iter())
                    .chain(input.to.iter())
                {
                    self.check_length("an argument", t)?;
                }
                let filters = input.filters.clone().unwrap_or_default();
                let req = SeriesRequest {
                    dataset,
                    measure,
                    filters: &filters,
                    from: input.from.as_deref(),
                    to: input.to.as_deref(),
                    max_points,
                };
                match catalog::series(&self.state.dbs, &req).await {
                    Ok(s) => {
                        let text = series_text(&s);
                        result(&s, text)
                    }
                    Err(e) => self.catalog_error(e),
                }
            }
            _ => Err(invalid(
                "give either question, or dataset and measure (with filters, from, to)",
            )),
        }
    }
}

impl Mcp {
    async fn series_of_question(
        &self,
        q: &str,
        max_points: i64,
    ) -> Result<CallToolResult, ErrorData> {
        let p = match self.predict(q, None).await {
            Ok(p) => p,
            Err(r) => return Ok(r),
        };
        if p.failure_mode.is_some() || p.operation.as_deref() != Some("series") {
            return tool_error(format!(
                "the question does not name one series ({}): {}",
                p.failure_mode.as_deref().unwrap_or("not a series"),
                summary(&p)
            ));
        }
        let mut points = points_of(&p);
        let truncated = points.len() as i64 > max_points;
        if truncated {
            points.drain(..points.len() - max_points as usize);
        }
        let s = Series {
            dataset: p.dataset.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
            measure: p
                .measure
                .as_ref()
                .map(|m| m.column.clone())
                .unwrap_or_default(),
            unit: p.unit.clone(),
            filters: p.filters.clone().unwrap_or_default(),
            points,
            truncated,
            sql: p.sql.clone(),
        };
        let text = format!("{} {}", series_text(&s), p.answer.as_deref().unwrap_or(""));
        result(&s, text.trim().to_string())
    }
}

const PROMPT: &str = "answer_with_dosm_figures";

fn prompt_text(question: &str) -> String {
    format!(
        "Answer with the Department of Statistics Malaysia's published figures only. Call the \
         `ask` tool with the question. Quote its `value` with its `unit` and `period` exactly, and \
         cite the dataset (`dataset.title`, `data_as_of`) and the cited rows. If `failure_mode` \
         is set, say that the figure is not in the data, and offer the `candidates` or \
         `available_periods` it lists; never estimate or invent a number.\n\nQuestion: {question}"
    )
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Mcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("dosm-rag", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Malaysian official statistics (DOSM via OpenDOSM), answered from the published \
             tables with their source rows. Use `ask` for a question, `search_datasets` and \
             `describe_dataset` to see what the data has, `get_series` for points over time. \
             Quote value, unit and period as given; on a failure_mode say the data does not have it.",
        )
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let start = match request.and_then(|r| r.cursor) {
            None => 0,
            Some(c) => c.parse::<usize>().map_err(|_| invalid("invalid cursor"))?,
        };
        let ids = catalog::ids(&self.state.dbs)
            .await
            .map_err(|e| self.resource_error(e))?;
        let page: Vec<Resource> = ids
            .iter()
            .skip(start)
            .take(PAGE)
            .map(|(id, title)| {
                let r = Resource::new(format!("dataset://{id}"), id.clone())
                    .with_mime_type("application/json")
                    .with_description(format!("The catalogue entry of {id}"));
                match title {
                    Some(t) => r.with_title(t.clone()),
                    None => r,
                }
            })
            .collect();
        let mut out = ListResourcesResult::with_all_items(page);
        if start + PAGE < ids.len() {
            out.next_cursor = Some((start + PAGE).to_string());
        }
        Ok(out)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let Some(id) = request.uri.strip_prefix("dataset://") else {
            return Err(ErrorData::resource_not_found(
                format!("no resource {}: resources are dataset://<id>", request.uri),
                None,
            ));
        };
        self.check_length("uri", id)?;
        match catalog::entry(&self.state.dbs, id).await {
            Ok(entry) => Ok(ReadResourceResult::new(vec![ResourceContents::text(
                entry.to_string(),
                request.uri.clone(),
            )
            .with_mime_type("application/json")])
            .into()),
            Err(CatalogError::Invalid(why)) => Err(ErrorData::resource_not_found(why, None)),
            Err(e) => Err(self.resource_error(e)),
        }
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let arg = PromptArgument::new("question")
            .with_description("The question to answer")
            .with_required(true);
        Ok(ListPromptsResult::with_all_items(vec![Prompt::new(
            PROMPT,
            Some("Answer with DOSM's own figures: quote value, unit and period, cite the dataset, and say 'not in the data' on a failure_mode"),
            Some(vec![arg]),
        )]))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        if request.name != PROMPT {
            return Err(invalid(format!(
                "no prompt {:?}; the prompt is {PROMPT}",
                request.name
            )));
        }
        let question = request
            .arguments
            .as_ref()
            .and_then(|a| a.get("question"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.check_length("question", question)?;
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            prompt_text(question),
        )])
        .into())
    }
}

impl Mcp {
    fn resource_error(&self, e: CatalogError) -> ErrorData {
        match e {
            CatalogError::Invalid(why) => invalid(why),
            CatalogError::Db(e) => {
                let r = http::db_error(&self.state, e);
                ErrorData::internal_error(format!("{}: {}", r.code, r.message), None)
            }
        }
    }
}

/// The key a request presents: `X-API-Key`, or `Authorization: Bearer <key>`.
fn presented_key(headers: &HeaderMap) -> &[u8] {
    if let Some(v) = headers.get("x-api-key") {
        return v.as_bytes();
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|k| k.trim().as_bytes())
        .unwrap_or_default()
}

/// API key and rate limit, before the MCP service reads a byte of the body.
async fn gate(
    axum::extract::State(state): axum::extract::State<State>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let key = state.keys.check(presented_key(req.headers()));
    let bucket = key.map_or_else(|| Bucket::client(peer.ip()), Bucket::Key);
    if let Some(too_many) = http::rate_limit(&state, bucket) {
        return too_many;
    }
    if key.is_none() {
        let mut r = http::error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid X-API-Key (or Authorization: Bearer)",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return r;
    }
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.config.mcp_max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return http::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("MCP message over {} bytes", state.config.mcp_max_body_bytes),
            )
        }
    };
    if let Some(refused) = frame_error(&bytes) {
        return refused;
    }
    let response = next
        .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await;
    as_json_rpc(response).await
}

/// The SDK refuses some messages (a frame it cannot type, a protocol version it does not know)
/// with a plain-text 4xx: say it as a JSON-RPC error, with the SDK's reason, so that every
/// refusal a client gets is one it can parse. 415 for a JSON body it could not type is a 400.
async fn as_json_rpc(response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/event-stream"));
    if !status.is_client_error() || json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let reason = String::from_utf8_lossy(&text).trim().to_string();
    let status = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE
        && reason.starts_with("fail to deserialize")
    {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null,
                                  "error": {"code": -32600, "message": reason}});
    let mut r = (status, axum::Json(body)).into_response();
    for (k, v) in parts
        .headers
        .iter()
        .filter(|(k, _)| *k != header::CONTENT_TYPE && *k != header::CONTENT_LENGTH)
    {
        r.headers_mut().insert(k.clone(), v.clone());
    }
    r
}

/// A body that is no JSON-RPC message gets JSON-RPC's own error (400): -32700 for text that is
/// not JSON, -32600 for JSON that is no request, notification or response (or batch of them).
fn frame_error(body: &[u8]) -> Option<Response> {
    let rpc = |code: i64, message: &str| {
        let body = serde_json::json!({"jsonrpc": "2.0", "id": null,
                                      "error": {"code": code, "message": message}});
        Some((StatusCode::BAD_REQUEST, axum::Json(body)).into_response())
    };
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return rpc(-32700, "parse error: the body is not JSON");
    };
    let message = |m: &Value| {
        m.get("jsonrpc") == Some(&Value::from("2.0"))
            && (m.get("method").is_some_and(Value::is_string)
                || m.get("result").is_some()
                || m.get("error").is_some())
    };
    let ok = match &v {
        Value::Array(items) => !items.is_empty() && items.iter().all(message),
        m => message(m),
    };
    if ok {
        None
    } else {
        rpc(-32600, "invalid request: not a JSON-RPC 2.0 message")
    }
}

/// `/mcp`: streamable HTTP, stateless (any proxy replica answers any request), JSON responses.
pub fn routes(state: &State) -> Router<State> {
    let config = &state.config;
    let mut server = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_max_request_body_bytes(config.mcp_max_body_bytes);
    server = if config.mcp_allowed_hosts.is_empty() {
        // Every request carries an API key, checked before this service; a public host name
        // list adds DNS-rebinding protection for browsers (MCP_ALLOWED_HOSTS).
        server.disable_allowed_hosts()
    } else {
        server.with_allowed_hosts(config.mcp_allowed_hosts.clone())
    };
    let shared = state.clone();
    let service = StreamableHttpService::new(
        move || Ok(Mcp::new(shared.clone())),
        Arc::new(LocalSessionManager::default()),
        server,
    );
    Router::new()
        .route_service("/mcp", service)
        .layer(middleware::from_fn_with_state(state.clone(), gate))
}

/// `dosm-rag-proxy mcp-stdio`: one MCP session over standard input and output, for desktop
/// clients that start the server themselves. Logs go to standard error.
pub async fn serve_stdio(state: State) -> anyhow::Result<()> {
    use rmcp::ServiceExt;
    let started = Instant::now();
    let service = Mcp::new(state).serve(rmcp::transport::stdio()).await?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "mcp over stdio: initialized"
    );
    service.waiting().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn broken_frames_get_json_rpc_errors() {
        let code = |b: &[u8]| frame_error(b).map(|r| r.status());
        assert_eq!(code(b"{\"jsonrpc\""), Some(StatusCode::BAD_REQUEST));
        assert_eq!(code(b"[]"), Some(StatusCode::BAD_REQUEST));
        assert_eq!(
            code(br#"{"jsonrpc": "1.0", "method": "ping", "id": 1}"#),
            Some(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            code(br#"{"jsonrpc": "2.0", "method": 7, "id": 1}"#),
            Some(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            code(br#"{"jsonrpc": "2.0", "method": "ping", "id": 1}"#),
            None
        );
        assert_eq!(
            code(br#"[{"jsonrpc": "2.0", "method": "notifications/initialized"}]"#),
            None
        );
    }

    #[test]
    fn keys_come_from_either_header() {
        let mut h = HeaderMap::new();
        assert_eq!(presented_key(&h), b"");
        h.insert(header::AUTHORIZATION, "Bearer k1".parse().unwrap());
        assert_eq!(presented_key(&h), b"k1");
        h.insert("x-api-key", "k2".parse().unwrap());
        assert_eq!(presented_key(&h), b"k2");
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic k1".parse().unwrap());
        assert_eq!(presented_key(&h), b"");
    }

    #[test]
    fn an_abstention_says_so_and_what_the_data_has() {
        let p: Prediction = serde_json::from_value(json!({
            "answer": "Population is annual data; name a year.", "citations": [],
            "confidence": 0.3, "failure_mode": "period_not_available",
            "available_periods": ["2019", "2020"],
            "candidates": [{"dataset": "p", "title": "Population", "measure": "population",
                            "measure_title": "population 2020"}]
        }))
        .unwrap();
        let s = summary(&p);
        assert!(
            s.starts_with("Not answered from the data (period_not_available)"),
            "{s}"
        );
        assert!(
            s.contains("2019, 2020") && s.contains("population 2020"),
            "{s}"
        );
    }

    #[test]
    fn tools_have_input_and_output_schemas() {
        let tools = Mcp::tool_router().list_all();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(names.len(), 4, "{names:?}");
        for t in &tools {
            assert!(t.output_schema.is_some(), "{} has no outputSchema", t.name);
            assert_eq!(
                t.input_schema.get("type"),
                Some(&json!("object")),
                "{}",
                t.name
            );
        }
    }
}
