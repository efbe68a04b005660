//! EOSIO dispatch recovery, shared by the EOSIO detectors.
//!
//! An EOSIO contract exports `apply(receiver, code, action)`. The dispatch macros compile to
//! comparisons of `action` (and `code`) with constant 64-bit names and calls of the handlers,
//! and published binaries are mostly stripped, so which function handles `transfer`, and for
//! which `code`, has to be recovered from the comparisons.
//!
//! The recovery walks `apply` symbolically, in body order, inlining the functions it calls
//! while they carry the dispatch arguments (a dispatcher helper, a contract constructor) and
//! everything called while handling `transfer`:
//!
//! - values are symbols ([`Sym`]): the three parameters of `apply`, `current_receiver()`,
//!   constants, 8-byte fields of the action data (`read_action_data` then loads or `memcpy`s
//!   from the buffer, the way `datastream` unpacks), and pointers into stack frames, so that
//!   `_self` stored into the contract object and loaded back in a handler is still the receiver;
//! - each basic block gets the path condition under which it runs, as a disjunction of
//!   conjunctions of (in)equalities between `code`/`action` and names ([`Dnf`]), from the
//!   branch conditions on its incoming edges and the `eosio_assert`s before it;
//! - a call reached only when `action == N(transfer)` starts a *transfer dispatch*: its
//!   conditions on `code`, and what runs inside (comparisons of `code` and of the `to` field
//!   with the receiver, storage writes and inline actions) are collected.
//!
//! The walk is path-insensitive for memory (the last store in body order wins), ignores loop
//! back edges when computing path conditions, and stops at a step budget.

use crate::Context;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use wasmaudit_flow::{BlockId, Cfg, EdgeKind, FunctionValues, Nesting, ValueDef, ValueId};
use wasmaudit_front::{BinOp, CmpOp, ConvOp, ExportKind, Op, UnOp, Width};
use wasmaudit_platform::{Effect, Platform};

/// The 64-bit value of an EOSIO name: up to 12 characters of 5 bits from
/// `.12345abcdefghijklmnopqrstuvwxyz`, high bits first, and a 13th character of 4 bits.
pub const fn name(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut v: u64 = 0;
    let mut i = 0;
    while i < 13 {
        let c = if i < b.len() { char_value(b[i]) } else { 0 };
        if i < 12 {
            v |= (c & 0x1f) << (64 - 5 * (i as u64 + 1));
        } else {
            v |= c & 0x0f;
        }
        i += 1;
    }
    v
}

const fn char_value(c: u8) -> u64 {
    match c {
        b'a'..=b'z' => (c - b'a') as u64 + 6,
        b'1'..=b'5' => (c - b'1') as u64 + 1,
        _ => 0,
    }
}

/// The text of an EOSIO name (trailing dots dropped).
pub fn name_string(v: u64) -> String {
    const CHARS: &[u8; 32] = b".12345abcdefghijklmnopqrstuvwxyz";
    let mut out = [b'.'; 13];
    let mut t = v;
    for i in 0..13 {
        let mask = if i == 0 { 0x0f } else { 0x1f };
        out[12 - i] = CHARS[(t & mask) as usize];
        t >>= if i == 0 { 4 } else { 5 };
    }
    String::from_utf8_lossy(&out).trim_end_matches('.').to_string()
}

pub const TRANSFER: u64 = name("transfer");
pub const EOSIO_TOKEN: u64 = name("eosio.token");

/// Offset of `to` in the `transfer(from, to, quantity, memo)` action data.
const TO_FIELD: i64 = 8;

/// Instructions the walk may interpret per module.
const MAX_STEPS: u64 = 3_000_000;
/// Depth of inlined calls.
const MAX_DEPTH: usize = 16;
/// Disjuncts kept in a path condition before it is weakened to their common part.
const MAX_DISJUNCTS: usize = 16;
/// Targets of a `call_indirect` the walk follows.
const MAX_INDIRECT: usize = 8;
/// Most 8-byte words of narrower values the walk keeps ([`Sym::Word`]).
const MAX_WORDS: usize = 4096;
/// Largest distance from zero of a memory offset the walk tracks: wasm32 addresses plus a
/// 32-bit static offset stay far below it; beyond it (a 64-bit memory's offset near i64::MAX)
/// is no slot, so offset arithmetic cannot overflow.
const MAX_OFFSET: i64 = 1 << 40;

/// The (region, offset) an access of `addr` plus `offset` names, when it is one the walk tracks.
fn slot(addr: Sym, offset: i64) -> Option<(u32, i64)> {
    let (r, o) = match addr {
        Sym::Ptr(r, o) => (r, o.wrapping_add(offset)),
        Sym::Const(a) => (ABSOLUTE, a.wrapping_add(offset)),
        _ => return None,
    };
    (o.unsigned_abs() < MAX_OFFSET.unsigned_abs()).then_some((r, o))
}
/// Largest `memcpy` the walk copies field by field.
const MAX_COPY: i64 = 1024;

/// What the walk knows of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sym {
    Unknown,
    Const(i64),
    /// `apply`'s first parameter: the account running the contract.
    Receiver,
    /// `apply`'s second parameter: the account whose action (or notification) this is.
    Code,
    /// `apply`'s third parameter: the action name.
    Action,
    /// The result of `current_receiver()`.
    SelfId,
    /// The 8 bytes of action data at this offset.
    Field(i64),
    /// A pointer into the action data buffer.
    DataPtr(i64),
    /// A pointer into a memory region (a stack frame, or absolute memory) at an offset.
    Ptr(u32, i64),
    /// An 8-byte word loaded from memory that held narrower values (two 4-byte pointers of a
    /// `datastream` that unoptimized code copies as one `i64`): the index of the snapshot of
    /// those values in [`Walker::words`], written back where the word is stored.
    Word(u32),
}

impl Sym {
    fn is_self(self) -> bool {
        matches!(self, Sym::Receiver | Sym::SelfId)
    }
}

/// `a == b` (or `!=`) between `code`/`action` and a name, the receiver or each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Atom {
    a: Sym,
    b: Sym,
    eq: bool,
}

fn atom(x: Sym, y: Sym, eq: bool) -> Option<Atom> {
    let norm = |s: Sym| if s == Sym::SelfId { Sym::Receiver } else { s };
    let (x, y) = (norm(x), norm(y));
    let role = |s: Sym| matches!(s, Sym::Code | Sym::Action);
    let other = |s: Sym| matches!(s, Sym::Const(_) | Sym::Receiver | Sym::Code | Sym::Action);
    if x == y || !((role(x) && other(y)) || (role(y) && other(x))) {
        return None;
    }
    let (a, b) = if x <= y { (x, y) } else { (y, x) };
    Some(Atom { a, b, eq })
}

type Conj = BTreeSet<Atom>;

