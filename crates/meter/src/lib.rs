//! Per-thread heap accounting: a global allocator wrapper that counts, for each thread, the heap
//! bytes it allocated and has not freed (its *live* bytes) and the highest value they reached
//! since the thread's last [`reset_peak`].
//!
//! This is the workspace's one crate with `unsafe` code: [`GlobalAlloc`] is an unsafe trait, so
//! any allocator wrapper must implement it, and mimalloc's options are set through its C API. Each method forwards to the wrapped allocator with the
//! caller's arguments unchanged (the wrapper adds no header and changes no layout) and then
//! updates two thread-local integers; nothing else is done with the pointers.
//!
//! Semantics:
//! - Bytes freed on another thread than the one that allocated them count against the freeing
//!   thread (its live bytes can go below zero). A per-file account is therefore the difference
//!   between two readings on the analysis thread, which holds for an analysis that allocates and
//!   frees its own data on its own thread.
//! - `realloc` counts the size difference and keeps the wrapped allocator's in-place growth.
//! - Before the wrapper is the binary's `#[global_allocator]`, every counter stays zero:
//!   [`active`] tells whether counting is on.
//!
//! It also holds the one tuning call the CLI makes to the allocator it wraps (mimalloc):
//! [`delay_returning_pages`].

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    // `const` initializers and no destructors: reading them never allocates and never fails
    // during thread teardown.
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The wrapper to declare as a binary's global allocator:
/// `#[global_allocator] static A: Counting<mimalloc::MiMalloc> = Counting::new(mimalloc::MiMalloc);`
pub struct Counting<A> {
    inner: A,
}

impl<A> Counting<A> {
    pub const fn new(inner: A) -> Counting<A> {
        Counting { inner }
    }
}

#[inline(always)]
fn add(bytes: i64) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().wrapping_add(bytes);
        live.set(now);
        if bytes > 0 {
            let _ = PEAK.try_with(|peak| {
                if now > peak.get() {
                    peak.set(now);
                }
            });
        }
    });
}

#[inline(always)]
fn note_active() {
    if !ACTIVE.load(Ordering::Relaxed) {
        ACTIVE.store(true, Ordering::Relaxed);
    }
}

/// Counts a fresh allocation of `layout` at `p` (none when it failed) and hands `p` back.
#[inline(always)]
fn counted(p: *mut u8, layout: Layout) -> *mut u8 {
    if !p.is_null() {
        note_active();
        add(layout.size() as i64);
    }
    p
}

// SAFETY: every method passes its arguments unchanged to the wrapped allocator, which upholds
// the `GlobalAlloc` contract for them; the bookkeeping touches only thread-local integers and
// never allocates.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        counted(unsafe { self.inner.alloc(layout) }, layout)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        counted(unsafe { self.inner.alloc_zeroed(layout) }, layout)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged (see the impl).
        unsafe { self.inner.dealloc(ptr, layout) };
        add(-(layout.size() as i64));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        let p = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// mimalloc's `mi_option_purge_delay` (position 15 of `mi_option_e` in mimalloc v3's
/// `include/mimalloc.h`, the version libmimalloc-sys builds by default).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc to keep pages freed by the process for `millis` milliseconds before returning
/// them to the OS (its default is one second). A batch scan frees each file's analysis and
/// allocates the next one's moments later: returning and faulting the same pages again (zeroed
/// by the kernel, often as 2 MiB huge pages) cost about 5% of a corpus scan. Memory stays
/// bounded by the largest set of analyses in flight; an idle process gives it back after the
/// delay. No effect when mimalloc is not the allocator in use.
pub fn delay_returning_pages(millis: i64) {
    // SAFETY: `mi_option_set` takes an option index and a value and may be called at any time
    // from any thread; an index out of range is ignored by mimalloc.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, millis as std::ffi::c_long) };
}

/// Whether a [`Counting`] allocator has counted anything in this process (it is the global
/// allocator).
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// The calling thread's live heap bytes: allocated minus freed on this thread.
pub fn live() -> i64 {
    LIVE.try_with(Cell::get).unwrap_or(0)
}

/// The calling thread's highest [`live`] since its last [`reset_peak`].
pub fn peak() -> i64 {
    PEAK.try_with(Cell::get).unwrap_or(0)
}

/// Starts a new peak at the calling thread's current [`live`].
pub fn reset_peak() {
    let now = live();
    let _ = PEAK.try_with(|p| p.set(now));
}
