//! The catalogue in the database: `refresh_catalogue` (fills dosm_rag.datasets, columns,
//! dimension_values and facts for one source from its stored rows and, when given, the
//! publisher's entry) and the per-backend snapshot the answer engine reads.
//!
//! Every statement here is a constant with `$n` parameters; column names travel as text[]
//! parameters and are used as jsonb keys, never as SQL identifiers.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use dosm_rag_core::catalogue::{
    define, key_candidates, labels_from_description, unit_of, Catalogue, ColumnDef, ColumnStats,
    Entry, Frequency, Role, UnitRule,
};
use dosm_rag_core::resolve::Index;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

fn raise(code: PgSqlErrorCode, message: String, detail: Option<String>, hint: &str) -> ! {
    let mut r = ErrorReport::new(code, message, "dosm_rag").set_hint(hint);
    if let Some(d) = detail {
        r = r.set_detail(d);
    }
    r.report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

fn spi_err(e: pgrx::spi::SpiError) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        format!("dosm_rag catalogue query failed: {e}"),
        None,
        "This is unexpected; report it with the source that caused it.",
    )
}

/// Cells that publications use for "no figure" ("-", ".", "..", "x", "NA"): a column of numbers
/// with some of these is still a column of numbers (a measure), not a dimension.
const NO_FIGURE: &str = r"^\s*(\.+|-+|–|—|x|X|NA|N/A|n/a|n\.a\.)\s*$";

const STATS_SQL: &str = "
SELECT k.key,
       pg_catalog.count(DISTINCT k.value),
       pg_catalog.count(*) FILTER (WHERE k.value IS NULL OR k.value OPERATOR(pg_catalog.=) ''),
       pg_catalog.count(*),
       coalesce(pg_catalog.bool_and(k.value OPERATOR(pg_catalog.~) '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$')
                FILTER (WHERE k.value OPERATOR(pg_catalog.<>) '' AND k.value OPERATOR(pg_catalog.!~) $2), false),
       coalesce(pg_catalog.bool_and(k.value OPERATOR(pg_catalog.~) '^-?[0-9]+(\\.0+)?$')
                FILTER (WHERE k.value OPERATOR(pg_catalog.<>) '' AND k.value OPERATOR(pg_catalog.!~) $2), false),
       coalesce(pg_catalog.bool_and(k.value OPERATOR(pg_catalog.~) '^[12][0-9]{3}(-[0-9]{2}(-[0-9]{2})?|-?[Qq][1-4])?$')
                FILTER (WHERE k.value OPERATOR(pg_catalog.<>) ''), false)
  FROM dosm_rag.embeddings e, pg_catalog.jsonb_each_text(e.metadata) AS k(key, value)
 WHERE e.source OPERATOR(pg_catalog.=) $1
 GROUP BY k.key";

const UNIQUE_SQL: &str = "
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.=) pg_catalog.count(DISTINCT (
         SELECT pg_catalog.jsonb_object_agg(k, e.metadata OPERATOR(pg_catalog.->) k)
           FROM pg_catalog.unnest($2::text[]) AS k))
  FROM dosm_rag.embeddings e WHERE e.source OPERATOR(pg_catalog.=) $1";

const STORED_ENTRY_SQL: &str =
    "SELECT d.entry FROM dosm_rag.datasets d WHERE d.source OPERATOR(pg_catalog.=) $1";

const CLEAR_SQL: &str = "DELETE FROM dosm_rag.datasets WHERE source OPERATOR(pg_catalog.=) $1";

const DATASET_SQL: &str = "
INSERT INTO dosm_rag.datasets (source, title_en, title_ms, description_en, description_ms, frequency,
                               data_as_of, last_updated, next_update, source_url, publication, inferred, entry)
VALUES ($1, coalesce($2, (SELECT s.title FROM dosm_rag.sources s WHERE s.name OPERATOR(pg_catalog.=) $1)),
        $3, $4, $5, 'other', $6, $7, $8, $9, $10, $11, $12)";

