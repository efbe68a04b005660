//! Storage accesses by key: which storage keys each host call, each call instruction and each
//! function (transitively) reads and writes, and which stored values a value is computed from.
//!
//! A key is resolved to constant bytes where the code makes it constant: a string in a data
//! segment, or constants stored into a buffer before the call (for each byte the nearest store
//! that dominates the call). Keys a function takes from its parameters stay symbolic in its
//! summary ([`KeyRef::ParamBytes`], [`KeyRef::ParamValue`]) and are resolved at each call site,
//! so the usual `get(key: &[u8])` wrappers do not hide the key. Key encodings per platform:
//! a pointer and a length (`key`/`key_len` argument roles; 32 bytes when there is no length
//! role, as ink! `seal0` and Stylus keys), a CosmWasm region (pointer to `{offset, capacity,
//! length}`), or the key value itself (a Soroban `Val`, an EOSIO table name: [`Key::Value`]).
//! A key value the code builds by a call, in a module that imports host value constructors
//! (Soroban `contracttype` keys: `vec_new_from_linear_memory` over a symbol and the variant's
//! fields), is evaluated with the call's constant arguments and the constant memory behind its
//! pointer arguments ([`crate::hostval`]): the same constructor over the same constant contents
//! is the same [`Key::Built`]; fields that are not constant make it a family
//! ([`Key::is_family`], `Balance(_)`), equal to the same family and never to an exact key. When
//! the evaluation needs the enclosing function's parameters the key stays symbolic
//! ([`KeyRef::Call`]) and is evaluated again at each call site. A key pointer and length a
//! wrapper receives that the caller loaded from its own memory, where a call before left them
//! through an out-pointer (cw-storage-plus `Item` keys: `Namespace::as_slice` of a static
//! namespace the contract copies onto its stack), is that call run concretely
//! ([`hostval::eval_slice`]) and the constant bytes it points at; symbolic ([`KeyRef::Slice`])
//! while the call's inputs are the enclosing function's parameters. Other keys built at run time
//! (hashes of a mapping key, serialized composite keys, cw-storage-plus `Map` keys copied into a
//! heap buffer) are [`KeyRef::Unknown`] and equal to nothing, except on Stylus: there every key
//! is rebuilt from a `U256` slot (little-endian limbs reversed into a big-endian buffer) right
//! before the host call, and a mapping entry is `keccak(key ‖ slot)`. A Stylus key that is not
//! constant is the bytes behind the key argument as a source run of the enclosing function
//! finds them ([`hostval::arg_bytes`]): bytes of its parameters moved by constants, constants,
//! the caller's address and digests of such bytes ([`KeyRef::Computed`]); symbolic in the
//! parameters, the key is run again at each call site (the caller's run up to the call gives
//! the bytes behind the arguments; when that run does not reach the call, a byte behind an
//! argument is the byte of a parameter's memory the argument points into, or what the nearest
//! dominating store left there: a constant, a byte copied from a parameter's memory; any other
//! byte is unknown). A digest over unknown bytes whose slot (the input's last 32 bytes) is
//! known names the family of that mapping's entries ([`KeyRef::may_alias`]); bytes unknown
//! elsewhere make no key.
//!
//! [`StorageAccess::value_keys`] answers "is this value computed only from stored values and
//! constants, and from which keys?": the basis of flag tests (`if paused { trap }`, `assert
//! version == 2`). It follows arithmetic, comparisons, phis, loads from the output buffer of a
//! storage read (including NEAR registers and buffers a callee fills), host calls that return a
//! stored value, and calls of functions whose result is such a value.

use crate::hostval::{self, Arg, Built, Evaluated, KeyByte};
use crate::Context;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use wasmaudit_flow::{Addr, Base, Cfg, Evaluator, FunctionValues, ValueDef, ValueId};
use wasmaudit_front::{ConvOp, Op};
use wasmaudit_platform::{BufferOp, Effect, HostFn, Platform};

/// Longest key reconstructed from memory.
const MAX_KEY_LEN: i64 = 256;
/// Constant bytes a key family's prefix needs ([`KeyRef::computed_on`]): an ink! mapping's key
/// is a `u32`.
const MIN_FAMILY_PREFIX: usize = 4;

/// Whether the platform stores a map's entries under the map's constant key followed by the
/// encoded map key, with no hash in between, so that a constant prefix names one map: ink!
/// (`Mapping<K, V>` entries under `(KEY, K).encode()`, ink_storage's `Mapping::insert`).
fn prefix_families(p: Platform) -> bool {
    p == Platform::Ink
}
/// Key length when the host function takes no length (ink! `seal0`, Stylus, ewasm).
const DEFAULT_KEY_LEN: i64 = 32;
/// Bytes of a storage read's output buffer a load may read the stored value from (a decoded
/// struct: larger than taint's write window).
const OUTPUT_WINDOW: i64 = 1024;
/// Distinct accesses kept in a function summary; beyond, an unknown access stands for the rest.
const MAX_SUMMARY: usize = 256;
/// Rounds of the bottom-up fixpoint (recursion keeps the last round's facts).
const MAX_ROUNDS: usize = 8;
/// Depth of the backward walk of [`StorageAccess::value_keys`].
const MAX_VALUE_DEPTH: u32 = 24;
/// Instructions before a call [`Resolver::slice_key`] searches for the call that filled a key slot.
const MAX_PRODUCER_DISTANCE: usize = 512;
/// Values one backward walk may visit.
const MAX_VALUE_STEPS: usize = 512;
/// Bytes of a storage slot at the end of a mapping entry's hash input (`keccak(key ‖ slot)`).
const SLOT_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Read,
    Write,
}

/// A storage key known to the analysis.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// Constant key bytes (shared: a key is copied into every caller's summary).
    Bytes(std::sync::Arc<[u8]>),
    /// A constant key value (Soroban `Val`, EOSIO table name).
    Value(i64),
    /// A host value the code builds from constants (a Soroban `contracttype` key), or a family
    /// of them when some part is not constant.
    Built(Built),
}

impl Key {
    /// Whether the key names a family of entries (a built key with a part that is not
    /// constant: `Balance(_)`) rather than one entry.
    pub fn is_family(&self) -> bool {
        matches!(self, Key::Built(b) if b.is_family())
    }

    /// The key as text, when it is printable ASCII (`"STATE"`, `"contract_info"`).
    pub fn text(&self) -> Option<&str> {
        match self {
            Key::Bytes(b) if !b.is_empty() && b.iter().all(|c| c.is_ascii_graphic() || *c == b' ') => {
                std::str::from_utf8(b).ok()
            }
            _ => None,
        }
    }
}

impl Key {
    /// The key's name as the contract spells it, when it has one: printable key bytes, an EOSIO
    /// table name, a Soroban small symbol.
    pub fn name(&self, platform: Platform) -> Option<String> {
        match (self, platform) {
            (Key::Value(v), Platform::Eosio) => Some(eosio_name(*v as u64)),
            (Key::Value(v), Platform::Soroban) => soroban_symbol(*v as u64),
            (Key::Bytes(_), _) => self.text().map(str::to_string),
            (Key::Built(b), _) => b.name(),
            _ => None,
        }
    }

    /// The key for messages: its name when it has one, else its bytes or value.
    pub fn describe(&self, platform: Platform) -> String {
        match (self, self.name(platform)) {
            (Key::Value(_) | Key::Built(_), Some(name)) => format!("`{name}`"),
            _ => self.to_string(),
        }
    }
}

/// A Soroban `SymbolSmall` value (tag 14, six bits per character) as text.
pub(crate) fn soroban_symbol(v: u64) -> Option<String> {
    const TAG_SYMBOL_SMALL: u64 = 14;
    if v & 0xff != TAG_SYMBOL_SMALL {
        return None;
    }
    let mut body = v >> 8;
    let mut chars = Vec::new();
    while body != 0 {
        let c = (body & 0x3f) as u8;
        chars.push(match c {
            1 => b'_',
            2..=11 => b'0' + c - 2,
            12..=37 => b'A' + c - 12,
            38..=63 => b'a' + c - 38,
            _ => return None,
        });
        body >>= 6;
    }
    chars.reverse();
    (!chars.is_empty()).then(|| String::from_utf8_lossy(&chars).into_owned())
}

