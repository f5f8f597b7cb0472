//! The SQL surface: every `#[pg_extern]` of the extension, each a thin call into the core.

use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;

use dosm_rag_core::embed;

use crate::errors::OrRaise;
use crate::vector::{Vector, VectorArray};
use crate::{guc, model};

/// The sentence embedding of `text` (all-MiniLM-L6-v2, mean-pooled, unit length).
/// STABLE, not IMMUTABLE: the installed model can change.
#[pg_extern(stable, strict, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn embed_text(text: &str) -> Vector {
    Vector(model::with_embedder(|e| e.embed(text)).or_raise())
}

/// Batched `embed_text` for ingestion: same vectors, same order, NULL in, NULL out.
/// Checks for interrupts between batches, so statement_timeout and pg_cancel_backend work.
#[pg_extern(stable, strict, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn embed_texts(texts: Array<&str>) -> VectorArray {
    let texts: Vec<Option<&str>> = texts.iter().collect();
    let batch = guc::embed_batch_size();
    VectorArray(
        model::with_embedder(|e| {
            e.embed_batch(&texts, batch, || {
                pgrx::check_for_interrupts!();
            })
        })
        .or_raise(),
    )
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
        "threads": loaded.as_ref().map_or(wanted.intra_threads, |l| l.config.intra_threads),
        "loaded": loaded.is_some(),
        "load_ms": loaded.as_ref().map(|l| (l.load_ms * 100.0).round() / 100.0),
    }))
}
