//! dosm_rag's core, free of Postgres: everything here runs under plain `cargo test`.
//!
//! The answer pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! question ─> question::parse ─> resolve::resolve ─> plan::plan ─> (extension: execute) ─> compose::compose
//!             words, periods,     + catalogue:        SQL text +                            words, units,
//!             language            dataset, measure,   parameters                            citations,
//!                                 filters, period                                           confidence
//! ```
//!
//! - [`catalogue`]: publisher entries (read, checked against a file, roles and units) and the
//!   snapshot the resolver reads.
//! - [`rank`]: the fuzzy leg (vector + keyword candidates fused) for rows without a catalogue.
//! - [`embed`]: all-MiniLM-L6-v2 sentence embeddings (tokenizer + ONNX Runtime + pooling).
//! - [`stats`]: the counters and latency histograms behind `dosm_rag.stats`.

pub mod catalogue;
pub mod compose;
pub mod computed;
pub mod embed;
pub mod error;
pub mod intent;
pub mod plan;
pub mod question;
pub mod rank;
pub mod resolve;
pub mod spell;
pub mod stats;

pub use error::{Error, Result};
