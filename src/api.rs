//! The SQL surface: every `#[pg_extern]` of the extension, each a thin call into the core.

use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;
use std::time::Instant;

use dosm_rag_core::intent::Operation;
use dosm_rag_core::stats::Counters;
use dosm_rag_core::{embed, rank};

use crate::errors::OrRaise;
use crate::vector::{Vector, VectorArray};
use crate::{answer, catalogue, guc, model, retrieval, stats};

/// The sentence embedding of `text` (all-MiniLM-L6-v2, mean-pooled, unit length).
/// STABLE, not IMMUTABLE: the installed model can change.
#[pg_extern(stable, strict, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn embed_text(text: &str) -> Vector {
    // a text this backend embedded before comes from its cache
    Vector(model::embed_cached(text).or_raise().to_vec())
}

/// Batched `embed_text` for ingestion: same vectors, same order, NULL in, NULL out.
/// Checks for interrupts between batches, so statement_timeout and pg_cancel_backend work.
#[pg_extern(stable, strict, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn embed_texts(texts: Array<&str>) -> VectorArray {
    let texts: Vec<Option<&str>> = texts.iter().collect();
    let batch = guc::embed_batch_size();
    let vectors = model::with_embedder(|e| {
        e.embed_batch(&texts, batch, || {
            pgrx::check_for_interrupts!();
        })
    })
    .or_raise();
    let n = texts.iter().flatten().count() as u64;
    stats::record(|c| c.embed_batch(n));
    VectorArray(vectors)
}

/// The model and runtime this backend uses (or would use: it does not load the model).
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn model_info() -> JsonB {
    let wanted = model::wanted_config();
    let loaded = model::loaded();
    let runtime = embed::loaded_runtime();
    JsonB(json!({
        "model": embed::MODEL_NAME,
        "version": loaded.as_ref().map(|l| l.version.clone()).or_else(model::installed_version),
        "dimensions": embed::DIMENSIONS,
        "max_tokens": embed::MAX_TOKENS,
        "pooling": "mean",
        "normalized": true,
        "model_dir": loaded.as_ref().map_or(&wanted.model_dir, |l| &l.config.model_dir).display().to_string(),
        "onnxruntime_library": runtime.map_or(wanted.ort_library.display().to_string(), |(p, _)| p.display().to_string()),
        "onnxruntime_version": runtime.map(|(_, v)| v),
        "variant": loaded.as_ref().map_or(wanted.variant, |l| l.config.variant).name(),
        "threads": loaded.as_ref().map_or(wanted.intra_threads, |l| l.config.intra_threads),
        "loaded": loaded.is_some(),
        "load_ms": loaded.as_ref().map(|l| (l.load_ms * 100.0).round() / 100.0),
    }))
}

fn check_k(k: i32) -> usize {
    if !(1..=100).contains(&k) {
        pgrx::pg_sys::panic::ErrorReport::new(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("k must be between 1 and 100, got {k}"),
            "dosm_rag",
        )
        .set_hint("Pass a k from 1 to 100, or leave it out to use dosm_rag.top_k.")
        .report(PgLogLevel::ERROR);
    }
    k as usize
}

/// Answer a question from the ingested tables: `{answer, citations, confidence, failure_mode}`
/// plus `value`, `unit`, `period`, `dataset`, `filters` and `sql` when it answers. The question is
/// resolved against the catalogue (dataset, measure, dimension values, period) and the value is
/// the cell of the row an exact lookup finds. Abstains below `dosm_rag.conf_threshold`.
#[pg_extern(stable, parallel_safe, requires = ["rag_schema", "schema_0_5_0"])]
fn rag_answer(query: Option<&str>, k: default!(Option<i32>, "NULL")) -> Option<JsonB> {
    let query = query?;
    let k = check_k(k.unwrap_or_else(guc::top_k));
    let start = Instant::now();
    let a = if query.trim().is_empty() {
        answer::convert(rank::empty_query())
    } else if !retrieval::has_documents() {
        answer::convert(rank::no_documents())
    } else {
        answer::answer(query, k, guc::conf_threshold())
    };
    let us = stats::elapsed_us(start);
    stats::record(|c| c.answer(a.failure_mode.as_deref(), us));
    Some(JsonB(serde_json::to_value(a).expect("answer serialises")))
}

