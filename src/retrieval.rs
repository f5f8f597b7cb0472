//! Candidate rows for a question, fetched with one parameterised SPI query: the nearest
//! neighbours of the question's embedding (HNSW) united with keyword matches (GIN full text).
//! Ranking and wording are the core's (`dosm_rag_core::rank`).
//!
//! The query runs with the calling function's pinned search_path (pg_catalog first) and uses only
//! operators whose argument types match a built-in exactly (hence `1::float8`), so no operator an
//! ordinary role creates in `public` can be picked instead.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::mem::ManuallyDrop;
use std::rc::Rc;
use std::time::{Duration, Instant};

use dosm_rag_core::rank::{self, Candidate, PeriodWords, Query};
use pgrx::prelude::*;
use pgrx::spi::OwnedPreparedStatement;
use pgrx::{JsonB, PgBuiltInOids, PgOid};

/// Only rows embedded by this backend's model version are candidates: a vector of another model
/// is not comparable (dosm_rag.reembed moves rows to the current one).
/// The question's nearest neighbours (40) and keyword matches (60) are fetched for ranking,
/// before fusion. The limits are literals, not parameters: after five executions the plan cache
/// may switch to a generic plan, which must still see LIMIT 40 (an unknown limit is costed as a
/// tenth of the table, where a sequential scan wins over the HNSW index).
/// Keyword matches are ranked among the first 5 000 the index yields: a word in every row of a
/// 380 000-row table ("lelaki", "2020") would otherwise rank them all (100-400 ms for a question
/// the catalogue cannot answer, measured on the whole OpenDOSM tables).
/// The tsquery is parsed once, in its own CTE: written inline, a generic plan would parse it
/// again for every row it rechecks and ranks (2 s instead of 20 ms for a question whose year is
/// in every row, measured at 100 000 rows).
const CANDIDATES_SQL: &str = "
WITH q AS MATERIALIZED (SELECT dosm_rag.embed_text($1) AS v,
                               dosm_rag.model_info() OPERATOR(pg_catalog.->>) 'version' AS version),
     tq AS MATERIALIZED (SELECT pg_catalog.to_tsquery('pg_catalog.simple', $2) AS t),
     nn AS (SELECT e.id FROM dosm_rag.embeddings e
             WHERE e.model_version OPERATOR(pg_catalog.=) (SELECT q.version FROM q)
             ORDER BY e.embedding <=> (SELECT q.v FROM q) LIMIT 40),
     kw AS (SELECT m.id FROM (SELECT e.id, e.search_tsv FROM dosm_rag.embeddings e
                               WHERE $2::text IS NOT NULL
                                 AND e.search_tsv @@ (SELECT tq.t FROM tq)
                                 AND e.model_version OPERATOR(pg_catalog.=) (SELECT q.version FROM q)
                               LIMIT 5000) m
             ORDER BY pg_catalog.ts_rank(m.search_tsv, (SELECT tq.t FROM tq)) DESC, m.id
             LIMIT 60)
SELECT e.id, e.source, s.title, s.source_url, e.row_ref, e.content, e.metadata,
       (1::pg_catalog.float8 - (e.embedding <=> (SELECT q.v FROM q))) AS similarity
  FROM dosm_rag.embeddings e JOIN dosm_rag.sources s ON s.name = e.source
 WHERE e.id IN (SELECT nn.id FROM nn UNION SELECT kw.id FROM kw)";

thread_local! {
    // CANDIDATES_SQL planned once per backend (SPI_keepplan). The plan cache re-plans it by itself
    // after DDL on the tables or a changed search_path. ManuallyDrop: never freed at thread exit.
    static CANDIDATES_PLAN: ManuallyDrop<RefCell<Option<OwnedPreparedStatement>>> =
        const { ManuallyDrop::new(RefCell::new(None)) };
}

thread_local! {
    // How this database's search vectors hold periods, found once per backend. A schema updated
    // to 0.4.0 while the backend runs keeps the old words too, so the old query stays correct.
    static PERIOD_WORDS: Cell<Option<PeriodWords>> = const { Cell::new(None) };
}

/// Whether `dosm_rag.search_vector` indexes a row's periods as words of their own (0.4.0 on).
fn period_words(client: &pgrx::spi::SpiClient<'_>) -> PeriodWords {
    if let Some(w) = PERIOD_WORDS.get() {
        return w;
    }
    let lexemes = client
        .select(
            "SELECT dosm_rag.search_vector('date=2023-03-01')
                    @@ pg_catalog.to_tsquery('pg_catalog.simple', 'y2023m03')",
            Some(1),
            &[],
        )
        .ok()
        .and_then(|t| t.first().get_one::<bool>().ok().flatten())
        .unwrap_or(false);
    let w = if lexemes {
        PeriodWords::Lexemes
    } else {
        PeriodWords::Phrases
    };
    PERIOD_WORDS.set(Some(w));
    w
}

/// The words in at least half of the rows, once that is at least 5 000 rows, from the statistics
/// ANALYZE keeps on `search_tsv` (pg_stats.most_common_elems) of each partition of
/// `dosm_rag.embeddings` (autovacuum analyses partitions, not the partitioned table), weighted by
/// the partition's rows; a word outside a partition's list counts as absent there. Read through
/// `pg_stats`, which shows a partition's statistics only to a role that may read all of it: a
/// tenant's role gets none, and its questions keep every word.
const COMMON_WORDS_SQL: &str = "
WITH leaves AS (
  SELECT c.oid, c.relname, GREATEST(c.reltuples, 0::pg_catalog.float4)::pg_catalog.float8 AS n
    FROM pg_catalog.pg_partition_tree('dosm_rag.embeddings'::pg_catalog.regclass) t
    JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
   WHERE t.isleaf)