/// An `eosio::name` value (base-32 packed account, table or action name) as text.
pub fn eosio_name(v: u64) -> String {
    const CHARS: &[u8; 32] = b".12345abcdefghijklmnopqrstuvwxyz";
    let mut out = [b'.'; 13];
    let mut tmp = v;
    for i in 0..13 {
        let (mask, shift) = if i == 0 { (0x0f, 4) } else { (0x1f, 5) };
        out[12 - i] = CHARS[(tmp & mask) as usize];
        tmp >>= shift;
    }
    String::from_utf8_lossy(&out).trim_end_matches('.').to_string()
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Bytes(b) => match self.text() {
                Some(t) => write!(f, "\"{t}\""),
                None => {
                    f.write_str("0x")?;
                    let hex = |f: &mut fmt::Formatter<'_>, bytes: &[u8]| {
                        bytes.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
                    };
                    match b.get(..4).zip(b.get(b.len().saturating_sub(4)..)) {
                        Some((head, tail)) if b.len() > 12 => {
                            hex(f, head)?;
                            f.write_str("…")?;
                            hex(f, tail)
                        }
                        _ => hex(f, b),
                    }
                }
            },
            Key::Value(v) => write!(f, "{v:#x}"),
            Key::Built(b) => write!(f, "{b}"),
        }
    }
}

/// The length of a symbolic key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Len {
    Const(i64),
    Param(u32),
}

/// A key as seen inside one function: constant, or taken from its parameters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyRef {
    Known(Key),
    /// The bytes parameter `ptr` points to, `len` long.
    ParamBytes {
        ptr: u32,
        len: Len,
    },
    /// The value of parameter `p` is the key.
    ParamValue(u32),
    /// The key is the value call `func(args)` returns, and some argument is taken from the
    /// enclosing function's parameters ([`Arg::Param`]): evaluated at each call site.
    Call {
        func: u32,
        args: std::sync::Arc<[Arg]>,
    },
    /// The key is the slice call `func(args)` leaves behind its pointer argument `out` (pointer
    /// at `out + ptr_at`, length at `out + len_at`; [`hostval::eval_slice`]), and some argument
    /// is taken from the enclosing function's parameters: evaluated at each call site.
    Slice {
        func: u32,
        args: std::sync::Arc<[Arg]>,
        out: u32,
        ptr_at: i64,
        len_at: i64,
    },
    /// Key bytes the code computes (Stylus: [`hostval::arg_bytes`]): a fixed permutation of
    /// bytes behind parameters (the SDK's byte reversal of a `U256` slot), of constants, of the
    /// caller's address, or the digest of a hash of such bytes (a mapping entry
    /// `keccak(key ‖ slot)`). A digest of an input with unknown bytes names the family of the
    /// entries built the same way (`keccak(_ ‖ slot)`), equal to itself.
    Computed(std::sync::Arc<[KeyByte]>),
    Unknown,
}

impl KeyRef {
    pub fn known(&self) -> Option<&Key> {
        match self {
            KeyRef::Known(k) => Some(k),
            _ => None,
        }
    }

    /// Whether the key is symbolic in the enclosing function's parameters.
    pub fn is_param(&self) -> bool {
        match self {
            KeyRef::ParamBytes { .. }
            | KeyRef::ParamValue(_)
            | KeyRef::Call { .. }
            | KeyRef::Slice { .. } => true,
            KeyRef::Computed(bytes) => bytes.iter().any(KeyByte::has_param),
            KeyRef::Known(_) | KeyRef::Unknown => false,
        }
    }

    /// A computed key ([`KeyRef::Computed`]) made plain: constant bytes are a byte key, a
    /// parameter's bytes in order a parameter key; bytes with no identity (an unknown byte that
    /// is no digest's input, a digest of nothing but unknown bytes and zeros) are no key.
    pub fn computed(bytes: Vec<KeyByte>) -> KeyRef {
        let consts: Option<Vec<u8>> =
            bytes.iter().map(|b| if let KeyByte::Const(c) = b { Some(*c) } else { None }).collect();
        if let Some(c) = consts {
            return KeyRef::Known(Key::Bytes(c.into()));
        }
        if let Some(KeyByte::Param { p, .. }) = bytes.first() {
            let in_order = bytes
                .iter()
                .enumerate()
                .all(|(i, b)| matches!(b, KeyByte::Param { p: q, off } if q == p && *off == i as i64));
            if in_order {
                return KeyRef::ParamBytes { ptr: *p, len: Len::Const(bytes.len() as i64) };
            }
        }
        // A digest with unknown input bytes is a family only when its slot (the input's last
        // 32 bytes, `keccak(key ‖ slot)`) is known: the entries of one mapping.
        let identity = bytes.iter().all(|b| match b {
            KeyByte::Any => false,
            KeyByte::Digest { input, .. } => {
                b.is_exact()
                    || input.len() > SLOT_LEN
                        && input
                            .get(input.len() - SLOT_LEN..)
                            .is_some_and(|slot| slot.iter().all(KeyByte::is_exact))
            }
            _ => true,
        });
        if identity {
            KeyRef::Computed(bytes.into())
        } else {
            KeyRef::Unknown
        }
    }

    /// [`KeyRef::computed`] on a platform whose map entries are stored under the map's constant
    /// key followed by the encoded map key, unhashed ([`prefix_families`]): there a constant
    /// prefix of at least [`MIN_FAMILY_PREFIX`] bytes followed by bytes not known here (an entry
    /// picked by data the run could not follow) names the family of that map's entries.
    pub fn computed_on(bytes: Vec<KeyByte>, platform: Platform) -> KeyRef {
        let prefix = bytes.iter().take_while(|b| matches!(b, KeyByte::Const(_))).count();
        let family = prefix_families(platform)
            && prefix >= MIN_FAMILY_PREFIX
            && prefix < bytes.len()
            && bytes[prefix..].iter().all(|b| matches!(b, KeyByte::Any));
        if family {
            KeyRef::Computed(bytes.into())
        } else {
            KeyRef::computed(bytes)
        }
    }

    /// Whether the two keys can name the same entry: equal, or computed keys that differ only
    /// where one has a byte it does not know inside a digest's input (the family
    /// `keccak(_ ‖ slot)` and its member `keccak(caller ‖ slot)`).
    pub fn may_alias(&self, other: &KeyRef) -> bool {
        fn byte(a: &KeyByte, b: &KeyByte) -> bool {
            match (a, b) {
                (KeyByte::Any, _) | (_, KeyByte::Any) => true,
                (KeyByte::Digest { input: x, idx: i }, KeyByte::Digest { input: y, idx: j }) => {
                    i == j && x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| byte(p, q))
                }
                (p, q) => p == q,
            }
        }
        // A byte key is the computed key of its constant bytes.
        let bytes = |k: &KeyRef| -> Option<Vec<KeyByte>> {
            match k {
                KeyRef::Computed(c) => Some(c.to_vec()),
                KeyRef::Known(Key::Bytes(b)) => Some(b.iter().map(|c| KeyByte::Const(*c)).collect()),
                _ => None,
            }
        };
        match (self, other) {
            (KeyRef::Computed(_), _) | (_, KeyRef::Computed(_)) => match (bytes(self), bytes(other)) {
                (Some(a), Some(b)) => a.len() == b.len() && a.iter().zip(b.iter()).all(|(p, q)| byte(p, q)),
                _ => false,
            },
            (a, b) => a == b,
        }
    }

    /// A computed key in words: `keccak(constant ‖ caller ‖ memory of parameter 0)`.
    pub fn describe_computed(bytes: &[KeyByte]) -> String {
        fn runs(bytes: &[KeyByte]) -> String {
            let mut parts: Vec<String> = Vec::new();
            for b in bytes {
                let part = match b {
                    KeyByte::Const(_) => "constant".to_string(),
                    KeyByte::Param { p, .. } => format!("memory of parameter {p}"),
                    KeyByte::Source { effect, .. } => match effect {
                        wasmaudit_platform::Effect::CallerId => "caller".to_string(),
                        e => e.as_str().to_string(),
                    },
                    KeyByte::Digest { input, .. } => format!("keccak({})", runs(input)),
                    KeyByte::Any => "_".to_string(),
                };
                if parts.last() != Some(&part) {
                    parts.push(part);
                }
            }
            parts.join(" ‖ ")
        }
        runs(bytes)
    }
}