const COLUMN_SQL: &str = "
INSERT INTO dosm_rag.columns (source, name, position, role, role_from, title_en, title_ms,
                              description_en, description_ms, unit, unit_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

const VALUES_SQL: &str = "
INSERT INTO dosm_rag.dimension_values (source, column_name, value, label_en, label_ms, rows)
SELECT $1, k.key, k.value,
       coalesce($3::jsonb OPERATOR(pg_catalog.->>) k.value, $3::jsonb OPERATOR(pg_catalog.->>) n.code),
       coalesce($4::jsonb OPERATOR(pg_catalog.->>) k.value, $4::jsonb OPERATOR(pg_catalog.->>) n.code),
       pg_catalog.count(*)
  FROM dosm_rag.embeddings e, pg_catalog.jsonb_each_text(e.metadata) AS k(key, value),
       -- a code written 4 where the translations say 04
       LATERAL (SELECT CASE WHEN k.value OPERATOR(pg_catalog.~) '^[0-9]$'
                            THEN '0' OPERATOR(pg_catalog.||) k.value END AS code) n
 WHERE e.source OPERATOR(pg_catalog.=) $1 AND k.key OPERATOR(pg_catalog.=) ANY ($2::text[])
   AND k.value IS NOT NULL AND k.value OPERATOR(pg_catalog.<>) ''
 GROUP BY k.key, k.value, n.code";

const FACTS_SQL: &str = "
INSERT INTO dosm_rag.facts (source, row_ref, dims, period)
SELECT $1, e.row_ref,
       coalesce((SELECT pg_catalog.jsonb_object_agg(k, e.metadata OPERATOR(pg_catalog.->) k)
                   FROM pg_catalog.unnest($2::text[]) AS k), '{}'::jsonb),
       e.metadata OPERATOR(pg_catalog.->>) $3
  FROM dosm_rag.embeddings e WHERE e.source OPERATOR(pg_catalog.=) $1";

const PERIODS_SQL: &str = "
SELECT coalesce(pg_catalog.array_agg(DISTINCT f.period ORDER BY f.period), '{}')
  FROM dosm_rag.facts f
 WHERE f.source OPERATOR(pg_catalog.=) $1 AND f.period IS NOT NULL";

const PERIODS_SET_SQL: &str = "
UPDATE dosm_rag.datasets d SET periods = $2, frequency = $3
 WHERE d.source OPERATOR(pg_catalog.=) $1";

/// Whether the catalogue's embeddings record their model (0.8.0 on). A library newer than the
/// installed SQL (before ALTER EXTENSION UPDATE) keeps the old statements.
const TRACKS_MODEL_SQL: &str = "
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid OPERATOR(pg_catalog.=) 'dosm_rag.columns'::pg_catalog.regclass
                  AND a.attname OPERATOR(pg_catalog.=) 'embedding_model' AND NOT a.attisdropped)";

pub fn tracks_model(client: &pgrx::spi::SpiClient<'_>) -> bool {
    client
        .select(TRACKS_MODEL_SQL, Some(1), &[])
        .ok()
        .and_then(|t| t.first().get_one::<bool>().ok().flatten())
        .unwrap_or(false)
}

const EMBED_CATALOGUE_SQL: &str = "SELECT dosm_rag.embed_catalogue($1)";

/// Before 0.8.0.
const EMBED_SQL: &str = "
UPDATE dosm_rag.datasets d
   SET embedding = dosm_rag.embed_text(pg_catalog.concat_ws('. ', d.title_en, d.title_ms, d.description_en))
 WHERE d.source OPERATOR(pg_catalog.=) $1";

const EMBED_COLUMNS_SQL: &str = "
UPDATE dosm_rag.columns c
   SET embedding = dosm_rag.embed_text(pg_catalog.concat_ws('. ', c.title_en, c.title_ms, c.description_en))
 WHERE c.source OPERATOR(pg_catalog.=) $1 AND c.role OPERATOR(pg_catalog.=) 'measure'";

