//! Per-file memory accounting and the per-file memory budget.
//!
//! A binary that wants the budget declares [`Allocator`] as its global allocator (the
//! `wasmaudit` CLI does). Every analysis runs on a thread of its own, one file at a time, and its
//! account is what that thread allocated and has not freed since the analysis began
//! (`wasmaudit-meter` counts each thread's live heap bytes and their peak).
//!
//! Semantics of the budget, honestly stated:
//! - What counts is the live heap of one file's analysis (decoded module, graphs, data flow,
//!   detector state), not the process RSS, and not the input bytes read before it starts.
//!   Bytes the analysis frees on another thread would count against that thread; it frees its
//!   own data on its own thread.
//! - The budget is checked, not enforced by the allocator (a refused allocation would abort the
//!   process): between the stages of the pipeline, between detectors, and inside the analyses
//!   that can grow fastest (the walk up the call graph). An analysis past its budget stops at the
//!   next check and the file becomes an error; the peak can overshoot the budget by what one stage
//!   allocates between two checks. The size limits of [`wasmaudit_front::Limits`], checked before
//!   the graphs are built, bound that.
//! - Without the counting allocator (a library user with another allocator) nothing is counted:
//!   the budget is inert and [`FileStats::peak_memory`](crate::FileStats) is `None`.

/// The global allocator to declare in a binary that wants per-file accounting:
/// `#[global_allocator] static GLOBAL: Allocator<std::alloc::System> = Allocator::new(std::alloc::System);`
pub use wasmaudit_meter::Counting as Allocator;

/// Allocator tuning for batch scans (see `wasmaudit_meter::delay_returning_pages`).
pub use wasmaudit_meter::delay_returning_pages;

/// Whether allocations are counted ([`Allocator`] is the global allocator).
pub fn installed() -> bool {
    wasmaudit_meter::active()
}

/// One analysis' account. Create it on the thread that will run the analysis, and run the
/// analysis there.
pub(crate) struct FileMeter {
    counting: bool,
    /// The thread's live bytes when the analysis began.
    start: i64,
}

impl FileMeter {
    pub(crate) fn new() -> FileMeter {
        let counting = installed();
        wasmaudit_meter::reset_peak();
        FileMeter { counting, start: wasmaudit_meter::live() }
    }

    /// A check for the analysis, to be called on its thread: true once the live bytes it
    /// allocated pass `budget` (never without the counting allocator).
    pub(crate) fn over(&self, budget: Option<u64>) -> impl Fn() -> bool + 'static {
        let (start, counting) = (self.start, self.counting);
        move || match budget {
            Some(b) if counting => (wasmaudit_meter::live() - start).max(0) as u64 > b,
            _ => false,
        }
    }

    /// The most live bytes the analysis held at once, when counting.
    pub(crate) fn peak(&self) -> Option<u64> {
        self.counting.then(|| (wasmaudit_meter::peak() - self.start).max(0) as u64)
    }
}
