//! Host values a contract builds from constants: the identity of a Soroban `contracttype` key.
//!
//! A Soroban storage key is a `Val`. A `#[contracttype] enum DataKey` variant is a host object
//! the contract builds at run time: `DataKey::Paused` a vector of one symbol,
//! `DataKey::Balance(a)` a vector of the symbol and `a`, through the host constructors the
//! platform model marks with `builds` (`vec_new_from_linear_memory`, `map_new_from_linear_memory`,
//! `symbol_new_from_linear_memory`, ...). [`eval_call`] runs the call that computes such a key
//! concretely: the callee and its callees, from the call's constant arguments, the constant
//! contents of the caller's memory behind pointer arguments ([`Arg::Mem`]) and the data segments
//! (bytes no store at a constant address writes). A constructor yields a [`Built`] value of the
//! contents it reads, so two calls over the same constant contents build equal keys. Contents
//! that are not constant (an `Address` field) are [`Part::Any`]: the key is then a family with a
//! constant prefix ([`Built::is_family`]); a built value whose first part is not constant is no
//! key. A branch on a value that is not constant, an indirect call, a host call that writes
//! linear memory, a step budget or the call depth exceeded end the run without a value.
//!
//! The same machine also gives byte keys a helper hands back through an out-pointer
//! ([`eval_slice`]: the pointer and length it leaves in the caller's memory, and the constant
//! bytes they delimit), as cw-storage-plus's `Namespace::as_slice` does for CosmWasm items.
//!
//! A source run ([`arg_bytes`], used for Stylus keys) runs a function from its entry to one of
//! its calls with every parameter a pointer to memory of its own whose bytes are symbolic
//! ([`KeyByte::Param`]), and reports where the bytes behind the call's pointer arguments come
//! from: byte moves (whole-byte shifts, byte masks, merges of disjoint bytes, `memory.copy`)
//! keep symbolic bytes, a hash host call writes the digest of its input, a host source of an
//! identity writes that identity; anything else is unknown, and a branch on it ends the run.

use crate::Context;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use wasmaudit_flow::{eval_op, extend, Nesting};
use wasmaudit_front::{Op, OtherClass, ValType};
use wasmaudit_platform::{BufferOp, Builds, Effect, HostFn};

/// Instructions one evaluation may run.
const MAX_STEPS: usize = 20_000;
/// Nesting of calls one evaluation may follow.
const MAX_DEPTH: u32 = 8;
/// Values a vector or map key may hold.
const MAX_PARTS: u64 = 16;
/// Bytes a symbol, byte or string key may hold.
const MAX_BYTES: u64 = 64;
/// Bytes a key slice ([`eval_slice`]) may hold.
const MAX_SLICE: u64 = 256;
/// Declared locals of a function the evaluation runs.
const MAX_LOCALS: u64 = 4096;
/// Bytes of the caller's memory behind a pointer argument the evaluation sees.
pub const MEM_WINDOW: i64 = 64;
/// Where the caller's memory behind the `i`-th pointer argument is placed: far from the data
/// segments and the shadow stack of compiled contracts.
const MEM_BASE: u64 = 0x7000_0000;
const MEM_STRIDE: u64 = 0x0010_0000;
/// The pc of a branch that leaves the function.
const RETURN: usize = usize::MAX;
/// Argument roles of a Soroban host function that name a position in linear memory (env.json's
/// argument names, kept by the platform model).
const LINEAR_MEMORY_ROLES: [&str; 4] = ["lm_pos", "vals_pos", "keys_pos", "slices_pos"];
/// Soroban `U32Val` tag: a position or length argument is `value << 32 | 4`.
const TAG_U32: i64 = 4;

/// A host value built from linear memory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Built {
    pub kind: Builds,
    /// Vector elements; map keys and values alternating; symbol, bytes and string bytes.
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// A constant `Val` (or byte).
    Val(i64),
    /// A value built by a constructor.
    Built(Built),
    /// Not constant: any value.
    Any,
}

impl Part {
    /// The byte a constant part holds (a buffer's byte), when it fits one.
    fn byte(&self) -> Option<u8> {
        match self {
            Part::Val(b) => u8::try_from(*b).ok(),
            _ => None,
        }
    }

    fn is_exact(&self) -> bool {
        match self {
            Part::Val(_) => true,
            Part::Built(b) => !b.is_family(),
            Part::Any => false,
        }
    }
}

impl Built {
    /// Whether some part is not constant: the key names a family of entries (`Balance(_)`),
    /// never equal to an exact key.
    pub fn is_family(&self) -> bool {
        !self.parts.iter().all(Part::is_exact)
    }

    /// Whether the value can serve as a key identity: its first part (the variant's symbol) is
    /// constant, and its bytes are when it is a symbol or byte string.
    fn is_key(&self) -> bool {
        match self.kind {
            Builds::Vec | Builds::Map | Builds::Buffer => self.parts.first().is_some_and(Part::is_exact),
            Builds::Symbol | Builds::Bytes | Builds::String => !self.is_family(),
        }
    }

    /// The `contracttype` spelling: `Paused`, `Balance(_)`, `Allowance(_, _)`, when the first
    /// part is a symbol.
    pub fn name(&self) -> Option<String> {
        match self.kind {
            Builds::Vec => {
                let head = part_symbol(self.parts.first()?)?;
                if self.parts.len() == 1 {
                    return Some(head);
                }
                let rest: Vec<String> = self.parts.iter().skip(1).map(part_text).collect();
                Some(format!("{head}({})", rest.join(", ")))
            }
            Builds::Symbol => self.text(),
            Builds::Buffer => {
                // The constant prefix (a mapper's name), `(_)` when something not constant follows.
                let prefix: Vec<u8> =
                    self.parts.iter().map_while(|p| p.byte().filter(u8::is_ascii_graphic)).collect();
                let name = String::from_utf8(prefix).ok().filter(|n| !n.is_empty())?;
                Some(if self.is_family() { format!("{name}(_)") } else { name })
            }
            _ => None,
        }
    }

    /// The constant bytes of an exact buffer ([`Builds::Buffer`] with no part that is not
    /// constant).
    pub fn buffer_bytes(&self) -> Option<Vec<u8>> {
        if self.kind != Builds::Buffer {
            return None;
        }
        self.parts.iter().map(Part::byte).collect()
    }

