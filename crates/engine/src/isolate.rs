//! Running one file's analysis so that nothing it does can take the batch down: a panic becomes
//! a value, and with a time limit the analysis runs on a thread of its own that is abandoned when
//! the limit passes.
//!
//! An abandoned thread cannot be stopped from outside (Rust has no safe thread cancellation), so
//! it keeps running until its analysis ends or the process exits. The analyses also carry their
//! own step budgets (data-flow and SMT layers) so that an abandoned analysis ends by itself; the
//! time limit is the backstop for whatever a budget misses.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

/// Stack of an analysis thread: the size of a main thread's, so moving the analysis off the
/// calling thread does not make deep-but-legal inputs fail.
const ANALYSIS_STACK: usize = 8 * 1024 * 1024;

/// Why an isolated job gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Interrupted {
    /// The job panicked; the panic message.
    Panicked(String),
    /// The job ran past the time limit and was abandoned.
    TimedOut(Duration),
    /// No thread could be started for the job.
    NoThread(String),
}

impl Interrupted {
    pub(crate) fn message(&self) -> String {
        match self {
            Interrupted::Panicked(what) => format!("internal error while analyzing: {what}"),
            Interrupted::TimedOut(limit) => {
                format!("analysis exceeded the per-file time limit of {} s", seconds(*limit))
            }
            Interrupted::NoThread(e) => format!("cannot start an analysis thread: {e}"),
        }
    }
}

/// `30` for 30 s, `0.25` for 250 ms: the limit as the user gave it.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{}", d.as_secs_f64())
    }
}

/// Runs `job` on the calling thread, turning a panic into [`Interrupted::Panicked`].
pub(crate) fn run_inline<T>(job: impl FnOnce() -> T) -> Result<T, Interrupted> {
    catch_unwind(AssertUnwindSafe(job)).map_err(|p| Interrupted::Panicked(panic_message(p.as_ref())))
}

/// Runs `job` on a fresh thread and waits at most `limit` for it. On time-out the thread is
/// left to finish on its own and its result is dropped.
pub(crate) fn run_with_time_limit<T: Send + 'static>(
    limit: Duration,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Interrupted> {
    let start = std::time::Instant::now();
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("wasmaudit-analysis".to_string())
        .stack_size(ANALYSIS_STACK)
        .spawn(move || {
            // The receiver is gone when the caller gave up waiting: nobody wants the result.
            let _ = tx.send(run_inline(job));
        });
    if let Err(e) = spawned {
        return Err(Interrupted::NoThread(e.to_string()));
    }
    match rx.recv_timeout(limit) {
        // A result that came in after the limit had passed is over the limit too (on a loaded
        // machine a quick job can be done before the wait even starts): the outcome does not
        // depend on scheduling.
        Ok(_) if start.elapsed() > limit => Err(Interrupted::TimedOut(limit)),
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Interrupted::TimedOut(limit)),
        // The thread ended without sending: only possible if it died outside `catch_unwind`.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(Interrupted::Panicked("the analysis thread ended without a result".to_string()))
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn results_and_panics_come_back() {
        assert_eq!(run_with_time_limit(Duration::from_secs(5), || 7), Ok(7));
        let r: Result<(), _> = run_with_time_limit(Duration::from_secs(5), || panic!("boom"));
        assert_eq!(r, Err(Interrupted::Panicked("boom".to_string())));
        let r: Result<(), _> = run_inline(|| panic!("inline {}", 1));
        assert_eq!(r, Err(Interrupted::Panicked("inline 1".to_string())));
    }

    #[test]
    fn a_runaway_job_is_abandoned_at_the_limit() {
        let start = Instant::now();
        let r = run_with_time_limit(Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(3));
            1
        });
        assert_eq!(r, Err(Interrupted::TimedOut(Duration::from_millis(100))));
        assert!(start.elapsed() < Duration::from_secs(2), "did not wait for the job");
        assert_eq!(
            Interrupted::TimedOut(Duration::from_secs(30)).message(),
            "analysis exceeded the per-file time limit of 30 s"
        );
        assert_eq!(
            Interrupted::TimedOut(Duration::from_millis(250)).message(),
            "analysis exceeded the per-file time limit of 0.25 s"
        );
    }
}
