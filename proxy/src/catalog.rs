//! What the catalogue says, for MCP's tools and resources: datasets found by their words and
//! meaning, one dataset described, and one series read from its rows. Every query is constant
//! text with `$n` parameters; the database builds the JSON and `types` gives it its shape.

use serde_json::{Map, Value};

use crate::db::{Databases, DbError};
use crate::types::{DatasetDescription, DatasetList, Point, Series};

/// Why a catalogue request has no result.
#[derive(Debug)]
pub enum CatalogError {
    /// The request names something the data does not have: said to the caller as it is.
    Invalid(String),
    Db(DbError),
}

impl From<DbError> for CatalogError {
    fn from(e: DbError) -> Self {
        CatalogError::Db(e)
    }
}

/// Datasets ranked by the share of the query's words found in their titles, descriptions and
/// column titles (English and Malay), plus the cosine of the query's embedding with the
/// dataset's stored title/description embedding.
const SEARCH: &str = "
WITH q AS (
  SELECT pg_catalog.array_agg(DISTINCT w) AS words, dosm_rag.embed_text($1) AS v
    FROM pg_catalog.unnest(pg_catalog.tsvector_to_array(pg_catalog.to_tsvector('pg_catalog.simple', $1))) w
), d AS (
  SELECT d.*, pg_catalog.tsvector_to_array(pg_catalog.to_tsvector('pg_catalog.simple',
           pg_catalog.concat_ws(' ', d.source, pg_catalog.replace(d.source, '_', ' '), d.title_en,
             d.title_ms, d.description_en, d.description_ms,
             (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(' ', c.title_en, c.title_ms,
                       c.description_en, c.description_ms), ' ')
                FROM dosm_rag.columns c WHERE c.source = d.source)))) AS doc
    FROM dosm_rag.datasets d
), scored AS (
  SELECT d.*, (SELECT pg_catalog.count(*) FROM pg_catalog.unnest(q.words) w WHERE w = ANY (d.doc))::float8
              / GREATEST(1, pg_catalog.cardinality(q.words))
            + coalesce(1 - (d.embedding <=> q.v), 0) AS score
    FROM d, q
)
SELECT coalesce(pg_catalog.jsonb_agg(x ORDER BY x.score DESC, x.id), '[]')::text FROM (
  SELECT s.source AS id, s.title_en, s.title_ms, s.frequency, s.entry -> 'geography' AS geography,
         pg_catalog.jsonb_build_object('first', s.periods[1],
                                       'last', s.periods[pg_catalog.cardinality(s.periods)]) AS coverage,
         s.data_as_of,
         coalesce((SELECT pg_catalog.array_agg(c.name ORDER BY c.position) FROM dosm_rag.columns c
                    WHERE c.source = s.source AND c.role = 'measure'), '{}') AS measures,
         pg_catalog.round(s.score::numeric, 4)::float8 AS score
    FROM scored s ORDER BY s.score DESC, s.source LIMIT $2) x";

/// One dataset: its measures, its dimensions with their first 200 values, its periods.
const DESCRIBE: &str = "
SELECT pg_catalog.jsonb_build_object(
  'id', d.source, 'title_en', d.title_en, 'title_ms', d.title_ms,
  'description_en', d.description_en, 'description_ms', d.description_ms,
  'frequency', d.frequency, 'data_as_of', d.data_as_of, 'next_update', d.next_update,
  'source_url', coalesce(d.source_url, s.source_url), 'licence', s.licence, 'inferred', d.inferred,
  'measures', coalesce((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', c.name,
      'title_en', c.title_en, 'title_ms', c.title_ms, 'description_en', c.description_en,
      'description_ms', c.description_ms, 'unit', c.unit) ORDER BY c.position)
    FROM dosm_rag.columns c WHERE c.source = d.source AND c.role = 'measure'), '[]'),
  'dimensions', coalesce((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', c.name,
      'title_en', c.title_en, 'title_ms', c.title_ms, 'description_en', c.description_en,
      'description_ms', c.description_ms, 'unit', NULL,
      'n_values', n.n, 'truncated', n.n > 200,
      'values', coalesce((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('value', v.value,
          'label_en', v.label_en, 'label_ms', v.label_ms) ORDER BY v.value)
        FROM (SELECT * FROM dosm_rag.dimension_values v
               WHERE v.source = c.source AND v.column_name = c.name ORDER BY v.value LIMIT 200) v), '[]'))
      ORDER BY c.position)
    FROM dosm_rag.columns c,
         LATERAL (SELECT pg_catalog.count(*) AS n FROM dosm_rag.dimension_values v
                   WHERE v.source = c.source AND v.column_name = c.name) n
   WHERE c.source = d.source AND c.role = 'dimension'), '[]'),
  'periods', pg_catalog.to_jsonb(d.periods[GREATEST(1, pg_catalog.cardinality(d.periods) - 499):]),
  'coverage', pg_catalog.jsonb_build_object('first', d.periods[1],
                                            'last', d.periods[pg_catalog.cardinality(d.periods)]),
  'rows', s.row_count)::text
  FROM dosm_rag.datasets d JOIN dosm_rag.sources s ON s.name = d.source
 WHERE d.source = $1";

