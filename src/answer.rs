//! `rag_answer`'s pipeline, one stage after another:
//! question (core) → resolve against the catalogue snapshot (core) → plan (core) → execute
//! (here, SPI) → compose (core). Sources without a catalogue keep the fuzzy leg (vector +
//! keyword candidates ranked by `dosm_rag_core::rank`).

use dosm_rag_core::compose::{self, Answer, Citation, Executed};
use dosm_rag_core::intent::Operation;
use dosm_rag_core::{plan, question, rank, resolve, spell};

use crate::errors::OrRaise;
use crate::{catalogue, execute, model, retrieval};

/// Runners-up within this score of the best are executed too: when they give another number,
/// the answer is an ambiguity, not a guess.
const RUNNER_UP_MARGIN: f64 = 0.6;

pub fn answer(query: &str, k: usize, threshold: f64) -> Answer {
    let snap = catalogue::snapshot();
    if snap.catalogue.datasets.is_empty() {
        return fuzzy(query, k, threshold);
    }
    // misspelt words read as the catalogue's words (said in the answer's notes)
    let q = spell::correct(&question::parse(query), &snap.index.spelling);
    let res = resolve_with_vectors(query, &q, &snap);
    if res
        .candidates
        .first()
        .is_some_and(|c| c.op != Operation::Lookup)
    {
        return computed(&q, &snap.catalogue, &res, threshold);
    }
    let mut chosen: Vec<&resolve::Candidate> = Vec::new();
    if let Some(best) = res.candidates.first() {
        chosen.push(best);
        for c in res.candidates.iter().skip(1) {
            if c.score < best.score - RUNNER_UP_MARGIN || chosen.len() >= 4 {
                break;
            }
            // another table or measure, or another reading of the same words (a value named
            // in two columns)
            if chosen
                .iter()
                .all(|x| x.dataset != c.dataset || x.measure != c.measure || x.filters != c.filters)
            {
                chosen.push(c);
            }
        }
    }
    let executed: Vec<Executed<'_>> = chosen
        .into_iter()
        .map(|c| {
            let p = plan::plan(&snap.catalogue, c);
            let rows = p.as_ref().map(execute::run).unwrap_or_default();
            Executed {
                candidate: c,
                plan: p,
                rows,
            }
        })
        .collect();
    let mut a = compose::compose(&q, &snap.catalogue, &res, &executed, threshold);
    let unanswered = matches!(
        a.failure_mode.as_deref(),
        Some(compose::NO_MATCH | compose::LOW_CONFIDENCE)
    );
    if a.failure_mode.is_none() || !a.citations.is_empty() && !unanswered {
        return a;
    }
    // The fuzzy leg, once: rows no catalogue describes (free text, upsert_embedding) may answer;
    // otherwise its nearest rows are what the data has, cited with the abstention.
    let f = fuzzy(query, k, threshold);
    let from_uncatalogued = f
        .citations
        .first()
        .is_some_and(|c| !snap.catalogue.datasets.iter().any(|d| d.source == c.source));
    if unanswered
        && f.failure_mode.is_none()
        && from_uncatalogued
        && retrieval::has_uncatalogued_rows()
    {
        return f;
    }
    if a.citations.is_empty() {
        a.citations = f.citations;
    }
    a
}

/// Resolution by the question's words; when the best two candidates are close, again with the
/// question's embedding compared with the catalogue's texts (stored for this backend's model).
/// The vector is cached, so the fuzzy leg reuses it.
fn resolve_with_vectors(
    query: &str,
    q: &question::Question,
    snap: &catalogue::Snapshot,
) -> resolve::Resolution {
    let res = resolve::resolve(q, &snap.catalogue, &snap.index, &|_, _| None);
    if !snap.catalogue.has_embeddings() || !resolve::similarity_may_decide(&res) {
        return res;
    }
    let qv = model::embed_cached(query).or_raise();
    let similarity = |d: usize, m: usize| snap.catalogue.similarity(&qv, d, m);
    resolve::resolve(q, &snap.catalogue, &snap.index, &similarity)
}

