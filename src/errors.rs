//! Core errors as Postgres ERRORs: a SQLSTATE, a lowercase message, a detail and a hint.

use dosm_rag_core::Error;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

const SETUP_HINT: &str =
    "Install the model assets with `scripts/setup.sh` (or `scripts/setup.sh assets`), \
or point dosm_rag.model_dir / dosm_rag.onnxruntime_library at valid files.";

/// The SQLSTATE for each kind of core error.
pub fn sqlstate(e: &Error) -> PgSqlErrorCode {
    match e {
        Error::AssetMissing { .. } => PgSqlErrorCode::ERRCODE_UNDEFINED_FILE,
        Error::AssetUnreadable { .. } => PgSqlErrorCode::ERRCODE_IO_ERROR,
        Error::AssetInvalid { .. } => PgSqlErrorCode::ERRCODE_CONFIG_FILE_ERROR,
        Error::Inference(_) | Error::Tokenize(_) => {
            PgSqlErrorCode::ERRCODE_EXTERNAL_ROUTINE_EXCEPTION
        }
    }
}

/// Raise `e` as an ERROR. Does not return.
pub fn raise(e: Error) -> ! {
    let hint = match &e {
        Error::AssetMissing { .. } | Error::AssetUnreadable { .. } | Error::AssetInvalid { .. } => {
            SETUP_HINT
        }
        Error::Inference(_) | Error::Tokenize(_) => {
            "This is unexpected for valid UTF-8 text; report it with the input that caused it."
        }
    };
    let (message, detail) = match &e {
        Error::AssetMissing { what, .. }
        | Error::AssetUnreadable { what, .. }
        | Error::AssetInvalid { what, .. } => {
            (format!("dosm_rag could not load its {what}"), e.to_string())
        }
        Error::Inference(_) => ("dosm_rag embedding failed".to_string(), e.to_string()),
        Error::Tokenize(_) => ("dosm_rag tokenization failed".to_string(), e.to_string()),
    };
    ErrorReport::new(sqlstate(&e), message, "dosm_rag")
        .set_detail(detail)
        .set_hint(hint)
        .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// Unwrap a core result or raise it as an ERROR.
pub trait OrRaise<T> {
    fn or_raise(self) -> T;
}

impl<T> OrRaise<T> for Result<T, Error> {
    fn or_raise(self) -> T {
        self.unwrap_or_else(|e| raise(e))
    }
}