/// Whether column $3's value is the same on every row that has the same value of column $2.
const DETERMINES_SQL: &str = "
SELECT pg_catalog.count(DISTINCT pg_catalog.jsonb_build_array(e.metadata OPERATOR(pg_catalog.->) $2,
                                                              e.metadata OPERATOR(pg_catalog.->) $3))
       OPERATOR(pg_catalog.=) pg_catalog.count(DISTINCT e.metadata OPERATOR(pg_catalog.->) $2)
  FROM dosm_rag.embeddings e WHERE e.source OPERATOR(pg_catalog.=) $1";

const DETERMINED_SQL: &str = "
UPDATE dosm_rag.columns c SET determined_by = $3
 WHERE c.source OPERATOR(pg_catalog.=) $1 AND c.name OPERATOR(pg_catalog.=) $2";

const RULES_SQL: &str =
    "SELECT r.needle, r.unit_en, r.unit_ms FROM dosm_rag.unit_rules r ORDER BY r.priority, r.needle";

const BUMP_SQL: &str =
    "SELECT pg_catalog.nextval('dosm_rag.catalogue_generation'::pg_catalog.regclass)";

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Period => "period",
        Role::Dimension => "dimension",
        Role::Measure => "measure",
        Role::Attribute => "attribute",
    }
}

fn freq_name(f: Frequency) -> &'static str {
    match f {
        Frequency::Annual => "annual",
        Frequency::Quarterly => "quarterly",
        Frequency::Monthly => "monthly",
        Frequency::Other => "other",
    }
}

