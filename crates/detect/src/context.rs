use crate::guards::Guards;
use crate::loops::Loops;
use crate::storage::StorageAccess;
use crate::taint::DataFlow;
use wasmaudit_flow::{Evaluator, Program};
use wasmaudit_front::{Module, Op};
use wasmaudit_platform::{Effect, HostFn, Platform, PlatformModel};

/// A call instruction whose callee is a host import.
#[derive(Debug, Clone, Copy)]
pub struct HostCall {
    /// Calling function and instruction index in its body.
    pub func: u32,
    pub instr: usize,
    /// Function index of the imported callee.
    pub callee: u32,
    pub host: &'static HostFn,
}

/// What a detector sees of one module: the module, its flow graphs and values, the platform
/// model, taint and guard facts.
pub struct Context<'a> {
    pub module: &'a Module,
    pub program: &'a Program,
    pub platform: Platform,
    pub model: Option<&'static PlatformModel>,
    /// Host model of each imported function, by function index.
    host: Vec<Option<&'static HostFn>>,
    evals: Vec<Option<Evaluator<'a>>>,
    dataflow: DataFlow,
    guards: Guards,
    /// Storage accesses by key, computed on first use.
    storage: std::cell::OnceCell<StorageAccess>,
    /// Loops and recursion, computed on first use.
    loops: std::cell::OnceCell<Loops>,
    /// Every direct call of a known host import, in (function, instruction) order.
    host_call_sites: std::cell::OnceCell<Vec<HostCall>>,
    /// Per function: whether it may end the execution with output ([`Context::doomed`]).
    finishers: std::cell::OnceCell<Vec<bool>>,
    /// Facts the detectors derive once per module and share (see [`Context::memo`]).
    memo: std::cell::RefCell<Vec<(std::any::TypeId, std::rc::Rc<dyn std::any::Any>)>>,
    /// Asked by analyses that can grow without bound whether to give up (the engine's per-file
    /// memory budget); see [`Context::set_stop`].
    stop: Option<&'a dyn Fn() -> bool>,
}