/// Every catalogued dataset's id, in order (for resources and for naming the nearest ids).
const IDS: &str =
    "SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(d.source, d.title_en)
                    ORDER BY d.source), '[]')::text FROM dosm_rag.datasets d";

/// A dataset's catalogue entry as the publisher gave it (or, when inferred, as it was read).
const ENTRY: &str = "SELECT coalesce(d.entry, pg_catalog.jsonb_build_object('title_en', d.title_en,
      'frequency', d.frequency, 'inferred', true,
      'fields', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', c.name,
          'title_en', c.title_en, 'role', c.role) ORDER BY c.position)
        FROM dosm_rag.columns c WHERE c.source = d.source)))::text
  FROM dosm_rag.datasets d WHERE d.source = $1";

/// The distinct dimension sets of the rows that have the named values (at most 1 000).
const DIM_SETS: &str = "SELECT coalesce(pg_catalog.jsonb_agg(x.dims), '[]')::text
  FROM (SELECT DISTINCT f.dims FROM dosm_rag.facts f
         WHERE f.source = $1 AND f.dims @> $2::jsonb LIMIT 1000) x";

/// The values that mean "not broken down" (overall, both sexes).
const DEFAULTS: &str =
    "SELECT coalesce(pg_catalog.jsonb_agg(v.value), '[]')::text FROM dosm_rag.default_values v";

/// One series: the measure's cell of every row with exactly these dimension values, newest
/// first (reversed by the caller), within the bounds; `$5` is the cap plus one.
pub const SERIES: &str = "SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(x.period, x.v, x.row_ref)), '[]')::text
  FROM (SELECT f.period, dosm_rag.cell_number(e.metadata, $2)::float8 AS v, f.row_ref
          FROM dosm_rag.facts f
          JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
         WHERE f.source = $1 AND f.dims = $3::jsonb
           AND ($4::text IS NULL OR f.period >= $4)
           AND ($6::text IS NULL OR f.period <= $6 OR pg_catalog.starts_with(f.period, $6))
         ORDER BY f.period DESC LIMIT $5) x";

pub async fn search(dbs: &Databases, query: &str, limit: i64) -> Result<DatasetList, CatalogError> {
    let v = dbs.json(SEARCH, &[&query, &limit]).await?;
    let datasets = serde_json::from_value(v).map_err(|e| shape(&e))?;
    Ok(DatasetList { datasets })
}

/// Every catalogued dataset: (id, English title).
pub async fn ids(dbs: &Databases) -> Result<Vec<(String, Option<String>)>, CatalogError> {
    let v = dbs.json(IDS, &[]).await?;
    serde_json::from_value(v).map_err(|e| shape(&e))
}

/// The ids nearest to a mistyped one (Jaro-Winkler over the ids), best first.
pub fn nearest<'a>(wanted: &str, ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let wanted = wanted.to_lowercase();
    let mut scored: Vec<(f64, &str)> = ids
        .map(|id| (strsim::jaro_winkler(&wanted, &id.to_lowercase()), id))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, id)| id.to_string())
        .collect()
}

async fn unknown(dbs: &Databases, id: &str) -> CatalogError {
    let near = match ids(dbs).await {
        Ok(all) => nearest(id, all.iter().map(|(i, _)| i.as_str())),
        Err(e) => return e,
    };
    CatalogError::Invalid(if near.is_empty() {
        format!("no dataset {id:?}: no dataset is loaded")
    } else {
        format!("no dataset {id:?}; the nearest are: {}", near.join(", "))
    })
}

pub async fn describe(dbs: &Databases, id: &str) -> Result<DatasetDescription, CatalogError> {
    match dbs.json(DESCRIBE, &[&id]).await? {
        Value::Null => Err(unknown(dbs, id).await),
        v => serde_json::from_value(v).map_err(|e| shape(&e)),
    }
}

pub async fn entry(dbs: &Databases, id: &str) -> Result<Value, CatalogError> {
    match dbs.json(ENTRY, &[&id]).await? {
        Value::Null => Err(unknown(dbs, id).await),
        v => Ok(v),
    }
}

fn shape(e: &serde_json::Error) -> CatalogError {
    tracing::error!(error = %e, "catalogue JSON of an unexpected shape");
    CatalogError::Db(DbError::Query {
        code: "XX000".into(),
        message: "unexpected catalogue shape".into(),
    })
}

/// What `get_series` asks for by name.
pub struct SeriesRequest<'a> {
    pub dataset: &'a str,
    pub measure: &'a str,
    pub filters: &'a Map<String, Value>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub max_points: i64,
}