    fn text(&self) -> Option<String> {
        let bytes: Option<Vec<u8>> =
            self.parts.iter().map(|p| p.byte().filter(u8::is_ascii_graphic)).collect();
        bytes.and_then(|b| String::from_utf8(b).ok())
    }
}

fn part_symbol(p: &Part) -> Option<String> {
    match p {
        Part::Val(v) => crate::storage::soroban_symbol(*v as u64),
        Part::Built(b) if b.kind == Builds::Symbol => b.text(),
        _ => None,
    }
}

fn part_text(p: &Part) -> String {
    match p {
        Part::Any => "_".into(),
        Part::Built(b) => b.to_string(),
        Part::Val(v) => part_symbol(p).unwrap_or_else(|| format!("{v:#x}")),
    }
}

impl fmt::Display for Built {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.name() {
            return f.write_str(&n);
        }
        if let Some(t) = self.text() {
            return write!(f, "{}(\"{t}\")", self.kind.as_str());
        }
        let parts: Vec<String> = self.parts.iter().map(part_text).collect();
        write!(f, "{}[{}]", self.kind.as_str(), parts.join(", "))
    }
}

/// An argument of the call evaluated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arg {
    Const(i64),
    /// A pointer to the caller's memory, with what the caller stored there before the call:
    /// (offset from the pointer, constant value or `None` when not constant, width in bytes), in
    /// store order.
    Mem(Vec<(i64, Option<i64>, u8)>),
    /// Parameter `p` of the enclosing function plus `offset` (a symbolic key: resolved at each
    /// call site).
    Param {
        p: u32,
        offset: i64,
    },
    /// Not known.
    Any,
}

/// What the evaluation of a key-building call gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evaluated {
    /// A constant `Val` (a small symbol key computed by code).
    Value(i64),
    Built(Built),
}

/// Whether the module imports a host value constructor (`builds` in the platform model): only
/// then are keys computed by calls evaluated.
pub fn module_builds(cx: &Context<'_>) -> bool {
    cx.memo(|cx| {
        ModuleBuilds(
            cx.module.functions.iter().any(|f| cx.host_fn(f.index).is_some_and(|h| h.builds().is_some())),
        )
    })
    .0
}

struct ModuleBuilds(bool);

/// Whether the module imports a host buffer operation (`buffer` in the platform model: MultiversX
/// managed buffers): its storage keys are buffer handles, and the calls that return them are
/// evaluated to the bytes the buffer holds.
pub fn module_buffers(cx: &Context<'_>) -> bool {
    cx.memo(|cx| {
        ModuleBuffers(
            cx.module.functions.iter().any(|f| cx.host_fn(f.index).is_some_and(|h| h.buffer().is_some())),
        )
    })
    .0
}

struct ModuleBuffers(bool);

/// Evaluations already made, by callee and arguments.
#[derive(Default)]
struct EvalCache(std::cell::RefCell<BTreeMap<EvalKey, Option<Evaluated>>>);

/// A call evaluated: callee and arguments.
type EvalKey = (u32, Vec<Arg>);

/// The value of call `func(args)` in `cx`'s module, when it runs to a constant or a built key.
/// [`Arg::Param`] arguments are taken as unknown.
pub fn eval_call(cx: &Context<'_>, func: u32, args: &[Arg]) -> Option<Evaluated> {
    let cache = cx.memo(|_| EvalCache::default());
    let key = (func, args.to_vec());
    if let Some(v) = cache.0.borrow().get(&key) {
        return v.clone();
    }
    let v = eval_uncached(cx, func, args);
    cache.0.borrow_mut().insert(key, v.clone());
    v
}

/// Slice evaluations already made: callee, arguments, output argument and field offsets.
#[derive(Default)]
struct SliceCache(std::cell::RefCell<BTreeMap<SliceKey, Option<Vec<u8>>>>);

/// A slice evaluated: callee, arguments, output argument, pointer and length offsets.
type SliceKey = (u32, Vec<Arg>, u32, i64, i64);

/// The bytes of the slice call `func(args)` leaves behind its pointer argument `out`: after the
/// run, the pointer stored at `out + ptr_at` and the length at `out + len_at` delimit constant
/// bytes (a data-segment string, or constant contents of the caller's memory). This is how a
/// helper hands a key back through an out-pointer (`fn as_slice(&self) -> &[u8]`, returned as a
/// pointer and a length in a caller's stack slot). `None` when the run fails, `out` is not a
/// memory argument ([`Arg::Mem`]) or a byte is not constant. [`Arg::Param`] arguments are taken
/// as unknown.
pub fn eval_slice(
    cx: &Context<'_>,
    func: u32,
    args: &[Arg],
    out: u32,
    ptr_at: i64,
    len_at: i64,
) -> Option<Vec<u8>> {
    let cache = cx.memo(|_| SliceCache::default());
    let key = (func, args.to_vec(), out, ptr_at, len_at);
    if let Some(v) = cache.0.borrow().get(&key) {
        return v.clone();
    }
    let v = slice_uncached(cx, func, args, out, ptr_at, len_at);
    cache.0.borrow_mut().insert(key, v.clone());
    v
}

fn slice_uncached(
    cx: &Context<'_>,
    func: u32,
    args: &[Arg],
    out: u32,
    ptr_at: i64,
    len_at: i64,
) -> Option<Vec<u8>> {
    if !matches!(args.get(out as usize)?, Arg::Mem(_)) {
        return None;
    }
    let (mut m, vals) = Machine::new(cx, args)?;
    m.run(func, vals, 0)?;
    let base = MEM_BASE + MEM_STRIDE * u64::from(out);
    let ptr = const_of(m.load(base.checked_add_signed(ptr_at)?, 4, false, true))?;
    let len = const_of(m.load(base.checked_add_signed(len_at)?, 4, false, true))?;
    let (ptr, len) = (u64::from(ptr as u32), u64::from(len as u32));
    if len == 0 || len > MAX_SLICE {
        return None;
    }
    (0..len).map(|i| const_of(m.load(ptr + i, 1, false, true)).map(|b| b as u8)).collect()
}

