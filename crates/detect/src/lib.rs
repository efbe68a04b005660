//! The detector contract: metadata and docs declared once per detector, the [`Detector`] trait,
//! [`Finding`]s, and the [`Context`] detectors query (module, CFGs, call graph, platform model,
//! shared guard queries).
//!
//! Invariant: detectors do no I/O and never touch wasmparser; they see the front end's model,
//! the flow graphs and the platform tables only through this crate's types.

pub mod authz;
mod class;
mod context;
pub mod doom;
pub mod eosio_dispatch;
pub mod guards;
pub mod hostval;
pub mod loops;
mod meta;
pub mod methods;
pub mod packed;
pub mod query;
pub mod queued;
pub mod scheduled;
pub mod storage;
pub mod taint;
pub mod views;

pub use class::Class;
pub use context::{Context, HostCall};
pub use meta::{Confidence, DetectorMeta, Docs, Impact};

/// One flaw at one instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub detector: &'static DetectorMeta,
    /// Function index of the instruction the finding points at.
    pub function: u32,
    /// Instruction index within that function's body.
    pub instr: usize,
    /// Byte offset of that instruction in the file.
    pub offset: u32,
    pub message: String,
    /// How sure this finding is: the detector's confidence unless the detector lowered (or
    /// raised) it for this finding's evidence.
    pub confidence: Confidence,
    /// How bad this finding is: the detector's impact unless the detector graded it by what this
    /// finding's evidence shows (a loop that transfers per iteration against one that only reads).
    pub impact: Impact,
    /// The way from an entry point down to `function` that the detector found at fault: the call
    /// sites `(caller, instruction)`, outermost first. Empty when the detector followed none;
    /// the report then shows the shortest call chain from an entry point, which may be a way the
    /// detector found protected.
    pub way: Vec<(u32, usize)>,
}

impl Finding {
    /// A finding of `meta` at instruction `instr` of `func`, with that instruction's byte offset.
    pub fn at(
        cx: &Context<'_>,
        meta: &'static DetectorMeta,
        func: u32,
        instr: usize,
        message: String,
    ) -> Finding {
        Finding {
            detector: meta,
            function: func,
            instr,
            offset: cx.offset_of(func, instr),
            message,
            confidence: meta.confidence,
            impact: meta.impact,
            way: Vec::new(),
        }
    }

    /// The same finding reached through `chain`: `(function, instruction)` steps from the flagged
    /// instruction up to the call in the entry point, as [`authz::Path::chain`] lists them.
    pub fn with_way(self, chain: &[(u32, usize)]) -> Finding {
        Finding { way: chain.iter().skip(1).rev().copied().collect(), ..self }
    }

    /// The same finding with confidence `c`.
    pub fn with_confidence(self, c: Confidence) -> Finding {
        Finding { confidence: c, ..self }
    }

    /// The same finding with impact `i`.
    pub fn with_impact(self, i: Impact) -> Finding {
        Finding { impact: i, ..self }
    }
}

/// One detector's findings, at most one per instruction: the first way reported wins.
pub struct FindingSet {
    meta: &'static DetectorMeta,
    found: std::collections::BTreeMap<(u32, usize), Finding>,
}

impl FindingSet {
    pub fn new(meta: &'static DetectorMeta) -> FindingSet {
        FindingSet { meta, found: std::collections::BTreeMap::new() }
    }

    /// Records a finding at `(function, instruction)` unless one is already there; the message
    /// is built only then.
    pub fn report(&mut self, cx: &Context<'_>, at: (u32, usize), message: impl FnOnce() -> String) {
        self.report_way(cx, at, &[], message);
    }

    /// [`Self::report`] of a finding found on one way up (`chain`, from the flagged instruction
    /// up to the call in the entry point, [`authz::Path::chain`]): the report shows that way.
    pub fn report_way(
        &mut self,
        cx: &Context<'_>,
        at: (u32, usize),
        chain: &[(u32, usize)],
        message: impl FnOnce() -> String,
    ) {
        let meta = self.meta;
        self.found.entry(at).or_insert_with(|| Finding::at(cx, meta, at.0, at.1, message()).with_way(chain));
    }

    /// The findings in (function, instruction) order.
    pub fn into_findings(self) -> impl Iterator<Item = Finding> {
        self.found.into_values()
    }
}

/// A detector: one flaw, one file in `detectors/`.
pub trait Detector: Send + Sync {
    fn meta(&self) -> &'static DetectorMeta;
    /// Appends the findings for the module in `cx` to `out`.
    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}
