//! Optional SMT checks: for each finding, a z3 query over the way from an entry point to the
//! flagged instruction gives a verdict — `confirmed` with a witness (entry arguments, action,
//! caller, amount, operands), `refuted` (no feasible path; sound: the encoding over-approximates
//! every execution reaching the instruction) or `unknown` with the reason.
//!
//! The types are always exported; the solver itself is behind the `z3` feature (linking the
//! system z3). Without it, [`available`] is false and [`check`] answers `unknown`.
//!
//! Encoding (see `encode`): a guarded symbolic execution of the structured body, bit-vector
//! semantics of i32/i64 arithmetic, comparisons and `select`, memory as an array bv32 → bv8
//! initialised from active data segments at an entry point, branch conditions as path
//! constraints (merges are `ite` over mutually exclusive path guards, so joins stay exact),
//! loops unrolled `unroll` times and then havocked, calls inlined up to `depth` or summarized
//! (results fresh, memory and mutable globals havocked), host-call results fresh symbols with the
//! platform model's facts (an assert traps unless its condition holds, `require_auth` names the
//! account that must sign, a caller id is any account). Unsupported instructions (floats, SIMD,
//! bit counting) produce fresh symbols: refutation stays sound, and a satisfiable query that
//! used one is `unknown`.

#[cfg(feature = "z3")]
mod encode;
#[cfg(feature = "z3")]
mod solve;

use std::collections::BTreeMap;
use std::time::Duration;
use wasmaudit_detect::{Context, Finding};

/// Whether this build links z3 (the `smt` feature).
pub fn available() -> bool {
    cfg!(feature = "z3")
}

/// Bounds of the SMT checks. Every one is a bound: the checks never hang.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtOptions {
    /// z3's timeout for one query; past it the verdict is `unknown`.
    pub timeout_per_query: Duration,
    /// Wall-clock budget for all queries of one module; findings left when it runs out get
    /// `unknown` with reason "module budget exhausted".
    pub module_budget: Duration,
    /// Shrink the module budget to the time the module's analysis itself took (at least
    /// [`MIN_MODULE_BUDGET`]), so that `--smt` at most about doubles a scan. The engine applies
    /// it; `module_budget` stays the cap.
    pub budget_matches_analysis: bool,
    /// Loop iterations encoded exactly before the loop state is havocked.
    pub unroll: u32,
    /// Call depth inlined (and the longest call chain encoded from an entry point).
    pub depth: u32,
    /// Keep refuted findings in the report (with their verdict) instead of dropping them.
    pub keep_refuted: bool,
}

/// Default of [`SmtOptions::timeout_per_query`].
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(2);
/// Default of [`SmtOptions::module_budget`].
pub const DEFAULT_MODULE_BUDGET: Duration = Duration::from_secs(10);
/// The least module budget when it follows the analysis time.
pub const MIN_MODULE_BUDGET: Duration = Duration::from_millis(100);

impl Default for SmtOptions {
    fn default() -> Self {
        SmtOptions {
            timeout_per_query: DEFAULT_QUERY_TIMEOUT,
            module_budget: DEFAULT_MODULE_BUDGET,
            budget_matches_analysis: true,
            unroll: 2,
            depth: 4,
            keep_refuted: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// A satisfying path exists; the model is a witness.
    Confirmed,
    /// No feasible path reaches the instruction (or the flagged condition cannot hold there).
    Refuted,
    /// Timeout, budget, or an encoding that cannot decide; the reason says which.
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Confirmed => "confirmed",
            Verdict::Refuted => "refuted",
            Verdict::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict on one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtVerdict {
    pub verdict: Verdict,
    /// Witness values by name (`entry`, `arg0`, `code`, `action`, `caller`, `lhs`, ...), for
    /// `confirmed`.
    pub model: BTreeMap<String, String>,
    pub reason: Option<String>,
    /// Solver time spent on this finding.
    pub time_ms: u64,
}

impl SmtVerdict {
    pub fn unknown(reason: impl Into<String>) -> SmtVerdict {
        SmtVerdict {
            verdict: Verdict::Unknown,
            model: BTreeMap::new(),
            reason: Some(reason.into()),
            time_ms: 0,
        }
    }
}

/// One verdict per finding, in the order given.
#[cfg(feature = "z3")]
pub fn check(cx: &Context<'_>, findings: &[Finding], opts: &SmtOptions) -> Vec<SmtVerdict> {
    solve::check(cx, findings, opts)
}

/// One verdict per finding, in the order given: all `unknown`, as this build has no solver.
#[cfg(not(feature = "z3"))]
pub fn check(_cx: &Context<'_>, findings: &[Finding], _opts: &SmtOptions) -> Vec<SmtVerdict> {
    findings.iter().map(|_| SmtVerdict::unknown("built without the `smt` feature (z3)")).collect()
}