fn eval_uncached(cx: &Context<'_>, func: u32, args: &[Arg]) -> Option<Evaluated> {
    let (mut m, vals) = Machine::new(cx, args)?;
    let out = m.run(func, vals, 0)?;
    let v = out.into_iter().next()?;
    if m.buffers_module {
        // A returned handle stands for the buffer it names: its contents are the key.
        let parts = m.buffers.get(&handle(&v)?)?.clone()?;
        let b = Built { kind: Builds::Buffer, parts };
        return b.is_key().then_some(Evaluated::Built(b));
    }
    match v {
        V::C(c) => Some(Evaluated::Value(c)),
        V::Obj(b) if b.is_key() => Some(Evaluated::Built((*b).clone())),
        _ => None,
    }
}

/// The identity of a buffer handle: a constant, or a value the evaluation made but does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Handle {
    C(i64),
    Sym(u32),
}

fn handle(v: &V) -> Option<Handle> {
    match v {
        V::C(c) => Some(Handle::C(i64::from(*c as i32))),
        V::Sym(s) => Some(Handle::Sym(*s)),
        _ => None,
    }
}

impl<'a, 'c> Machine<'a, 'c> {
    /// A fresh machine with the call's arguments placed: constants, and the caller's memory
    /// behind each [`Arg::Mem`] at its own base.
    fn new(cx: &'a Context<'c>, args: &[Arg]) -> Option<(Machine<'a, 'c>, Vec<V>)> {
        let mut m = Machine {
            cx,
            mem: BTreeMap::new(),
            globals: Vec::new(),
            steps: 0,
            jumps: BTreeMap::new(),
            written: cx.memo(AbsoluteWrites::compute),
            buffers_module: module_buffers(cx),
            buffers: BTreeMap::new(),
            fresh: 0,
            sources: false,
            stop: None,
            stopped: None,
        };
        m.globals = cx
            .module
            .globals
            .iter()
            .map(|g| match g.init {
                Some(c) if !g.imported => V::C(c),
                _ => V::Top,
            })
            .collect();
        let mut vals = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            vals.push(match a {
                Arg::Const(c) => V::C(*c),
                Arg::Mem(stores) => {
                    let base = MEM_BASE + MEM_STRIDE * i as u64;
                    for (off, val, width) in stores {
                        let at = base.checked_add_signed(*off)?;
                        let v = val.map(V::C).unwrap_or(V::Top);
                        m.store(at, &v, *width);
                    }
                    V::C(base as i64)
                }
                Arg::Param { .. } | Arg::Any => V::Top,
            });
        }
        Some((m, vals))
    }
}

#[derive(Debug, Clone)]
enum V {
    C(i64),
    Obj(Rc<Built>),
    /// A value the evaluation computed but does not know, with an identity of its own (in a
    /// module with host buffers: a handle a counter in memory allocated).
    Sym(u32),
    /// Source runs ([`key_bytes`]): a pointer `offset` bytes into the memory behind parameter `p`.
    Ptr(u32, i64),
    /// Source runs: a value whose bytes (little-endian, 4 or 8) are known or symbolic.
    Word(Rc<Vec<Byte>>),
    Top,
}

#[derive(Debug, Clone)]
enum Byte {
    Known(u8),
    /// Byte `k` of an 8-byte object handle.
    Obj(Rc<Built>, u8),
    /// Source runs: a byte of a parameter's memory, a host source or a digest.
    Sym(KeyByte),
    /// Source runs: byte `k` of a 4-byte [`V::Ptr`].
    Ptr(u32, i64, u8),
    Top,
}

struct Label {
    start: usize,
    is_loop: bool,
    /// Operand-stack height below the block's parameters.
    height: usize,
    /// Values a branch to the label carries.
    arity: usize,
}

struct Machine<'a, 'c> {
    cx: &'a Context<'c>,
    mem: BTreeMap<u64, Byte>,
    globals: Vec<V>,
    steps: usize,
    jumps: BTreeMap<u32, Rc<Nesting>>,
    written: Rc<AbsoluteWrites>,
    /// The module has host buffer operations ([`module_buffers`]).
    buffers_module: bool,
    /// Contents of the buffers the evaluation wrote, by handle (`None`: not known).
    buffers: BTreeMap<Handle, Option<Vec<Part>>>,
    /// The next [`V::Sym`] identity.
    fresh: u32,
    /// A source run ([`key_bytes`]): parameters are symbolic pointers, memory bytes symbolic.
    sources: bool,
    /// A source run stops before this instruction of the function it starts in...
    stop: Option<usize>,
    /// ...and keeps the instruction's operands.
    stopped: Option<Vec<V>>,
}

impl Machine<'_, '_> {
    fn store(&mut self, at: u64, v: &V, width: u8) {
        for k in 0..u64::from(width) {
            let b = match v {
                V::C(c) => Byte::Known((*c >> (8 * k)) as u8),
                V::Obj(o) if width == 8 => Byte::Obj(o.clone(), k as u8),
                V::Word(w) => w.get(k as usize).cloned().unwrap_or(Byte::Top),
                V::Ptr(p, o) if width == 4 => Byte::Ptr(*p, *o, k as u8),
                _ => Byte::Top,
            };
            self.mem.insert(at.saturating_add(k), b);
        }
    }

    fn load(&self, at: u64, width: u8, signed: bool, is_i32: bool) -> V {
        if self.sources {
            if let Some(v) = self.load_sources(at, width, signed, is_i32) {
                return v;
            }
        }
        // Either every byte is known, or the bytes are the 8 bytes of one object handle in order.
        let mut c: u64 = 0;
        let mut obj: Option<Rc<Built>> = None;
        for k in 0..u64::from(width) {
            let byte = match self.mem.get(&at.saturating_add(k)) {
                Some(b) => b.clone(),
                None => self.initial(at.saturating_add(k)),
            };
            match byte {
                Byte::Known(b) if obj.is_none() => c |= u64::from(b) << (8 * k),
                Byte::Obj(o, i) if width == 8 && u64::from(i) == k => {
                    let same = match &obj {
                        Some(x) => Rc::ptr_eq(x, &o),
                        None => k == 0,
                    };
                    if !same {
                        return V::Top;
                    }
                    obj = Some(o);
                }
                _ => return V::Top,
            }
        }
        match obj {
            Some(o) => V::Obj(o),
            None => V::C(extend(c as i64, width, signed, is_i32)),
        }
    }

