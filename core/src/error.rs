use std::path::PathBuf;

/// Everything that can go wrong in the core. The extension maps each kind to a SQLSTATE.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model asset (model file, tokenizer, ONNX Runtime library) does not exist.
    #[error("{what} not found at \"{path}\"")]
    AssetMissing { what: &'static str, path: PathBuf },

    /// A model asset exists but cannot be read (permissions, I/O).
    #[error("could not read {what} at \"{path}\": {detail}")]
    AssetUnreadable {
        what: &'static str,
        path: PathBuf,
        detail: String,
    },

    /// A model asset was read but is not what it should be (truncated, corrupt, wrong version).
    #[error("invalid {what} at \"{path}\": {detail}")]
    AssetInvalid {
        what: &'static str,
        path: PathBuf,
        detail: String,
    },

    /// ONNX Runtime failed while running the model.
    #[error("inference failed: {0}")]
    Inference(String),

    /// Tokenisation of an input text failed.
    #[error("tokenization failed: {0}")]
    Tokenize(String),
}

impl Error {
    /// Classify an I/O error on an asset file.
    pub(crate) fn from_io(what: &'static str, path: &std::path::Path, e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => Error::AssetMissing {
                what,
                path: path.to_path_buf(),
            },
            _ => Error::AssetUnreadable {
                what,
                path: path.to_path_buf(),
                detail: e.to_string(),
            },
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
