//! dosm_rag's core, free of Postgres: everything here runs under plain `cargo test`.
//!
//! - [`embed`]: all-MiniLM-L6-v2 sentence embeddings (tokenizer + ONNX Runtime + pooling).

pub mod embed;
pub mod error;

pub use error::{Error, Result};