    /// A byte no store of the evaluation wrote: a data-segment byte no store at a constant
    /// address in the module writes, else unknown.
    fn initial(&self, at: u64) -> Byte {
        if self.sources {
            if let Some((p, off)) = param_region(at) {
                return Byte::Sym(KeyByte::Param { p, off });
            }
        }
        if self.written.covers(at) {
            return Byte::Top;
        }
        match self.cx.module.data_at(at, 1).and_then(|b| b.first()) {
            Some(b) => Byte::Known(*b),
            None => Byte::Top,
        }
    }

    fn jumps_of(&mut self, func: u32, body: &[wasmaudit_front::Instr]) -> Rc<Nesting> {
        self.jumps.entry(func).or_insert_with(|| Rc::new(Nesting::of(body))).clone()
    }

    /// An unknown value with an identity of its own (in a module with host buffers; else `Top`).
    fn unknown(&mut self) -> V {
        if !self.buffers_module {
            return V::Top;
        }
        self.fresh += 1;
        V::Sym(self.fresh)
    }

    /// `len` constant bytes at `ptr` as buffer parts, or `None` when the position or length is
    /// not constant or too long.
    fn buffer_bytes(&self, ptr: &V, len: &V) -> Option<Vec<Part>> {
        let (ptr, len) = (const_of(ptr.clone())?, const_of(len.clone())?);
        let (ptr, len) = (u64::from(ptr as u32), u64::from(len as u32));
        (len <= MAX_SLICE).then(|| self.bytes(ptr, len))
    }

    /// A host buffer operation: the contents of the buffers it writes.
    fn buffer_op(&mut self, op: BufferOp, args: &[V], results: usize) -> Option<Vec<V>> {
        let arg = |i: usize| args.get(i).cloned().unwrap_or(V::Top);
        let mut out: Vec<V> = (0..results).map(|_| V::C(0)).collect();
        match op {
            BufferOp::New | BufferOp::NewFromBytes => {
                let contents =
                    if op == BufferOp::New { Some(Vec::new()) } else { self.buffer_bytes(&arg(0), &arg(1)) };
                let h = self.unknown();
                self.buffers.insert(handle(&h)?, contents);
                *out.first_mut()? = h;
            }
            BufferOp::SetBytes | BufferOp::AppendBytes => {
                let h = handle(&arg(0))?;
                let bytes = self.buffer_bytes(&arg(1), &arg(2));
                let contents = match op {
                    BufferOp::SetBytes => bytes,
                    _ => self.buffers.get(&h).cloned().flatten().zip(bytes).map(|(mut c, b)| {
                        c.extend(b);
                        c
                    }),
                };
                self.buffers.insert(h, contents);
            }
            BufferOp::Append => {
                let h = handle(&arg(0))?;
                // Contents not known (a buffer the caller passed in: an address) are one `Any`.
                let source = handle(&arg(1))
                    .and_then(|s| self.buffers.get(&s).cloned().flatten())
                    .unwrap_or_else(|| vec![Part::Any]);
                let contents = self.buffers.get(&h).cloned().flatten().map(|mut c| {
                    c.extend(source);
                    c
                });
                self.buffers.insert(h, contents);
            }
            // Writes linear memory: not followed.
            BufferOp::GetBytes | BufferOp::GetByteSlice => return None,
            BufferOp::Length => {
                let known = handle(&arg(0))
                    .and_then(|h| self.buffers.get(&h).cloned().flatten())
                    .filter(|c| c.iter().all(|p| matches!(p, Part::Val(_))));
                let len = match known {
                    Some(c) => V::C(c.len() as i64),
                    None => self.unknown(),
                };
                if let Some(first) = out.first_mut() {
                    *first = len;
                }
            }
        }
        Some(out)
    }

    fn host(&mut self, h: &HostFn, args: &[V], results: usize) -> Option<Vec<V>> {
        if self.sources {
            return self.source_host(h, args, results);
        }
        if let Some(op) = h.buffer() {
            return self.buffer_op(op, args, results);
        }
        if self.buffers_module && h.builds().is_none() {
            // Other host calls may write buffers or linear memory they are handed.
            return None;
        }
        let Some(kind) = h.builds() else {
            // A host call with effects, or one that reads or writes linear memory (an argument
            // the model names as a linear-memory position), is not modelled.
            if !h.effects.is_empty()
                || h.args.iter().any(|(role, _)| LINEAR_MEMORY_ROLES.contains(&role.as_str()))
            {
                return None;
            }
            return Some(vec![V::Top; results]);
        };
        let u32_arg = |role: &str| -> Option<u64> {
            match args.get(h.arg(role)? as usize)? {
                V::C(v) if v & 0xff == TAG_U32 => Some(u64::from((*v >> 32) as u32)),
                _ => None,
            }
        };
        let len = u32_arg("len")?;
        let part = |v: V| match v {
            V::C(c) => Part::Val(c),
            V::Obj(o) => Part::Built((*o).clone()),
            V::Sym(_) | V::Ptr(..) | V::Word(_) | V::Top => Part::Any,
        };
        let parts = match kind {
            Builds::Vec => {
                if len > MAX_PARTS {
                    return None;
                }
                let pos = u32_arg("vals_pos")?;
                (0..len).map(|i| part(self.load(pos + 8 * i, 8, false, false))).collect()
            }
            Builds::Map => {
                if len > MAX_PARTS {
                    return None;
                }
                let (keys, vals) = (u32_arg("keys_pos")?, u32_arg("vals_pos")?);
                let mut parts = Vec::new();
                for i in 0..len {
                    let ptr = self.load(keys + 8 * i, 4, false, true);
                    let n = self.load(keys + 8 * i + 4, 4, false, true);
                    let key = match (ptr, n) {
                        (V::C(p), V::C(n)) if (n as u32 as u64) <= MAX_BYTES => Part::Built(Built {
                            kind: Builds::Symbol,
                            parts: self.bytes(u64::from(p as u32), u64::from(n as u32)),
                        }),
                        _ => Part::Any,
                    };
                    parts.push(key);
                    parts.push(part(self.load(vals + 8 * i, 8, false, false)));
                }
                parts
            }
            Builds::Buffer => return None,
            Builds::Symbol | Builds::Bytes | Builds::String => {
                if len > MAX_BYTES {
                    return None;
                }
                self.bytes(u32_arg("lm_pos")?, len)
            }
        };
        let mut out = vec![V::Top; results];
        if let Some(first) = out.first_mut() {
            *first = V::Obj(Rc::new(Built { kind, parts }));
        }
        Some(out)
    }

