//! dosm_rag: question answering over official statistics inside PostgreSQL.
//!
//! This crate is the Postgres layer only: settings ([`guc`]), the SQL functions ([`api`]), error
//! mapping ([`errors`]) and pgvector values ([`vector`]). The work is done by `dosm_rag_core`.

use pgrx::prelude::*;

mod answer;
mod api;
mod catalogue;
mod errors;
mod execute;
mod guc;
mod model;
mod retrieval;
mod stats;
mod vector;

pgrx::pg_module_magic!(name, version);

// The functions are for every role (EXECUTE is PUBLIC by default); the schema must be usable too.
pgrx::extension_sql!(
    "GRANT USAGE ON SCHEMA dosm_rag TO PUBLIC;",
    name = "grant_usage"
);

// The RAG schema (tables, indexes, SQL functions), shared verbatim with the 0.1.0 → 0.2.0 upgrade.
pgrx::extension_sql_file!(
    "../sql/rag_schema.sql",
    name = "rag_schema",
    requires = [api::embed_text, api::embed_texts, api::model_info]
);

// 0.3.0's changes, shared verbatim with the 0.2.0 → 0.3.0 upgrade.
pgrx::extension_sql_file!(
    "../sql/schema_0.3.0.sql",
    name = "schema_0_3_0",
    requires = ["rag_schema"]
);

// 0.4.0's changes, shared verbatim with the 0.3.0 → 0.4.0 upgrade.
pgrx::extension_sql_file!(
    "../sql/schema_0.4.0.sql",
    name = "schema_0_4_0",
    requires = ["schema_0_3_0"]
);

// 0.5.0: the catalogue and its shipped knowledge, shared verbatim with the 0.4.0 → 0.5.0 upgrade.
pgrx::extension_sql_file!(
    "../sql/schema_0.5.0.sql",
    name = "schema_0_5_0",
    requires = ["schema_0_4_0"]
);
pgrx::extension_sql_file!(
    "../sql/knowledge_0.5.0.sql",
    name = "knowledge_0_5_0",
    requires = ["schema_0_5_0"]
);

// 0.6.0: computed answers, shared verbatim with the 0.5.0 → 0.6.0 upgrade.
pgrx::extension_sql_file!(
    "../sql/schema_0.6.0.sql",
    name = "schema_0_6_0",
    requires = ["knowledge_0_5_0"]
);
pgrx::extension_sql_file!(
    "../sql/knowledge_0.6.0.sql",
    name = "knowledge_0_6_0",
    requires = ["schema_0_6_0"]
);

// 0.7.0: statistics, shared verbatim with the 0.6.0 → 0.7.0 upgrade.
pgrx::extension_sql_file!(
    "../sql/schema_0.7.0.sql",
    name = "schema_0_7_0",
    requires = ["knowledge_0_6_0", api::stats_counters, api::stats_reset]
);

// 0.8.0: the catalogue's embeddings carry their model, and phrase synonyms; shared verbatim
// with the 0.7.0 → 0.8.0 upgrade.
pgrx::extension_sql_file!(
    "../sql/schema_0.8.0.sql",
    name = "schema_0_8_0",
    requires = ["schema_0_7_0"]
);
pgrx::extension_sql_file!(
    "../sql/knowledge_0.8.0.sql",
    name = "knowledge_0_8_0",
    requires = ["schema_0_8_0"]
);

// Last: read access for every role, and a pinned search_path on every function that has none
// bound at creation (SQL-standard bodies are bound already), naming pgvector's schema.
pgrx::extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);

/// Registers settings and, when preloaded (shared_preload_libraries), reserves the shared
/// counters of `dosm_rag.stats`. The model is loaded lazily in each backend, never here:
/// `_PG_init` may run in the postmaster, and ONNX Runtime must not start there.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    guc::init();
    stats::init();
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    // #[pg_schema] needs an inline module; the tests live in their own file.
    include!("pg_tests.rs");
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
