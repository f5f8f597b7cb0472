//! all-MiniLM-L6-v2 sentence embeddings with ONNX Runtime and the Hugging Face tokenizer,
//! computed exactly like sentence-transformers: WordPiece tokens truncated at 256, no padding for
//! a single text, the BERT encoder's last hidden state, mean pooling over the attention mask,
//! L2 normalisation.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::TensorRef;
use tokenizers::{Encoding, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::error::{Error, Result};

pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";
pub const DIMENSIONS: usize = 384;
/// sentence-transformers' `max_seq_length` for this model (the tokenizer.json says 128; it is wrong
/// for sentence-transformers and overridden here).
pub const MAX_TOKENS: usize = 256;
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// A text and the embeddings the exported models give for it (`scripts/share_weights.py`).
pub const CANARY_FILE: &str = "CANARY.json";

/// Which weights to run: the exported fp32 model, or its int8 dynamically quantised copy
/// (`scripts/quantize_int8.py`; faster, slightly different vectors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    #[default]
    Fp32,
    Int8,
}

impl Variant {
    pub fn model_file(self) -> &'static str {
        match self {
            Variant::Fp32 => "model.onnx",
            Variant::Int8 => "model_int8.onnx",
        }
    }

    /// The file holding this variant's version string (`<name>@<sha256 prefix of the model>`).
    pub fn version_file(self) -> &'static str {
        match self {
            Variant::Fp32 => "MODEL_VERSION",
            Variant::Int8 => "MODEL_VERSION_INT8",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Variant::Fp32 => "fp32",
            Variant::Int8 => "int8",
        }
    }
}

/// Default number of texts per ONNX Runtime call in [`Embedder::embed_batch`].
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// Where the assets are and how to run them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub model_dir: PathBuf,
    pub ort_library: PathBuf,
    pub variant: Variant,
    /// ONNX Runtime intra-op threads; 1 means inference runs on the calling thread only.
    pub intra_threads: usize,
}

/// The process-wide ONNX Runtime: the shared library can be loaded only once per process, and
/// ONNX Runtime allows one environment per process.
struct Runtime {
    env: Environment,
    library: PathBuf,
    version: String,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

fn runtime(library: &Path) -> Result<&'static Runtime> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    const WHAT: &str = "ONNX Runtime library";
    std::fs::metadata(library).map_err(|e| Error::from_io(WHAT, library, e))?;
    let invalid = |detail: String| Error::AssetInvalid {
        what: WHAT,
        path: library.to_path_buf(),
        detail,
    };
    // A failed load is not cached by ort: a later call with a good path loads normally.
    let builder = ort::init_from(library).map_err(|e| invalid(e.to_string()))?;
    let env = with_signals_blocked(|| builder.with_name("dosm_rag").with_telemetry(false).build())
        .map_err(|e| invalid(e.to_string()))?;
    let version = ort_version(library);
    Ok(RUNTIME.get_or_init(|| Runtime {
        env,
        library: library.to_path_buf(),
        version,
    }))
}