    fn bytes(&self, pos: u64, len: u64) -> Vec<Part> {
        (0..len)
            .map(|i| match self.load(pos + i, 1, false, true) {
                V::C(b) => Part::Val(b),
                _ => Part::Any,
            })
            .collect()
    }

    fn run(&mut self, func: u32, args: Vec<V>, depth: u32) -> Option<Vec<V>> {
        let cx = self.cx;
        let sig = cx.module.func_sig(func)?;
        let nresults = sig.results.len();
        if let Some(h) = cx.host_fn(func) {
            return self.host(h, &args, nresults);
        }
        let f = cx.module.function(func)?;
        if f.is_import() {
            return Some(vec![V::Top; nresults]);
        }
        if depth > MAX_DEPTH || f.num_locals() > MAX_LOCALS {
            return None;
        }
        let mut locals = args;
        locals.resize(sig.params.len(), V::Top);
        for (n, _) in &f.locals {
            locals.extend(std::iter::repeat_n(V::C(0), *n as usize));
        }
        let jumps = self.jumps_of(func, &f.body);
        let mut stack: Vec<V> = Vec::new();
        let mut labels: Vec<Label> = Vec::new();
        let mut pc = 0usize;
        loop {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return None;
            }
            if depth == 0 && self.stop == Some(pc) {
                self.stopped = Some(stack);
                return None;
            }
            let ins = f.body.get(pc)?;
            let mut next = pc + 1;
            // A branch to the label `d` levels up: the new pc (`RETURN` past the outermost).
            let branch = |d: u32, stack: &mut Vec<V>, labels: &mut Vec<Label>| -> Option<usize> {
                if d as usize == labels.len() {
                    return Some(RETURN);
                }
                let idx = labels.len().checked_sub(1 + d as usize)?;
                let l = labels.get(idx)?;
                let carried = stack.split_off(stack.len().checked_sub(l.arity)?);
                stack.truncate(l.height);
                stack.extend(carried);
                labels.truncate(idx + 1);
                let l = labels.get(idx)?;
                if l.is_loop {
                    Some(l.start + 1)
                } else {
                    jumps.end(l.start)
                }
            };
            match &ins.op {
                Op::Nop => {}
                Op::Unreachable => return None,
                Op::Block(s) | Op::Loop(s) => {
                    labels.push(Label {
                        start: pc,
                        is_loop: matches!(ins.op, Op::Loop(_)),
                        height: stack.len().checked_sub(s.params as usize)?,
                        arity: if matches!(ins.op, Op::Loop(_)) { s.params } else { s.results } as usize,
                    });
                }
                Op::If(s) => {
                    let c = const_of(stack.pop()?)?;
                    labels.push(Label {
                        start: pc,
                        is_loop: false,
                        height: stack.len().checked_sub(s.params as usize)?,
                        arity: s.results as usize,
                    });
                    if c as i32 == 0 {
                        next = match jumps.else_of(pc) {
                            Some(e) => e + 1,
                            None => jumps.end(pc)?,
                        };
                    }
                }
                Op::Else => next = jumps.end(pc)?,
                Op::End => {
                    if labels.pop().is_none() {
                        return results(stack, nresults);
                    }
                }
                Op::Br(d) => next = branch(*d, &mut stack, &mut labels)?,
                Op::BrIf(d) => {
                    if const_of(stack.pop()?)? as i32 != 0 {
                        next = branch(*d, &mut stack, &mut labels)?;
                    }
                }
                Op::BrTable { targets, default } => {
                    let i = const_of(stack.pop()?)? as u32;
                    let d = targets.get(i as usize).copied().unwrap_or(*default);
                    next = branch(d, &mut stack, &mut labels)?;
                }
                Op::Return => return results(stack, nresults),
                Op::Call(c) | Op::ReturnCall(c) => {
                    let n = cx.module.func_sig(*c)?.params.len();
                    let args = stack.split_off(stack.len().checked_sub(n)?);
                    let out = self.run(*c, args, depth + 1)?;
                    if matches!(ins.op, Op::ReturnCall(_)) {
                        return results(out, nresults);
                    }
                    stack.extend(out);
                }
                Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => return None,
                Op::Drop => {
                    stack.pop()?;
                }
                Op::Select => {
                    let c = stack.pop()?;
                    let b = stack.pop()?;
                    let a = stack.pop()?;
                    stack.push(match c {
                        V::C(c) if c as i32 != 0 => a,
                        V::C(_) => b,
                        _ => V::Top,
                    });
                }
                Op::LocalGet(l) => stack.push(locals.get(*l as usize)?.clone()),
                Op::LocalSet(l) => *locals.get_mut(*l as usize)? = stack.pop()?,
                Op::LocalTee(l) => *locals.get_mut(*l as usize)? = stack.last()?.clone(),
                Op::GlobalGet(g) => stack.push(self.globals.get(*g as usize)?.clone()),
                Op::GlobalSet(g) => *self.globals.get_mut(*g as usize)? = stack.pop()?,
                Op::Load { kind, offset, .. } => {
                    let at = address(stack.pop()?, *offset)?;
                    let v = match self.load(at, kind.bytes, kind.signed, kind.result == ValType::I32) {
                        V::Top => self.unknown(),
                        v => v,
                    };
                    stack.push(v);
                }
                Op::Store { kind, offset, .. } => {
                    let v = stack.pop()?;
                    let at = address(stack.pop()?, *offset)?;
                    self.store(at, &v, kind.bytes);
                }
                Op::MemorySize(_) => stack.push(V::Top),
                Op::MemoryGrow(_) => return None,
                Op::I32Const(c) => stack.push(V::C(i64::from(*c))),
                Op::I64Const(c) => stack.push(V::C(*c)),
                op @ (Op::Unary(..) | Op::Binary(..) | Op::Compare(..) | Op::Convert(_)) => {
                    let n = if matches!(op, Op::Binary(..) | Op::Compare(..)) { 2 } else { 1 };
                    let operands = stack.split_off(stack.len().checked_sub(n)?);
                    if self.sources {
                        if let Some(v) = sym_op(op, &operands) {
                            stack.push(v);
                            pc = next;
                            continue;
                        }
                    }
                    let cs: Option<Vec<i64>> = operands.into_iter().map(const_of).collect();
                    let v = match cs.and_then(|cs| eval_op(op, &cs)) {
                        Some(c) => V::C(c),
                        None => self.unknown(),
                    };
                    stack.push(v);
                }
                Op::Other { name, pops, .. }
                    if self.sources && matches!(*name, "MemoryCopy" | "MemoryFill") =>
                {
                    let operands = stack.split_off(stack.len().checked_sub(*pops as usize)?);
                    self.bulk(name, &operands)?;
                }
                Op::Other { pops, pushes, class, .. } => {
                    if matches!(class, OtherClass::BulkMemory | OtherClass::Atomic | OtherClass::Simd) {
                        return None;
                    }
                    stack.truncate(stack.len().checked_sub(*pops as usize)?);
                    stack.extend(std::iter::repeat_n(V::Top, *pushes as usize));
                }
            }
            if next == RETURN {
                return results(stack, nresults);
            }
            pc = next;
        }
    }
}