/// One storage access of an instruction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccessAt {
    pub access: Access,
    pub key: KeyRef,
    /// The key was resolved at this instruction: a host call, or a callee access whose key is
    /// one of the callee's parameters. False for accesses a callee makes with a key of its own.
    pub resolved_here: bool,
}

/// Storage facts of one function.
#[derive(Debug, Default, Clone)]
struct FuncStorage {
    /// Accesses of each instruction that has any.
    at: BTreeMap<usize, Vec<AccessAt>>,
    /// Buffers holding stored values after a read: (address, key).
    outputs: Vec<(Addr, KeyRef)>,
    /// Host buffers (MultiversX managed buffers) copied into memory: (handle parameter, pointer
    /// parameter), when both are parameters of this function (resolved at each call site).
    copies: BTreeSet<(u32, u32)>,
}

/// Storage accesses of the module.
#[derive(Debug, Default)]
pub struct StorageAccess {
    funcs: Vec<FuncStorage>,
    /// Per function: every access it makes when called, keys in terms of its parameters.
    summaries: Vec<BTreeSet<(Access, KeyRef)>>,
    /// Per function and pointer parameter: keys whose stored value it writes behind that pointer.
    param_outputs: Vec<Vec<BTreeSet<KeyRef>>>,
    /// Per function: keys its result is computed from (only stored values and constants), if so.
    returns: Vec<Option<BTreeSet<KeyRef>>>,
    /// Per function: (handle parameter, pointer parameter) pairs whose buffer it copies into the
    /// memory behind the pointer ([`FuncStorage::copies`]).
    param_copies: Vec<BTreeSet<(u32, u32)>>,
}

static EMPTY_ACCESSES: [AccessAt; 0] = [];

impl StorageAccess {
    pub fn compute(cx: &Context<'_>) -> StorageAccess {
        let n = cx.module.functions.len();
        let mut sa = StorageAccess {
            funcs: vec![FuncStorage::default(); n],
            summaries: vec![BTreeSet::new(); n],
            param_outputs: vec![Vec::new(); n],
            returns: vec![None; n],
            param_copies: vec![BTreeSet::new(); n],
        };
        let order = crate::taint::callees_first(cx);
        let mut dirty = vec![true; n];
        for _ in 0..MAX_ROUNDS {
            let mut any = false;
            for &f in &order {
                if !std::mem::replace(&mut dirty[f as usize], false) {
                    continue;
                }
                let fs = sa.analyze(cx, f);
                let summary = summarize(&fs);
                let param_outputs = param_outputs(cx, f, &fs);
                let copies = fs.copies.clone();
                sa.funcs[f as usize] = fs;
                let returns = sa.return_keys(cx, f);
                let changed = summary != sa.summaries[f as usize]
                    || param_outputs != sa.param_outputs[f as usize]
                    || returns != sa.returns[f as usize]
                    || copies != sa.param_copies[f as usize];
                if changed {
                    sa.summaries[f as usize] = summary;
                    sa.param_outputs[f as usize] = param_outputs;
                    sa.returns[f as usize] = returns;
                    sa.param_copies[f as usize] = copies;
                    any = true;
                    for (caller, _) in cx.program.calls.callers(f) {
                        dirty[caller as usize] = true;
                    }
                }
            }
            if !any {
                break;
            }
        }
        sa
    }

    /// Storage accesses of instruction `instr` of `func` (a host call, or a call whose callees
    /// access storage), keys resolved in `func`.
    pub fn at(&self, func: u32, instr: usize) -> &[AccessAt] {
        self.funcs
            .get(func as usize)
            .and_then(|f| f.at.get(&instr))
            .map(Vec::as_slice)
            .unwrap_or(&EMPTY_ACCESSES)
    }

