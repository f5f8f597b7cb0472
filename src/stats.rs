//! The counters behind `dosm_rag.stats`, in shared memory for all backends. They exist only
//! when the library is in `shared_preload_libraries` (shared memory is reserved at server
//! start); otherwise nothing is counted and `stats` says so.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use dosm_rag_core::stats::Counters;
use pgrx::prelude::*;
use pgrx::{pg_shmem_init, PGRXSharedMemory, PgLwLock};

#[derive(Clone, Copy)]
#[repr(transparent)]
struct Shared(Counters);

// SAFETY: plain fixed-size data (integers and arrays of them), no pointers.
unsafe impl PGRXSharedMemory for Shared {}

// SAFETY: the name is this extension's own.
static COUNTERS: PgLwLock<Shared> = unsafe { PgLwLock::new(c"dosm_rag_stats") };

/// Set in the postmaster when it reserved the counters; backends inherit it with the fork.
static ENABLED: AtomicBool = AtomicBool::new(false);

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// From `_PG_init`: reserve the counters when loaded by shared_preload_libraries.
// pg_shmem_init! tests the features of every Postgres version pgrx supports; this crate has pg15.
#[allow(unexpected_cfgs)]
pub fn init() {
    // SAFETY: a flag Postgres sets while it loads the preload libraries, read in _PG_init.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        pg_shmem_init!(COUNTERS = Shared(Counters::new(now_us())));
        ENABLED.store(true, Ordering::Relaxed);
    }
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Update the counters (nothing when they do not exist). The lock is held for the update only.
pub fn record(f: impl FnOnce(&mut Counters)) {
    if enabled() {
        f(&mut COUNTERS.exclusive().0);
    }
}

/// Microseconds since `start`, for [`record`].
pub fn elapsed_us(start: Instant) -> u64 {
    start.elapsed().as_micros() as u64
}

/// A copy of the counters, if they exist.
pub fn snapshot() -> Option<Counters> {
    enabled().then(|| COUNTERS.share().0)
}

/// Start counting afresh. False when the counters do not exist.
pub fn reset() -> bool {
    if !enabled() {
        return false;
    }
    *COUNTERS.exclusive() = Shared(Counters::new(now_us()));
    true
}
