//! Plans: the SQL that fetches a candidate's rows, as constant text with `$n` parameters. The
//! extension runs exactly this (src/execute.rs); the answer's `sql` field shows it with the
//! parameters written in as literals, so a user can run it in psql.
//!
//! Rows are found through `dosm_rag.facts` (one narrow row per table row: source, its
//! dimension values as jsonb, its period) by an exact btree lookup, whatever the table's size;
//! the row itself, with the cited text, comes from `dosm_rag.embeddings`.

use serde_json::{Map, Value};

use crate::catalogue::Catalogue;
use crate::resolve::{Candidate, PeriodPick};

/// Every dimension fixed: one index probe on (source, dims, period).
pub const EXACT: &str = "SELECT e.id, e.row_ref, e.content, e.metadata, f.period
  FROM dosm_rag.facts f
  JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
 WHERE f.source = $1 AND f.dims = $2::jsonb AND f.period = $3
 ORDER BY f.row_ref
 LIMIT 20";

/// Every dimension fixed, latest period first.
pub const EXACT_LATEST: &str = "SELECT e.id, e.row_ref, e.content, e.metadata, f.period
  FROM dosm_rag.facts f
  JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
 WHERE f.source = $1 AND f.dims = $2::jsonb
 ORDER BY f.period DESC NULLS LAST, f.row_ref
 LIMIT 20";

/// Some dimensions open: every row that has the named values (to say which values there are).
pub const PARTIAL: &str = "SELECT e.id, e.row_ref, e.content, e.metadata, f.period
  FROM dosm_rag.facts f
  JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
 WHERE f.source = $1 AND f.dims @> $2::jsonb AND f.period = $3
 ORDER BY f.row_ref
 LIMIT 50";

pub const PARTIAL_LATEST: &str = "SELECT e.id, e.row_ref, e.content, e.metadata, f.period
  FROM dosm_rag.facts f
  JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
 WHERE f.source = $1 AND f.dims @> $2::jsonb
 ORDER BY f.period DESC NULLS LAST, f.row_ref
 LIMIT 50";

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub sql: &'static str,
    /// $1 source, $2 dimension values (jsonb), $3 the period when one is fixed.
    pub params: Vec<String>,
}

impl Plan {
    /// The statement with its parameters written in as SQL literals (standard strings: quotes
    /// doubled; standard_conforming_strings is on by default and required here).
    pub fn display(&self) -> String {
        let mut s = self.sql.to_string();
        for (i, p) in self.params.iter().enumerate().rev() {
            let lit = format!("'{}'", p.replace('\'', "''"));
            s = s.replace(&format!("${}", i + 1), &lit);
        }
        s
    }
}

/// The plan for a candidate, or None when it has no single period to look up.
pub fn plan(cat: &Catalogue, c: &Candidate) -> Option<Plan> {
    let d = &cat.datasets[c.dataset];
    let mut dims = Map::new();
    for f in &c.filters {
        dims.insert(f.column.clone(), Value::String(f.value.clone()));
    }
    let exact = c.open.is_empty() && c.several.is_empty() && c.implied.is_empty();
    let dims = Value::Object(dims).to_string();
    let period = match &c.period {
        PeriodPick::Exact(p) => Some(p.clone()),
        PeriodPick::Latest => None,
        _ => return None,
    };
    let sql = match (exact, period.is_some()) {
        (true, true) => EXACT,
        (true, false) => EXACT_LATEST,
        (false, true) => PARTIAL,
        (false, false) => PARTIAL_LATEST,
    };
    let mut params = vec![d.source.clone(), dims];
    params.extend(period);
    Some(Plan { sql, params })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::parse;
    use crate::resolve::{resolve, tests::catalogue, Index};

    #[test]
    fn a_lookup_is_one_exact_probe_with_parameters() {
        let cat = catalogue();
        let ix = Index::build(&cat);
        let r = resolve(
            &parse("population of Penang in 2020"),
            &cat,
            &ix,
            &|_, _| None,
        );
        let p = plan(&cat, &r.candidates[0]).unwrap();
        assert_eq!(p.sql, EXACT);
        assert_eq!(p.params[0], "population_state");
        assert_eq!(p.params[1], r#"{"sex":"both","state":"Pulau Pinang"}"#);
        assert_eq!(p.params[2], "2020-01-01");
        assert!(p
            .display()
            .contains("f.dims = '{\"sex\":\"both\",\"state\":\"Pulau Pinang\"}'::jsonb"));
    }

    #[test]
    fn display_quotes_literals() {
        let p = Plan {
            sql: EXACT,
            params: vec!["o'brien".into(), "{}".into(), "2020".into()],
        };
        assert!(p.display().contains("f.source = 'o''brien'"));
    }
}