    /// Instructions of `func` that access storage, in body order.
    pub fn instrs(&self, func: u32) -> impl Iterator<Item = (usize, &[AccessAt])> + '_ {
        self.funcs.get(func as usize).into_iter().flat_map(|f| f.at.iter().map(|(i, a)| (*i, a.as_slice())))
    }

    /// Every access `func` makes when called, keys in terms of its parameters.
    pub fn summary(&self, func: u32) -> impl Iterator<Item = &(Access, KeyRef)> + '_ {
        self.summaries.get(func as usize).into_iter().flatten()
    }

    /// Whether `func`'s summary was cut at [`MAX_SUMMARY`] accesses (an unknown access stands for
    /// the rest, so a known key missing from it may still be accessed).
    pub fn summary_truncated(&self, func: u32) -> bool {
        self.summaries.get(func as usize).is_some_and(|s| s.len() > MAX_SUMMARY)
    }

    /// Whether `func` (transitively) writes storage.
    pub fn writes(&self, func: u32) -> bool {
        self.summary(func).any(|(a, _)| *a == Access::Write)
    }

    /// Known keys `func` (transitively) writes, resolved where its own code fixes them.
    pub fn written_keys(&self, func: u32) -> BTreeSet<Key> {
        self.summary(func)
            .filter(|(a, _)| *a == Access::Write)
            .filter_map(|(_, k)| k.known().cloned())
            .collect()
    }

    /// Keys of the stored values `v` (in `func`) is computed from, when it is computed only from
    /// stored values and constants; `None` when anything else (input, caller, a parameter, an
    /// unknown load) flows in, or no stored value does.
    pub fn value_keys(&self, cx: &Context<'_>, func: u32, v: ValueId) -> Option<BTreeSet<KeyRef>> {
        let keys = self.walk(cx, func, v)?;
        (!keys.is_empty()).then_some(keys)
    }

    fn walk(&self, cx: &Context<'_>, func: u32, v: ValueId) -> Option<BTreeSet<KeyRef>> {
        let fs = self.funcs.get(func as usize)?;
        self.walk_in(cx, func, fs, v)
    }

    /// [`Self::walk`] over the facts `fs` of `func` (while they are being computed).
    fn walk_in(&self, cx: &Context<'_>, func: u32, fs: &FuncStorage, v: ValueId) -> Option<BTreeSet<KeyRef>> {
        let (values, ev, cfg) = (cx.program.values(func)?, cx.evaluator(func)?, cx.program.cfg(func)?);
        let r = Resolver { cx, ev, values, cfg, at: 0 };
        let buffers = hostval::module_buffers(cx);
        let mut walk = ValueWalk { sa: self, fs, r: &r, func, seen: BTreeSet::new(), steps: 0, buffers };
        walk.keys(v, 0)
    }

    /// Constant bytes at `ptr` (`len` bytes) as the code of `func` has them at instruction
    /// `at`: data-segment bytes and the nearest dominating constant stores.
    pub fn constant_bytes(cx: &Context<'_>, func: u32, at: usize, ptr: ValueId, len: i64) -> Option<Vec<u8>> {
        let (values, ev, cfg) = (cx.program.values(func)?, cx.evaluator(func)?, cx.program.cfg(func)?);
        let r = Resolver { cx, ev, values, cfg, at };
        r.bytes_at(r.strip(ptr), len)
    }

    /// A callee's key (in terms of the callee's parameters) resolved at the call at `instr` of
    /// `func`, for summaries detectors keep of their own.
    pub fn instantiate_at(&self, cx: &Context<'_>, func: u32, instr: usize, key: &KeyRef) -> KeyRef {
        if !key.is_param() {
            return key.clone();
        }
        let (Some(values), Some(ev), Some(cfg), Some(_)) = (
            cx.program.values(func),
            cx.evaluator(func),
            cx.program.cfg(func),
            self.funcs.get(func as usize),
        ) else {
            return KeyRef::Unknown;
        };
        let ops = values.operands(instr);
        let args = match ev.func.body.get(instr).map(|i| &i.op) {
            Some(Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. }) => {
                &ops[..ops.len().saturating_sub(1)]
            }
            _ => ops,
        };
        let r = Resolver { cx, ev, values, cfg, at: instr };
        r.instantiate(key, args)
    }

    /// The key of the storage host call at `instr` of `func`, resolved in `func`.
    pub fn host_key(cx: &Context<'_>, func: u32, instr: usize, host: &HostFn) -> KeyRef {
        let (Some(values), Some(ev), Some(cfg)) =
            (cx.program.values(func), cx.evaluator(func), cx.program.cfg(func))
        else {
            return KeyRef::Unknown;
        };
        let r = Resolver { cx, ev, values, cfg, at: instr };
        r.host_key(host, values.operands(instr))
    }

    fn analyze(&self, cx: &Context<'_>, func: u32) -> FuncStorage {
        let mut out = FuncStorage::default();
        let (Some(f), Some(values), Some(ev), Some(cfg)) =
            (cx.module.function(func), cx.program.values(func), cx.evaluator(func), cx.program.cfg(func))
        else {
            return out;
        };
        // NEAR: register id -> key of the storage read that filled it, in this function.
        let mut registers: BTreeMap<i64, KeyRef> = BTreeMap::new();
        let mut at: BTreeMap<usize, Vec<AccessAt>> = BTreeMap::new();
        let mut outputs: Vec<(Addr, KeyRef)> = Vec::new();
        // Host buffers copied into memory: (instruction, handle, pointer).
        let mut copies: Vec<(usize, ValueId, ValueId)> = Vec::new();
        for (i, ins) in f.body.iter().enumerate() {
            let ops = values.operands(i);
            let (targets, args): (Vec<u32>, &[ValueId]) = match ins.op {
                Op::Call(c) | Op::ReturnCall(c) => (vec![c], ops),
                Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => {
                    (cx.program.calls.targets_at(func, i).to_vec(), &ops[..ops.len().saturating_sub(1)])
                }
                _ => continue,
            };
            let r = Resolver { cx, ev, values, cfg, at: i };
            // Collected, then sorted and deduplicated once (a callee's summary can hold hundreds).
            let mut acc: Vec<AccessAt> = Vec::new();
            // The summaries of the defined targets, instantiated together below.
            let mut callee_summaries: Vec<&BTreeSet<(Access, KeyRef)>> = Vec::new();
            for t in targets {
                if let Some(h) = cx.host_fn(t) {
                    if let Some((hd, pt)) = h.buffer().and_then(|b| b.copies_to_memory()) {
                        if let (Some(&hv), Some(&pv)) = (args.get(hd as usize), args.get(pt as usize)) {
                            copies.push((i, hv, pv));
                        }
                    }
                    let reads = h.has(Effect::StorageRead);
                    let writes = h.has(Effect::StorageWrite);
                    if reads || writes {
                        let key = r.host_key(h, args);
                        for (flag, access) in [(reads, Access::Read), (writes, Access::Write)] {
                            if flag {
                                acc.push(AccessAt { access, key: key.clone(), resolved_here: true });
                            }
                        }
                        if reads {
                            for o in output_roles(h) {
                                if let Some(&p) = args.get(o as usize) {
                                    outputs.push((ev.address(r.strip(p), 0), key.clone()));
                                }
                            }
                            if let Some(&reg) = h.arg("register").and_then(|a| args.get(a as usize)) {
                                if let Some(c) = ev.constant(reg) {
                                    registers.insert(c, key.clone());
                                }
                            }
                        }
                    } else if let (Some(reg), Some(ptr)) = (h.arg("register"), h.arg("ptr")) {
                        // read_register(register, ptr): the register's stored value lands at ptr.
                        let reg = args.get(reg as usize).and_then(|v| ev.constant(*v));
                        if let (Some(key), Some(&p)) =
                            (reg.and_then(|c| registers.get(&c)), args.get(ptr as usize))
                        {
                            outputs.push((ev.address(r.strip(p), 0), key.clone()));
                        }
                    }
                    continue;
                }
                for (hd, pt) in self.param_copies.get(t as usize).into_iter().flatten() {
                    if let (Some(&hv), Some(&pv)) = (args.get(*hd as usize), args.get(*pt as usize)) {
                        copies.push((i, hv, pv));
                    }
                }
                let Some(summary) = self.summaries.get(t as usize) else { continue };
                callee_summaries.push(summary);
                for (p, keys) in self.param_outputs.get(t as usize).into_iter().flatten().enumerate() {
                    if keys.is_empty() {
                        continue;
                    }
                    if let Some(&a) = args.get(p) {
                        for k in keys {
                            outputs.push((ev.address(r.strip(a), 0), r.instantiate(k, args)));
                        }
                    }
                }
            }
            // Targets' summaries repeat each other (a `call_indirect` with many targets): an access
            // they share is instantiated once, the repeats dropped by hash first.
            let mut entries: Vec<(Access, &KeyRef)> =
                callee_summaries.iter().flat_map(|s| s.iter()).map(|(a, k)| (*a, k)).collect();
            if callee_summaries.len() > 1 {
                drop_repeats(&mut entries);
            }
            // With one summary, its accesses with a key of the callee's own (instantiated as they
            // are) come in order and distinct: they are merged in, not sorted again.
            let mut own: Vec<AccessAt> = Vec::new();
            for (access, key) in entries {
                if callee_summaries.len() == 1 && matches!(key, KeyRef::Known(_) | KeyRef::Unknown) {
                    own.push(AccessAt { access, key: key.clone(), resolved_here: false });
                    continue;
                }
                let resolved_here = key.is_param();
                let key = r.instantiate(key, args);
                acc.push(AccessAt { access, key, resolved_here });
            }
            if !acc.is_empty() || !own.is_empty() {
                // Callees' summaries repeat each other (a `call_indirect` with many targets):
                // equal accesses are dropped by hash first, then the few left are sorted.
                if acc.len() > 64 {
                    let set: std::collections::HashSet<AccessAt, foldhash::fast::FixedState> =
                        acc.drain(..).collect();
                    acc.extend(set);
                }
                acc.sort_unstable();
                acc.dedup();
                let acc = merge_sorted(acc, own);
                at.insert(i, acc);
            }
        }
        out.at = at;
        out.outputs = outputs;
        // A buffer holding a stored value copied into memory: that memory holds it too.
        for (i, hv, pv) in copies {
            let r = Resolver { cx, ev, values, cfg, at: i };
            let (hv, pv) = (r.strip(hv), r.strip(pv));
            let to = ev.address(pv, 0);
            let to_param = match to.base {
                Base::Value(b) if to.offset == 0 => r.param_of(b),
                _ => None,
            };
            if let (Some(hp), Some(pp)) = (r.param_of(hv), to_param) {
                out.copies.insert((hp, pp));
                continue;
            }
            for k in self.walk_in(cx, func, &out, hv).into_iter().flatten() {
                out.outputs.push((to, k));
            }
        }
        out
    }

    /// Keys the result of `func` is computed from, when only stored values and constants flow in.
    fn return_keys(&self, cx: &Context<'_>, func: u32) -> Option<BTreeSet<KeyRef>> {
        let f = cx.module.function(func)?;
        if cx.module.func_sig(func).is_none_or(|s| s.results.len() != 1) {
            return None;
        }
        let values = cx.program.values(func)?;
        let mut all = BTreeSet::new();
        for i in f.exits() {
            for v in values.operands(i) {
                all.extend(self.walk(cx, func, *v)?);
            }
        }
        (!all.is_empty()).then_some(all)
    }
}

