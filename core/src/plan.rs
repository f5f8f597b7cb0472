//! Plans: the SQL that fetches a candidate's rows, as constant text with `$n` parameters. The
//! extension runs exactly this (src/execute.rs); the answer's `sql` field shows it with the
//! parameters written in as literals, so a user can run it in psql.
//!
//! Rows are found through `dosm_rag.facts` (one narrow row per table row: source, its
//! dimension values as jsonb, its period) by an exact btree lookup, whatever the table's size;
//! the row itself, with the cited text, comes from `dosm_rag.embeddings`.

use serde_json::{Map, Value};

use crate::catalogue::Catalogue;
use crate::intent::{Direction, Operation};
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

/// The columns every computed plan returns: the rows used (for citations) with the member of
/// the ranked or compared dimension, the measure's cell as a number, and what SQL computed from
/// them (`computed`, the same on every row), in the order the inner query numbers them (`pos`).
/// Every function is written with its schema (pg_catalog.): `rag_answer` runs with pgvector's
/// schema on its search_path, where another role may have created a same-named function.
macro_rules! computed_rows {
    ($($part:expr),+ $(,)?) => {
        concat!(
            "SELECT id, row_ref, content, metadata, period, member, v::text AS value, computed\n  FROM (",
            $($part),+,
            ") q\n ORDER BY q.pos"
        )
    };
}

/// A ranking over one dimension at one period (the latest that has a value for a member when $3
/// is NULL): $1 source, $2 the other dimensions' values, $4 the ranked dimension, $5 the measure,
/// $6 members left out (the total row), $7 'desc' or 'asc', $8 how many (members tied with the
/// last one are kept).
pub const RANKING: &str = computed_rows!(
    "
WITH at AS (
  SELECT COALESCE($3, (SELECT l.period FROM dosm_rag.facts l
                         JOIN dosm_rag.embeddings le ON le.source = l.source AND le.row_ref = l.row_ref
                        WHERE l.source = $1 AND l.dims @> $2::jsonb AND l.dims ? $4
                          AND l.dims ->> $4 <> ALL ($6::text[])
                          AND dosm_rag.cell_number(le.metadata, $5) IS NOT NULL
                        ORDER BY l.period DESC LIMIT 1)) AS period
), r AS (
  SELECT e.id, e.row_ref, e.content, e.metadata, f.period, f.dims ->> $4 AS member,
         dosm_rag.cell_number(e.metadata, $5) AS v
    FROM at
    JOIN dosm_rag.facts f ON f.source = $1 AND f.period = at.period
    JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
   WHERE f.dims @> $2::jsonb AND f.dims ->> $4 <> ALL ($6::text[])
), ranked AS (
  SELECT r.*, CASE WHEN $7 = 'asc' THEN v ELSE -v END AS key FROM r WHERE v IS NOT NULL
)
SELECT ranked.*, pg_catalog.row_number() OVER (ORDER BY key, member) AS pos,
       pg_catalog.jsonb_build_object('rank', pg_catalog.rank() OVER (ORDER BY key),
                                     'of', pg_catalog.count(*) OVER (),
                                     'members', (SELECT pg_catalog.count(DISTINCT x.member) FROM ranked x)) AS computed
  FROM ranked
 ORDER BY key
 FETCH FIRST ($8::int) ROWS WITH TIES
"
);