/// Rebuild the catalogue of one source from its stored rows and, when given, the publisher's
/// catalogue entry. Raises 22023 (nothing written) when the entry does not describe exactly the
/// source's columns or the source has no rows.
pub fn refresh(source: &str, raw: Option<&Value>, header: Option<Vec<String>>) -> Value {
    // no entry given: the one stored by the last refresh, if any
    let stored: Option<Value> = match raw {
        Some(_) => None,
        None => Spi::connect(|client| {
            client
                .select(STORED_ENTRY_SQL, Some(1), &[source.into()])
                .ok()
                .and_then(|t| t.first().get_one::<JsonB>().ok().flatten())
                .map(|j| j.0)
        }),
    };
    let raw = raw.or(stored.as_ref());
    let entry = raw.map(|v| {
        Entry::from_json(v).unwrap_or_else(|e| {
            raise(
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                e.to_string(),
                None,
                "Pass the publisher's data-catalogue entry (JSON with \"fields\", or the 2023 layout with \"file\" and \"variables\").",
            )
        })
    });
    Spi::connect_mut(|client| {
        let stats: Vec<ColumnStats> = client
            .select(STATS_SQL, None, &[source.into(), NO_FIGURE.into()])
            .unwrap_or_else(|e| spi_err(e))
            .map(|r| ColumnStats {
                name: r.get::<String>(1).ok().flatten().unwrap_or_default(),
                distinct: r.get::<i64>(2).ok().flatten().unwrap_or_default(),
                nulls: r.get::<i64>(3).ok().flatten().unwrap_or_default(),
                rows: r.get::<i64>(4).ok().flatten().unwrap_or_default(),
                numeric: r.get::<bool>(5).ok().flatten().unwrap_or_default(),
                integral: r.get::<bool>(6).ok().flatten().unwrap_or_default(),
                periodic: r.get::<bool>(7).ok().flatten().unwrap_or_default(),
            })
            .collect();
        if stats.is_empty() {
            raise(
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                format!("source \"{source}\" has no rows to catalogue"),
                None,
                "Ingest the file first (dosm-rag-ingest or dosm_rag.ingest_table), then refresh its catalogue.",
            );
        }
        // the stored rows' columns, in the file's order when known (the header given, else the
        // entry's field order, else by name); an entry is checked against these
        let header: Vec<String> = header.unwrap_or_else(|| {
            let mut names: Vec<String> = stats.iter().map(|s| s.name.clone()).collect();
            let order = |n: &String| {
                entry
                    .as_ref()
                    .and_then(|e| e.fields.iter().position(|f| f.name == *n))
                    .unwrap_or(usize::MAX)
            };
            names.sort_by(|a, b| order(a).cmp(&order(b)).then(a.cmp(b)));
            names
        });
        let mut defs = define(&header, entry.as_ref(), &stats).unwrap_or_else(|e| {
            raise(
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                e.to_string(),
                Some(format!("source \"{source}\" has columns: {}", header.join(", "))),
                "Pass the catalogue entry published for this file, or none to infer the roles from the data.",
            )
        });
        // Rows must be told apart by period + dimensions: promote whole-number measures with few
        // values (a percentile) to dimensions until they are.
        let key = |defs: &[ColumnDef]| -> Vec<String> {
            defs.iter()
                .filter(|d| matches!(d.role, Role::Period | Role::Dimension))
                .map(|d| d.name.clone())
                .collect()
        };
        let unique = |client: &pgrx::spi::SpiClient<'_>, cols: Vec<String>| -> bool {
            client
                .select(UNIQUE_SQL, Some(1), &[source.into(), cols.into()])
                .ok()
                .and_then(|t| t.first().get_one::<bool>().ok().flatten())
                .unwrap_or(false)
        };
        let mut promoted = Vec::new();
        if !key(&defs).is_empty() && !unique(client, key(&defs)) {
            for cand in key_candidates(&defs, &stats) {
                if let Some(d) = defs.iter_mut().find(|d| d.name == cand) {
                    d.role = Role::Dimension;
                    d.role_from = "inferred".into();
                }
                promoted.push(cand);
                if unique(client, key(&defs)) {
                    break;
                }
            }
        }
        let rules: Vec<UnitRule> = client
            .select(RULES_SQL, None, &[])
            .unwrap_or_else(|e| spi_err(e))
            .map(|r| UnitRule {
                needle: r.get::<String>(1).ok().flatten().unwrap_or_default(),
                unit_en: r.get::<String>(2).ok().flatten().unwrap_or_default(),
                unit_ms: r.get::<String>(3).ok().flatten(),
            })
            .collect();

        client
            .update(CLEAR_SQL, None, &[source.into()])
            .unwrap_or_else(|e| spi_err(e));
        let e = entry.as_ref();
        let g = |f: fn(&Entry) -> &Option<String>| e.and_then(|e| f(e).clone());
        client
            .update(
                DATASET_SQL,
                None,
                &[
                    source.into(),
                    g(|e| &e.title_en).into(),
                    g(|e| &e.title_ms).into(),
                    g(|e| &e.description_en).into(),
                    g(|e| &e.description_ms).into(),
                    g(|e| &e.data_as_of).into(),
                    g(|e| &e.last_updated).into(),
                    g(|e| &e.next_update).into(),
                    g(|e| &e.source_url).into(),
                    g(|e| &e.publication_en).into(),
                    e.is_none().into(),
                    raw.cloned().map(JsonB).into(),
                ],
            )
            .unwrap_or_else(|e| spi_err(e));
        for d in &defs {
            let unit = (d.role == Role::Measure)
                .then(|| unit_of(d, &rules))
                .flatten();
            client
                .update(
                    COLUMN_SQL,
                    None,
                    &[
                        source.into(),
                        d.name.clone().into(),
                        d.position.into(),
                        role_name(d.role).into(),
                        d.role_from.clone().into(),
                        d.title_en.clone().into(),
                        d.title_ms.clone().into(),
                        d.description_en.clone().into(),
                        d.description_ms.clone().into(),
                        unit.map(|u| u.unit_en.clone()).into(),
                        unit.and_then(|u| u.unit_ms.clone()).into(),
                    ],
                )
                .unwrap_or_else(|e| spi_err(e));
        }
        let dims: Vec<String> = defs
            .iter()
            .filter(|d| d.role == Role::Dimension)
            .map(|d| d.name.clone())
            .collect();
        let period = defs
            .iter()
            .find(|d| d.role == Role::Period)
            .map(|d| d.name.clone());
        // value labels: the publisher's translations, else the words its column descriptions
        // give for codes ("year-on-year growth ('growth_yoy')")
        let mut tr_en = e.map(|e| e.translations_en.clone()).unwrap_or_default();
        let mut tr_ms = e.map(|e| e.translations_ms.clone()).unwrap_or_default();
        for d in defs.iter().filter(|d| d.role == Role::Dimension) {
            for (desc, map) in [
                (&d.description_en, &mut tr_en),
                (&d.description_ms, &mut tr_ms),
            ] {
                for (value, label) in desc
                    .as_deref()
                    .map(labels_from_description)
                    .unwrap_or_default()
                {
                    map.entry(value).or_insert(label);
                }
            }
        }
        client
            .update(
                VALUES_SQL,
                None,
                &[
                    source.into(),
                    dims.clone().into(),
                    JsonB(json!(tr_en)).into(),
                    JsonB(json!(tr_ms)).into(),
                ],
            )
            .unwrap_or_else(|e| spi_err(e));
        // which dimension fixes which (a district its state): pairs of dimensions, from the rows
        for b in &dims {
            let mut by = Vec::new();
            for a in dims.iter().filter(|a| *a != b) {
                let fixes = client
                    .select(
                        DETERMINES_SQL,
                        Some(1),
                        &[source.into(), a.as_str().into(), b.as_str().into()],
                    )
                    .ok()
                    .and_then(|t| t.first().get_one::<bool>().ok().flatten())
                    .unwrap_or(false);
                if fixes {
                    by.push(a.clone());
                }
            }
            if !by.is_empty() {
                client
                    .update(
                        DETERMINED_SQL,
                        None,
                        &[source.into(), b.as_str().into(), by.into()],
                    )
                    .unwrap_or_else(|e| spi_err(e));
            }
        }
        let facts = client
            .update(
                FACTS_SQL,
                None,
                &[source.into(), dims.clone().into(), period.clone().into()],
            )
            .unwrap_or_else(|e| spi_err(e))
            .len();
        // frequency: the entry's, else from the periods
        let declared = e
            .and_then(|e| e.frequency.as_deref())
            .map(Frequency::parse)
            .unwrap_or(Frequency::Other);
        let periods: Vec<String> = client
            .select(PERIODS_SQL, Some(1), &[source.into()])
            .unwrap_or_else(|e| spi_err(e))
            .first()
            .get_one::<Vec<String>>()
            .ok()
            .flatten()
            .unwrap_or_default();
        let freq = if declared == Frequency::Other {
            Frequency::infer(&periods)
        } else {
            declared
        };
        client
            .update(
                PERIODS_SET_SQL,
                None,
                &[
                    source.into(),
                    periods.clone().into(),
                    freq_name(freq).into(),
                ],
            )
            .unwrap_or_else(|e| spi_err(e));
        if tracks_model(client) {
            client
                .update(EMBED_CATALOGUE_SQL, None, &[source.into()])
                .unwrap_or_else(|e| spi_err(e));
        } else {
            client
                .update(EMBED_SQL, None, &[source.into()])
                .unwrap_or_else(|e| spi_err(e));
            client
                .update(EMBED_COLUMNS_SQL, None, &[source.into()])
                .unwrap_or_else(|e| spi_err(e));
        }
        client
            .update(BUMP_SQL, None, &[])
            .unwrap_or_else(|e| spi_err(e));
        json!({
            "source": source,
            "catalogue": if e.is_some() { "publisher" } else { "inferred from the data" },
            "frequency": freq_name(freq),
            "periods": periods.len(),
            "rows": facts,
            "period": period,
            "dimensions": dims,
            "measures": defs.iter().filter(|d| d.role == Role::Measure).map(|d| &d.name).collect::<Vec<_>>(),
            "promoted_to_dimension": promoted,
        })
    })
}

