//! Where a batch's analysis time goes, by pipeline stage and detector (`wasmaudit bench
//! --phases`). Off by default: when [`enable`] was not called, [`time`] only runs its closure.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static TOTALS: Mutex<BTreeMap<&'static str, Duration>> = Mutex::new(BTreeMap::new());

/// Starts recording (process-wide).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Runs `f`, adding its time to `phase` when recording.
pub(crate) fn time<T>(phase: &'static str, f: impl FnOnce() -> T) -> T {
    if !ENABLED.load(Ordering::Relaxed) {
        return f();
    }
    let start = Instant::now();
    let out = f();
    let spent = start.elapsed();
    if let Ok(mut t) = TOTALS.lock() {
        *t.entry(phase).or_default() += spent;
    }
    out
}

/// The time recorded per phase so far, longest first.
pub fn totals() -> Vec<(&'static str, Duration)> {
    let mut v: Vec<_> = TOTALS.lock().map(|t| t.iter().map(|(k, d)| (*k, *d)).collect()).unwrap_or_default();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v
}
