//! Running one file's analysis so that nothing it does can take the batch down: a panic becomes
//! a value, and with a time limit the analysis runs on an analysis thread (one per calling
//! thread, reused from file to file) that is abandoned when the limit passes.
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

/// A job handed to an analysis thread.
type Job = Box<dyn FnOnce() + Send>;

std::thread_local! {
    /// The analysis thread that serves jobs from this thread: kept between jobs, so a batch does
    /// not start a thread (and warm a fresh allocator heap) per file; replaced after a time-out.
    static LANE: std::cell::RefCell<Option<mpsc::Sender<Job>>> = const { std::cell::RefCell::new(None) };
}

/// Starts an analysis thread that runs the jobs sent to it, one at a time, until the sender is
/// dropped.
fn start_lane() -> std::io::Result<mpsc::Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new().name("wasmaudit-analysis".to_string()).stack_size(ANALYSIS_STACK).spawn(
        move || {
            while let Ok(job) = rx.recv() {
                job();
            }
        },
    )?;
    Ok(tx)
}

/// Runs `job` on this thread's analysis thread and waits at most `limit` for it. On time-out
/// the thread is left to finish on its own (its result is dropped, then it ends) and the next
/// job gets a new one.
pub(crate) fn run_with_time_limit<T: Send + 'static>(
    limit: Duration,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Interrupted> {
    let start = std::time::Instant::now();
    let (tx, rx) = mpsc::sync_channel(1);
    let mut job: Option<Job> = Some(Box::new(move || {
        // The receiver is gone when the caller gave up waiting: nobody wants the result.
        let _ = tx.send(run_inline(job));
    }));
    let sent = LANE.with(|lane| {
        let mut lane = lane.borrow_mut();
        // A lane whose thread is gone gives the job back: start another once.
        for _ in 0..2 {
            let sender = match lane.take() {
                Some(s) => s,
                None => start_lane().map_err(|e| Interrupted::NoThread(e.to_string()))?,
            };
            match sender.send(job.take().ok_or_else(|| Interrupted::NoThread("no job".to_string()))?) {
                Ok(()) => {
                    *lane = Some(sender);
                    return Ok(());
                }
                Err(mpsc::SendError(back)) => job = Some(back),
            }
        }
        Err(Interrupted::NoThread("the analysis thread is gone".to_string()))
    });
    sent?;
    let abandon = || LANE.with(|lane| lane.borrow_mut().take());
    match rx.recv_timeout(limit) {
        // A result that came in after the limit had passed is over the limit too (on a loaded
        // machine a quick job can be done before the wait even starts): the outcome does not
        // depend on scheduling.
        Ok(_) if start.elapsed() > limit => Err(Interrupted::TimedOut(limit)),
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            abandon();
            Err(Interrupted::TimedOut(limit))
        }
        // The thread ended without sending: only possible if it died outside `catch_unwind`.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            abandon();
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
        // The thread that caught the panic serves the next job.
        let name = || std::thread::current().id();
        let (a, b) = (run_with_time_limit(Duration::from_secs(5), name), run_with_time_limit(Duration::from_secs(5), name));
        assert_eq!(a, b);
        assert_ne!(a, Ok(std::thread::current().id()));
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
        // The abandoned thread is still busy: the next job gets a thread of its own.
        assert_eq!(run_with_time_limit(Duration::from_secs(1), || 2), Ok(2));
        assert!(start.elapsed() < Duration::from_secs(2), "the next job waited for the abandoned one");
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