/// A catalogue snapshot and its matching index, as this backend last read them.
pub struct Snapshot {
    pub catalogue: Catalogue,
    pub index: Index,
}

/// The snapshot with the catalogue generation, role and model version it was read at.
type Cached = (i64, String, Option<String>, Rc<Snapshot>);

/// The stored embeddings of datasets (column NULL) and measures, of one model version.
const VECTORS_SQL: &str = "
SELECT c.source, c.name, c.embedding::pg_catalog.float4[] FROM dosm_rag.columns c
 WHERE c.embedding_model OPERATOR(pg_catalog.=) $1 AND c.embedding IS NOT NULL
UNION ALL
SELECT d.source, NULL, d.embedding::pg_catalog.float4[] FROM dosm_rag.datasets d
 WHERE d.embedding_model OPERATOR(pg_catalog.=) $1 AND d.embedding IS NOT NULL";

/// Put the stored embeddings of `version` (this backend's model) into `cat`.
fn load_embeddings(client: &pgrx::spi::SpiClient<'_>, cat: &mut Catalogue, version: Option<&str>) {
    let Some(version) = version else { return };
    if !tracks_model(client) {
        return;
    }
    let rows = client
        .select(VECTORS_SQL, None, &[version.into()])
        .unwrap_or_else(|e| spi_err(e));
    for row in rows {
        let source = row.get::<String>(1).ok().flatten().unwrap_or_default();
        let column = row.get::<String>(2).ok().flatten();
        if let Some(x) = row.get::<Vec<f32>>(3).ok().flatten() {
            cat.set_embedding(&source, column.as_deref(), x);
        }
    }
}