fn const_of(v: V) -> Option<i64> {
    match v {
        V::C(c) => Some(c),
        _ => None,
    }
}

fn address(v: V, offset: u64) -> Option<u64> {
    match v {
        V::Ptr(p, o) => param_base(p)?.checked_add_signed(o)?.checked_add(offset),
        v => u64::from(const_of(v)? as u32).checked_add(offset),
    }
}

fn results(mut stack: Vec<V>, n: usize) -> Option<Vec<V>> {
    let out = stack.split_off(stack.len().checked_sub(n)?);
    Some(out)
}

/// Byte ranges that some store at a constant address in the module writes.
struct AbsoluteWrites(Vec<(u64, u64)>);

impl AbsoluteWrites {
    fn compute(cx: &Context<'_>) -> AbsoluteWrites {
        let mut out = Vec::new();
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let Some(ev) = cx.evaluator(f.index) else { continue };
            for (addr, (_, _, width)) in ev.stores() {
                if addr.base == wasmaudit_flow::Base::Absolute {
                    if let Ok(a) = u64::try_from(addr.offset) {
                        out.push((a, a.saturating_add(u64::from(*width))));
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        AbsoluteWrites(out)
    }

    fn covers(&self, at: u64) -> bool {
        self.0.iter().any(|(s, e)| (*s..*e).contains(&at))
    }
}

// ---------------------------------------------------------------------------------------------
// Source runs: where the bytes a call is handed come from.

/// Parameters a source run gives a memory region of its own.
const MAX_PARAM_REGIONS: u32 = 32;
/// Bytes a host source writes behind its output pointer in a source run: an EVM address (the
/// only platform source runs are used on is Stylus; [`key_bytes`]).
const ADDRESS_LEN: u64 = 20;
/// Bytes a bulk memory operation of a source run may move.
const MAX_BULK: u64 = 4096;

/// One byte of a key that code computes from its inputs: a constant, a byte of the memory behind
/// a parameter of the function the run started in, a byte a host source wrote (the caller's
/// address), or a byte of the digest a hash host call computed over other such bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyByte {
    Const(u8),
    /// Byte `off` of the memory behind parameter `p` when the function was entered.
    Param {
        p: u32,
        off: i64,
    },
    /// Byte `off` of what a host call with this effect wrote (`msg_sender`: the caller).
    Source {
        effect: Effect,
        off: u8,
    },
    /// Byte `idx` of the digest of `input` (a hash host call: the `crypto` effect).
    Digest {
        input: std::sync::Arc<[KeyByte]>,
        idx: u8,
    },
    /// Not known.
    Any,
}

impl KeyByte {
    /// Whether the byte (or a digest input byte) is taken from a parameter.
    pub fn has_param(&self) -> bool {
        match self {
            KeyByte::Param { .. } => true,
            KeyByte::Digest { input, .. } => input.iter().any(KeyByte::has_param),
            _ => false,
        }
    }

    /// Whether the byte names one value in an execution (no unknown byte, nor one in a digest's
    /// input).
    pub fn is_exact(&self) -> bool {
        match self {
            KeyByte::Any => false,
            KeyByte::Digest { input, .. } => input.iter().all(KeyByte::is_exact),
            _ => true,
        }
    }
}

/// Where the memory behind parameter `p` is placed in a source run (the middle of its region, so
/// that negative offsets stay inside).
fn param_base(p: u32) -> Option<u64> {
    (p < MAX_PARAM_REGIONS).then(|| MEM_BASE + MEM_STRIDE * u64::from(p) + MEM_STRIDE / 2)
}

/// The parameter and offset of an address inside a parameter's region.
fn param_region(at: u64) -> Option<(u32, i64)> {
    let rel = at.checked_sub(MEM_BASE)?;
    let p = u32::try_from(rel / MEM_STRIDE).ok().filter(|p| *p < MAX_PARAM_REGIONS)?;
    Some((p, (rel % MEM_STRIDE) as i64 - (MEM_STRIDE / 2) as i64))
}

fn byte_key(b: &Byte) -> KeyByte {
    match b {
        Byte::Known(c) => KeyByte::Const(*c),
        Byte::Sym(k) => k.clone(),
        _ => KeyByte::Any,
    }
}

/// The bytes of a value `n` long (little-endian), when it is a constant or a word.
fn word_bytes(v: &V, n: usize) -> Option<Vec<Byte>> {
    match v {
        V::C(c) => Some((0..n).map(|k| Byte::Known((*c >> (8 * k)) as u8)).collect()),
        V::Word(w) if w.len() >= n => Some(w[..n].to_vec()),
        _ => None,
    }
}

/// A word as a value: a constant when every byte is known (an `i32` sign-extended, as
/// constants are kept).
fn word_value(bytes: Vec<Byte>) -> V {
    let known: Option<Vec<u8>> =
        bytes.iter().map(|b| if let Byte::Known(c) = b { Some(*c) } else { None }).collect();
    match known {
        Some(k) => {
            let c = k.iter().enumerate().fold(0u64, |acc, (i, b)| acc | (u64::from(*b) << (8 * i)));
            V::C(if k.len() == 4 { i64::from(c as u32 as i32) } else { c as i64 })
        }
        None => V::Word(Rc::new(bytes)),
    }
}

/// The least and greatest value of a word whose symbolic bytes may hold anything.
fn word_range(bytes: &[Byte]) -> Option<(u64, u64)> {
    let (mut lo, mut hi) = (0u64, 0u64);
    for (i, b) in bytes.iter().enumerate() {
        match b {
            Byte::Known(c) => {
                lo |= u64::from(*c) << (8 * i);
                hi |= u64::from(*c) << (8 * i);
            }
            Byte::Sym(_) => hi |= 0xff << (8 * i),
            _ => return None,
        }
    }
    Some((lo, hi))
}

/// An operation of a source run on pointers and words: a pointer moved by a constant, byte
/// moves (shifts by whole bytes, byte masks, merges of disjoint bytes: a byte reversal), width
/// conversions, and unsigned comparisons the range of a word decides. `None`: not modelled.
fn sym_op(op: &Op, xs: &[V]) -> Option<V> {
    use wasmaudit_front::{BinOp, CmpOp, Width};
    let off = |c: i64, w: &Width| if *w == Width::I32 { i64::from(c as i32) } else { c };
    match (op, xs) {
        (Op::Binary(w, BinOp::Add), [V::Ptr(p, o), V::C(c)] | [V::C(c), V::Ptr(p, o)]) => {
            Some(V::Ptr(*p, o.checked_add(off(*c, w))?))
        }
        (Op::Binary(w, BinOp::Sub), [V::Ptr(p, o), V::C(c)]) => Some(V::Ptr(*p, o.checked_sub(off(*c, w))?)),
        (Op::Convert(wasmaudit_front::ConvOp::I64ExtendI32U), [v @ V::Word(_)]) => {
            let mut b = word_bytes(v, 4)?;
            b.resize(8, Byte::Known(0));
            Some(word_value(b))
        }
        (Op::Convert(wasmaudit_front::ConvOp::I32WrapI64), [v @ V::Word(_)]) => {
            Some(word_value(word_bytes(v, 4)?))
        }
        (Op::Binary(w, bop), [a, b]) if matches!(a, V::Word(_)) || matches!(b, V::Word(_)) => {
            let n = if *w == Width::I32 { 4 } else { 8 };
            let (x, y) = (word_bytes(a, n)?, word_bytes(b, n)?);
            let out: Vec<Byte> = match bop {
                BinOp::Shl | BinOp::ShrU => {
                    let sh = (const_of(b.clone())? as u64) % (8 * n as u64);
                    if !sh.is_multiple_of(8) {
                        return None;
                    }
                    let by = (sh / 8) as usize;
                    (0..n)
                        .map(|k| {
                            let from = if *bop == BinOp::Shl {
                                k.checked_sub(by)
                            } else {
                                Some(k + by).filter(|i| *i < n)
                            };
                            from.and_then(|i| x.get(i).cloned()).unwrap_or(Byte::Known(0))
                        })
                        .collect()
                }
                BinOp::And => {
                    // A mask of whole bytes on one side.
                    let (v, mask) =
                        if word_range(&y).is_some_and(|(l, h)| l == h) { (&x, &y) } else { (&y, &x) };
                    let mut out = Vec::with_capacity(n);
                    for (b, m) in v.iter().zip(mask) {
                        out.push(match m {
                            Byte::Known(0xff) => b.clone(),
                            Byte::Known(0) => Byte::Known(0),
                            _ => return None,
                        });
                    }
                    out
                }
                BinOp::Or | BinOp::Xor | BinOp::Add => {
                    // Bytes of which at most one side is not zero: no carry, no mixing.
                    let mut out = Vec::with_capacity(n);
                    for (p, q) in x.iter().zip(&y) {
                        out.push(match (p, q) {
                            (Byte::Known(0), b) | (b, Byte::Known(0)) => b.clone(),
                            _ => return None,
                        });
                    }
                    out
                }
                _ => return None,
            };
            Some(word_value(out))
        }
        (Op::Compare(w, cop), [a, b]) if matches!(a, V::Word(_)) || matches!(b, V::Word(_)) => {
            let n = if *w == Width::I32 { 4 } else { 8 };
            let ((al, ah), (bl, bh)) = (word_range(&word_bytes(a, n)?)?, word_range(&word_bytes(b, n)?)?);
            let decided = match cop {
                CmpOp::LtU if ah < bl => true,
                CmpOp::LtU if al >= bh => false,
                CmpOp::LeU if ah <= bl => true,
                CmpOp::LeU if al > bh => false,
                CmpOp::GtU if al > bh => true,
                CmpOp::GtU if ah <= bl => false,
                CmpOp::GeU if al >= bh => true,
                CmpOp::GeU if ah < bl => false,
                CmpOp::Eq | CmpOp::Ne if ah < bl || bh < al => *cop == CmpOp::Ne,
                _ => return None,
            };
            Some(V::C(i64::from(decided)))
        }
        _ => None,
    }
}

impl Machine<'_, '_> {
    fn byte_at(&self, at: u64) -> Byte {
        self.mem.get(&at).cloned().unwrap_or_else(|| self.initial(at))
    }

    /// A load in a source run: a stored pointer, or a word with symbolic bytes. `None`: the
    /// ordinary load decides.
    fn load_sources(&self, at: u64, width: u8, signed: bool, is_i32: bool) -> Option<V> {
        let bytes: Vec<Byte> = (0..u64::from(width)).map(|k| self.byte_at(at.saturating_add(k))).collect();
        if let (4, Some(Byte::Ptr(p, o, 0))) = (width, bytes.first()) {
            let whole = bytes
                .iter()
                .enumerate()
                .all(|(k, b)| matches!(b, Byte::Ptr(q, r, i) if q == p && r == o && usize::from(*i) == k));
            return Some(if whole { V::Ptr(*p, *o) } else { V::Top });
        }
        if !bytes.iter().any(|b| matches!(b, Byte::Sym(_))) {
            return None;
        }
        let full = if is_i32 { 4 } else { 8 };
        if !bytes.iter().all(|b| matches!(b, Byte::Known(_) | Byte::Sym(_)))
            || (signed && usize::from(width) < full)
        {
            return Some(V::Top);
        }
        let mut out = bytes;
        out.resize(full, Byte::Known(0));
        Some(word_value(out))
    }

    /// `memory.copy` / `memory.fill` with constant operands, byte by byte.
    fn bulk(&mut self, name: &str, operands: &[V]) -> Option<()> {
        let [dst, x, len] = operands else { return None };
        let len = u64::from(const_of(len.clone())? as u32);
        if len > MAX_BULK {
            return None;
        }
        let dst = address(dst.clone(), 0)?;
        if name == "MemoryFill" {
            let v = Byte::Known(const_of(x.clone())? as u8);
            for k in 0..len {
                self.mem.insert(dst.checked_add(k)?, v.clone());
            }
            return Some(());
        }
        let src = address(x.clone(), 0)?;
        let bytes: Vec<Byte> = (0..len).map(|k| self.byte_at(src.saturating_add(k))).collect();
        for (k, b) in bytes.into_iter().enumerate() {
            self.mem.insert(dst.checked_add(k as u64)?, b);
        }
        Some(())
    }

    /// A host call in a source run: a hash writes the digest of its input, a host source of an
    /// identity (the caller, the origin, this contract) writes that identity, a host call without
    /// effects or memory arguments returns unknown values; anything else ends the run.
    fn source_host(&mut self, h: &HostFn, args: &[V], results: usize) -> Option<Vec<V>> {
        let arg = |role: &str| h.arg(role).and_then(|i| args.get(i as usize)).cloned();
        let only = |e: Effect| h.effects.len() == 1 && h.has(e);
        if only(Effect::Crypto) {
            let (data, len, out) =
                (address(arg("data")?, 0)?, const_of(arg("data_len")?)?, address(arg("output")?, 0)?);
            let len = u64::try_from(len).ok().filter(|l| (1..=MAX_SLICE).contains(l))?;
            let input: std::sync::Arc<[KeyByte]> =
                (0..len).map(|k| byte_key(&self.byte_at(data.saturating_add(k)))).collect();
            for idx in 0..32u8 {
                self.mem.insert(
                    out.checked_add(u64::from(idx))?,
                    Byte::Sym(KeyByte::Digest { input: input.clone(), idx }),
                );
            }
            return Some(vec![V::Top; results]);
        }
        if let Some(effect) =
            [Effect::CallerId, Effect::OriginId, Effect::SelfId].into_iter().find(|e| only(*e))
        {
            let out = address(arg("output")?, 0)?;
            for off in 0..ADDRESS_LEN {
                self.mem.insert(out.checked_add(off)?, Byte::Sym(KeyByte::Source { effect, off: off as u8 }));
            }
            return Some(vec![V::Top; results]);
        }
        if h.effects.is_empty() && h.args.is_empty() {
            return Some(vec![V::Top; results]);
        }
        None
    }
}

/// A function's run up to one of its instructions: the memory and the operand stack there.
struct Stopped {
    mem: BTreeMap<u64, Byte>,
    stack: Vec<V>,
}

/// Source runs already made, by function and instruction.
#[derive(Default)]
struct SourceCache(std::cell::RefCell<BTreeMap<(u32, usize), StoppedRun>>);

/// A source run's end at the instruction asked, `None` when it did not get there.
type StoppedRun = Option<Rc<Stopped>>;

/// Where the bytes behind the pointer arguments of call `at` of `func` come from, when `func`
/// runs from its entry to the call: every parameter is a pointer to memory of its own, whose
/// bytes are [`KeyByte::Param`]; constants, branches and loops are run concretely; pointers
/// moved by constants, byte moves and unsigned comparisons a word's range decides are followed
/// through symbolic bytes (a byte-reversal loop, a `U256` rebuilt from an address); callees are
/// run too, a hash host call giving [`KeyByte::Digest`]s of its input and a host source of an
/// identity [`KeyByte::Source`]s. For each `(argument, offset)` asked: that byte, `Any` when
/// the argument is no pointer the run knows. `None` when the run does not reach the call (a
/// branch on a value it does not know, a host call with other effects, the step budget).
pub fn arg_bytes(cx: &Context<'_>, func: u32, at: usize, wanted: &[(u32, i64)]) -> Option<Vec<KeyByte>> {
    let (stopped, args) = stopped_with_args(cx, func, at)?;
    let (m, _) = Machine::new(cx, &[])?;
    let m = Machine { mem: stopped.mem.clone(), sources: true, ..m };
    let out = wanted
        .iter()
        .map(|(a, off)| {
            let at = args
                .get(*a as usize)
                .and_then(|v| address(v.clone(), 0))
                .and_then(|b| b.checked_add_signed(*off));
            at.map(|at| byte_key(&m.byte_at(at))).unwrap_or(KeyByte::Any)
        })
        .collect();
    Some(out)
}

/// The value argument `arg` of call `at` of `func` holds when a source run ([`arg_bytes`])
/// gets there, when it is a constant (a key length an encoder computed into a scratch buffer).
pub fn arg_value(cx: &Context<'_>, func: u32, at: usize, arg: u32) -> Option<i64> {
    let (_, args) = stopped_with_args(cx, func, at)?;
    const_of(args.get(arg as usize)?.clone())
}

/// The source run of `func` stopped at call `at` ([`stopped_at`]), with the values of the
/// call's arguments on its stack.
fn stopped_with_args(cx: &Context<'_>, func: u32, at: usize) -> Option<(Rc<Stopped>, Vec<V>)> {
    let stopped = stopped_at(cx, func, at)?;
    let n = match &cx.module.function(func)?.body.get(at)?.op {
        Op::Call(c) => cx.module.func_sig(*c)?.params.len(),
        _ => return None,
    };
    let args = stopped.stack.get(stopped.stack.len().checked_sub(n)?..)?.to_vec();
    Some((stopped, args))
}

/// The source run of `func` stopped at call `at` (memoized).
fn stopped_at(cx: &Context<'_>, func: u32, at: usize) -> StoppedRun {
    let cache = cx.memo(|_| SourceCache::default());
    let cached = cache.0.borrow().get(&(func, at)).cloned();
    match cached {
        Some(s) => s,
        None => {
            let s = stop_at(cx, func, at).map(Rc::new);
            cache.0.borrow_mut().insert((func, at), s.clone());
            s
        }
    }
}

fn stop_at(cx: &Context<'_>, func: u32, at: usize) -> Option<Stopped> {
    let nparams = cx.module.func_sig(func)?.params.len();
    let (mut m, _) = Machine::new(cx, &[])?;
    m.sources = true;
    m.stop = Some(at);
    let params = (0..nparams as u32).map(|p| V::Ptr(p, 0)).collect();
    let _ = m.run(func, params, 0);
    let stack = m.stopped.take()?;
    Some(Stopped { mem: std::mem::take(&mut m.mem), stack })
}