/// The library's version, from its real file name (`libonnxruntime.so.1.31.1`): with dynamic loading,
/// ort exposes only the build string, whose branch field is not a version.
fn ort_version(library: &Path) -> String {
    std::fs::canonicalize(library)
        .ok()
        .and_then(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            name.split_once(".so.").map(|(_, v)| v.to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// Path of the ONNX Runtime library loaded in this process, if any.
pub fn loaded_runtime() -> Option<(&'static Path, &'static str)> {
    RUNTIME
        .get()
        .map(|rt| (rt.library.as_path(), rt.version.as_str()))
}

/// A loaded model: tokenizer plus ONNX Runtime session. Not `Sync`; one per backend.
pub struct Embedder {
    tokenizer: Tokenizer,
    session: Session,
    has_token_type_ids: bool,
    config: Config,
    version: String,
    load_ms: f64,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("config", &self.config)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Load the tokenizer and the model. Never panics on bad assets: every failure is an [`Error`].
    pub fn load(config: &Config) -> Result<Self> {
        let start = Instant::now();
        let tokenizer = load_tokenizer(&config.model_dir.join(TOKENIZER_FILE))?;
        let model_path = config.model_dir.join(config.variant.model_file());
        std::fs::metadata(&model_path).map_err(|e| Error::from_io("model file", &model_path, e))?;
        // Open it now so a permission problem is reported as such, not as a parse error.
        std::fs::File::open(&model_path)
            .map_err(|e| Error::from_io("model file", &model_path, e))?;
        let version = model_version(&config.model_dir.join(config.variant.version_file()))?;
        let rt = runtime(&config.ort_library)?;

        let invalid = |detail: String| Error::AssetInvalid {
            what: "model file",
            path: model_path.clone(),
            detail,
        };
        let session =
            with_signals_blocked(|| build_session(&rt.env, &model_path, config.intra_threads))
                .map_err(invalid)?;

        let names: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        for required in ["input_ids", "attention_mask"] {
            if !names.contains(&required) {
                return Err(invalid(format!("the model has no input \"{required}\"")));
            }
        }
        let has_token_type_ids = names.contains(&"token_type_ids");
        if session.outputs().is_empty() {
            return Err(invalid("the model has no output".into()));
        }

        let mut embedder = Embedder {
            tokenizer,
            session,
            has_token_type_ids,
            config: config.clone(),
            version,
            load_ms: 0.0,
        };
        embedder.check_canary()?;
        embedder.load_ms = start.elapsed().as_secs_f64() * 1e3;
        Ok(embedder)
    }

    /// The model must reproduce the embedding recorded at setup for the canary text. The
    /// shared-weights layout holds ONNX Runtime's packed copies of the weights, which ORT uses
    /// unchecked: copied to another CPU family or damaged, they would give wrong vectors, not an
    /// error. Costs one short inference per load. No CANARY.json (a hand-made model_dir): no check.
    fn check_canary(&mut self) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Canary {
            text: String,
            fp32: Option<Vec<f32>>,
            int8: Option<Vec<f32>>,
        }
        let path = self.config.model_dir.join(CANARY_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::from_io("canary file", &path, e)),
        };
        let invalid = |detail: String| Error::AssetInvalid {
            what: "canary file",
            path: path.clone(),
            detail,
        };
        let canary: Canary = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let expected = match self.config.variant {
            Variant::Fp32 => canary.fp32,
            Variant::Int8 => canary.int8,
        };
        let Some(expected) = expected else {
            return Ok(());
        };
        let got = self.embed(&canary.text)?;
        let cosine: f32 = got.iter().zip(&expected).map(|(a, b)| a * b).sum();
        // NaN (damaged weights often give it) must fail too
        if expected.len() != DIMENSIONS || cosine.is_nan() || cosine < 0.99999 {
            return Err(Error::AssetInvalid {
                what: "model file",
                path: self.config.model_dir.join(self.config.variant.model_file()),
                detail: format!(
                    "the model does not reproduce the embedding recorded at setup (cosine {cosine:.6}): \
                     the packed weights in {}.data are for another CPU, or a file is damaged",
                    self.config.variant.model_file()
                ),
            });
        }
        Ok(())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `all-MiniLM-L6-v2@<first 12 hex digits of the ONNX file's sha256>`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Milliseconds [`Embedder::load`] took.
    pub fn load_ms(&self) -> f64 {
        self.load_ms
    }

    /// Tokenise like sentence-transformers: special tokens, truncation at [`MAX_TOKENS`], no padding.
    pub fn encode(&self, text: &str) -> Result<Encoding> {
        encode_prefix(&self.tokenizer, text)
    }

    /// Embed one text: a unit vector of [`DIMENSIONS`] floats.
    pub fn embed(&mut self, text: &str) -> Result<Vec<f32>> {
        let enc = self.encode(text)?;
        Ok(self.run(&[&enc])?.pop().expect("one row in, one row out"))
    }

    /// Embed many texts; `None` stays `None`. Results are in input order and equal (to float
    /// rounding) to calling [`Embedder::embed`] on each text. Texts are grouped by token length to
    /// keep padding small. `check` is called between units of work so the caller can abort (e.g.
    /// on a query cancel); it may unwind.
    pub fn embed_batch(
        &mut self,
        texts: &[Option<&str>],
        batch_size: usize,
        mut check: impl FnMut(),
    ) -> Result<Vec<Option<Vec<f32>>>> {
        let batch_size = batch_size.max(1);
        let mut encodings: Vec<(usize, Encoding)> = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            if i % 256 == 0 {
                check();
            }
            if let Some(text) = text {
                encodings.push((i, self.encode(text)?));
            }
        }
        encodings.sort_by_key(|(_, e)| e.len());

        let mut out: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        for chunk in encodings.chunks(batch_size) {
            check();
            let encs: Vec<&Encoding> = chunk.iter().map(|(_, e)| e).collect();
            for ((i, _), v) in chunk.iter().zip(self.run(&encs)?) {
                out[*i] = Some(v);
            }
        }
        Ok(out)
    }

    /// One ONNX Runtime call over a right-padded batch, then pooling.
    fn run(&mut self, encs: &[&Encoding]) -> Result<Vec<Vec<f32>>> {
        let rows = encs.len();
        let seq = encs.iter().map(|e| e.len()).max().unwrap_or(0);
        let mut ids = vec![0i64; rows * seq];
        let mut mask = vec![0i64; rows * seq];
        for (r, e) in encs.iter().enumerate() {
            for (t, (&id, &m)) in e.get_ids().iter().zip(e.get_attention_mask()).enumerate() {
                ids[r * seq + t] = i64::from(id);
                mask[r * seq + t] = i64::from(m);
            }
        }
        // Single sentences only: every token type is 0.
        let types = vec![0i64; rows * seq];
        let shape = [rows, seq];
        let outputs = if self.has_token_type_ids {
            self.session.run(ort::inputs![
                "input_ids" => tensor(shape, &ids)?,
                "attention_mask" => tensor(shape, &mask)?,
                "token_type_ids" => tensor(shape, &types)?,
            ])
        } else {
            self.session.run(ort::inputs![
                "input_ids" => tensor(shape, &ids)?,
                "attention_mask" => tensor(shape, &mask)?,
            ])
        }
        .map_err(|e| Error::Inference(e.to_string()))?;
        let (out_shape, hidden) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| Error::Inference(e.to_string()))?;
        let dims: Vec<usize> = out_shape.iter().map(|&d| d as usize).collect();
        if dims != [rows, seq, DIMENSIONS] {
            return Err(Error::Inference(format!(
                "unexpected output shape {dims:?}, expected [{rows}, {seq}, {DIMENSIONS}]"
            )));
        }
        Ok((0..rows)
            .map(|r| {
                mean_pool_normalize(
                    &hidden[r * seq * DIMENSIONS..(r + 1) * seq * DIMENSIONS],
                    &mask[r * seq..(r + 1) * seq],
                )
            })
            .collect())
    }
}