fn contradicts(c: &Conj) -> bool {
    let atoms: Vec<&Atom> = c.iter().collect();
    for (i, x) in atoms.iter().enumerate() {
        for y in &atoms[i + 1..] {
            if x.a == y.a && x.b == y.b && x.eq != y.eq {
                return true;
            }
            // `v == c1` and `v == c2` for two different names.
            if x.eq && y.eq && x.b == y.b {
                if let (Sym::Const(p), Sym::Const(q)) = (x.a, y.a) {
                    if p != q {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// A path condition in disjunctive normal form; no disjunct means no feasible path. Shared, not
/// copied, by the blocks and calls whose condition it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dnf(Rc<Vec<Conj>>);

impl Dnf {
    fn top() -> Dnf {
        Dnf(Rc::new(vec![Conj::new()]))
    }

    fn bottom() -> Dnf {
        Dnf(Rc::new(Vec::new()))
    }

    fn of(a: Option<Atom>) -> Dnf {
        Dnf(Rc::new(vec![a.into_iter().collect()]))
    }

    fn is_bottom(&self) -> bool {
        self.0.is_empty()
    }

    fn is_top(&self) -> bool {
        matches!(self.0.as_slice(), [c] if c.is_empty())
    }

    fn and(&self, other: &Dnf) -> Dnf {
        // Every Dnf is built simplified (one conjunction of at most one atom, or the result of
        // `and`/`or`): a conjunction with `true` is the other side as it is.
        if other.is_top() {
            return self.clone();
        }
        if self.is_top() {
            return other.clone();
        }
        let mut out = Vec::new();
        for x in self.0.iter() {
            for y in other.0.iter() {
                let c: Conj = x.union(y).copied().collect();
                if !contradicts(&c) {
                    out.push(c);
                }
            }
        }
        Dnf(Rc::new(out)).simplified()
    }

    fn or(&self, other: &Dnf) -> Dnf {
        // (Both sides are simplified, see `and`.)
        if self.is_bottom() {
            return other.clone();
        }
        if other.is_bottom() {
            return self.clone();
        }
        let mut out = self.0.to_vec();
        out.extend(other.0.iter().cloned());
        Dnf(Rc::new(out)).simplified()
    }

    /// Drops duplicate and subsumed disjuncts; past [`MAX_DISJUNCTS`], keeps only what all
    /// disjuncts share.
    fn simplified(self) -> Dnf {
        let mut all = Rc::unwrap_or_clone(self.0);
        all.sort_by_key(|c| c.len());
        let mut kept: Vec<Conj> = Vec::new();
        for c in all {
            if !kept.iter().any(|k| k.is_subset(&c)) {
                kept.push(c);
            }
        }
        if kept.len() > MAX_DISJUNCTS {
            let mut common = kept[0].clone();
            for k in &kept[1..] {
                common = common.intersection(k).copied().collect();
            }
            kept = vec![common];
        }
        Dnf(Rc::new(kept))
    }

    /// The action names of the paths, when every path fixes the action to a name.
    fn action_names(&self) -> Option<Vec<u64>> {
        let mut out = Vec::new();
        for c in self.0.iter() {
            let n = c.iter().find_map(|a| match (a.a, a.b, a.eq) {
                (Sym::Const(n), Sym::Action, true) | (Sym::Action, Sym::Const(n), true) => Some(n as u64),
                _ => None,
            })?;
            out.push(n);
        }
        out.sort_unstable();
        out.dedup();
        (!out.is_empty()).then_some(out)
    }

    /// Whether every path satisfies `a`.
    fn implies(&self, a: Atom) -> bool {
        !self.0.is_empty() && self.0.iter().all(|c| c.contains(&a))
    }

    /// Whether some path is compatible with `a`.
    fn allows(&self, a: Atom) -> bool {
        self.0.iter().any(|c| {
            let mut c = c.clone();
            c.insert(a);
            !contradicts(&c)
        })
    }
}

/// What a transfer dispatch requires of `code` on one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CodeCond {
    /// `code == receiver`: the contract's own `transfer` action, not a notification.
    Receiver,
    /// `code` equals this account (a token contract such as `eosio.token`).
    Contract(u64),
    /// Nothing ties `code` to an account (at most `code != receiver`).
    Any,
}

/// One place where `apply` hands a `transfer` to its handler.
#[derive(Debug, Clone)]
pub struct TransferDispatch {
    /// The handler call (function, instruction) to report.
    pub site: (u32, usize),
    /// The function called there.
    pub handler: Option<u32>,
    /// The condition on `code` of each path reaching the dispatch.
    pub conds: Vec<CodeCond>,
    /// Whether the handler compares `code` with a fixed account itself.
    pub code_checked_in_handler: bool,
    /// Storage writes and inline/deferred actions the handler performs, (function, instruction).
    pub credits: Vec<(u32, usize)>,
    /// Whether the handler compares the `to` field with the receiver (or a fixed account).
    pub to_checked: bool,
}

impl TransferDispatch {
    /// Whether a notification from any contract (a fake token) reaches the handler.
    pub fn accepts_any_code(&self) -> bool {
        !self.code_checked_in_handler && self.conds.contains(&CodeCond::Any)
    }

    /// Whether the handler runs for notifications (code other than the receiver).
    pub fn handles_notifications(&self) -> bool {
        self.conds.iter().any(|c| *c != CodeCond::Receiver)
    }

    pub fn code_description(&self) -> String {
        let mut parts: Vec<String> = self
            .conds
            .iter()
            .map(|c| match c {
                CodeCond::Receiver => "code == receiver".to_string(),
                CodeCond::Contract(n) => format!("code == {}", name_string(*n)),
                CodeCond::Any => "any code".to_string(),
            })
            .collect();
        parts.dedup();
        parts.join(" or ")
    }
}

/// The recovered dispatch of a module.
#[derive(Debug, Clone, Default)]
pub struct Dispatch {
    pub transfers: Vec<TransferDispatch>,
    /// Calls the walk reached only for known actions: (function, instruction) → the action
    /// names (sorted). Calls missing here run for an action the walk could not name, or were
    /// not walked.
    pub call_actions: BTreeMap<(u32, usize), Vec<u64>>,
    /// Calls the walk reached: (function, instruction) → the condition on `code` of each path
    /// to it (sorted, deduplicated).
    pub call_codes: BTreeMap<(u32, usize), Vec<CodeCond>>,
}

/// Actions the chain itself implements for the system account: their native handler checks
/// the authorization of the account concerned (`newaccount` the creator, `setcode`/`setabi`
/// the account, `updateauth`/`deleteauth`/`linkauth`/`unlinkauth` the account, `canceldelay`
/// the canceling authority) before the system contract's `apply` sees the action.
pub const NATIVE_ACTIONS: [u64; 8] = [
    name("newaccount"),
    name("setcode"),
    name("setabi"),
    name("updateauth"),
    name("deleteauth"),
    name("linkauth"),
    name("unlinkauth"),
    name("canceldelay"),
];

impl Dispatch {
    /// Whether the call at `site` runs only for notifications: every path to it requires `code`
    /// to be a fixed account (another contract's action that named this one as a recipient,
    /// the chain's `eosio::onerror`), so it runs inside that account's authorized action. Only
    /// when the dispatcher handles its own actions elsewhere under `code == receiver`: a
    /// dispatcher that compares `code` with a constant for every action may be naming itself.
    pub fn runs_only_for_notifications(&self, site: (u32, usize)) -> bool {
        let own_actions = self.call_codes.values().any(|c| c.contains(&CodeCond::Receiver));
        own_actions
            && self
                .call_codes
                .get(&site)
                .is_some_and(|c| !c.is_empty() && c.iter().all(|x| matches!(x, CodeCond::Contract(_))))
    }

    /// Whether the call at `site` runs only for actions whose authorization the chain's native
    /// handler has checked ([`NATIVE_ACTIONS`]).
    pub fn runs_only_for_native_actions(&self, site: (u32, usize)) -> bool {
        self.call_actions
            .get(&site)
            .is_some_and(|names| !names.is_empty() && names.iter().all(|n| NATIVE_ACTIONS.contains(n)))
    }
}

/// The transfer dispatch of the module, recovered once and shared by the detectors.
pub fn dispatch(cx: &Context<'_>) -> std::rc::Rc<Dispatch> {
    cx.memo(recover)
}

/// Recovers the transfer dispatch of an EOSIO module (empty on other platforms).
fn recover(cx: &Context<'_>) -> Dispatch {
    if cx.platform != wasmaudit_platform::Platform::Eosio {
        return Dispatch::default();
    }
    let Some(apply) = apply_export(cx) else { return Dispatch::default() };
    let mut w = Walker {
        cx,
        sp_global: cx.program.stack_pointer,
        mem: BTreeMap::new(),
        data_alias: Vec::new(),
        words: Vec::new(),
        word_ids: BTreeMap::new(),
        regions: 2,
        steps: 0,
        truncated: false,
        on_stack: Vec::new(),
        groups: Vec::new(),
        call_facts: BTreeMap::new(),
        invocations: 0,
        shapes: BTreeMap::new(),
        last_exact: false,
        data: DataBytes::new(cx.module),
    };
    let args = [Sym::Receiver, Sym::Code, Sym::Action];
    w.run(apply, &args, Sym::Ptr(STACK, 0), Dnf::top(), None, 0);
    let mut transfers: Vec<TransferDispatch> = Vec::new();
    for g in w.groups {
        let site = g.credit_call.or(g.first_call).or(g.credits.first().copied()).unwrap_or(g.start);
        let conds = g.conds;
        if let Some(t) = transfers.iter_mut().find(|t| t.site == site) {
            // The same dispatch reached again (a dispatcher helper called twice).
            t.conds.extend(conds);
            t.conds.sort();
            t.conds.dedup();
            t.code_checked_in_handler &= g.code_compared;
            t.to_checked &= g.to_checked;
            continue;
        }
        let mut conds = conds;
        conds.sort();
        conds.dedup();
        transfers.push(TransferDispatch {
            site,
            handler: g.handler,
            conds,
            code_checked_in_handler: g.code_compared,
            credits: g.credits,
            to_checked: g.to_checked,
        });
    }
    transfers.sort_by_key(|t| t.site);
    let call_actions =
        w.call_facts.iter().filter_map(|(site, facts)| Some((*site, facts.action_names()?))).collect();
    let call_codes = w
        .call_facts
        .iter()
        .map(|(site, facts)| {
            let mut codes: Vec<CodeCond> = facts.0.iter().map(code_cond).collect();
            codes.sort();
            codes.dedup();
            (*site, codes)
        })
        .collect();
    Dispatch { transfers, call_actions, call_codes }
}

fn apply_export(cx: &Context<'_>) -> Option<u32> {
    if cx.platform != Platform::Eosio {
        return None;
    }
    let apply = cx.module.exports.iter().find(|e| e.kind == ExportKind::Func && e.name == "apply")?.index;
    let f = cx.module.function(apply).filter(|f| !f.is_import())?;
    let sig = cx.module.func_sig(f.index)?;
    (sig.params.len() == 3).then_some(apply)
}

fn code_cond(c: &Conj) -> CodeCond {
    let mut out = CodeCond::Any;
    for a in c.iter().filter(|a| a.eq) {
        match (a.a, a.b) {
            (Sym::Const(n), Sym::Code) => return CodeCond::Contract(n as u64),
            (Sym::Receiver, Sym::Code) => out = CodeCond::Receiver,
            _ => {}
        }
    }
    out
}

/// Memory regions: the initial stack, absolute addresses; fresh ones are numbered from 2.
const STACK: u32 = 0;
const ABSOLUTE: u32 = 1;

struct Group {
    /// The invocation of the dispatcher the group belongs to.
    invocation: usize,
    conds: Vec<CodeCond>,
    /// The first instruction of the dispatch.
    start: (u32, usize),
    first_call: Option<(u32, usize)>,
    credit_call: Option<(u32, usize)>,
    handler: Option<u32>,
    credits: Vec<(u32, usize)>,
    code_compared: bool,
    to_checked: bool,
}

struct Walker<'c, 'a> {
    cx: &'c Context<'a>,
    sp_global: Option<u32>,
    /// (region, offset) → (value, width in bytes).
    mem: BTreeMap<(u32, i64), (Sym, u8)>,
    /// Where `read_action_data` wrote into a frame: (region, offset of byte 0).
    data_alias: Vec<(u32, i64)>,
    /// Snapshots of the narrower values an 8-byte load covered ([`Sym::Word`]): (offset in the
    /// word, value, width).
    words: Vec<Vec<(i64, Sym, u8)>>,
    /// The index of each snapshot in `words` (equal snapshots share one).
    word_ids: BTreeMap<Vec<(i64, Sym, u8)>, u32>,
    regions: u32,
    steps: u64,
    truncated: bool,
    on_stack: Vec<u32>,
    groups: Vec<Group>,
    /// Path conditions of every call walked, joined over its invocations.
    call_facts: BTreeMap<(u32, usize), Dnf>,
    invocations: usize,
    /// Per function: matching `end` of each block/loop/if, and `else` of each if.
    shapes: BTreeMap<u32, Rc<Nesting>>,
    /// Whether the last inlined call was run concretely (its result is exact).
    last_exact: bool,
    /// The module's initial memory, for the concrete runs' loads.
    data: DataBytes<'c>,
}

/// The bytes data segments place in memory, for reading one byte at a time:
/// [`wasmaudit_front::Module::data_at`] looks through every segment, here the one segment that
/// can hold an address is found by binary search when no two segments overlap.
struct DataBytes<'m> {
    /// Non-empty segments with a constant address, by address.
    segments: Vec<(u64, &'m [u8])>,
    /// Whether each segment ends before the next starts (else every look-up asks the module).
    disjoint: bool,
}

impl<'m> DataBytes<'m> {
    fn new(module: &'m wasmaudit_front::Module) -> DataBytes<'m> {
        let mut segments: Vec<(u64, &[u8])> = module
            .data
            .iter()
            .filter_map(|d| Some((d.offset?, d.bytes.as_slice())))
            .filter(|(_, b)| !b.is_empty())
            .collect();
        segments.sort_by_key(|(start, _)| *start);
        let disjoint = segments.windows(2).all(|w| {
            u64::try_from(w[0].1.len())
                .ok()
                .and_then(|n| w[0].0.checked_add(n))
                .is_some_and(|end| end <= w[1].0)
        });
        DataBytes { segments, disjoint }
    }

    /// The byte at address `at` as the module's data segments initialise it (as
    /// `module.data_at(at, 1)`), if one does.
    fn byte(&self, module: &wasmaudit_front::Module, at: u64) -> Option<u8> {
        if !self.disjoint {
            return module.data_at(at, 1).and_then(|d| d.first().copied());
        }
        let k = self.segments.partition_point(|(start, _)| *start <= at).checked_sub(1)?;
        let (start, bytes) = self.segments.get(k)?;
        bytes.get(usize::try_from(at - start).ok()?).copied()
    }
}

/// State of one invocation of a function.
struct Frame<'v> {
    func: u32,
    invocation: usize,
    values: &'v FunctionValues,
    vals: Vec<Option<Sym>>,
    args: Vec<Sym>,
    entry_sp: Sym,
    sp: Sym,
    block_out: Vec<Option<Dnf>>,
    block_in: Vec<Option<Dnf>>,
    ret: Option<Sym>,
    /// Values a concrete run computed.
    trusted: BTreeSet<ValueId>,
}

impl Frame<'_> {
    fn set(&mut self, v: ValueId, s: Sym) {
        if let Some(slot) = self.vals.get_mut(v as usize) {
            *slot = Some(s);
        }
    }
}

impl Walker<'_, '_> {
    fn fresh_region(&mut self) -> u32 {
        self.regions = self.regions.saturating_add(1);
        self.regions
    }

    /// Interprets one invocation of `func`; returns what it returns.
    fn run(
        &mut self,
        func: u32,
        args: &[Sym],
        entry_sp: Sym,
        entry: Dnf,
        region: Option<usize>,
        depth: usize,
    ) -> Sym {
        let cx = self.cx;
        let (Some(f), Some(values), Some(cfg)) =
            (cx.module.function(func), cx.program.values(func), cx.program.cfg(func))
        else {
            return Sym::Unknown;
        };
        if f.is_import() || depth > MAX_DEPTH || self.on_stack.contains(&func) || self.truncated {
            return Sym::Unknown;
        }
        self.on_stack.push(func);
        self.invocations += 1;
        let mut fr = Frame {
            func,
            invocation: self.invocations,
            values,
            vals: vec![None; values.len()],
            args: args.to_vec(),
            entry_sp,
            sp: entry_sp,
            block_out: vec![None; cfg.num_blocks()],
            block_in: vec![None; cfg.num_blocks()],
            ret: None,
            trusted: BTreeSet::new(),
        };
        let transfer = atom(Sym::Action, Sym::Const(TRANSFER as i64), true);
        let mut cur_block: Option<BlockId> = None;
        let mut facts = Dnf::bottom();
        let mut skip_until: Option<usize> = None;
        for (i, ins) in f.body.iter().enumerate() {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                self.truncated = true;
                break;
            }
            let b = cfg.block_of(i);
            if b != cur_block {
                if let Some(prev) = cur_block {
                    fr.block_out[prev.index()] = Some(facts.clone());
                }
                cur_block = b;
                facts = match b {
                    Some(b) if b == cfg.entry => entry.clone(),
                    Some(b) => self.facts_in(&mut fr, cfg, b, 0),
                    None => Dnf::bottom(),
                };
                if let Some(b) = b {
                    fr.block_in[b.index()] = Some(facts.clone());
                }
            }
            let live = !facts.is_bottom();
            if skip_until.is_some_and(|end| i <= end) {
                continue;
            }
            if live && matches!(ins.op, Op::Loop(_)) {
                // A loop over constants (a name computed at run time by an unoptimised
                // `N("eosio.token")`) is run to its end.
                let r = self.exec_loop(&mut fr, i);
                if let Some(end) = r {
                    skip_until = Some(end);
                    continue;
                }
            }
            // Code reached only for `transfer`, outside any handler: a dispatch.
            let here = match region {
                None if live && transfer.is_some_and(|t| facts.implies(t)) => {
                    Some(self.group_for(&fr, i, &facts))
                }
                r => r,
            };
            self.step(&mut fr, i, &ins.op, &mut facts, here, live, depth);
        }
        self.on_stack.pop();
        fr.ret.unwrap_or(Sym::Unknown)
    }

    /// The path condition on entry to block `b`: the join over its forward predecessors of their
    /// exit condition and the edge's branch condition.
    fn facts_in(&mut self, fr: &mut Frame<'_>, cfg: &Cfg, b: BlockId, depth: usize) -> Dnf {
        if let Some(f) = &fr.block_in[b.index()] {
            return f.clone();
        }
        if depth > 64 {
            return Dnf::top();
        }
        let mut acc = Dnf::bottom();
        let preds: Vec<(BlockId, EdgeKind)> = cfg.predecessors(b).collect();
        for (p, kind) in preds {
            let block = &cfg.graph[p];
            let out = if block.start == block.end {
                // An empty block (an `if` with no `else`): its exit is its entry.
                let f = self.facts_in(fr, cfg, p, depth + 1);
                fr.block_in[p.index()] = Some(f.clone());
                f
            } else {
                match &fr.block_out[p.index()] {
                    Some(f) => f.clone(),
                    // Not walked yet: a loop back edge.
                    None => continue,
                }
            };
            if out.is_bottom() {
                continue;
            }
            let edge = match (kind, block.end.checked_sub(1)) {
                (EdgeKind::True | EdgeKind::False, Some(last)) if block.start != block.end => {
                    match fr.values.operands(last).last() {
                        Some(&c) => self.cond_facts(fr, c, kind == EdgeKind::True, 0),
                        None => Dnf::top(),
                    }
                }
                _ => Dnf::top(),
            };
            acc = acc.or(&out.and(&edge));
        }
        acc
    }

    /// The condition under which value `c` is non-zero (`truth`) or zero (`!truth`).
    fn cond_facts(&mut self, fr: &mut Frame<'_>, c: ValueId, truth: bool, depth: usize) -> Dnf {
        let s = self.val(fr, c, 0);
        if let Sym::Const(k) = s {
            // Only constants the walk is sure of decide a branch: a constant read back from
            // memory may be stale (the walk does not see every write).
            if self.trusted(fr, c, 0) {
                return if (k != 0) == truth { Dnf::top() } else { Dnf::bottom() };
            }
            return Dnf::top();
        }
        if depth > 8 {
            return Dnf::top();
        }
        let ValueDef::Result { instr, index: 0 } = *fr.values.def(c) else { return Dnf::top() };
        let Some(op) = self.cx.module.function(fr.func).and_then(|f| f.body.get(instr)).map(|i| &i.op) else {
            return Dnf::top();
        };
        let values = fr.values;
        match (op, values.operands(instr)) {
            (Op::Compare(_, cmp @ (CmpOp::Eq | CmpOp::Ne)), [a, b]) => {
                let (x, y) = (self.val(fr, *a, 0), self.val(fr, *b, 0));
                let eq = (*cmp == CmpOp::Eq) == truth;
                Dnf::of(atom(x, y, eq))
            }
            (Op::Unary(_, UnOp::Eqz), [a]) => {
                let x = self.val(fr, *a, 0);
                match atom(x, Sym::Const(0), truth) {
                    Some(at) => Dnf::of(Some(at)),
                    None => self.cond_facts(fr, *a, !truth, depth + 1),
                }
            }
            (Op::Binary(_, BinOp::And), [a, b]) => {
                let (x, y) =
                    (self.cond_facts(fr, *a, truth, depth + 1), self.cond_facts(fr, *b, truth, depth + 1));
                if truth {
                    x.and(&y)
                } else {
                    x.or(&y)
                }
            }
            (Op::Binary(_, BinOp::Or), [a, b]) => {
                let (x, y) =
                    (self.cond_facts(fr, *a, truth, depth + 1), self.cond_facts(fr, *b, truth, depth + 1));
                if truth {
                    x.or(&y)
                } else {
                    x.and(&y)
                }
            }
            (Op::Convert(_), [a]) => self.cond_facts(fr, *a, truth, depth + 1),
            _ => Dnf::top(),
        }
    }

    /// Whether `v` is a constant that does not depend on the walk's model of memory: folded
    /// statically, computed by a concrete run, or pure arithmetic on such constants.
    fn trusted(&self, fr: &Frame<'_>, v: ValueId, depth: usize) -> bool {
        if fr.trusted.contains(&v) || self.static_constant(fr.func, v).is_some() {
            return true;
        }
        if depth > 8 {
            return false;
        }
        let ValueDef::Result { instr, index: 0 } = *fr.values.def(v) else { return false };
        let pure = self.cx.module.function(fr.func).and_then(|f| f.body.get(instr)).is_some_and(|i| {
            matches!(i.op, Op::Binary(..) | Op::Compare(..) | Op::Unary(..) | Op::Convert(_) | Op::Select)
        });
        pure && fr.values.operands(instr).iter().all(|o| self.trusted(fr, *o, depth + 1))
    }

    /// The symbol of value `v` in this invocation.
    fn val(&mut self, fr: &mut Frame<'_>, v: ValueId, depth: usize) -> Sym {
        if let Some(Some(s)) = fr.vals.get(v as usize) {
            return *s;
        }
        let s = match fr.values.def(v) {
            ValueDef::Param(i) => fr.args.get(*i as usize).copied().unwrap_or(Sym::Unknown),
            ValueDef::Const(c) => Sym::Const(*c),
            ValueDef::Zero => Sym::Const(0),
            ValueDef::GlobalEntry(g) if Some(*g) == self.sp_global => fr.entry_sp,
            ValueDef::Phi { operands, .. } if depth < 16 => {
                let operands = operands.clone();
                let mut seen: BTreeSet<Sym> = BTreeSet::new();
                for o in operands.into_iter().filter(|o| *o != v) {
                    let s = self.val(fr, o, depth + 1);
                    seen.insert(s);
                    if s == Sym::Unknown {
                        break;
                    }
                }
                if seen.len() == 2 && seen.iter().any(|s| matches!(s, Sym::DataPtr(_) | Sym::Ptr(..))) {
                    // A buffer or null (no action data): the buffer.
                    seen.remove(&Sym::Const(0));
                }
                match seen.len() {
                    1 => seen.into_iter().next().unwrap_or(Sym::Unknown),
                    _ => Sym::Unknown,
                }
            }
            _ => Sym::Unknown,
        };
        let s = match s {
            Sym::Unknown => self.static_constant(fr.func, v).map_or(Sym::Unknown, Sym::Const),
            s => s,
        };
        // Results not walked yet (a loop back edge) stay open; everything else is final.
        if !matches!(fr.values.def(v), ValueDef::Result { .. }) || s != Sym::Unknown {
            fr.set(v, s);
        }
        s
    }

    fn static_constant(&self, func: u32, v: ValueId) -> Option<i64> {
        self.cx.evaluator(func)?.constant(v)
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        fr: &mut Frame<'_>,
        i: usize,
        op: &Op,
        facts: &mut Dnf,
        region: Option<usize>,
        live: bool,
        depth: usize,
    ) {
        // The lifted values outlive the frame: borrowed, not copied per instruction.
        let values = fr.values;
        let (ops, results) = (values.operands(i), values.results(i));
        let out = match op {
            Op::Load { kind, offset, .. } => {
                let addr = ops.first().map_or(Sym::Unknown, |a| self.val(fr, *a, 0));
                match self.load(addr, *offset as i64, *kind) {
                    Sym::Unknown => match results.first().and_then(|r| self.static_constant(fr.func, *r)) {
                        Some(c) => Sym::Const(c),
                        None => self.absolute_base(addr, *offset as i64, kind.bytes),
                    },
                    s => s,
                }
            }
            Op::Store { kind, offset, .. } => {
                if live {
                    if let [a, v] = ops {
                        let (addr, val) = (self.val(fr, *a, 0), self.val(fr, *v, 0));
                        self.store(addr, *offset as i64, val, kind.bytes);
                    }
                }
                return;
            }
            Op::Binary(w, bop) => match ops {
                [a, b] => {
                    let (x, y) = (self.val(fr, *a, 0), self.val(fr, *b, 0));
                    binary(*w, *bop, x, y)
                }
                _ => Sym::Unknown,
            },
            Op::Compare(w, cmp) => match ops {
                [a, b] => {
                    let (x, y) = (self.val(fr, *a, 0), self.val(fr, *b, 0));
                    if live {
                        self.note_compare(region, x, y);
                    }
                    compare(*w, *cmp, x, y)
                }
                _ => Sym::Unknown,
            },
            Op::Unary(w, UnOp::Eqz) => match ops.first().map(|a| self.val(fr, *a, 0)) {
                Some(Sym::Const(c)) => Sym::Const(i64::from(truncate(*w, c) == 0)),
                _ => Sym::Unknown,
            },
            Op::Convert(c) => match (c, ops.first().map(|a| self.val(fr, *a, 0))) {
                (ConvOp::I32WrapI64, Some(Sym::Const(k))) => Sym::Const(i64::from(k as i32)),
                (ConvOp::I64ExtendI32U, Some(Sym::Const(k))) => Sym::Const(i64::from(k as u32)),
                (ConvOp::I64ExtendI32S, Some(Sym::Const(k))) => Sym::Const(i64::from(k as i32)),
                _ => Sym::Unknown,
            },
            Op::Select => match ops {
                [a, b, c] => {
                    let (x, y, z) = (self.val(fr, *a, 0), self.val(fr, *b, 0), self.val(fr, *c, 0));
                    match z {
                        Sym::Const(k) if k != 0 => x,
                        Sym::Const(_) => y,
                        _ if x == y => x,
                        _ => Sym::Unknown,
                    }
                }
                _ => Sym::Unknown,
            },
            Op::GlobalSet(g) if Some(*g) == self.sp_global => {
                if let Some(v) = ops.first() {
                    fr.sp = match self.val(fr, *v, 0) {
                        s @ Sym::Ptr(..) => s,
                        _ => Sym::Ptr(self.fresh_region(), 0),
                    };
                }
                return;
            }
            Op::Return => {
                self.note_return(fr, ops);
                return;
            }
            Op::End if i + 1 == self.body_len(fr.func) => {
                self.note_return(fr, ops);
                return;
            }
            Op::Call(callee) | Op::ReturnCall(callee) => {
                if !live {
                    return;
                }
                self.note_call(fr.func, i, facts);
                let args: Vec<Sym> = ops.iter().map(|a| self.val(fr, *a, 0)).collect();
                self.last_exact = false;
                let r = self.call(fr, i, &[*callee], &args, ops, facts, region, depth);
                if std::mem::take(&mut self.last_exact) {
                    fr.trusted.extend(results.iter().copied());
                }
                if matches!(op, Op::ReturnCall(_)) {
                    fr.ret = Some(merge_ret(fr.ret, r));
                }
                r
            }
            Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => {
                if !live {
                    return;
                }
                self.note_call(fr.func, i, facts);
                let mut targets = self.cx.program.calls.targets_at(fr.func, i).to_vec();
                let n = ops.len().saturating_sub(1);
                let args: Vec<Sym> = ops[..n].iter().map(|a| self.val(fr, *a, 0)).collect();
                let table = match op {
                    Op::CallIndirect { table, .. } | Op::ReturnCallIndirect { table, .. } => *table,
                    _ => 0,
                };
                if let Some(Sym::Const(k)) = ops.last().map(|v| self.val(fr, *v, 0)) {
                    // A constant slot: the function the element segments put there.
                    if let Some(f) = self.slot(table, k).filter(|f| targets.contains(f)) {
                        targets = vec![f];
                    }
                }
                if targets.len() > MAX_INDIRECT {
                    Sym::Unknown
                } else {
                    self.call(fr, i, &targets, &args, &ops[..n], facts, region, depth)
                }
            }
            _ => Sym::Unknown,
        };
        // An expression of `apply`'s arguments that always equals one of them or a constant
        // (a mixed boolean-arithmetic identity, an opaque predicate), whatever its shape.
        let out = match (out, op, results.first()) {
            (
                Sym::Unknown,
                Op::Binary(..) | Op::Compare(..) | Op::Unary(..) | Op::Convert(_) | Op::Select,
                Some(r),
            ) => opaque(fr, self.cx.evaluator(fr.func), *r).unwrap_or(Sym::Unknown),
            (out, ..) => out,
        };
        for &r in results {
            // `local.get` and friends "produce" an existing value: leave it as it is.
            if matches!(fr.values.def(r), ValueDef::Result { instr, .. } if *instr == i) {
                fr.set(r, out);
            }
        }
    }

    fn note_call(&mut self, func: u32, i: usize, facts: &Dnf) {
        match self.call_facts.get_mut(&(func, i)) {
            Some(d) => *d = d.or(facts),
            None => {
                self.call_facts.insert((func, i), facts.clone());
            }
        }
    }

    /// The function an active element segment places in slot `k` of `table`.
    fn slot(&self, table: u32, k: i64) -> Option<u32> {
        let k = u64::try_from(k).ok()?;
        self.cx.module.elements.iter().rev().filter(|e| e.active && e.table == table).find_map(|e| {
            let start = e.offset?;
            let idx = usize::try_from(k.checked_sub(start)?).ok()?;
            e.funcs.get(idx).copied().flatten()
        })
    }

    fn body_len(&self, func: u32) -> usize {
        self.cx.module.function(func).map_or(0, |f| f.body.len())
    }

    fn note_return(&mut self, fr: &mut Frame<'_>, ops: &[ValueId]) {
        if let Some(&v) = ops.first() {
            let s = self.val(fr, v, 0);
            fr.ret = Some(merge_ret(fr.ret, s));
        }
    }

    fn note_compare(&mut self, region: Option<usize>, x: Sym, y: Sym) {
        let Some(g) = region.and_then(|r| self.groups.get_mut(r)) else { return };
        let pair = |p: Sym, q: Sym| (p, q);
        for (p, q) in [pair(x, y), pair(y, x)] {
            // `code != receiver` says nothing about which token contract sent a notification.
            if p == Sym::Code && matches!(q, Sym::Const(_)) {
                g.code_compared = true;
            }
            if p == Sym::Field(TO_FIELD) && (q.is_self() || matches!(q, Sym::Const(_))) {
                g.to_checked = true;
            }
        }
    }

    fn load(&mut self, addr: Sym, offset: i64, kind: wasmaudit_front::LoadKind) -> Sym {
        let bytes = kind.bytes;
        let (r, o) = match addr {
            Sym::DataPtr(k) => {
                return if bytes == 8 { Sym::Field(k.wrapping_add(offset)) } else { Sym::Unknown };
            }
            addr => match slot(addr, offset) {
                Some(at) => at,
                None => return Sym::Unknown,
            },
        };
        if let Some((s, w)) = self.mem.get(&(r, o)) {
            if *w == bytes {
                return match *s {
                    Sym::Const(c) => Sym::Const(extend(c, kind)),
                    s => s,
                };
            }
        }
        if let Some(c) = self.const_bytes(r, o, bytes) {
            return Sym::Const(extend(c, kind));
        }
        if bytes == 8 {
            if let Some(base) = self.alias_base(r, o) {
                return Sym::Field(o - base);
            }
            // Narrower values that fill the word between them, one after the other: a struct
            // copied as one word.
            let parts: Vec<(i64, Sym, u8)> =
                self.mem.range((r, o)..(r, o + 8)).map(|((_, so), (s, w))| (so - o, *s, *w)).collect();
            let mut end = 0;
            let contiguous = parts.iter().all(|(j, s, w)| {
                let next = *j == end && *s != Sym::Unknown;
                end = j + i64::from(*w);
                next
            });
            if contiguous && end == 8 {
                if let Some(&k) = self.word_ids.get(&parts) {
                    return Sym::Word(k);
                }
                if self.words.len() < MAX_WORDS {
                    let k = self.words.len() as u32;
                    self.word_ids.insert(parts.clone(), k);
                    self.words.push(parts);
                    return Sym::Word(k);
                }
                self.truncated = true;
            }
        }
        Sym::Unknown
    }

    /// The little-endian value of `bytes` bytes at (`r`, `o`) when constants stored there (of
    /// any widths) cover all of them.
    fn const_bytes(&self, r: u32, o: i64, bytes: u8) -> Option<i64> {
        let mut raw = [0u8; 8];
        for (j, byte) in raw.iter_mut().enumerate().take(usize::from(bytes)) {
            let at = o + j as i64;
            let (&(_, start), &(s, w)) = self
                .mem
                .range((r, at - 7)..=(r, at))
                .rev()
                .find(|((_, st), (_, w))| st + i64::from(*w) > at)?;
            let Sym::Const(c) = s else { return None };
            let shift = u32::try_from(at - start).ok()? * 8;
            if shift >= u32::from(w) * 8 {
                return None;
            }
            *byte = (c.wrapping_shr(shift) & 0xff) as u8;
        }
        Some(i64::from_le_bytes(raw))
    }

    /// A pointer read from a fixed address nothing stored to (the stack pointer of old
    /// `eosiolib`, kept at address 4): a base of its own, remembered so that every read agrees.
    fn absolute_base(&mut self, addr: Sym, offset: i64, bytes: u8) -> Sym {
        let Sym::Const(a) = addr else { return Sym::Unknown };
        if bytes != 4 {
            return Sym::Unknown;
        }
        let at = a.wrapping_add(offset);
        let base = Sym::Ptr(self.fresh_region(), 0);
        self.mem.insert((ABSOLUTE, at), (base, 4));
        base
    }

    /// Byte 0 of the action data buffer that (`r`, `o`) points into, if any.
    fn alias_base(&self, r: u32, o: i64) -> Option<i64> {
        self.data_alias
            .iter()
            .rev()
            .find(|(ar, ao)| *ar == r && (0..MAX_COPY).contains(&(o - ao)))
            .map(|(_, ao)| *ao)
    }

    fn store(&mut self, addr: Sym, offset: i64, val: Sym, bytes: u8) {
        let Some((r, o)) = slot(addr, offset) else { return };
        self.clear(r, o, i64::from(bytes));
        let val = match val {
            // The parts of a word the store keeps.
            Sym::Word(k) => {
                for (j, s, w) in self.words.get(k as usize).cloned().unwrap_or_default() {
                    if j + i64::from(w) <= i64::from(bytes) {
                        self.mem.insert((r, o + j), (s, w));
                    }
                }
                return;
            }
            // A narrow store keeps the constant's low bytes.
            Sym::Const(c) if bytes < 8 => Sym::Const(c & ((1i64 << (8 * u32::from(bytes))) - 1)),
            val => val,
        };
        self.mem.insert((r, o), (val, bytes));
    }

    /// Forgets what is stored in `len` bytes from (`r`, `o`).
    fn clear(&mut self, r: u32, o: i64, len: i64) {
        let stale: Vec<(u32, i64)> = self
            .mem
            .range((r, o.saturating_sub(7))..(r, o.saturating_add(len)))
            .filter(|((_, so), (_, w))| so.saturating_add(i64::from(*w)) > o)
            .map(|(k, _)| *k)
            .collect();
        for k in stale {
            self.mem.remove(&k);
        }
    }

    fn copy(&mut self, dst: Sym, src: Sym, len: Sym) {
        let Some((dr, dof)) = slot(dst, 0).filter(|_| matches!(dst, Sym::Ptr(..))) else { return };
        let src = match src {
            Sym::Ptr(..) if slot(src, 0).is_none() => Sym::Unknown,
            src => src,
        };
        let n = match len {
            Sym::Const(n) if (0..=MAX_COPY).contains(&n) => n,
            _ => {
                self.clear(dr, dof, MAX_COPY);
                return;
            }
        };
        let mut entries: Vec<(i64, Sym, u8)> = Vec::new();
        match src {
            Sym::DataPtr(k) => {
                let mut j = 0;
                while j + 8 <= n {
                    entries.push((j, Sym::Field(k + j), 8));
                    j += 8;
                }
            }
            Sym::Ptr(sr, so) => {
                for ((_, off), (s, w)) in self.mem.range((sr, so)..(sr, so.saturating_add(n))) {
                    if off - so + i64::from(*w) <= n {
                        entries.push((off - so, *s, *w));
                    }
                }
                if let Some(base) = self.alias_base(sr, so) {
                    let mut j = 0;
                    while j + 8 <= n {
                        if !entries.iter().any(|(e, _, _)| *e == j) {
                            entries.push((j, Sym::Field(so - base + j), 8));
                        }
                        j += 8;
                    }
                }
            }
            _ => {}
        }
        self.clear(dr, dof, n);
        for (j, s, w) in entries {
            self.mem.insert((dr, dof + j), (s, w));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        fr: &mut Frame<'_>,
        i: usize,
        targets: &[u32],
        args: &[Sym],
        arg_values: &[ValueId],
        facts: &mut Dnf,
        region: Option<usize>,
        depth: usize,
    ) -> Sym {
        let mut ret: Option<Sym> = None;
        for &t in targets {
            let r = if let Some(h) = self.cx.host_fn(t) {
                let r = self.host(fr, t, args, arg_values, facts);
                if let Some(g) = region.and_then(|r| self.groups.get_mut(r)) {
                    let credits = h.has(Effect::StorageWrite)
                        || (h.has(Effect::ExternalCall) && h.arg("account").is_none());
                    if credits {
                        g.credits.push((fr.func, i));
                    }
                }
                r
            } else if self.cx.module.function(t).is_some_and(|f| f.is_import()) {
                Sym::Unknown
            } else {
                self.inline(fr, i, t, args, arg_values, facts, region, depth)
            };
            ret = Some(merge_ret(ret, r));
        }
        ret.unwrap_or(Sym::Unknown)
    }

    #[allow(clippy::too_many_arguments)]
    fn inline(
        &mut self,
        fr: &mut Frame<'_>,
        i: usize,
        callee: u32,
        args: &[Sym],
        arg_values: &[ValueId],
        facts: &Dnf,
        region: Option<usize>,
        depth: usize,
    ) -> Sym {
        let transfer = atom(Sym::Action, Sym::Const(TRANSFER as i64), true);
        let carries = args.iter().any(|a| matches!(a, Sym::Receiver | Sym::Code | Sym::Action | Sym::SelfId));
        let may_dispatch = transfer.is_some_and(|t| facts.allows(t));
        if region.is_none() && !(carries && may_dispatch) {
            return Sym::Unknown;
        }
        let in_dispatcher =
            region.is_some_and(|r| self.groups.get(r).is_some_and(|g| g.invocation == fr.invocation));
        if in_dispatcher {
            if let Some(g) = region.and_then(|r| self.groups.get_mut(r)) {
                if g.first_call.is_none() {
                    g.first_call = Some((fr.func, i));
                    g.handler = Some(callee);
                }
            }
        }
        let args_exact = arg_values.iter().all(|v| self.trusted(fr, *v, 0));
        if let Some((r, exact)) = self.exec_function(callee, args, args_exact, fr.sp) {
            // A helper over known values (`strlen`, a name parsed from a string) ran to its end.
            self.last_exact = exact;
            return r;
        }
        let before = region.and_then(|r| self.groups.get(r)).map_or(0, |g| g.credits.len());
        let r = self.run(callee, args, fr.sp, facts.clone(), region, depth + 1);
        if in_dispatcher {
            if let Some(g) = region.and_then(|r| self.groups.get_mut(r)) {
                if g.credit_call.is_none() && g.credits.len() > before {
                    g.credit_call = Some((fr.func, i));
                    g.handler = Some(callee);
                }
            }
        }
        r
    }

    /// The dispatch group of the dispatcher invocation `fr` for the conditions on `code` in
    /// `facts`.
    fn group_for(&mut self, fr: &Frame<'_>, i: usize, facts: &Dnf) -> usize {
        let mut conds: Vec<CodeCond> = facts.0.iter().map(code_cond).collect();
        conds.sort();
        conds.dedup();
        if let Some(k) = self.groups.iter().position(|g| g.invocation == fr.invocation && g.conds == conds) {
            return k;
        }
        self.groups.push(Group {
            invocation: fr.invocation,
            conds,
            start: (fr.func, i),
            first_call: None,
            credit_call: None,
            handler: None,
            credits: Vec::new(),
            code_compared: false,
            to_checked: false,
        });
        self.groups.len() - 1
    }

    /// The host functions whose semantics the walk models.
    fn host(
        &mut self,
        fr: &mut Frame<'_>,
        callee: u32,
        args: &[Sym],
        arg_values: &[ValueId],
        facts: &mut Dnf,
    ) -> Sym {
        let Some(h) = self.cx.host_fn(callee) else { return Sym::Unknown };
        let arg = |k: usize| args.get(k).copied().unwrap_or(Sym::Unknown);
        match h.name.as_str() {
            "read_action_data" => {
                match arg(0) {
                    Sym::Ptr(r, o) => {
                        if let Sym::Const(n) = arg(1) {
                            self.clear(r, o, n.clamp(0, MAX_COPY));
                        }
                        self.data_alias.push((r, o));
                    }
                    _ => {
                        // A buffer whose address the walk does not know (heap or dynamic
                        // stack allocation): its value is the data pointer from here on.
                        if let Some(&v) = arg_values.first() {
                            fr.set(v, Sym::DataPtr(0));
                        }
                    }
                }
                Sym::Unknown
            }
            "memcpy" | "memmove" => {
                self.copy(arg(0), arg(1), arg(2));
                arg(0)
            }
            "memset" => {
                if let (Sym::Ptr(r, o), Sym::Const(n)) = (arg(0), arg(2)) {
                    self.clear(r, o, n.clamp(0, MAX_COPY));
                }
                arg(0)
            }
            "current_receiver" => Sym::SelfId,
            _ => {
                if h.has(Effect::Abort) {
                    if let Some(&c) = h.arg("condition").and_then(|k| arg_values.get(k as usize)) {
                        let cond = self.cond_facts(fr, c, true, 0);
                        *facts = facts.and(&cond);
                    }
                }
                Sym::Unknown
            }
        }
    }
}

/// Instructions one concrete run may execute.
const MAX_EXEC: usize = 20_000;
/// Largest function the walk tries to run concretely.
const MAX_EXEC_BODY: usize = 4_000;

/// The state of a concrete run over the instructions `lo..=hi` of a body (a loop, or a whole
/// function): the last value of each value computed in the range with the time it was computed
/// (phis take their most recent operand), and bytes stored at absolute addresses.
struct Exec {
    lo: usize,
    hi: usize,
    conc: HashMap<ValueId, (Sym, u64)>,
    clock: u64,
    mem: BTreeMap<u64, u8>,
    /// Phi values already worked out at a given clock.
    phi_memo: HashMap<ValueId, (u64, Option<(Sym, u64)>)>,
    /// Whether the run read something the walk is not sure of (memory, a guessed value).
    tainted: bool,
    /// For a function run: whether its arguments are exact.
    args_exact: bool,
}

/// How a concrete run ended.
enum Ended {
    /// Past the end of the loop, or out of it by a branch.
    Left,
    /// The function returned this value (if any).
    Returned(Option<Sym>),
}

impl Walker<'_, '_> {
    fn shape(&mut self, func: u32) -> Option<Rc<Nesting>> {
        if let Some(s) = self.shapes.get(&func) {
            return Some(Rc::clone(s));
        }
        let body = &self.cx.module.function(func)?.body;
        let s = Rc::new(Nesting::of(body));
        self.shapes.insert(func, Rc::clone(&s));
        Some(s)
    }

    /// Runs the loop at `start` concretely when everything it reads is known; on success the
    /// values it computed take their final values and the index of its `end` is returned.
    fn exec_loop(&mut self, fr: &mut Frame<'_>, start: usize) -> Option<usize> {
        let shape = self.shape(fr.func)?;
        let end = shape.end(start)?;
        let mut ex = Exec {
            lo: start,
            hi: end,
            conc: HashMap::new(),
            clock: 1,
            mem: BTreeMap::new(),
            phi_memo: HashMap::new(),
            tainted: false,
            args_exact: true,
        };
        match self.exec(fr, &mut ex, &shape, vec![start], start + 1)? {
            Ended::Left => {}
            Ended::Returned(_) => return None,
        }
        let phis: Vec<ValueId> = fr
            .values
            .defs
            .iter()
            .enumerate()
            .filter(|(_, d)| matches!(d, ValueDef::Phi { instr, .. } if (start..=end).contains(instr)))
            .map(|(v, _)| v as ValueId)
            .collect();
        let mut out: Vec<(ValueId, Sym)> = ex.conc.iter().map(|(v, (c, _))| (*v, *c)).collect();
        for p in phis {
            if let Some(c) = self.exec_value(fr, &mut ex, p, 0) {
                out.push((p, c));
            }
        }
        for (v, c) in out {
            fr.set(v, c);
            if !ex.tainted {
                fr.trusted.insert(v);
            }
        }
        Some(end)
    }

    /// Runs a whole (small) function concretely; its return value, if it ran to the end, and
    /// whether that value is exact (`args_exact` and nothing read from the walk's memory).
    fn exec_function(&mut self, func: u32, args: &[Sym], args_exact: bool, sp: Sym) -> Option<(Sym, bool)> {
        let cx = self.cx;
        let (f, values) = (cx.module.function(func)?, cx.program.values(func)?);
        if f.is_import() || f.body.len() > MAX_EXEC_BODY || args.contains(&Sym::Unknown) {
            return None;
        }
        let shape = self.shape(func)?;
        let mut fr = Frame {
            func,
            invocation: 0,
            values,
            vals: vec![None; values.len()],
            args: args.to_vec(),
            entry_sp: sp,
            sp,
            block_out: Vec::new(),
            block_in: Vec::new(),
            ret: None,
            trusted: BTreeSet::new(),
        };
        let hi = f.body.len().saturating_sub(1);
        let mut ex = Exec {
            lo: 0,
            hi,
            conc: HashMap::new(),
            clock: 1,
            mem: BTreeMap::new(),
            phi_memo: HashMap::new(),
            tainted: false,
            args_exact,
        };
        match self.exec(&mut fr, &mut ex, &shape, Vec::new(), 0)? {
            Ended::Returned(r) => Some((r.unwrap_or(Sym::Unknown), !ex.tainted)),
            Ended::Left => None,
        }
    }

    /// The concrete run itself, from `pc` with the open constructs `labels`.
    fn exec(
        &mut self,
        fr: &mut Frame<'_>,
        ex: &mut Exec,
        shape: &Nesting,
        mut labels: Vec<usize>,
        mut pc: usize,
    ) -> Option<Ended> {
        let cx = self.cx;
        let body = &cx.module.function(fr.func)?.body;
        let whole = ex.lo == 0 && ex.hi + 1 == body.len();
        for _ in 0..MAX_EXEC {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return None;
            }
            if !whole && pc >= ex.hi {
                return Some(Ended::Left);
            }
            let values = fr.values;
            let ops = values.operands(pc);
            ex.clock += 1;
            let op = &body.get(pc)?.op;
            let next = match op {
                Op::Block(_) | Op::Loop(_) => {
                    labels.push(pc);
                    Some(pc + 1)
                }
                Op::If(_) => {
                    let c = self.exec_const(fr, ex, *ops.last()?)?;
                    labels.push(pc);
                    if c != 0 {
                        Some(pc + 1)
                    } else {
                        Some(match shape.else_of(pc) {
                            Some(e) => e + 1,
                            None => shape.end(pc)?,
                        })
                    }
                }
                Op::Else => {
                    let k = *labels.last()?;
                    Some(shape.end(k)?)
                }
                Op::End if whole && pc == ex.hi => {
                    let r = match ops.first() {
                        Some(v) => Some(self.exec_value(fr, ex, *v, 0)?),
                        None => None,
                    };
                    return Some(Ended::Returned(r));
                }
                Op::End => {
                    labels.pop();
                    Some(pc + 1)
                }
                Op::Return if whole => {
                    let r = match ops.first() {
                        Some(v) => Some(self.exec_value(fr, ex, *v, 0)?),
                        None => None,
                    };
                    return Some(Ended::Returned(r));
                }
                Op::Br(d) => branch(shape, body, &mut labels, *d)?,
                Op::BrIf(d) => {
                    if self.exec_const(fr, ex, *ops.last()?)? != 0 {
                        branch(shape, body, &mut labels, *d)?
                    } else {
                        Some(pc + 1)
                    }
                }
                Op::BrTable { targets, default } => {
                    let k = self.exec_const(fr, ex, *ops.last()?)?;
                    let d = usize::try_from(k as u32)
                        .ok()
                        .and_then(|k| targets.get(k))
                        .copied()
                        .unwrap_or(*default);
                    branch(shape, body, &mut labels, d)?
                }
                Op::Nop
                | Op::Drop
                | Op::LocalGet(_)
                | Op::GlobalGet(_)
                | Op::I32Const(_)
                | Op::I64Const(_) => Some(pc + 1),
                Op::LocalSet(_) | Op::LocalTee(_) | Op::GlobalSet(_) => {
                    let v = *ops.first()?;
                    let c = self.exec_value(fr, ex, v, 0)?;
                    ex.conc.insert(v, (c, ex.clock));
                    Some(pc + 1)
                }
                Op::Call(callee) => {
                    // Only assertions that hold: anything else leaves the run.
                    let h = cx.host_fn(*callee)?;
                    let cond = h.arg("condition").filter(|_| h.has(Effect::Abort))?;
                    if self.exec_const(fr, ex, *ops.get(cond as usize)?)? == 0 {
                        return None;
                    }
                    Some(pc + 1)
                }
                _ => {
                    let c = self.exec_op(fr, ex, op, ops)?;
                    for r in fr.values.results(pc) {
                        ex.conc.insert(*r, (c, ex.clock));
                    }
                    Some(pc + 1)
                }
            };
            match next {
                Some(n) => pc = n,
                // A branch out of the range: out of the loop, or out of the function's body.
                None if whole => return None,
                None => return Some(Ended::Left),
            }
        }
        None
    }

    fn exec_const(&mut self, fr: &mut Frame<'_>, ex: &mut Exec, v: ValueId) -> Option<i64> {
        match self.exec_value(fr, ex, v, 0)? {
            Sym::Const(c) => Some(c),
            _ => None,
        }
    }

    fn exec_value(&mut self, fr: &mut Frame<'_>, ex: &mut Exec, v: ValueId, depth: usize) -> Option<Sym> {
        self.exec_stamped(fr, ex, v, depth).map(|(c, _)| c)
    }

    fn exec_stamped(
        &mut self,
        fr: &mut Frame<'_>,
        ex: &mut Exec,
        v: ValueId,
        depth: usize,
    ) -> Option<(Sym, u64)> {
        if let Some(&c) = ex.conc.get(&v) {
            return Some(c);
        }
        if depth > 32 {
            return None;
        }
        match fr.values.def(v).clone() {
            ValueDef::Phi { instr, operands } if (ex.lo..=ex.hi).contains(&instr) => {
                if let Some(&(at, c)) = ex.phi_memo.get(&v) {
                    if at == ex.clock {
                        return c;
                    }
                }
                ex.phi_memo.insert(v, (ex.clock, None));
                let mut best: Option<(Sym, u64)> = None;
                for o in operands.into_iter().filter(|o| *o != v) {
                    if let Some(c) = self.exec_stamped(fr, ex, o, depth + 1) {
                        if best.is_none_or(|b| c.1 >= b.1) {
                            best = Some(c);
                        }
                    }
                }
                ex.phi_memo.insert(v, (ex.clock, best));
                best
            }
            ValueDef::Result { instr, .. } if (ex.lo..=ex.hi).contains(&instr) => None,
            d => match self.val(fr, v, 0) {
                Sym::Unknown => None,
                s => {
                    let exact = match d {
                        ValueDef::Param(_) if ex.lo == 0 => ex.args_exact,
                        _ => self.trusted(fr, v, 0),
                    };
                    ex.tainted |= !exact;
                    Some((s, 0))
                }
            },
        }
    }

    fn exec_op(&mut self, fr: &mut Frame<'_>, ex: &mut Exec, op: &Op, ops: &[ValueId]) -> Option<Sym> {
        let mut arg = |k: usize, w: &mut Self| -> Option<Sym> { w.exec_value(fr, ex, *ops.get(k)?, 0) };
        let known = |s: Sym| (s != Sym::Unknown).then_some(s);
        match op {
            Op::Binary(w, b) => {
                let (x, y) = (arg(0, self)?, arg(1, self)?);
                known(binary(*w, *b, x, y))
            }
            Op::Compare(w, c) => {
                let (x, y) = match (arg(0, self)?, arg(1, self)?) {
                    // Pointers into one region compare by offset.
                    (Sym::Ptr(r, a), Sym::Ptr(q, b)) if r == q => (Sym::Const(a), Sym::Const(b)),
                    (Sym::DataPtr(a), Sym::DataPtr(b)) => (Sym::Const(a), Sym::Const(b)),
                    xy => xy,
                };
                known(compare(*w, *c, x, y))
            }
            Op::Unary(w, u) => match arg(0, self)? {
                Sym::Const(x) => unary(*w, *u, x).map(Sym::Const),
                _ => None,
            },
            Op::Convert(c) => match arg(0, self)? {
                Sym::Const(x) => Some(Sym::Const(match c {
                    ConvOp::I32WrapI64 => i64::from(x as i32),
                    ConvOp::I64ExtendI32U => i64::from(x as u32),
                    ConvOp::I64ExtendI32S => i64::from(x as i32),
                })),
                _ => None,
            },
            Op::Select => {
                let (x, y) = (arg(0, self)?, arg(1, self)?);
                match arg(2, self)? {
                    Sym::Const(c) => Some(if c != 0 { x } else { y }),
                    _ => None,
                }
            }
            Op::Load { kind, offset, .. } => match arg(0, self)? {
                Sym::Const(a) => {
                    let a = u64::from(a as u32).checked_add(*offset)?;
                    let mut raw = [0u8; 8];
                    for (j, byte) in raw.iter_mut().enumerate().take(kind.bytes as usize) {
                        let at = a.checked_add(j as u64)?;
                        // Memory no data segment covers starts zeroed.
                        *byte = match ex.mem.get(&at) {
                            Some(b) => *b,
                            None => self.data.byte(self.cx.module, at).unwrap_or(0),
                        };
                    }
                    Some(Sym::Const(extend(i64::from_le_bytes(raw), *kind)))
                }
                addr => {
                    ex.tainted = true;
                    known(self.load(addr, *offset as i64, *kind))
                }
            },
            Op::Store { kind, offset, .. } => {
                let (addr, val) = (arg(0, self)?, arg(1, self)?);
                match (addr, val) {
                    (Sym::Const(a), Sym::Const(v)) => {
                        let a = u64::from(a as u32).checked_add(*offset)?;
                        for (j, byte) in v.to_le_bytes().iter().enumerate().take(kind.bytes as usize) {
                            ex.mem.insert(a.checked_add(j as u64)?, *byte);
                        }
                    }
                    (Sym::Ptr(..), v) => self.store(addr, *offset as i64, v, kind.bytes),
                    _ => return None,
                }
                Some(Sym::Const(0))
            }
            _ => None,
        }
    }
}

/// Where `br d` goes inside a concrete run: the next instruction, or `None` when it leaves the
/// range; `None` from the outer option for a malformed target.
fn branch(
    shape: &Nesting,
    body: &[wasmaudit_front::Instr],
    labels: &mut Vec<usize>,
    d: u32,
) -> Option<Option<usize>> {
    let Some(idx) = labels.len().checked_sub(1 + d as usize) else {
        return Some(None);
    };
    let target = *labels.get(idx)?;
    if matches!(body.get(target)?.op, Op::Loop(_)) {
        labels.truncate(idx + 1);
        Some(Some(target + 1))
    } else {
        labels.truncate(idx);
        Some(Some(shape.end(target)? + 1))
    }
}

fn unary(w: Width, op: UnOp, x: i64) -> Option<i64> {
    let r = match (w, op) {
        (_, UnOp::Eqz) => i64::from(truncate(w, x) == 0),
        (Width::I32, UnOp::Clz) => i64::from((x as u32).leading_zeros()),
        (Width::I32, UnOp::Ctz) => i64::from((x as u32).trailing_zeros()),
        (Width::I32, UnOp::Popcnt) => i64::from((x as u32).count_ones()),
        (Width::I64, UnOp::Clz) => i64::from((x as u64).leading_zeros()),
        (Width::I64, UnOp::Ctz) => i64::from((x as u64).trailing_zeros()),
        (Width::I64, UnOp::Popcnt) => i64::from((x as u64).count_ones()),
        (_, UnOp::Extend8S) => i64::from(x as i8),
        (_, UnOp::Extend16S) => i64::from(x as i16),
        (_, UnOp::Extend32S) => i64::from(x as i32),
    };
    Some(truncate(w, r))
}

fn merge_ret(prev: Option<Sym>, s: Sym) -> Sym {
    match prev {
        None => s,
        Some(p) if p == s => s,
        Some(_) => Sym::Unknown,
    }
}

/// `c`'s low `kind.bytes` bytes, extended as the load does.
fn extend(c: i64, kind: wasmaudit_front::LoadKind) -> i64 {
    let bits = u32::from(kind.bytes) * 8;
    let v = if bits >= 64 {
        c
    } else if kind.signed {
        (c << (64 - bits)) >> (64 - bits)
    } else {
        c & ((1i64 << bits) - 1)
    };
    if kind.result == wasmaudit_front::ValType::I32 {
        i64::from(v as i32)
    } else {
        v
    }
}

/// Nodes of an expression [`opaque`] evaluates.
const MAX_OPAQUE_NODES: usize = 64;
/// Inputs each expression is evaluated on.
const OPAQUE_SAMPLES: usize = 48;

/// What the pure expression `v` of the frame's function always equals, when it is computed from
/// one of `apply`'s arguments (or `current_receiver`) and constants only, through arithmetic,
/// comparisons, conversions and selects of at least three operations: that argument, when the
/// expression returns it for every input tried, or a constant, when it returns the same value
/// for every input. The expression is evaluated on [`OPAQUE_SAMPLES`] inputs (edge values and a
/// fixed pseudo-random sequence), which needs no solver; the SMT checks can prove it.
fn opaque(fr: &Frame<'_>, ev: Option<&wasmaudit_flow::Evaluator<'_>>, v: ValueId) -> Option<Sym> {
    let ev = ev?;
    let body = ev.func.body.as_slice();
    // Post-order nodes; the single symbolic input.
    let mut order: Vec<ValueId> = Vec::new();
    let mut seen: BTreeSet<ValueId> = BTreeSet::new();
    let mut input: Option<(ValueId, Sym)> = None;
    let mut stack = vec![(v, false)];
    while let Some((x, expanded)) = stack.pop() {
        if expanded {
            order.push(x);
            continue;
        }
        if !seen.insert(x) {
            continue;
        }
        if seen.len() > MAX_OPAQUE_NODES {
            return None;
        }
        if ev.constant(x).is_some() {
            order.push(x);
            continue;
        }
        if let Some(Some(sym @ (Sym::Receiver | Sym::Code | Sym::Action | Sym::SelfId))) =
            fr.vals.get(x as usize)
        {
            match input {
                Some((y, _)) if y != x => return None,
                _ => input = Some((x, *sym)),
            }
            order.push(x);
            continue;
        }
        let ValueDef::Result { instr, index: 0 } = fr.values.def(x) else { return None };
        if !matches!(
            body.get(*instr).map(|i| &i.op),
            Some(Op::Binary(..) | Op::Compare(..) | Op::Unary(..) | Op::Convert(_) | Op::Select)
        ) {
            return None;
        }
        stack.push((x, true));
        stack.extend(fr.values.operands(*instr).iter().map(|o| (*o, false)));
    }
    let (leaf, sym) = input?;
    if order.len() < 4 {
        return None;
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut samples: Vec<i64> = vec![0, 1, -1, i64::MIN, i64::MAX, 0x5530_ea03_3482_a600];
    while samples.len() < OPAQUE_SAMPLES {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        samples.push(state as i64);
    }
    let mut first: Option<i64> = None;
    let (mut identity, mut constant) = (true, true);
    for x in samples {
        let mut env: BTreeMap<ValueId, i64> = BTreeMap::new();
        for &n in &order {
            let value = if n == leaf {
                x
            } else if let Some(c) = ev.constant(n) {
                c
            } else {
                let ValueDef::Result { instr, .. } = fr.values.def(n) else { return None };
                let ops: Vec<i64> =
                    fr.values.operands(*instr).iter().map(|o| env.get(o).copied()).collect::<Option<_>>()?;
                wasmaudit_flow::eval_op(&body.get(*instr)?.op, &ops)?
            };
            env.insert(n, value);
        }
        let r = *env.get(&v)?;
        identity &= r == x;
        constant &= *first.get_or_insert(r) == r;
        if !identity && !constant {
            return None;
        }
    }
    if identity {
        return Some(sym);
    }
    first.filter(|_| constant).map(Sym::Const)
}

fn truncate(w: Width, c: i64) -> i64 {
    match w {
        Width::I32 => i64::from(c as i32),
        Width::I64 => c,
    }
}

fn binary(w: Width, op: BinOp, x: Sym, y: Sym) -> Sym {
    match (op, x, y) {
        (BinOp::Add, Sym::Ptr(r, o), Sym::Const(c)) | (BinOp::Add, Sym::Const(c), Sym::Ptr(r, o)) => {
            Sym::Ptr(r, o.wrapping_add(c))
        }
        (BinOp::Sub, Sym::Ptr(r, o), Sym::Const(c)) => Sym::Ptr(r, o.wrapping_sub(c)),
        (BinOp::Sub, Sym::Ptr(r, a), Sym::Ptr(q, b)) if r == q => Sym::Const(truncate(w, a.wrapping_sub(b))),
        (BinOp::Add, Sym::DataPtr(k), Sym::Const(c)) | (BinOp::Add, Sym::Const(c), Sym::DataPtr(k)) => {
            Sym::DataPtr(k.wrapping_add(c))
        }
        (BinOp::Sub, Sym::DataPtr(k), Sym::Const(c)) => Sym::DataPtr(k.wrapping_sub(c)),
        (BinOp::Sub, Sym::DataPtr(a), Sym::DataPtr(b)) => Sym::Const(truncate(w, a.wrapping_sub(b))),
        (_, Sym::Const(a), Sym::Const(b)) => {
            wasmaudit_flow::eval_op(&Op::Binary(w, op), &[a, b]).map_or(Sym::Unknown, Sym::Const)
        }
        _ => Sym::Unknown,
    }
}

fn compare(w: Width, op: CmpOp, x: Sym, y: Sym) -> Sym {
    let (Sym::Const(a), Sym::Const(b)) = (x, y) else {
        // The same symbol on both sides.
        return match (op, x == y && x != Sym::Unknown) {
            (CmpOp::Eq, true) => Sym::Const(1),
            (CmpOp::Ne, true) => Sym::Const(0),
            _ => Sym::Unknown,
        };
    };
    Sym::Const(i64::from(wasmaudit_flow::compare(w, op, a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_encode_and_decode() {
        assert_eq!(name("transfer"), 0xcdcd_3c2d_5700_0000);
        assert_eq!(name("eosio.token"), 0x5530_ea03_3482_a600);
        assert_eq!(name("eosio"), 6138663577826885632);
        assert_eq!(name_string(name("eosio.token")), "eosio.token");
        assert_eq!(name_string(name("onerror")), "onerror");
        assert_eq!(name_string(0), "");
    }

    #[test]
    fn contradictory_paths_are_dropped() {
        let t = atom(Sym::Action, Sym::Const(1), true);
        let u = atom(Sym::Action, Sym::Const(2), true);
        let both = Dnf::of(t).and(&Dnf::of(u));
        assert!(both.is_bottom());
        let either = Dnf::of(t).or(&Dnf::of(u));
        assert_eq!(either.0.len(), 2);
        assert!(!either.implies(t.expect("atom")));
        assert!(!Dnf::top().or(&Dnf::of(t)).implies(t.expect("atom")));
    }
}