thread_local! {
    // (generation, role) → snapshot. A role sees only its tenants' datasets (row-level security).
    static SNAPSHOT: ManuallyDrop<RefCell<Option<Cached>>> =
        const { ManuallyDrop::new(RefCell::new(None)) };
}

/// The current catalogue, read again only when a refresh has moved the generation (or the role
/// changed).
pub fn snapshot() -> Rc<Snapshot> {
    Spi::connect(|client| {
        let row = client
            .select(
                "SELECT dosm_rag.catalogue_version(), CURRENT_USER::text",
                Some(1),
                &[],
            )
            .unwrap_or_else(|e| spi_err(e));
        let row = row.first();
        let generation = row.get::<i64>(1).ok().flatten().unwrap_or(0);
        let role = row.get::<String>(2).ok().flatten().unwrap_or_default();
        let version = crate::model::current_version();
        if let Some(s) = SNAPSHOT.with(|c| {
            c.borrow()
                .as_ref()
                .filter(|(g, r, v, _)| *g == generation && *r == role && *v == version)
                .map(|(_, _, _, s)| Rc::clone(s))
        }) {
            return s;
        }
        let doc = client
            .select("SELECT dosm_rag.catalogue_snapshot()", Some(1), &[])
            .unwrap_or_else(|e| spi_err(e))
            .first()
            .get_one::<JsonB>()
            .ok()
            .flatten()
            .map_or(Value::Null, |j| j.0);
        let mut catalogue: Catalogue = serde_json::from_value(doc).unwrap_or_else(|e| {
            raise(
                PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
                format!("dosm_rag could not read its catalogue: {e}"),
                None,
                "Run ALTER EXTENSION dosm_rag UPDATE; if it persists, refresh the catalogue with dosm_rag.refresh_catalogue(source).",
            )
        });
        load_embeddings(client, &mut catalogue, version.as_deref());
        let index = Index::build(&catalogue);
        let s = Rc::new(Snapshot { catalogue, index });
        SNAPSHOT.with(|c| *c.borrow_mut() = Some((generation, role, version, Rc::clone(&s))));
        s
    })
}