/// A computed answer (ranking, change, comparison, series): the best candidate's plan, and the
/// next one's only when it finds no rows. Rows no catalogue describes are not computed over.
fn computed(
    q: &question::Question,
    cat: &dosm_rag_core::catalogue::Catalogue,
    res: &resolve::Resolution,
    threshold: f64,
) -> Answer {
    let mut executed: Vec<Executed<'_>> = Vec::new();
    let best = &res.candidates[0];
    // as for lookups: a close candidate that leaves no word of another table's title unexplained
    // goes first ("teras" asks for core CPI, not the headline division)
    let mut order: Vec<&resolve::Candidate> = res.candidates.iter().take(6).collect();
    if !best.others_words.is_empty() {
        if let Some(i) = order.iter().position(|c| {
            c.op == best.op && c.others_words.is_empty() && c.score >= best.score - 0.4
        }) {
            let c = order.remove(i);
            order.insert(0, c);
        }
    }
    let best = order[0];
    for c in order.into_iter().take(3) {
        if c.op != best.op || c.score < best.score - 0.1 {
            break;
        }
        let p = plan::plan(cat, c);
        let rows = p.as_ref().map(execute::run).unwrap_or_default();
        let found = !rows.is_empty();
        executed.push(Executed {
            candidate: c,
            plan: p,
            rows,
        });
        if found {
            break;
        }
    }
    // close candidates of other tables: when they compute another result, the question is
    // ambiguous ("number of males in Klang": births, deaths or population)
    if let Some(top) = executed
        .iter()
        .find(|e| !e.rows.is_empty())
        .map(|e| e.candidate)
    {
        let rivals: Vec<&resolve::Candidate> = res
            .candidates
            .iter()
            .take(8)
            .filter(|c| compose::is_rival(top, c))
            .take(2)
            .collect();
        for c in rivals {
            let p = plan::plan(cat, c);
            let rows = p.as_ref().map(execute::run).unwrap_or_default();
            executed.push(Executed {
                candidate: c,
                plan: p,
                rows,
            });
        }
    }
    compose::compose(q, cat, res, &executed, threshold)
}

/// The series a question names, forced to one (for `dosm_rag.series`): its answer, whose
/// `values` are the points.
pub fn series(query: &str, threshold: f64) -> Answer {
    let snap = catalogue::snapshot();
    let mut q = spell::correct(&question::parse(query), &snap.index.spelling);
    if matches!(q.ask.op, Operation::Lookup | Operation::Change) {
        q.ask.op = Operation::Series;
    }
    let res = resolve_with_vectors(query, &q, &snap);
    if res.candidates.is_empty() {
        return compose::compose(&q, &snap.catalogue, &res, &[], threshold);
    }
    computed(&q, &snap.catalogue, &res, threshold)
}

/// The fuzzy leg: nearest rows by vector and keywords, ranked; answers only when confident.
pub fn fuzzy(query: &str, k: usize, threshold: f64) -> Answer {
    let q = rank::analyze(query);
    convert(rank::answer_query(
        &q,
        retrieval::candidates(query, &q),
        k,
        threshold,
    ))
}

/// The fuzzy leg's answer in `rag_answer`'s shape.
pub fn convert(a: rank::Answer) -> Answer {
    Answer {
        answer: a.answer,
        citations: a
            .citations
            .into_iter()
            .map(|c| Citation {
                source: c.source,
                snippet: c.snippet,
                page_or_row: c.page_or_row,
                title: c.title,
                source_url: c.source_url,
                similarity: Some(c.similarity),
                id: c.id,
            })
            .collect(),
        confidence: a.confidence,
        failure_mode: a.failure_mode,
        ..Default::default()
    }
}