fn build_session(
    env: &Environment,
    model: &Path,
    intra_threads: usize,
) -> std::result::Result<Session, String> {
    let s = |e: ort::Error<_>| e.to_string();
    Session::builder(env)
        .map_err(|e| e.to_string())?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(s)?
        .with_intra_threads(intra_threads.max(1))
        .map_err(s)?
        .with_inter_threads(1)
        .map_err(s)?
        .with_intra_op_spinning(false)
        .map_err(s)?
        .with_inter_op_spinning(false)
        .map_err(s)?
        .commit_from_file(model)
        .map_err(|e| e.to_string())
}

/// Run `f` with every signal blocked in the calling thread, so that any thread ONNX Runtime starts
/// meanwhile (its environment keeps one housekeeping thread; a session with more than one
/// intra-op thread keeps a pool) inherits a fully blocked mask. Signals then always reach the
/// thread that owns them: in Postgres, the backend's main thread with its handlers.
fn with_signals_blocked<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(libc::sigset_t);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: restores the mask saved below.
            unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut()) };
        }
    }
    // SAFETY: plain POSIX calls on stack-allocated sigset_t values.
    let _restore = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        Restore(old)
    };
    f()
}

fn tensor<'a>(shape: [usize; 2], values: &'a [i64]) -> Result<TensorRef<'a, i64>> {
    TensorRef::from_array_view((shape, values)).map_err(|e| Error::Inference(e.to_string()))
}