fn summarize(fs: &FuncStorage) -> BTreeSet<(Access, KeyRef)> {
    let mut all: Vec<(Access, &KeyRef)> = fs.at.values().flatten().map(|a| (a.access, &a.key)).collect();
    // Most are repeats (each call site lists its callees' accesses again): equal keys are dropped
    // by hash before the sort, which would compare them in full again and again.
    if all.len() > 64 {
        drop_repeats(&mut all);
    }
    all.sort_unstable();
    all.dedup();
    let mut s: BTreeSet<(Access, KeyRef)> = all.into_iter().map(|(a, k)| (a, k.clone())).collect();
    if s.len() > MAX_SUMMARY {
        let unknown: BTreeSet<Access> = s.iter().skip(MAX_SUMMARY).map(|(a, _)| *a).collect();
        s = s.into_iter().take(MAX_SUMMARY).collect();
        s.extend(unknown.into_iter().map(|a| (a, KeyRef::Unknown)));
    }
    s
}

/// Drops repeated accesses, keeping the first of each. A repeat copied from one summary shares
/// its key's bytes with the original: those are dropped by the bytes' address first (a cheap
/// hash), the rest by a hash of the whole key.
fn drop_repeats<'k>(items: &mut Vec<(Access, &'k KeyRef)>) {
    let mut by_address: std::collections::HashSet<(Access, *const u8), foldhash::fast::FixedState> =
        std::collections::HashSet::with_capacity_and_hasher(
            items.len(),
            foldhash::fast::FixedState::default(),
        );
    items.retain(|(a, k)| match k {
        KeyRef::Known(Key::Bytes(b)) => by_address.insert((*a, b.as_ptr())),
        _ => true,
    });
    let mut seen: std::collections::HashSet<(Access, &'k KeyRef), foldhash::fast::FixedState> =
        std::collections::HashSet::with_capacity_and_hasher(
            items.len(),
            foldhash::fast::FixedState::default(),
        );
    items.retain(|e| seen.insert(*e));
}

/// The union of two sorted lists without repeats, sorted, without repeats.
fn merge_sorted<T: Ord>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    if b.is_empty() {
        return a;
    }
    if a.is_empty() {
        return b;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match x.cmp(y) {
                std::cmp::Ordering::Less => true,
                std::cmp::Ordering::Greater => false,
                std::cmp::Ordering::Equal => {
                    b.next();
                    true
                }
            },
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

/// Keys whose stored value `func` writes behind each pointer parameter.
fn param_outputs(cx: &Context<'_>, func: u32, fs: &FuncStorage) -> Vec<BTreeSet<KeyRef>> {
    let nparams = cx.module.func_sig(func).map(|s| s.params.len()).unwrap_or(0);
    let mut out = vec![BTreeSet::new(); nparams];
    let Some(values) = cx.program.values(func) else { return out };
    for (addr, key) in &fs.outputs {
        if let Base::Value(b) = addr.base {
            if let ValueDef::Param(p) = values.def(b) {
                if let Some(s) = out.get_mut(*p as usize) {
                    s.insert(key.clone());
                }
            }
        }
    }
    out
}

/// Argument indices through which a storage-read host function writes the stored value.
fn output_roles(h: &HostFn) -> Vec<u32> {
    h.args
        .iter()
        .filter(|(role, _)| matches!(role.as_str(), "output" | "ptr" | "value" | "data"))
        .map(|(_, i)| *i)
        .collect()
}

/// Resolves keys in one function, at one instruction.
struct Resolver<'a, 'c> {
    cx: &'a Context<'c>,
    ev: &'a Evaluator<'c>,
    values: &'a FunctionValues,
    cfg: &'a Cfg,
    /// The instruction keys are resolved at (stores must dominate it).
    at: usize,
}

impl Resolver<'_, '_> {
    fn op(&self, instr: usize) -> Option<&Op> {
        self.ev.func.body.get(instr).map(|i| &i.op)
    }

    /// `v` seen through integer width conversions (NEAR passes pointers as `i64`).
    fn strip(&self, mut v: ValueId) -> ValueId {
        for _ in 0..4 {
            match self.values.def(v) {
                ValueDef::Result { instr, index: 0 }
                    if matches!(
                        self.op(*instr),
                        Some(Op::Convert(ConvOp::I64ExtendI32U | ConvOp::I64ExtendI32S | ConvOp::I32WrapI64))
                    ) =>
                {
                    match self.values.operands(*instr).first() {
                        Some(o) => v = *o,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        v
    }

    fn param_of(&self, v: ValueId) -> Option<u32> {
        match self.values.def(self.strip(v)) {
            ValueDef::Param(p) => Some(*p),
            _ => None,
        }
    }

    fn len_of(&self, v: ValueId) -> Option<Len> {
        let v = self.strip(v);
        if let Some(c) = self.ev.constant(v) {
            return Some(Len::Const(c));
        }
        self.param_of(v).map(Len::Param)
    }

    fn value_key(&self, v: ValueId) -> KeyRef {
        let v = self.strip(v);
        if hostval::module_buffers(self.cx) {
            return self.handle_key(v);
        }
        if let Some(c) = self.ev.constant(v) {
            return KeyRef::Known(Key::Value(c));
        }
        match self.param_of(v) {
            Some(p) => KeyRef::ParamValue(p),
            None if hostval::module_builds(self.cx) => self.call_key(v),
            None => KeyRef::Unknown,
        }
    }

    /// A key that is a host buffer handle (MultiversX managed buffers): a parameter's, or the
    /// buffer a call builds and returns, evaluated to its contents ([`hostval`]). A constant
    /// handle is a scratch buffer the SDK reuses, no identity.
    fn handle_key(&self, v: ValueId) -> KeyRef {
        if self.ev.constant(v).is_some() {
            return KeyRef::Unknown;
        }
        match self.param_of(v) {
            Some(p) => KeyRef::ParamValue(p),
            None => self.call_key(v),
        }
    }

    /// A key value the result of a call computes: a host constructor, or a function that builds
    /// and returns one, evaluated with the call's arguments ([`crate::hostval`]).
    fn call_key(&self, v: ValueId) -> KeyRef {
        let ValueDef::Result { instr, index: 0 } = self.values.def(v) else { return KeyRef::Unknown };
        let Some(Op::Call(c)) = self.op(*instr) else { return KeyRef::Unknown };
        if self.cx.host_fn(*c).is_some_and(|h| h.builds().is_none()) {
            return KeyRef::Unknown;
        }
        let r = Resolver { cx: self.cx, ev: self.ev, values: self.values, cfg: self.cfg, at: *instr };
        let args = self.values.operands(*instr).iter().map(|a| r.arg(*a, 0)).collect();
        self.evaluate(*c, args)
    }

    /// An argument of a key-building call at `self.at`: `a + offset` as a constant, a parameter
    /// of this function, or a pointer to memory this function stored into before the call.
    fn arg(&self, a: ValueId, offset: i64) -> Arg {
        if let Some(c) = self.ev.constant(a) {
            return Arg::Const(c.wrapping_add(offset));
        }
        let addr = self.ev.address(a, 0);
        let Base::Value(b) = addr.base else { return Arg::Any };
        let offset = addr.offset.saturating_add(offset);
        if let ValueDef::Param(p) = self.values.def(b) {
            return Arg::Param { p: *p, offset };
        }
        // The stores that dominate the call in the window behind the pointer, in body order.
        let lo = Addr { base: addr.base, offset };
        let hi = Addr { base: addr.base, offset: offset.saturating_add(hostval::MEM_WINDOW) };
        let mut stores: Vec<(usize, i64, Option<i64>, u8)> = Vec::new();
        for (slot, at) in self.ev.store_slots().range(lo..hi) {
            for &(i, val, width) in at {
                if i != self.at && self.cfg.dominates(i, self.at) {
                    stores.push((i, slot.offset - offset, self.ev.constant(val), width));
                }
            }
        }
        if stores.is_empty() {
            return Arg::Any;
        }
        stores.sort_unstable();
        Arg::Mem(stores.into_iter().map(|(_, off, val, width)| (off, val, width)).collect())
    }

    /// The key call `func(args)` computes: known when the evaluation gives a constant or a built
    /// key, symbolic when it fails and some argument is a parameter.
    fn evaluate(&self, func: u32, args: Vec<Arg>) -> KeyRef {
        match hostval::eval_call(self.cx, func, &args) {
            // A buffer of constant bytes is the key of those bytes, as a pointer key would be.
            Some(Evaluated::Built(b)) => match b.buffer_bytes() {
                Some(bytes) => KeyRef::Known(Key::Bytes(bytes.into())),
                None => KeyRef::Known(Key::Built(b)),
            },
            // A handle number is no key.
            Some(Evaluated::Value(_)) if hostval::module_buffers(self.cx) => KeyRef::Unknown,
            Some(Evaluated::Value(c)) => KeyRef::Known(Key::Value(c)),
            None if args.iter().any(|a| matches!(a, Arg::Param { .. })) => {
                KeyRef::Call { func, args: args.into() }
            }
            None => KeyRef::Unknown,
        }
    }

    /// The slice call `func(args)` leaves behind argument `out`, as a key: known when the
    /// evaluation gives constant bytes, symbolic when it fails and some argument is a parameter.
    fn evaluate_slice(&self, func: u32, args: Vec<Arg>, out: u32, ptr_at: i64, len_at: i64) -> KeyRef {
        match hostval::eval_slice(self.cx, func, &args, out, ptr_at, len_at) {
            Some(bytes) => KeyRef::Known(Key::Bytes(bytes.into())),
            None if args.iter().any(|a| matches!(a, Arg::Param { .. })) => {
                KeyRef::Slice { func, args: args.into(), out, ptr_at, len_at }
            }
            None => KeyRef::Unknown,
        }
    }

    /// A key pointer (and length) loaded from a slot of this function's memory that a call
    /// before `self.at` filled through a pointer argument: the slice that call leaves there.
    /// The nearest dominating direct call with an argument pointing at or below the slot (within
    /// [`hostval::MEM_WINDOW`]) is taken, when no store of this function writes the slot between
    /// the call and `self.at`.
    fn slice_key(&self, ptr: ValueId, len: Option<ValueId>) -> KeyRef {
        let load_addr = |v: ValueId| match self.values.def(self.strip(v)) {
            ValueDef::Result { instr, index: 0 } if matches!(self.op(*instr), Some(Op::Load { .. })) => {
                self.ev.mem_address(*instr)
            }
            _ => None,
        };
        let Some(pa) = load_addr(ptr) else { return KeyRef::Unknown };
        let Base::Value(_) = pa.base else { return KeyRef::Unknown };
        let la = match len {
            Some(l) => match load_addr(l) {
                Some(la) if la.base == pa.base => la,
                _ => return KeyRef::Unknown,
            },
            None => return KeyRef::Unknown,
        };
        // The nearest dominating call before `self.at` with an argument into the slot's frame.
        let mut producer = None;
        for i in (self.at.saturating_sub(MAX_PRODUCER_DISTANCE)..self.at).rev() {
            let Some(Op::Call(c)) = self.op(i) else { continue };
            if self.cx.host_fn(*c).is_some() || !self.cfg.dominates(i, self.at) {
                continue;
            }
            let out = self.values.operands(i).iter().enumerate().find_map(|(j, a)| {
                let aa = self.ev.address(self.strip(*a), 0);
                let within = |x: &Addr| (0..hostval::MEM_WINDOW).contains(&(x.offset - aa.offset));
                (aa.base == pa.base && within(&pa) && within(&la)).then_some((j, aa.offset))
            });
            if let Some(found) = out {
                producer = Some((i, *c, found));
                break;
            }
        }
        let Some((call, func, (out, out_offset))) = producer else { return KeyRef::Unknown };
        // A store between the call and the load would replace what the call left.
        for slot in [pa, la] {
            let overwritten = self
                .ev
                .store_slots()
                .get(&slot)
                .is_some_and(|stores| stores.iter().any(|(i, _, _)| *i > call && *i < self.at));
            if overwritten {
                return KeyRef::Unknown;
            }
        }
        let r = Resolver { cx: self.cx, ev: self.ev, values: self.values, cfg: self.cfg, at: call };
        let args: Vec<Arg> = self
            .values
            .operands(call)
            .iter()
            .enumerate()
            .map(|(j, a)| match r.arg(r.strip(*a), 0) {
                Arg::Any if j == out => Arg::Mem(Vec::new()),
                arg => arg,
            })
            .collect();
        self.evaluate_slice(func, args, out as u32, pa.offset - out_offset, la.offset - out_offset)
    }

    fn pointer_key(&self, ptr: ValueId, len: Option<Len>) -> KeyRef {
        let ptr = self.strip(ptr);
        let Some(len) = len else { return KeyRef::Unknown };
        let addr = self.ev.address(ptr, 0);
        if let (Base::Value(b), 0) = (addr.base, addr.offset) {
            if let ValueDef::Param(p) = self.values.def(b) {
                return KeyRef::ParamBytes { ptr: *p, len };
            }
        }
        match len {
            Len::Const(n) => {
                self.bytes_at(ptr, n).map(|b| KeyRef::Known(Key::Bytes(b.into()))).unwrap_or(KeyRef::Unknown)
            }
            Len::Param(_) => KeyRef::Unknown,
        }
    }

    /// The value most recently stored at exactly `addr` by a store that dominates `self.at`.
    fn reaching_store(&self, addr: Addr) -> Option<(ValueId, u8)> {
        let stores = self.ev.store_slots().get(&addr)?;
        stores
            .iter()
            .filter(|(i, _, _)| *i != self.at && self.cfg.dominates(*i, self.at))
            .max_by_key(|(i, _, _)| *i)
            .map(|(_, v, w)| (*v, *w))
    }

    /// `len` bytes at `ptr` (already stripped): for each byte the nearest dominating constant
    /// store covering it, else data-segment bytes at a constant address.
    fn bytes_at(&self, ptr: ValueId, len: i64) -> Option<Vec<u8>> {
        if !(1..=MAX_KEY_LEN).contains(&len) {
            return None;
        }
        let addr = self.ev.address(ptr, 0);
        let index = self.ev.store_slots();
        let from = Addr { base: addr.base, offset: addr.offset.saturating_sub(8) };
        let to = Addr { base: addr.base, offset: addr.offset.saturating_add(len) };
        let mut best: Vec<Option<(usize, ValueId, i64)>> = vec![None; len as usize];
        for (Addr { offset: start, .. }, stores) in index.range(from..to) {
            for &(instr, val, width) in stores {
                if instr == self.at || !self.cfg.dominates(instr, self.at) {
                    continue;
                }
                for k in 0..i64::from(width) {
                    let pos = start + k - addr.offset;
                    if let Some(slot) = usize::try_from(pos).ok().and_then(|p| best.get_mut(p)) {
                        if slot.is_none_or(|(i, _, _)| i < instr) {
                            *slot = Some((instr, val, k));
                        }
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(len as usize);
        for (pos, slot) in best.iter().enumerate() {
            match slot {
                Some((_, val, k)) => {
                    let c = self.ev.constant(*val)?;
                    out.push((c >> (8 * k)) as u8);
                }
                None if addr.base == Base::Absolute => {
                    let a = u64::try_from(addr.offset.checked_add(pos as i64)?).ok()?;
                    out.push(*self.cx.module.data_at(a, 1)?.first()?);
                }
                None => return None,
            }
        }
        Some(out)
    }

    /// The key of a CosmWasm region (`{offset: u32, capacity: u32, length: u32}`) at `region`.
    fn region_key(&self, region: ValueId) -> KeyRef {
        let addr = self.ev.address(self.strip(region), 0);
        let ptr = self.reaching_store(addr);
        let len = self.reaching_store(Addr { base: addr.base, offset: addr.offset + 8 });
        match (ptr, len) {
            (Some((p, 4..)), Some((l, 4..))) => self.pointer_key(p, self.len_of(l)),
            _ => KeyRef::Unknown,
        }
    }

    /// The key a storage host call accesses, from its argument roles and the platform's encoding.
    fn host_key(&self, h: &HostFn, args: &[ValueId]) -> KeyRef {
        let arg = |role: &str| h.arg(role).and_then(|i| args.get(i as usize)).copied();
        match self.cx.platform {
            Platform::Soroban => arg("key").map(|k| self.value_key(k)).unwrap_or(KeyRef::Unknown),
            Platform::Eosio => {
                if let Some(t) = arg("table") {
                    return self.value_key(t);
                }
                arg("iterator").map(|it| self.iterator_table(it)).unwrap_or(KeyRef::Unknown)
            }
            Platform::Cosmwasm => arg("key").map(|k| self.region_key(k)).unwrap_or(KeyRef::Unknown),
            platform => {
                let Some(k) = arg("key") else { return KeyRef::Unknown };
                let len = match arg("key_len") {
                    Some(l) => self.len_of(l),
                    // MultiversX managed-buffer keys are handles, not pointers.
                    None if platform == Platform::Multiversx => return self.value_key(k),
                    None => Some(Len::Const(DEFAULT_KEY_LEN)),
                };
                match (self.pointer_key(k, len), h.arg("key")) {
                    // Keys the SDK builds in code: Stylus rebuilds every key from a `U256` slot
                    // (or a hash) in a loop; ink! SCALE-encodes every key (the root key, a
                    // `Mapping`'s key and the entry's) into its static buffer, where the run
                    // computes the length too.
                    (KeyRef::Unknown, Some(i)) if matches!(platform, Platform::Stylus | Platform::Ink) => {
                        match len {
                            Some(Len::Const(n)) => Some(n),
                            _ => h
                                .arg("key_len")
                                .and_then(|l| hostval::arg_value(self.cx, self.ev.func.index, self.at, l)),
                        }
                        .filter(|n| (1..=MAX_KEY_LEN).contains(n))
                        .map_or(KeyRef::Unknown, |n| self.run_key(i, n))
                    }
                    (key, _) => key,
                }
            }
        }
    }

    /// The `n` key bytes behind argument `arg` of the host call at `self.at`, from a source run
    /// of this function ([`hostval::arg_bytes`]).
    fn run_key(&self, arg: u32, n: i64) -> KeyRef {
        let wanted: Vec<(u32, i64)> = (0..n.min(MAX_KEY_LEN)).map(|o| (arg, o)).collect();
        hostval::arg_bytes(self.cx, self.ev.func.index, self.at, &wanted)
            .map(|b| KeyRef::computed_on(b, self.cx.platform))
            .unwrap_or(KeyRef::Unknown)
    }

    /// A computed key seen at the call at `self.at`: each parameter byte replaced by the byte
    /// behind the argument as this function has it there ([`hostval::arg_bytes`]), or, when the
    /// run does not reach the call, by a byte of this function's own parameter the argument
    /// points into, else unknown.
    fn instantiate_computed(&self, bytes: &[KeyByte], args: &[ValueId]) -> KeyRef {
        fn params(b: &KeyByte, out: &mut BTreeSet<(u32, i64)>) {
            match b {
                KeyByte::Param { p, off } => {
                    out.insert((*p, *off));
                }
                KeyByte::Digest { input, .. } => input.iter().for_each(|x| params(x, out)),
                _ => {}
            }
        }
        fn subst(b: &KeyByte, map: &BTreeMap<(u32, i64), KeyByte>) -> KeyByte {
            match b {
                KeyByte::Param { p, off } => map.get(&(*p, *off)).cloned().unwrap_or(KeyByte::Any),
                KeyByte::Digest { input, idx } => {
                    KeyByte::Digest { input: input.iter().map(|x| subst(x, map)).collect(), idx: *idx }
                }
                other => other.clone(),
            }
        }
        let mut wanted = BTreeSet::new();
        bytes.iter().for_each(|b| params(b, &mut wanted));
        let wanted: Vec<(u32, i64)> = wanted.into_iter().collect();
        let got = hostval::arg_bytes(self.cx, self.ev.func.index, self.at, &wanted).unwrap_or_else(|| {
            wanted
                .iter()
                .map(|(p, off)| match args.get(*p as usize) {
                    Some(&a) => self.byte_source(a, *off),
                    None => KeyByte::Any,
                })
                .collect()
        });
        let map: BTreeMap<(u32, i64), KeyByte> = wanted.into_iter().zip(got).collect();
        KeyRef::computed_on(bytes.iter().map(|b| subst(b, &map)).collect(), self.cx.platform)
    }

    /// Where byte `pos` behind pointer `ptr` comes from at `self.at`, by this function's code
    /// alone: a byte of a parameter's memory the pointer points into, else the nearest
    /// dominating store covering it, when it stores a constant or a value loaded from a
    /// parameter's memory (a copy); else unknown.
    fn byte_source(&self, ptr: ValueId, pos: i64) -> KeyByte {
        let param_byte = |addr: Addr, pos: i64| match addr.base {
            Base::Value(b) => match self.values.def(b) {
                ValueDef::Param(q) => Some(KeyByte::Param { p: *q, off: addr.offset.saturating_add(pos) }),
                _ => None,
            },
            Base::Absolute => None,
        };
        let addr = self.ev.address(self.strip(ptr), 0);
        if let Some(b) = param_byte(addr, pos) {
            return b;
        }
        let target = addr.offset.saturating_add(pos);
        let from = Addr { base: addr.base, offset: target.saturating_sub(8) };
        let to = Addr { base: addr.base, offset: target.saturating_add(1) };
        let mut best: Option<(usize, ValueId, i64)> = None;
        for (Addr { offset: start, .. }, stores) in self.ev.store_slots().range(from..to) {
            for &(instr, val, width) in stores {
                let k = target - start;
                if instr == self.at
                    || !(0..i64::from(width)).contains(&k)
                    || !self.cfg.dominates(instr, self.at)
                {
                    continue;
                }
                if best.is_none_or(|(i, _, _)| i < instr) {
                    best = Some((instr, val, k));
                }
            }
        }
        let Some((_, val, k)) = best else { return KeyByte::Any };
        if let Some(c) = self.ev.constant(val) {
            return KeyByte::Const((c >> (8 * k)) as u8);
        }
        match self.values.def(val) {
            ValueDef::Result { instr, index: 0 } if matches!(self.op(*instr), Some(Op::Load { .. })) => {
                self.ev.mem_address(*instr).and_then(|la| param_byte(la, k)).unwrap_or(KeyByte::Any)
            }
            _ => KeyByte::Any,
        }
    }

    /// EOSIO: the table of the `db_find_i64`-style call an iterator comes from.
    fn iterator_table(&self, it: ValueId) -> KeyRef {
        if let ValueDef::Result { instr, index: 0 } = self.values.def(self.strip(it)) {
            if let Some(Op::Call(c)) = self.op(*instr) {
                if let Some(t) = self.cx.host_fn(*c).and_then(|h| h.arg("table")) {
                    if let Some(&v) = self.values.operands(*instr).get(t as usize) {
                        return self.value_key(v);
                    }
                }
            }
        }
        KeyRef::Unknown
    }

    /// A callee's key in terms of the arguments of the call at `self.at`.
    fn instantiate(&self, key: &KeyRef, args: &[ValueId]) -> KeyRef {
        match key {
            KeyRef::Known(_) | KeyRef::Unknown => key.clone(),
            KeyRef::Computed(bytes) => self.instantiate_computed(bytes, args),
            KeyRef::Call { func, args: cargs } => {
                let mut out = Vec::with_capacity(cargs.len());
                for a in cargs.iter() {
                    out.push(match a {
                        Arg::Param { p, offset } => match args.get(*p as usize) {
                            Some(v) => self.arg(self.strip(*v), *offset),
                            None => Arg::Any,
                        },
                        other => other.clone(),
                    });
                }
                self.evaluate(*func, out)
            }
            KeyRef::Slice { func, args: cargs, out, ptr_at, len_at } => {
                let cargs = cargs
                    .iter()
                    .map(|a| match a {
                        Arg::Param { p, offset } => match args.get(*p as usize) {
                            Some(v) => self.arg(self.strip(*v), *offset),
                            None => Arg::Any,
                        },
                        other => other.clone(),
                    })
                    .collect();
                self.evaluate_slice(*func, cargs, *out, *ptr_at, *len_at)
            }
            KeyRef::ParamValue(p) => {
                args.get(*p as usize).map(|a| self.value_key(*a)).unwrap_or(KeyRef::Unknown)
            }
            KeyRef::ParamBytes { ptr, len } => {
                let Some(&p) = args.get(*ptr as usize) else { return KeyRef::Unknown };
                let (len, len_value) = match len {
                    Len::Const(n) => (Some(Len::Const(*n)), None),
                    Len::Param(q) => {
                        let l = args.get(*q as usize).copied();
                        (l.and_then(|l| self.len_of(l)), l)
                    }
                };
                match self.pointer_key(p, len) {
                    KeyRef::Unknown => self.slice_key(p, len_value),
                    key => key,
                }
            }
        }
    }
}

/// The backward walk of [`StorageAccess::value_keys`].
struct ValueWalk<'a, 'b, 'c> {
    sa: &'a StorageAccess,
    /// The storage facts of `func`.
    fs: &'a FuncStorage,
    r: &'a Resolver<'b, 'c>,
    func: u32,
    seen: BTreeSet<ValueId>,
    steps: usize,
    /// The module's storage keys and values are host buffers ([`hostval::module_buffers`]).
    buffers: bool,
}

impl ValueWalk<'_, '_, '_> {
    fn keys(&mut self, v: ValueId, depth: u32) -> Option<BTreeSet<KeyRef>> {
        self.steps += 1;
        if depth > MAX_VALUE_DEPTH || self.steps > MAX_VALUE_STEPS {
            return None;
        }
        if self.r.ev.constant(v).is_some() {
            return Some(BTreeSet::new());
        }
        if !self.seen.insert(v) {
            // A loop-carried value: what it adds is found on the other operands.
            return Some(BTreeSet::new());
        }
        if self.buffers {
            // A handle a storage read filled stands for the stored value it holds.
            let held: BTreeSet<KeyRef> = self
                .fs
                .outputs
                .iter()
                .filter(|(o, _)| o.base == Base::Value(v) && o.offset == 0)
                .map(|(_, k)| k.clone())
                .collect();
            if !held.is_empty() {
                return Some(held);
            }
        }
        match self.r.values.def(v).clone() {
            ValueDef::Phi { instr, operands } => {
                let mut out = BTreeSet::new();
                for o in operands {
                    out.extend(self.keys(o, depth + 1)?);
                }
                if self.buffers && out.is_empty() {
                    // Constants merged: the branches that choose among them decide the value (a
                    // decoder's `match` on a stored byte returning `true` or `false`).
                    out.extend(self.deciding_keys(instr, depth)?);
                }
                Some(out)
            }
            ValueDef::Result { instr, index } => self.result_keys(instr, index, depth),
            _ => None,
        }
    }

    fn result_keys(&mut self, instr: usize, index: u32, depth: u32) -> Option<BTreeSet<KeyRef>> {
        let ops = self.r.values.operands(instr).to_vec();
        match self.r.op(instr)?.clone() {
            Op::Unary(..) | Op::Convert(_) | Op::Binary(..) | Op::Compare(..) | Op::Select => {
                let mut out = BTreeSet::new();
                for o in ops {
                    out.extend(self.keys(o, depth + 1)?);
                }
                Some(out)
            }
            Op::Load { .. } => {
                let addr = self.r.ev.mem_address(instr)?;
                let keys: BTreeSet<KeyRef> = self
                    .fs
                    .outputs
                    .iter()
                    .filter(|(o, _)| {
                        o.base == addr.base
                            && (o.offset..o.offset.saturating_add(OUTPUT_WINDOW)).contains(&addr.offset)
                    })
                    .map(|(_, k)| k.clone())
                    .collect();
                if !keys.is_empty() {
                    return Some(keys);
                }
                // Through a pointer that is itself a stored value (a returned buffer).
                match addr.base {
                    Base::Value(b) => self.keys(b, depth + 1).filter(|k| !k.is_empty()),
                    Base::Absolute => None,
                }
            }
            Op::CallIndirect { .. } if index == 0 => {
                let r = self.r_at(instr);
                let args = &ops[..ops.len().saturating_sub(1)];
                let mut out = BTreeSet::new();
                for t in self.r.cx.program.calls.targets_at(self.func, instr) {
                    if self.r.cx.host_fn(*t).is_some() {
                        return None;
                    }
                    let keys = self.sa.returns.get(*t as usize)?.as_ref()?;
                    out.extend(keys.iter().map(|k| r.instantiate(k, args)));
                }
                (!out.is_empty()).then_some(out)
            }
            Op::Call(c) if index == 0 => {
                if let Some(h) = self.r.cx.host_fn(c) {
                    if h.has(Effect::StorageRead) {
                        let keys: BTreeSet<KeyRef> = self
                            .fs
                            .at
                            .get(&instr)?
                            .iter()
                            .filter(|a| a.access == Access::Read)
                            .map(|a| a.key.clone())
                            .collect();
                        return Some(keys);
                    }
                    if self.buffers
                        && h.effects.is_empty()
                        && h.buffer().is_none_or(|b| b == BufferOp::Length)
                    {
                        // A host operation on buffers (a length, a conversion, a comparison): its
                        // result comes from what its arguments hold. A constant handle names a
                        // scratch buffer anything may have filled.
                        let mut out = BTreeSet::new();
                        for o in ops {
                            if self.r.ev.constant(o).is_some() {
                                return None;
                            }
                            out.extend(self.keys(o, depth + 1)?);
                        }
                        return (!out.is_empty()).then_some(out);
                    }
                    return None;
                }
                let keys = self.sa.returns.get(c as usize)?.as_ref()?;
                let r = self.r_at(instr);
                Some(keys.iter().map(|k| r.instantiate(k, &ops)).collect())
            }
            _ => None,
        }
    }

    /// Keys of the conditions of the branches that decide which way reaches the merge at `instr`:
    /// every branch on a way from the merge's immediate dominator to it. `None` when one is not
    /// computed only from stored values and constants, or the merge heads a loop.
    fn deciding_keys(&mut self, instr: usize, depth: u32) -> Option<BTreeSet<KeyRef>> {
        if matches!(self.r.op(instr)?, Op::Loop(_)) {
            return None;
        }
        let cfg = self.r.cfg;
        let merge = cfg.block_of(instr)?;
        let dom = cfg.immediate_dominator(merge)?;
        let mut out = BTreeSet::new();
        for (i, ins) in self.r.ev.func.body.iter().enumerate() {
            if !matches!(ins.op, Op::If(_) | Op::BrIf(_) | Op::BrTable { .. }) {
                continue;
            }
            let Some(b) = cfg.block_of(i) else { continue };
            let between = b != merge && (b == dom || cfg.block_dominates(dom, b)) && cfg.reaches(b, merge);
            if between {
                let cond = *self.r.values.operands(i).last()?;
                out.extend(self.keys(cond, depth + 1)?);
            }
        }
        Some(out)
    }

    fn r_at(&self, instr: usize) -> Resolver<'_, '_> {
        Resolver { cx: self.r.cx, ev: self.r.ev, values: self.r.values, cfg: self.r.cfg, at: instr }
    }
}
