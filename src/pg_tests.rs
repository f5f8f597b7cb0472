// In-backend tests (`cargo pgrx test`): the SQL functions against the real model.

use pgrx::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    embedding: Vec<f32>,
}

fn reference() -> Reference {
    serde_json::from_str(include_str!("../tests/fixtures/minilm_reference.json")).expect("fixture")
}

fn embed_sql(text: Option<&str>) -> Option<Vec<f32>> {
    Spi::get_one_with_args::<Vec<f32>>("SELECT dosm_rag.embed_text($1)::real[]", &[text.into()]).expect("spi")
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[pg_test]
fn null_in_null_out() {
    assert_eq!(embed_sql(None), None);
    assert_eq!(Spi::get_one::<bool>("SELECT dosm_rag.embed_texts(NULL) IS NULL").unwrap(), Some(true));
}

#[pg_test]
fn every_reference_case_matches_in_sql() {
    let mut min = 1.0f64;
    for case in reference().cases {
        let v = embed_sql(Some(&case.text)).expect("a vector");
        assert_eq!(v.len(), 384);
        let cos = cosine(&v, &case.embedding);
        assert!(cos >= 0.9999, "cosine {cos} for {:?}", case.text);
        min = min.min(cos);
    }
    pgrx::info!("min cosine in SQL: {min:.7}");
}

#[pg_test]
fn empty_string_is_the_reference_unit_vector() {
    let reference = reference();
    let case = reference.cases.iter().find(|c| c.text.is_empty()).expect("fixture has ''");
    let v = embed_sql(Some("")).expect("a vector, not NULL");
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
    assert!(cosine(&v, &case.embedding) >= 0.9999);
}

#[pg_test]
fn embed_texts_agrees_with_embed_text() {
    let texts: Vec<Option<String>> = reference()
        .cases
        .into_iter()
        .map(|c| Some(c.text))
        .chain([None])
        .collect();
    let n = Spi::get_one_with_args::<i32>(
        "SELECT count(*)::int FROM unnest(dosm_rag.embed_texts($1)) WITH ORDINALITY AS b(v, i)
          JOIN unnest($1) WITH ORDINALITY AS t(txt, j) ON i = j
         WHERE (v IS NULL) = (txt IS NULL)
           AND (v IS NULL OR (SELECT max(abs(x - y)) FROM unnest(v::real[], dosm_rag.embed_text(txt)::real[]) AS d(x, y)) <= 1e-6)",
        &[texts.clone().into()],
    )
    .unwrap()
    .unwrap();
    assert_eq!(n as usize, texts.len(), "every element (and the NULL) must match embed_text");
}

#[pg_test]
fn empty_array_gives_empty_array() {
    let n = Spi::get_one::<i32>("SELECT coalesce(cardinality(dosm_rag.embed_texts('{}'::text[])), -1)").unwrap();
    assert_eq!(n, Some(0));
}

#[pg_test]
fn one_megabyte_text_is_truncated_not_an_error() {
    let dims = Spi::get_one::<i32>("SELECT vector_dims(dosm_rag.embed_text(repeat('kadar pengangguran ', 55000)))").unwrap();
    assert_eq!(dims, Some(384));
}

#[pg_test]
fn model_info_reports_the_loaded_model() {
    Spi::run("SELECT dosm_rag.embed_text('x')").unwrap();
    let info = Spi::get_one::<pgrx::JsonB>("SELECT dosm_rag.model_info()").unwrap().unwrap().0;
    assert_eq!(info["loaded"], true);
    assert_eq!(info["dimensions"], 384);
    assert_eq!(info["max_tokens"], 256);
    assert_eq!(info["threads"], 1);
    assert_eq!(info["onnxruntime_version"], "1.31.1");
    assert!(info["version"].as_str().unwrap().starts_with("all-MiniLM-L6-v2@"));
    assert!(info["load_ms"].as_f64().unwrap() > 0.0);
}

#[pg_test(error = "dosm_rag could not load its tokenizer")]
fn missing_model_dir_is_an_error() {
    Spi::run("SET dosm_rag.model_dir = '/nonexistent/dosm_rag'").unwrap();
    Spi::run("SELECT dosm_rag.embed_text('x')").unwrap();
}
