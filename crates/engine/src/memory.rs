//! Per-file memory accounting and the per-file memory budget.
//!
//! A binary that wants the budget declares [`Allocator`] as its global allocator and calls
//! [`install`] once (the `wasmaudit` CLI does). Every analysis then runs inside an allocation
//! group of its own (tracking-allocator): the heap bytes allocated by the analysis thread and not
//! yet freed are counted against that file, wherever they are freed later.
//!
//! Semantics of the budget, honestly stated:
//! - What counts is the live heap of one file's analysis (decoded module, graphs, data flow,
//!   detector state), not the process RSS, and not the input bytes read before it starts.
//! - The budget is checked, not enforced by the allocator (a refused allocation would abort the
//!   process): between the stages of the pipeline, between detectors, and inside the analyses
//!   that can grow fastest (the walk up the call graph). An analysis past its budget stops at the
//!   next check and the file becomes an error; the peak can overshoot the budget by what one stage
//!   allocates between two checks. The size limits of [`wasmaudit_front::Limits`], checked before
//!   the graphs are built, bound that.
//! - Without [`install`] (a library user with another allocator) nothing is counted: the budget
//!   is inert and [`FileStats::peak_memory`](crate::FileStats) is `None`.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use tracking_allocator::{AllocationGroupId, AllocationGroupToken, AllocationRegistry, AllocationTracker};

/// The global allocator to declare in a binary that wants per-file accounting:
/// `#[global_allocator] static GLOBAL: Allocator<std::alloc::System> = Allocator::system();`
pub use tracking_allocator::Allocator;

/// Counters, indexed by allocation group id modulo their number. Group ids are handed out one per
/// analysis in increasing order, so two analyses share a slot only when thousands of files apart
/// are in flight at once (possible only with abandoned, timed-out analyses: their counts then
/// mix, which can only make a budget check stricter).
const SLOTS: usize = 1 << 12;
static COUNTERS: [Counter; SLOTS] =
    [const { Counter { live: AtomicI64::new(0), peak: AtomicI64::new(0) } }; SLOTS];

/// One analysis' live and peak bytes, on a cache line of its own: parallel analyses do not
/// contend for one line.
#[repr(align(64))]
struct Counter {
    live: AtomicI64,
    peak: AtomicI64,
}
static INSTALLED: AtomicBool = AtomicBool::new(false);

struct Meter;

fn slot(group: &AllocationGroupId) -> Option<usize> {
    let id = group.as_usize().get();
    (*group != AllocationGroupId::ROOT).then_some(id % SLOTS)
}

impl AllocationTracker for Meter {
    fn allocated(&self, _addr: usize, _object_size: usize, wrapped_size: usize, group: AllocationGroupId) {
        if let Some(s) = slot(&group) {
            let size = wrapped_size as i64;
            let c = &COUNTERS[s];
            let now = c.live.fetch_add(size, Ordering::Relaxed) + size;
            // Only the analysis' own thread allocates in its group, so the peak has one writer:
            // a plain compare and store is enough.
            if now > c.peak.load(Ordering::Relaxed) {
                c.peak.store(now, Ordering::Relaxed);
            }
        }
    }

    fn deallocated(
        &self,
        _addr: usize,
        _object_size: usize,
        wrapped_size: usize,
        source_group: AllocationGroupId,
        _current_group: AllocationGroupId,
    ) {
        if let Some(s) = slot(&source_group) {
            COUNTERS[s].live.fetch_sub(wrapped_size as i64, Ordering::Relaxed);
        }
    }
}

/// Starts counting. Call once, from a binary whose global allocator is [`Allocator`]; returns
/// whether counting is on (false when another tracker was installed first).
pub fn install() -> bool {
    if INSTALLED.load(Ordering::SeqCst) {
        return true;
    }
    if AllocationRegistry::set_global_tracker(Meter).is_err() {
        return false;
    }
    AllocationRegistry::enable_tracking();
    INSTALLED.store(true, Ordering::SeqCst);
    true
}

/// Whether [`install`] has been called.
pub fn installed() -> bool {
    INSTALLED.load(Ordering::SeqCst)
}

/// One analysis' account. Create it on the thread that will run the analysis and call
/// [`FileMeter::run`] there.
pub(crate) struct FileMeter {
    token: Option<AllocationGroupToken>,
    slot: usize,
}

impl FileMeter {
    pub(crate) fn new() -> FileMeter {
        let token = if installed() { AllocationGroupToken::register() } else { None };
        let slot = token.as_ref().and_then(|t| slot(&t.id())).unwrap_or(0);
        if token.is_some() {
            COUNTERS[slot].live.store(0, Ordering::Relaxed);
            COUNTERS[slot].peak.store(0, Ordering::Relaxed);
        }
        FileMeter { token, slot }
    }

    /// A check for the analysis: true once the live bytes pass `budget` (never without
    /// [`install`]).
    pub(crate) fn over(&self, budget: Option<u64>) -> impl Fn() -> bool + Send + Sync + 'static {
        let slot = self.slot;
        let counting = self.token.is_some();
        move || match budget {
            Some(b) if counting => COUNTERS[slot].live.load(Ordering::Relaxed).max(0) as u64 > b,
            _ => false,
        }
    }

    /// Runs `job` with its allocations counted to this file.
    pub(crate) fn run<T>(&mut self, job: impl FnOnce() -> T) -> T {
        match self.token.as_mut() {
            Some(token) => {
                let guard = token.enter();
                let out = job();
                drop(guard);
                out
            }
            None => job(),
        }
    }

    /// The most live bytes the analysis held at once, when counting.
    pub(crate) fn peak(&self) -> Option<u64> {
        self.token.as_ref().map(|_| COUNTERS[self.slot].peak.load(Ordering::Relaxed).max(0) as u64)
    }
}