SELECT u.e
  FROM leaves l, pg_catalog.pg_stats s,
       ROWS FROM (pg_catalog.unnest(s.most_common_elems::pg_catalog.text::pg_catalog.text[]),
                  pg_catalog.unnest(s.most_common_elem_freqs)) AS u(e, f)
 WHERE s.schemaname OPERATOR(pg_catalog.=) 'dosm_rag'
   AND s.tablename OPERATOR(pg_catalog.=) l.relname
   AND s.attname OPERATOR(pg_catalog.=) 'search_tsv'
   AND u.e IS NOT NULL
 GROUP BY u.e
HAVING pg_catalog.sum(u.f::pg_catalog.float8 OPERATOR(pg_catalog.*) l.n)
       OPERATOR(pg_catalog.>=) GREATEST(5000::pg_catalog.float8,
           0.5::pg_catalog.float8 OPERATOR(pg_catalog.*) (SELECT pg_catalog.sum(n) FROM leaves))";

/// How long a backend keeps the common words before reading them again (reading takes about
/// 1 ms; they change only when the table is analysed).
const COMMON_WORDS_TTL: Duration = Duration::from_secs(60);

thread_local! {
    static COMMON_WORDS: RefCell<Option<(Instant, Rc<BTreeSet<String>>)>> = const { RefCell::new(None) };
}

/// The cached set is shared, not copied, on every call within the TTL.
fn common_words(client: &pgrx::spi::SpiClient<'_>) -> Rc<BTreeSet<String>> {
    COMMON_WORDS.with(|cell| {
        if let Some((at, words)) = cell.borrow().as_ref() {
            if at.elapsed() < COMMON_WORDS_TTL {
                return Rc::clone(words);
            }
        }
        let words: Rc<BTreeSet<String>> = client
            .select(COMMON_WORDS_SQL, None, &[])
            .map(|rows| {
                rows.filter_map(|r| r.get::<String>(1).ok().flatten())
                    .collect::<BTreeSet<String>>()
            })
            .map(Rc::new)
            .unwrap_or_default();
        *cell.borrow_mut() = Some((Instant::now(), Rc::clone(&words)));
        words
    })
}

/// Whether any row has been ingested.
///
/// Read-only SPI (`select`), never `Spi::get_one`: that one marks the transaction as writing and
/// assigns a transaction id, which fails on a hot standby and costs a commit record on a primary.
pub fn has_documents() -> bool {
    Spi::connect(|client| {
        client
            .select(
                "SELECT EXISTS (SELECT 1 FROM dosm_rag.embeddings)",
                Some(1),
                &[],
            )
            .ok()
            .and_then(|t| t.first().get_one::<bool>().ok().flatten())
            .unwrap_or(false)
    })
}

/// The candidate rows for `question`, analysed as `q` (its keyword query is built from that).
pub fn candidates(question: &str, q: &Query) -> Vec<Candidate> {
    Spi::connect(|client| {
        let tsquery = rank::tsquery(q, period_words(client), &common_words(client));
        CANDIDATES_PLAN.with(|cell| {
            let mut plan = cell.borrow_mut();
            if plan.is_none() {
                let text = PgOid::BuiltIn(PgBuiltInOids::TEXTOID);
                let prepared = client
                    .prepare(CANDIDATES_SQL, &[text, text])
                    .unwrap_or_else(|e| pgrx::error!("dosm_rag candidate search failed: {e}"));
                *plan = Some(prepared.keep());
            }
        });
        let rows = CANDIDATES_PLAN.with(|cell| {
            let plan = cell.borrow();
            client.select(
                plan.as_ref().expect("prepared above"),
                None,
                &[question.into(), tsquery.into()],
            )
        });
        let rows = rows.unwrap_or_else(|e| pgrx::error!("dosm_rag candidate search failed: {e}"));
        rows.map(|row| {
            let get_text = |i| row.get::<String>(i).ok().flatten();
            Candidate {
                id: row.get::<i64>(1).ok().flatten().unwrap_or_default(),
                source: get_text(2).unwrap_or_default(),
                title: get_text(3),
                source_url: get_text(4),
                row_ref: row.get::<i64>(5).ok().flatten().unwrap_or_default(),
                content: get_text(6).unwrap_or_default(),
                metadata: row
                    .get::<JsonB>(7)
                    .ok()
                    .flatten()
                    .and_then(|j| j.0.as_object().cloned())
                    .unwrap_or_default(),
                similarity: row.get::<f64>(8).ok().flatten().unwrap_or_default(),
            }
        })
        .collect()
    })
}

/// Whether some source has rows but no catalogue (the fuzzy leg is then still needed).
pub fn has_uncatalogued_rows() -> bool {
    Spi::connect(|client| {
        client
            .select(
                "SELECT EXISTS (SELECT 1 FROM dosm_rag.sources s
                                 WHERE s.row_count OPERATOR(pg_catalog.>) 0
                                   AND NOT EXISTS (SELECT 1 FROM dosm_rag.datasets d
                                                    WHERE d.source OPERATOR(pg_catalog.=) s.name))",
                Some(1),
                &[],
            )
            .ok()
            .and_then(|t| t.first().get_one::<bool>().ok().flatten())
            .unwrap_or(false)
    })
}