/// Named members of one dimension at one period (the latest at which every member has a value
/// when $3 is NULL): $1 source, $2 the other dimensions' values, $4 the dimension, $5 the
/// measure, $6 the members in the question's order.
pub const COMPARISON: &str = computed_rows!(
    "
WITH m AS (
  SELECT m.member, m.ord FROM pg_catalog.unnest($6::text[]) WITH ORDINALITY AS m (member, ord)
), at AS (
  SELECT COALESCE($3, (SELECT l.period FROM dosm_rag.facts l
                         JOIN dosm_rag.embeddings le ON le.source = l.source AND le.row_ref = l.row_ref
                        WHERE l.source = $1 AND l.dims @> $2::jsonb
                          AND l.dims ->> $4 IN (SELECT m.member FROM m)
                          AND dosm_rag.cell_number(le.metadata, $5) IS NOT NULL
                        GROUP BY l.period
                       HAVING pg_catalog.count(DISTINCT l.dims ->> $4) = (SELECT pg_catalog.count(*) FROM m)
                        ORDER BY l.period DESC LIMIT 1)) AS period
), r AS (
  SELECT e.id, e.row_ref, e.content, e.metadata, f.period, m.member, m.ord,
         dosm_rag.cell_number(e.metadata, $5) AS v
    FROM at
    JOIN dosm_rag.facts f ON f.source = $1 AND f.period = at.period
    JOIN m ON f.dims ->> $4 = m.member
    JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
   WHERE f.dims @> $2::jsonb
), w AS (
  SELECT r.*, pg_catalog.row_number() OVER (ORDER BY ord, row_ref) AS pos,
         pg_catalog.first_value(v) OVER all_rows AS a,
         pg_catalog.nth_value(v, 2) OVER all_rows AS b
    FROM r
  WINDOW all_rows AS (ORDER BY ord, row_ref ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT w.*, pg_catalog.jsonb_build_object('difference', a - b, 'percent', CASE WHEN b > 0::numeric THEN pg_catalog.round((a / b - 1::numeric) * 100::numeric, 6) END) AS computed
  FROM w
"
);

/// A change's or a series' rows (`r`): one series of $1 (its dimension values $2, equal or
/// contained as `$dims` says), the measure $5 read as a number; the caller adds the periods.
macro_rules! series_rows {
    ($dims:literal) => {
        concat!(
            "
WITH r AS (
  SELECT e.id, e.row_ref, e.content, e.metadata, f.period, NULL::text AS member,
         dosm_rag.cell_number(e.metadata, $5) AS v
    FROM dosm_rag.facts f
    JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
   WHERE f.source = $1 AND ",
            $dims
        )
    };
}

/// What a change or a series computes from its first and last value.
macro_rules! first_last {
    () => {
        "'difference', b - a,
         'percent', CASE WHEN a > 0::numeric THEN pg_catalog.round((b / a - 1::numeric) * 100::numeric, 6) END"
    };
}

macro_rules! change {
    ($dims:literal) => {
        computed_rows!(
            series_rows!($dims),
            " AND f.period IN ($3, $4)
), w AS (
  SELECT r.*, pg_catalog.row_number() OVER (ORDER BY period, row_ref) AS pos,
         pg_catalog.first_value(v) OVER all_rows AS a, pg_catalog.last_value(v) OVER all_rows AS b
    FROM r
  WINDOW all_rows AS (ORDER BY period, row_ref ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT w.*, pg_catalog.jsonb_build_object('from_value', a, 'to_value', b, ",
            first_last!(),
            ") AS computed
  FROM w
"
        )
    };
}

macro_rules! series {
    ($dims:literal) => {
        computed_rows!(
            series_rows!($dims),
            "
     AND ($3 IS NULL OR f.period >= $3) AND ($4 IS NULL OR f.period <= $4)
     AND dosm_rag.cell_number(e.metadata, $5) IS NOT NULL
   ORDER BY f.period DESC, f.row_ref
   LIMIT $6::int
), w AS (
  SELECT r.*, pg_catalog.row_number() OVER (ORDER BY period, row_ref) AS pos,
         pg_catalog.count(*) OVER all_rows AS n,
         pg_catalog.first_value(period) OVER all_rows AS first_period,
         pg_catalog.last_value(period) OVER all_rows AS last_period,
         pg_catalog.first_value(v) OVER all_rows AS a, pg_catalog.last_value(v) OVER all_rows AS b
    FROM r
  WINDOW all_rows AS (ORDER BY period, row_ref ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT w.*, pg_catalog.jsonb_build_object(
         'count', n,
         'first', pg_catalog.jsonb_build_object('period', first_period, 'value', a),
         'last', pg_catalog.jsonb_build_object('period', last_period, 'value', b),
         'min', (SELECT pg_catalog.jsonb_build_object('period', x.period, 'value', x.v) FROM r x ORDER BY x.v, x.period LIMIT 1),
         'max', (SELECT pg_catalog.jsonb_build_object('period', x.period, 'value', x.v) FROM r x ORDER BY x.v DESC, x.period LIMIT 1),
         ",
            first_last!(),
            ") AS computed
  FROM w
"
        )
    };
}

/// One series (every dimension fixed) at two periods: $1 source, $2 its dimension values, $3
/// and $4 the periods, $5 the measure.
pub const CHANGE: &str = change!("f.dims = $2::jsonb");
/// The same, when a named dimension implies another (a district, its state): containment.
pub const CHANGE_WITHIN: &str = change!("f.dims @> $2::jsonb");
/// One series over a span: $3 from, $4 to (NULL: open), $6 at most so many points, the latest.
pub const SERIES: &str = series!("f.dims = $2::jsonb");
pub const SERIES_WITHIN: &str = series!("f.dims @> $2::jsonb");

/// A series has at most this many points (the latest), unless "the last n" asks for fewer.
pub const MAX_POINTS: usize = 1000;
/// A ranking lists at least this many members (the asked one and those that follow it).
pub const RANKED: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub op: Operation,
    pub sql: &'static str,
    /// Text parameters, $1 first; None is SQL NULL.
    pub params: Vec<Option<String>>,
}

impl Plan {
    /// The statement with its parameters written in as SQL literals (standard strings: quotes
    /// doubled; standard_conforming_strings is on by default and required here).
    pub fn display(&self) -> String {
        // one pass over the constant text: a literal written in is never scanned again (a value
        // holding "$1" stays as it is)
        let mut out = String::with_capacity(self.sql.len() + 64);
        let mut rest = self.sql;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let digits = rest[i + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - i - 1);
            let n: Option<usize> = rest[i + 1..i + 1 + digits].parse().ok();
            match n.and_then(|n| self.params.get(n.wrapping_sub(1))) {
                Some(Some(p)) => out.push_str(&format!("'{}'", p.replace('\'', "''"))),
                Some(None) => out.push_str("NULL"),
                None => out.push_str(&rest[i..i + 1 + digits]),
            }
            rest = &rest[i + 1 + digits..];
        }
        out.push_str(rest);
        out
    }
}

/// A text[] literal: {"a","b"}, each element quoted, quotes and backslashes escaped.
fn text_array(values: &[String]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", quoted.join(","))
}

fn dims_json(c: &Candidate) -> String {
    let mut dims = Map::new();
    for f in &c.filters {
        dims.insert(f.column.clone(), Value::String(f.value.clone()));
    }
    Value::Object(dims).to_string()
}

/// The plan for a candidate, or None when it cannot be computed as asked (a dimension left
/// open, several periods for one value); composition then says what is missing.
pub fn plan(cat: &Catalogue, c: &Candidate) -> Option<Plan> {
    let d = &cat.datasets[c.dataset];
    let measure = d.columns[c.measure].name.clone();
    let source = Some(d.source.clone());
    let dims = Some(dims_json(c));
    let fixed = c.open.is_empty() && c.several.is_empty();
    let some = |s: &str| Some(s.to_string());
    match c.op {
        Operation::Lookup => lookup(c, source, dims),
        Operation::Ranking => {
            let over = c.over.as_ref()?;
            if !fixed {
                return None;
            }
            let col = d.columns.iter().find(|x| x.name == *over)?;
            // the total row ("Malaysia" among the states, "overall" among the divisions)
            let totals: Vec<String> = col
                .values
                .iter()
                .filter(|v| {
                    v.is_default
                        || cat
                            .defaults
                            .iter()
                            .any(|x| x.eq_ignore_ascii_case(&v.value))
                })
                .map(|v| v.value.clone())
                .collect();
            let period = match &c.period {
                PeriodPick::Exact(p) => Some(p.clone()),
                PeriodPick::Latest => None,
                _ => return None,
            };
            let n = c.n.unwrap_or(1).max(RANKED);
            let direction = match c.direction {
                Direction::Desc => "desc",
                Direction::Asc => "asc",
            };
            Some(Plan {
                op: c.op,
                sql: RANKING,
                params: vec![
                    source,
                    dims,
                    period,
                    some(over),
                    Some(measure),
                    Some(text_array(&totals)),
                    some(direction),
                    Some(n.to_string()),
                ],
            })
        }
        Operation::Comparison => {
            let over = c.over.as_ref()?;
            if !fixed || c.members.len() < 2 {
                return None;
            }
            let period = match &c.period {
                PeriodPick::Exact(p) => Some(p.clone()),
                PeriodPick::Latest => None,
                _ => return None,
            };
            Some(Plan {
                op: c.op,
                sql: COMPARISON,
                params: vec![
                    source,
                    dims,
                    period,
                    some(over),
                    Some(measure),
                    Some(text_array(&c.members)),
                ],
            })
        }
        Operation::Change => {
            let PeriodPick::Several(ps) = &c.period else {
                return None;
            };
            if !fixed || ps.len() < 2 {
                return None;
            }
            let (from, to) = (ps[0].clone(), ps[ps.len() - 1].clone());
            Some(Plan {
                op: c.op,
                sql: if c.implied.is_empty() {
                    CHANGE
                } else {
                    CHANGE_WITHIN
                },
                params: vec![source, dims, Some(from), Some(to), Some(measure)],
            })
        }
        Operation::Series => {
            if !fixed {
                return None;
            }
            let (from, to, limit) = match &c.period {
                PeriodPick::Span { from, to, last } => {
                    (from.clone(), to.clone(), last.unwrap_or(MAX_POINTS))
                }
                PeriodPick::Several(ps) => (ps.first().cloned(), ps.last().cloned(), MAX_POINTS),
                PeriodPick::Latest => (None, None, MAX_POINTS),
                _ => return None,
            };
            Some(Plan {
                op: c.op,
                sql: if c.implied.is_empty() {
                    SERIES
                } else {
                    SERIES_WITHIN
                },
                params: vec![
                    source,
                    dims,
                    from,
                    to,
                    Some(measure),
                    Some(limit.to_string()),
                ],
            })
        }
    }
}

/// One value: an exact probe when every dimension is fixed, else every row with the named
/// values (to say which values there are).
fn lookup(c: &Candidate, source: Option<String>, dims: Option<String>) -> Option<Plan> {
    let exact = c.open.is_empty() && c.several.is_empty() && c.implied.is_empty();
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
    let mut params = vec![source, dims];
    if period.is_some() {
        params.push(period);
    }
    Some(Plan {
        op: Operation::Lookup,
        sql,
        params,
    })
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
        assert_eq!(p.params[0].as_deref(), Some("population_state"));
        assert_eq!(
            p.params[1].as_deref(),
            Some(r#"{"sex":"both","state":"Pulau Pinang"}"#)
        );
        assert_eq!(p.params[2].as_deref(), Some("2020-01-01"));
        assert!(p
            .display()
            .contains("f.dims = '{\"sex\":\"both\",\"state\":\"Pulau Pinang\"}'::jsonb"));
    }

    #[test]
    fn display_never_rescans_a_literal() {
        let p = Plan {
            sql: "SELECT $1, $2",
            op: Operation::Lookup,
            params: vec![Some("$2 ' x".into()), None],
        };
        assert_eq!(p.display(), "SELECT '$2 '' x', NULL");
    }

    #[test]
    fn display_quotes_literals() {
        let p = Plan {
            sql: EXACT,
            op: Operation::Lookup,
            params: vec![
                Some("o'brien".into()),
                Some("{}".into()),
                Some("2020".into()),
            ],
        };
        assert!(p.display().contains("f.source = 'o''brien'"));
    }
}
