//! dosm_rag's core, free of Postgres: everything here runs under plain `cargo test`.
//!
//! - [`embed`]: all-MiniLM-L6-v2 sentence embeddings (tokenizer + ONNX Runtime + pooling).
//! - [`rag`]: ranking of candidate rows and cited extractive answers.

pub mod embed;
pub mod error;
pub mod rag;

pub use error::{Error, Result};