/// The one dimension set the filters leave: the named values, the only value a dimension has
/// among the matching rows, or its "not broken down" value; else which dimension to name.
pub fn pick_dims(
    sets: &[Map<String, Value>],
    defaults: &[String],
) -> Result<Map<String, Value>, String> {
    let mut left: Vec<&Map<String, Value>> = sets.iter().collect();
    if left.is_empty() {
        return Err("no rows have these values".into());
    }
    let mut keys: Vec<&String> = left[0].keys().collect();
    keys.sort();
    for key in keys {
        let mut values: Vec<&Value> = left.iter().filter_map(|d| d.get(key)).collect();
        values.sort_by_key(|v| v.to_string());
        values.dedup();
        if values.len() <= 1 {
            continue;
        }
        let default = values
            .iter()
            .find(|v| v.as_str().is_some_and(|s| defaults.iter().any(|d| d == s)))
            .map(|v| (*v).clone());
        match default {
            Some(d) => left.retain(|m| m.get(key) == Some(&d)),
            None => {
                let some: Vec<String> = values.iter().take(8).map(|v| v.to_string()).collect();
                return Err(format!(
                    "name a value for {key:?} in filters ({} values, e.g. {})",
                    values.len(),
                    some.join(", ")
                ));
            }
        }
    }
    Ok(left[0].clone())
}

/// The filters as the rows store them: each named column must be a dimension, and a value may
/// be given by its code or by its English or Malay label.
fn codes(
    d: &DatasetDescription,
    filters: &Map<String, Value>,
) -> Result<Map<String, Value>, CatalogError> {
    let mut out = Map::new();
    for (name, value) in filters {
        let Some(dim) = d.dimensions.iter().find(|x| &x.column.name == name) else {
            let names: Vec<&str> = d
                .dimensions
                .iter()
                .map(|x| x.column.name.as_str())
                .collect();
            return Err(CatalogError::Invalid(format!(
                "{name:?} is not a dimension of {}; its dimensions are: {}",
                d.id,
                names.join(", ")
            )));
        };
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_string);
        let by_label = dim.values.iter().find(|v| {
            v.value == text
                || [&v.label_en, &v.label_ms]
                    .iter()
                    .any(|l| l.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(&text)))
        });
        let code = by_label.map_or(text, |v| v.value.clone());
        out.insert(name.clone(), Value::String(code));
    }
    Ok(out)
}

pub async fn series(dbs: &Databases, req: &SeriesRequest<'_>) -> Result<Series, CatalogError> {
    let d = describe(dbs, req.dataset).await?;
    let Some(measure) = d.measures.iter().find(|m| m.name == req.measure) else {
        let names: Vec<&str> = d.measures.iter().map(|m| m.name.as_str()).collect();
        return Err(CatalogError::Invalid(format!(
            "{:?} is not a measure of {}; its measures are: {}",
            req.measure,
            d.id,
            names.join(", ")
        )));
    };
    let named = Value::Object(codes(&d, req.filters)?);
    let sets: Vec<Map<String, Value>> =
        serde_json::from_value(dbs.json(DIM_SETS, &[&d.id, &named]).await?)
            .map_err(|e| shape(&e))?;
    let defaults: Vec<String> =
        serde_json::from_value(dbs.json(DEFAULTS, &[]).await?).map_err(|e| shape(&e))?;
    let dims = pick_dims(&sets, &defaults)
        .map_err(|why| CatalogError::Invalid(format!("{}: {why} (filters: {named})", d.id)))?;
    let cap = req.max_points + 1;
    let dims_json = Value::Object(dims.clone());
    let rows: Vec<(Option<String>, Option<f64>, i64)> = serde_json::from_value(
        dbs.json(
            SERIES,
            &[&d.id, &measure.name, &dims_json, &req.from, &cap, &req.to],
        )
        .await?,
    )
    .map_err(|e| shape(&e))?;
    let truncated = rows.len() as i64 > req.max_points;
    let mut points: Vec<Point> = rows
        .into_iter()
        .take(req.max_points as usize)
        .map(|(period, value, row)| Point {
            period,
            value,
            source: d.id.clone(),
            row,
        })
        .collect();
    points.reverse();
    Ok(Series {
        dataset: d.id.clone(),
        measure: measure.name.clone(),
        unit: measure.unit.clone(),
        filters: dims,
        points,
        truncated,
        sql: Some(SERIES.trim().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_mistyped_id_names_the_nearest() {
        let ids = [
            "lfs_year",
            "cpi_2d",
            "population_state",
            "population_district",
        ];
        assert_eq!(
            nearest("popluation_state", ids.into_iter())[0],
            "population_state"
        );
        assert_eq!(nearest("cpi2d", ids.into_iter())[0], "cpi_2d");
    }

    #[test]
    fn open_dimensions_take_their_only_or_default_value() {
        let sets = vec![
            m(json!({"state": "Johor", "sex": "both"})),
            m(json!({"state": "Johor", "sex": "male"})),
        ];
        let defaults = vec!["both".to_string(), "overall".to_string()];
        assert_eq!(
            pick_dims(&sets, &defaults).unwrap(),
            m(json!({"state": "Johor", "sex": "both"}))
        );
        let sets = vec![m(json!({"state": "Johor"})), m(json!({"state": "Perak"}))];
        let err = pick_dims(&sets, &defaults).unwrap_err();
        assert!(
            err.contains("\"state\"") && err.contains("2 values"),
            "{err}"
        );
        assert!(pick_dims(&[], &defaults).is_err());
    }
}
