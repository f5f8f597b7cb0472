//! The core against the real model and sentence-transformers' reference vectors
//! (tests/fixtures/minilm_reference.json, computed with PyTorch). Needs the installed assets
//! (`scripts/setup.sh`); set DOSM_RAG_MODEL_DIR to use another copy.

use std::path::PathBuf;
use std::process::Command;

use dosm_rag_core::embed::{Config, Embedder, Variant, DIMENSIONS, MAX_TOKENS};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    max_seq_length: usize,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    n_tokens_untruncated: usize,
    embedding: Vec<f32>,
}

fn reference() -> Reference {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/minilm_reference.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("fixture json")
}

fn model_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("DOSM_RAG_MODEL_DIR") {
        return dir.into();
    }
    let out = Command::new("pg_config")
        .arg("--sharedir")
        .output()
        .expect("pg_config on PATH");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()).join("extension/dosm_rag")
}

fn embedder() -> Embedder {
    embedder_of(Variant::Fp32)
}

fn embedder_of(variant: Variant) -> Embedder {
    let dir = model_dir();
    Embedder::load(&Config {
        ort_library: dir.join("libonnxruntime.so"),
        model_dir: dir,
        variant,
        intra_threads: 1,
    })
    .expect("model assets installed (run scripts/setup.sh)")
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn every_reference_case_matches_sentence_transformers() {
    let reference = reference();
    assert_eq!(reference.max_seq_length, MAX_TOKENS);
    assert!(
        reference
            .cases
            .iter()
            .any(|c| c.n_tokens_untruncated > MAX_TOKENS),
        "fixture must test truncation"
    );
    let mut e = embedder();
    let mut worst = (1.0f64, String::new());
    for case in &reference.cases {
        let v = e.embed(&case.text).unwrap();
        assert_eq!(v.len(), DIMENSIONS);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!(
            (norm - 1.0).abs() < 1e-5,
            "not unit length ({norm}) for {:?}",
            case.text
        );
        let tokens = e.encode(&case.text).unwrap().len();
        assert_eq!(
            tokens,
            case.n_tokens_untruncated.min(MAX_TOKENS),
            "token count for {:?}",
            case.text
        );
        let cos = cosine(&v, &case.embedding);
        if cos < worst.0 {
            worst = (cos, case.text.chars().take(40).collect());
        }
        assert!(cos >= 0.9999, "cosine {cos} < 0.9999 for {:?}", case.text);
    }
    println!(
        "min cosine to sentence-transformers: {:.7} ({:?})",
        worst.0, worst.1
    );
}

/// The int8 variant trades a little fidelity for speed: every reference case stays at cosine
/// >= 0.99 to sentence-transformers, and its version names it.
#[test]
fn int8_variant_stays_close_to_sentence_transformers() {
    let reference = reference();
    let mut e = embedder_of(Variant::Int8);
    assert!(e.version().contains("int8"), "version {}", e.version());
    let mut cosines: Vec<f64> = reference
        .cases
        .iter()
        .map(|case| cosine(&e.embed(&case.text).unwrap(), &case.embedding))
        .collect();
    cosines.sort_by(f64::total_cmp);
    let mean = cosines.iter().sum::<f64>() / cosines.len() as f64;
    println!(
        "int8: min cosine {:.5}, mean {:.5} over {} cases",
        cosines[0],
        mean,
        cosines.len()
    );
    assert!(cosines[0] >= 0.99, "min cosine {} < 0.99", cosines[0]);
}

#[test]
fn batch_equals_single_in_order_with_nones() {
    let reference = reference();
    let mut e = embedder();
    let mut texts: Vec<Option<&str>> = reference
        .cases
        .iter()
        .map(|c| Some(c.text.as_str()))
        .collect();
    texts.insert(3, None);
    texts.push(None);
    let mut checks = 0;
    for batch_size in [1, 4, 32] {
        let batch = e.embed_batch(&texts, batch_size, || checks += 1).unwrap();
        assert_eq!(batch.len(), texts.len());
        for (t, b) in texts.iter().zip(&batch) {
            match (t, b) {
                (None, None) => {}
                (Some(t), Some(b)) => {
                    let single = e.embed(t).unwrap();
                    let diff = single
                        .iter()
                        .zip(b)
                        .map(|(x, y)| (x - y).abs())
                        .fold(0f32, f32::max);
                    assert!(
                        diff <= 1e-6,
                        "batch({batch_size}) differs from single by {diff} for {t:?}"
                    );
                }
                _ => panic!("NULL handling broken for {t:?}"),
            }
        }
    }
    assert!(checks >= 3, "the interrupt callback must be called");
    assert!(e.embed_batch(&[], 8, || {}).unwrap().is_empty());
}

#[test]
fn huge_text_is_truncated_like_the_full_tokenization() {
    let e = embedder();
    let reference = reference();
    let long = &reference
        .cases
        .iter()
        .max_by_key(|c| c.n_tokens_untruncated)
        .unwrap()
        .text;
    // ~1 MB of real words: the prefix shortcut must give the tokenizer's own truncated result.
    let huge = long.repeat(1_000_000 / long.len() + 1);
    let fast = e.encode(&huge).unwrap();
    assert_eq!(fast.len(), MAX_TOKENS);
    let mut prefix = huge.clone();
    prefix.truncate(200_000);
    assert_eq!(fast.get_ids(), e.encode(&prefix).unwrap().get_ids());
    // No whitespace at all: falls back to the whole text and still truncates.
    let word = "x".repeat(300_000);
    assert!(e.encode(&word).unwrap().len() <= MAX_TOKENS);
    let chinese = "统计".repeat(100_000);
    assert_eq!(e.encode(&chinese).unwrap().len(), MAX_TOKENS);
}

#[test]
fn bad_assets_are_errors_not_panics() {
    let dir = model_dir();
    let load_from = |model_dir: PathBuf| {
        Embedder::load(&Config {
            model_dir,
            ort_library: dir.join("libonnxruntime.so"),
            variant: Variant::Fp32,
            intra_threads: 1,
        })
        .unwrap_err()
    };
    let missing = load_from("/nonexistent/dosm_rag".into());
    assert!(
        matches!(missing, dosm_rag_core::Error::AssetMissing { .. }),
        "{missing}"
    );

    let tmp = std::env::temp_dir().join(format!("dosm_rag_core_test_{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::copy(dir.join("tokenizer.json"), tmp.join("tokenizer.json")).unwrap();
    std::fs::copy(dir.join("MODEL_VERSION"), tmp.join("MODEL_VERSION")).unwrap();
    let model = std::fs::read(dir.join("model.onnx")).unwrap();
    std::fs::write(tmp.join("model.onnx"), &model[..model.len() / 3]).unwrap();
    let truncated = load_from(tmp.clone());
    assert!(
        matches!(
            truncated,
            dosm_rag_core::Error::AssetInvalid {
                what: "model file",
                ..
            }
        ),
        "{truncated}"
    );

    std::fs::write(tmp.join("tokenizer.json"), b"{ not json").unwrap();
    let tok = load_from(tmp.clone());
    assert!(
        matches!(
            tok,
            dosm_rag_core::Error::AssetInvalid {
                what: "tokenizer",
                ..
            }
        ),
        "{tok}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