/// Mean of the token vectors whose mask is 1, then L2-normalised (sentence-transformers'
/// `Pooling(mean)` + `Normalize`, including its clamps: count ≥ 1e-9, norm ≥ 1e-12).
pub fn mean_pool_normalize(hidden: &[f32], mask: &[i64]) -> Vec<f32> {
    let mut sum = vec![0f32; DIMENSIONS];
    let mut count = 0f32;
    for (token, &m) in hidden.chunks_exact(DIMENSIONS).zip(mask) {
        if m != 0 {
            count += 1.0;
            for (s, &x) in sum.iter_mut().zip(token) {
                *s += x;
            }
        }
    }
    let count = count.max(1e-9);
    for s in &mut sum {
        *s /= count;
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    for s in &mut sum {
        *s /= norm;
    }
    sum
}

fn load_tokenizer(path: &Path) -> Result<Tokenizer> {
    const WHAT: &str = "tokenizer";
    let bytes = std::fs::read(path).map_err(|e| Error::from_io(WHAT, path, e))?;
    let invalid = |detail: String| Error::AssetInvalid {
        what: WHAT,
        path: path.to_path_buf(),
        detail,
    };
    let mut tokenizer = Tokenizer::from_bytes(&bytes).map_err(|e| invalid(e.to_string()))?;
    tokenizer
        .with_truncation(Some(TruncationParams {
            direction: TruncationDirection::Right,
            max_length: MAX_TOKENS,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
        }))
        .map_err(|e| invalid(e.to_string()))?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

/// The model version: `MODEL_VERSION` (or `MODEL_VERSION_INT8`) written by the export
/// (`all-MiniLM-L6-v2@<sha256[:12]>` of the model file, checked by `SHA256SUMS`). Hashing the 90 MB model on every backend start would cost
/// more than the whole first call's budget, so the recorded value is trusted.
fn model_version(path: &Path) -> Result<String> {
    let path = path.to_path_buf();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::from_io("model version file", &path, e))?;
    let version = text.trim();
    if !version.starts_with(MODEL_NAME) || version.len() > 100 {
        return Err(Error::AssetInvalid {
            what: "model version file",
            path,
            detail: format!("expected \"{MODEL_NAME}@<sha256 prefix>\", found {version:?}"),
        });
    }
    Ok(version.to_string())
}

/// Tokenise at most as much of `text` as can reach the first [`MAX_TOKENS`] tokens.
///
/// Hand-written because the tokenizer has no "stop after N tokens" option: a 1 MB text would be
/// normalised and split in full only to keep 256 tokens. BERT's pre-tokenizer splits on whitespace
/// and normalisation is per character, so cutting at an ASCII whitespace leaves every token before
/// the cut unchanged; if the prefix still overflows the limit, its truncated encoding is exactly the
/// full text's. Otherwise the prefix doubles, ending with the whole text.
fn encode_prefix(tokenizer: &Tokenizer, text: &str) -> Result<Encoding> {
    let encode = |t: &str| {
        tokenizer
            .encode_fast(t, true)
            .map_err(|e| Error::Tokenize(e.to_string()))
    };
    let mut limit = 4096;
    while limit < text.len() {
        if let Some(cut) = text.as_bytes()[..limit]
            .iter()
            .rposition(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
        {
            let enc = encode(&text[..cut])?;
            if !enc.get_overflowing().is_empty() {
                return Ok(strip_overflow(enc));
            }
        }
        limit *= 2;
    }
    Ok(strip_overflow(encode(text)?))
}

fn strip_overflow(mut enc: Encoding) -> Encoding {
    enc.get_overflowing_mut().clear();
    enc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_ignores_masked_tokens_and_normalises() {
        let mut hidden = vec![0f32; 3 * DIMENSIONS];
        hidden[0] = 3.0; // token 0
        hidden[DIMENSIONS + 1] = 4.0; // token 1
        hidden[2 * DIMENSIONS + 2] = 100.0; // token 2, padding
        let v = mean_pool_normalize(&hidden, &[1, 1, 0]);
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6 && v[2] == 0.0);
    }

    #[test]
    fn pooling_of_nothing_is_zero_not_nan() {
        let v = mean_pool_normalize(&[0f32; DIMENSIONS], &[0]);
        assert!(v.iter().all(|x| *x == 0.0));
    }
}