impl<'a> Context<'a> {
    pub fn new(module: &'a Module, program: &'a Program, platform: Platform) -> Context<'a> {
        let model = wasmaudit_platform::model(platform);
        let host = module
            .functions
            .iter()
            .map(|f| {
                let (m, n) = f.import.as_ref()?;
                model?.host_fn(m, n)
            })
            .collect();
        let evals = module
            .functions
            .iter()
            .map(|f| program.values(f.index).map(|v| Evaluator::new(module, f, v)))
            .collect();
        let mut cx = Context {
            module,
            program,
            platform,
            model,
            host,
            evals,
            dataflow: DataFlow::default(),
            guards: Guards::default(),
            storage: std::cell::OnceCell::new(),
            loops: std::cell::OnceCell::new(),
            host_call_sites: std::cell::OnceCell::new(),
            finishers: std::cell::OnceCell::new(),
            memo: std::cell::RefCell::new(Vec::new()),
            stop: None,
        };
        cx.dataflow = DataFlow::compute(&cx);
        cx.guards = Guards::compute(&cx);
        cx
    }

    /// Installs the check [`Context::should_stop`] asks. Once it says yes, analyses that check it
    /// return early with partial facts; the caller must then discard the whole result.
    pub fn set_stop(&mut self, stop: &'a dyn Fn() -> bool) {
        self.stop = Some(stop);
    }

    /// Whether the analysis should give up (the caller discards the result).
    pub fn should_stop(&self) -> bool {
        self.stop.is_some_and(|s| s())
    }

    /// The host model of function `func`, when it is an import the platform model knows.
    pub fn host_fn(&self, func: u32) -> Option<&'static HostFn> {
        self.host.get(func as usize).copied().flatten()
    }

    /// Whether `func` is a host import with effect `e`.
    pub fn host_has(&self, func: u32, e: Effect) -> bool {
        self.host_fn(func).is_some_and(|h| h.has(e))
    }

    /// Constants and addresses of function `func`.
    pub fn evaluator(&self, func: u32) -> Option<&Evaluator<'a>> {
        self.evals.get(func as usize).and_then(Option::as_ref)
    }

    /// Taint facts of the module.
    pub fn dataflow(&self) -> &DataFlow {
        &self.dataflow
    }

    /// Guard facts of the module.
    pub fn guards(&self) -> &Guards {
        &self.guards
    }

    /// The fact of type `T` for this module, computed by `init` on first use and shared by every
    /// detector that asks for it (EOSIO's recovered dispatch serves four detectors). `init` may
    /// itself ask for other facts.
    pub fn memo<T: 'static>(&self, init: impl FnOnce(&Context<'a>) -> T) -> std::rc::Rc<T> {
        let key = std::any::TypeId::of::<T>();
        let cached = self.memo.borrow().iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
        if let Some(v) = cached.and_then(|v| v.downcast::<T>().ok()) {
            return v;
        }
        let v = std::rc::Rc::new(init(self));
        self.memo.borrow_mut().push((key, v.clone()));
        v
    }

    /// Storage accesses by key (computed on first use).
    pub fn storage(&self) -> &StorageAccess {
        self.storage.get_or_init(|| StorageAccess::compute(self))
    }

    /// Loops and recursion with what bounds them and what each iteration does (computed on first
    /// use, for the functions that can matter: see [`crate::loops`]).
    pub fn loops(&self) -> &Loops {
        self.loops.get_or_init(|| Loops::compute(self))
    }

    /// Every direct call of a host import that has effect `e`, in (function, instruction) order.
    /// Whether every way on from instruction `instr` of `func` traps: the function cannot
    /// return from there, nor reach a call that may end the execution well (ink!'s
    /// `seal_return`, EOSIO's `eosio_exit`, directly or in a helper). What such a way did is rolled back with the
    /// transaction, so a state change on it (a map flushed while a decoding error panics)
    /// changes nothing.
    pub fn doomed(&self, func: u32, instr: usize) -> bool {
        let Some(cfg) = self.program.cfg(func) else { return false };
        if cfg.reaches_exit(instr) {
            return false;
        }
        let finishers = self.finishers();
        !self.program.calls.call_sites(func).iter().any(|(i, targets)| {
            targets.iter().any(|t| finishers.get(*t as usize).copied().unwrap_or(false))
                && cfg.instr_reaches(instr, *i)
        })
    }

    /// Whether a call of `func` may end the execution well, without returning: it sets the
    /// output (ink!'s `seal_return`) or exits (EOSIO's `eosio_exit`), directly or in a helper.
    pub fn may_finish(&self, func: u32) -> bool {
        self.finishers().get(func as usize).copied().unwrap_or(false)
    }

    fn finishers(&self) -> &[bool] {
        self.finishers.get_or_init(|| {
            let n = self.module.functions.len();
            let mut fin = vec![false; n];
            // Host calls that may end the execution well: those that set the output, and
            // imports not known to abort that the code treats as not returning (a call
            // followed by `unreachable`: EOSIO's `eosio_exit`).
            let ends_well = |f: u32| {
                self.module.function(f).is_some_and(|x| x.is_import())
                    && !self.host_fn(f).is_some_and(|h| h.has(Effect::Abort))
            };
            let mut work: Vec<u32> =
                (0..n as u32).filter(|f| self.host_fn(*f).is_some_and(|h| h.has(Effect::Output))).collect();
            for f in self.module.functions.iter().filter(|f| !f.is_import()) {
                for w in f.body.windows(2) {
                    if let (Op::Call(t), Op::Unreachable) = (&w[0].op, &w[1].op) {
                        if ends_well(*t) && !work.contains(t) {
                            work.push(*t);
                        }
                    }
                }
            }
            for f in &work {
                fin[*f as usize] = true;
            }
            while let Some(f) = work.pop() {
                for (caller, _) in self.program.calls.callers(f) {
                    if let Some(c) = fin.get_mut(caller as usize) {
                        if !*c {
                            *c = true;
                            work.push(caller);
                        }
                    }
                }
            }
            fin
        })
    }

    pub fn host_calls(&self, e: Effect) -> Vec<HostCall> {
        self.all_host_calls().iter().filter(|c| c.host.has(e)).copied().collect()
    }

    /// Every direct call of a known host import in `func`, in instruction order.
    pub fn host_calls_in(&self, func: u32) -> &[HostCall] {
        let all = self.all_host_calls();
        let start = all.partition_point(|c| c.func < func);
        let end = start + all[start..].partition_point(|c| c.func == func);
        &all[start..end]
    }

    fn all_host_calls(&self) -> &[HostCall] {
        self.host_call_sites.get_or_init(|| {
            let mut out = Vec::new();
            for f in self.module.functions.iter().filter(|f| !f.is_import()) {
                for (instr, callee) in self.direct_calls(f.index) {
                    if let Some(host) = self.host_fn(callee) {
                        out.push(HostCall { func: f.index, instr, callee, host });
                    }
                }
            }
            out
        })
    }

    /// `(instruction index, callee)` of each direct `call` in `func`.
    pub fn direct_calls(&self, func: u32) -> impl Iterator<Item = (usize, u32)> + '_ {
        let body = self.module.function(func).map(|f| f.body.as_slice()).unwrap_or(&[]);
        body.iter().enumerate().filter_map(|(i, ins)| match ins.op {
            Op::Call(c) | Op::ReturnCall(c) => Some((i, c)),
            _ => None,
        })
    }

    /// Exported functions (entry points) as `(export name, function index)`.
    pub fn entry_points(&self) -> Vec<(&'a str, u32)> {
        self.module
            .exported_funcs()
            .filter(|(_, f)| !self.module.function(*f).is_some_and(|f| f.is_import()))
            .collect()
    }

    /// How to name a host import in messages: the platform's function name where the import's
    /// own name is an opaque code (Soroban's `l.6` is `update_current_contract_wasm`), else the
    /// import's field name as the module spells it.
    pub fn host_display_name(&self, func: u32) -> String {
        let field = self.module.function(func).and_then(|f| f.import.as_ref()).map(|(_, n)| n.clone());
        match (self.host_fn(func).and_then(|h| h.function.clone()), field) {
            (Some(function), _) => function,
            (None, Some(field)) => field,
            (None, None) => self.func_name(func),
        }
    }

    pub fn func_name(&self, func: u32) -> String {
        self.module.func_name(func)
    }

    /// Byte offset of instruction `instr` of `func`.
    pub fn offset_of(&self, func: u32, instr: usize) -> u32 {
        self.module.function(func).and_then(|f| f.body.get(instr)).map(|i| i.offset).unwrap_or(0)
    }
}
