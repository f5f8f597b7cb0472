//! Every `dosm_rag.*` setting, in one place.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::OnceLock;

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use pgrx::PostgresGucEnum;

/// `dosm_rag.model_variant`: which weights in `model_dir` to run.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ModelVariant {
    #[name = c"fp32"]
    Fp32,
    #[name = c"int8"]
    Int8,
}

/// Directory with model.onnx, tokenizer.json and MODEL_VERSION. Empty: the installed assets.
pub static MODEL_DIR: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
/// Path of libonnxruntime.so. Empty: the copy installed with the model assets.
pub static ORT_LIBRARY: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
pub static MODEL_VARIANT: GucSetting<ModelVariant> =
    GucSetting::<ModelVariant>::new(ModelVariant::Fp32);
pub static INFERENCE_THREADS: GucSetting<i32> = GucSetting::<i32>::new(1);
pub static EMBED_BATCH_SIZE: GucSetting<i32> = GucSetting::<i32>::new(32);
pub static TOP_K: GucSetting<i32> = GucSetting::<i32>::new(3);
pub static CONF_THRESHOLD: GucSetting<f64> = GucSetting::<f64>::new(0.6);
/// Read by SQL (`dosm_rag.partition_source`'s callers: the ingest command), not by Rust.
pub static PARTITION_BY_SOURCE: GucSetting<bool> = GucSetting::<bool>::new(false);

pub fn init() {
    // Paths name files the server process will open: only superusers may change them.
    GucRegistry::define_string_guc(
        c"dosm_rag.model_dir",
        c"Directory holding model.onnx, tokenizer.json and MODEL_VERSION.",
        c"Empty means the assets installed by scripts/setup.sh under $sharedir/extension/dosm_rag.",
        &MODEL_DIR,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"dosm_rag.onnxruntime_library",
        c"Path of the ONNX Runtime shared library (libonnxruntime.so).",
        c"Empty means the copy installed with the model assets. The library is loaded once per backend; a change takes effect in new sessions.",
        &ORT_LIBRARY,
        GucContext::Suset,
        GucFlags::default(),
    );
    // Picks one of two files inside model_dir (not a path), so any role may choose.
    GucRegistry::define_enum_guc(
        c"dosm_rag.model_variant",
        c"Model weights to run: fp32 (the exported model) or int8 (its dynamically quantised copy).",
        c"int8 is faster and its vectors differ slightly (cosine >= 0.99 to fp32); stored vectors record the model_version they were made with. A change reloads the model in this session.",
        &MODEL_VARIANT,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"dosm_rag.inference_threads",
        c"ONNX Runtime intra-op threads per backend.",
        c"1 (the default) runs inference on the backend's own thread, with no thread pool. A change reloads the model in this session.",
        &INFERENCE_THREADS,
        1,
        64,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"dosm_rag.embed_batch_size",
        c"Texts per ONNX Runtime call in embed_texts().",
        c"",
        &EMBED_BATCH_SIZE,
        1,
        1024,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"dosm_rag.top_k",
        c"Citations rag_answer() returns when k is not given.",
        c"",
        &TOP_K,
        1,
        100,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"dosm_rag.conf_threshold",
        c"Confidence below which rag_answer() abstains (failure_mode low_confidence).",
        c"",
        &CONF_THRESHOLD,
        0.0,
        1.0,
        GucContext::Userset,
        GucFlags::default(),
    );
    // It decides where ingestion creates tables: a superuser's (or ALTER DATABASE's) choice.
    GucRegistry::define_bool_guc(
        c"dosm_rag.partition_by_source",
        c"Ingestion gives each source a partition of dosm_rag.embeddings of its own.",
        c"Off: new sources' rows go to the default partition, dosm_rag.embeddings_default.",
        &PARTITION_BY_SOURCE,
        GucContext::Suset,
        GucFlags::default(),
    );
}

/// `$sharedir/extension/dosm_rag`, where scripts/setup.sh installs the model assets. Computed once
/// per process: it is on every embedding call's path and cannot change.
pub fn default_asset_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let mut buf = [0 as std::ffi::c_char; pgrx::pg_sys::MAXPGPATH as usize];
        // SAFETY: my_exec_path is set at process start; get_share_path writes at most MAXPGPATH bytes.
        let share = unsafe {
            pgrx::pg_sys::get_share_path(
                std::ptr::addr_of!(pgrx::pg_sys::my_exec_path).cast(),
                buf.as_mut_ptr(),
            );
            std::ffi::CStr::from_ptr(buf.as_ptr())
        };
        PathBuf::from(share.to_string_lossy().into_owned()).join("extension/dosm_rag")
    })
    .clone()
}

fn path_setting(setting: &GucSetting<Option<CString>>) -> Option<PathBuf> {
    setting
        .get()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.trim().is_empty())
        .map(PathBuf::from)
}

pub fn model_dir() -> PathBuf {
    path_setting(&MODEL_DIR).unwrap_or_else(default_asset_dir)
}

pub fn ort_library() -> PathBuf {
    path_setting(&ORT_LIBRARY).unwrap_or_else(|| default_asset_dir().join("libonnxruntime.so"))
}

pub fn model_variant() -> dosm_rag_core::embed::Variant {
    match MODEL_VARIANT.get() {
        ModelVariant::Fp32 => dosm_rag_core::embed::Variant::Fp32,
        ModelVariant::Int8 => dosm_rag_core::embed::Variant::Int8,
    }
}

pub fn inference_threads() -> usize {
    INFERENCE_THREADS.get().max(1) as usize
}

pub fn embed_batch_size() -> usize {
    EMBED_BATCH_SIZE.get().max(1) as usize
}

pub fn top_k() -> i32 {
    TOP_K.get()
}

pub fn conf_threshold() -> f64 {
    CONF_THRESHOLD.get()
}