/// Rebuild the catalogue of `source` from its stored rows and, when given, the publisher's
/// data-catalogue entry (`entry`): dataset titles, column roles, units, value labels, periods.
/// `header` gives the file's column order. Returns a summary; 22023 when the entry does not
/// describe exactly the source's columns (nothing is written).
#[pg_extern(volatile, requires = ["schema_0_5_0"])]
fn refresh_catalogue(
    source: Option<&str>,
    entry: default!(Option<JsonB>, "NULL"),
    header: default!(Option<Vec<String>>, "NULL"),
) -> JsonB {
    let Some(source) = source else {
        pgrx::pg_sys::panic::ErrorReport::new(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            "source must not be NULL",
            "dosm_rag",
        )
        .set_hint("Pass the name of an ingested source, e.g. dosm_rag.refresh_catalogue('cpi_2d').")
        .report(PgLogLevel::ERROR);
        unreachable!("ERROR does not return")
    };
    JsonB(catalogue::refresh(
        source,
        entry.as_ref().map(|j| &j.0),
        header,
    ))
}

/// The rows `rag_answer` would cite for `query`, best first (fused ranking, not raw similarity).
#[pg_extern(stable, strict, parallel_safe, requires = ["rag_schema"])]
fn search(
    query: &str,
    k: default!(i32, 3),
) -> TableIterator<
    'static,
    (
        name!(id, i64),
        name!(source, String),
        name!(row_ref, i64),
        name!(content, String),
        name!(metadata, JsonB),
        name!(similarity, f64),
    ),
> {
    let k = check_k(k);
    let ranked = if query.trim().is_empty() {
        vec![]
    } else {
        let q = rank::analyze(query);
        rank::rank(&q, retrieval::candidates(query, &q))
    };
    TableIterator::new(ranked.into_iter().take(k).map(|s| {
        let c = s.candidate;
        (
            c.id,
            c.source,
            c.row_ref,
            c.content,
            JsonB(serde_json::Value::Object(c.metadata)),
            c.similarity,
        )
    }))
}

/// The series a question names, one row per period, oldest first, for apps that draw it: the
/// question is resolved as by `rag_answer`, read as a series ("since 2019", "from 2015 to 2020",
/// "over the last 12 months"; every period when it names none). 22023 when it does not name
/// one series of one table.
// pgrx reads the column names from the signature itself: no type alias can stand in for it.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_safe, requires = ["rag_schema", "schema_0_6_0"])]
fn series(
    query: &str,
) -> TableIterator<
    'static,
    (
        name!(period, Option<String>),
        name!(value, Option<f64>),
        name!(source, String),
        name!(row_ref, i64),
        name!(id, i64),
    ),
> {
    let a = answer::series(query, guc::conf_threshold());
    if a.failure_mode.is_some() || a.operation != Some(Operation::Series) {
        pgrx::pg_sys::panic::ErrorReport::new(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "the question does not name one series",
            "dosm_rag",
        )
        .set_detail(format!(
            "failure_mode: {}; {}",
            a.failure_mode.as_deref().unwrap_or("none"),
            a.answer.as_deref().unwrap_or("no answer")
        ))
        .set_hint(
            "Name one measure and every breakdown (place, category), e.g. \
             'unemployment rate in Johor since 2019'; dosm_rag.rag_answer(query) shows what the data has.",
        )
        .report(PgLogLevel::ERROR);
    }
    let points: Vec<_> = a
        .values
        .iter()
        .zip(a.citations.iter())
        .map(|(v, c)| {
            (
                v.get("period").and_then(|p| p.as_str()).map(str::to_string),
                v.get("value").and_then(serde_json::Value::as_f64),
                c.source.clone(),
                c.page_or_row,
                c.id,
            )
        })
        .collect();
    TableIterator::new(points)
}

/// The shared counters since the last reset, one figure per row; `dosm_rag.stats` adds the
/// indexes. Without shared_preload_libraries the first row (`counters_enabled`) is 0 and every
/// other value is NULL.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn stats_counters() -> TableIterator<
    'static,
    (
        name!(metric, String),
        name!(label, Option<String>),
        name!(value, Option<f64>),
        name!(unit, String),
    ),
> {
    let counters = stats::snapshot();
    let known = counters.is_some();
    let enabled = (
        "counters_enabled".to_string(),
        None,
        Some(if known { 1.0 } else { 0.0 }),
        "bool".to_string(),
    );
    let figures = counters.unwrap_or(Counters::new(0)).metrics();
    TableIterator::new(
        std::iter::once(enabled).chain(figures.into_iter().map(move |m| {
            (
                m.metric.to_string(),
                m.label.map(str::to_string),
                m.value.filter(|_| known),
                m.unit.to_string(),
            )
        })),
    )
}

/// Zero the shared counters (every backend's). Superuser only unless granted (EXECUTE is
/// revoked from PUBLIC, as for pg_stat_statements_reset).
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn stats_reset() {
    if !stats::reset() {
        pgrx::pg_sys::panic::ErrorReport::new(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "dosm_rag statistics are not collected",
            "dosm_rag",
        )
        .set_hint(
            "Add dosm_rag to shared_preload_libraries in postgresql.conf and restart the server.",
        )
        .report(PgLogLevel::ERROR);
    }
}
