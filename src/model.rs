//! The per-backend model: loaded lazily on first use (never in `_PG_init` or the postmaster, as
//! ONNX Runtime does not survive a fork after it has started), reloaded when its settings change.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::rc::Rc;
use std::time::Instant;

use dosm_rag_core::embed::{Config, Embedder};

use crate::errors::OrRaise;
use crate::{guc, stats};

thread_local! {
    // ManuallyDrop: no destructor runs at backend exit, so ONNX Runtime is never torn down while
    // the process is already exiting; the OS reclaims everything.
    static EMBEDDER: ManuallyDrop<RefCell<Option<Embedder>>> = const { ManuallyDrop::new(RefCell::new(None)) };
}

/// The configuration the current settings ask for.
pub fn wanted_config() -> Config {
    Config {
        model_dir: guc::model_dir(),
        ort_library: guc::ort_library(),
        variant: guc::model_variant(),
        intra_threads: guc::inference_threads(),
    }
}

fn is_current(loaded: &Config, wanted: &Config) -> bool {
    // The ONNX Runtime library cannot be swapped inside a process, so a changed library path
    // alone does not force a reload; it applies to new sessions (model_info shows what is loaded).
    loaded.model_dir == wanted.model_dir
        && loaded.variant == wanted.variant
        && loaded.intra_threads == wanted.intra_threads
}

/// Run `f` with this backend's model, loading it first if needed. Load failures are ERRORs; the
/// next call tries again, so fixing the assets needs no reconnect.
pub fn with_embedder<R>(f: impl FnOnce(&mut Embedder) -> R) -> R {
    EMBEDDER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let wanted = wanted_config();
        if !slot
            .as_ref()
            .is_some_and(|e| is_current(e.config(), &wanted))
        {
            *slot = None;
            let start = Instant::now();
            *slot = Some(Embedder::load(&wanted).or_raise());
            let us = stats::elapsed_us(start);
            stats::record(|c| c.model_load(us));
        }
        f(slot.as_mut().expect("loaded above"))
    })
}

/// Texts a backend keeps the vector of: a repeated question (an FAQ bot sees many) is embedded
/// once, and `rag_answer`'s resolution and its fuzzy leg share one embedding.
const CACHED_VECTORS: usize = 512;

/// The model version the vectors are of, and text → vector.
type Vectors = (String, lru::LruCache<String, Rc<Vec<f32>>>);

thread_local! {
    // emptied when the model version changes
    static VECTORS: ManuallyDrop<RefCell<Option<Vectors>>> =
        const { ManuallyDrop::new(RefCell::new(None)) };
}

/// The embedding of `text`, from this backend's cache when it has embedded it before with the
/// same model. The inference (not a cache hit) is what `embed_text`'s latency counts.
pub fn embed_cached(text: &str) -> dosm_rag_core::error::Result<Rc<Vec<f32>>> {
    with_embedder(|e| {
        let hit = VECTORS.with(|c| {
            let mut c = c.borrow_mut();
            match c.as_mut() {
                Some((v, cache)) if v == e.version() => cache.get(text).cloned(),
                _ => {
                    let size = std::num::NonZeroUsize::new(CACHED_VECTORS).expect("non-zero");
                    *c = Some((e.version().to_string(), lru::LruCache::new(size)));
                    None
                }
            }
        });
        if let Some(v) = hit {
            return Ok(v);
        }
        let start = Instant::now();
        let v = Rc::new(e.embed(text)?);
        let us = stats::elapsed_us(start);
        stats::record(|c| c.embed_text(us));
        VECTORS.with(|c| {
            if let Some((_, cache)) = c.borrow_mut().as_mut() {
                cache.put(text.to_string(), Rc::clone(&v));
            }
        });
        Ok(v)
    })
}

/// What `model_info()` reports about the model loaded in this backend, if any.
pub struct Loaded {
    pub version: String,
    pub load_ms: f64,
    pub config: Config,
}

pub fn loaded() -> Option<Loaded> {
    EMBEDDER.with(|cell| {
        cell.borrow().as_ref().map(|e| Loaded {
            version: e.version().to_string(),
            load_ms: e.load_ms(),
            config: e.config().clone(),
        })
    })
}

/// The version this backend embeds with: its loaded model's, without reading the disk, or the
/// installed one's when none is loaded (or the settings ask for another).
pub fn current_version() -> Option<String> {
    let wanted = wanted_config();
    EMBEDDER
        .with(|cell| {
            cell.borrow()
                .as_ref()
                .filter(|e| is_current(e.config(), &wanted))
                .map(|e| e.version().to_string())
        })
        .or_else(installed_version)
}

/// The version recorded with the assets on disk (without loading the model), if readable.
pub fn installed_version() -> Option<String> {
    std::fs::read_to_string(guc::model_dir().join(guc::model_variant().version_file()))
        .ok()
        .map(|s| s.trim().to_string())
}
