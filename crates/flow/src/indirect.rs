//! Narrowing `call_indirect` targets by the table index the code computes.
//!
//! The call graph first gives an indirect call every function of the expected signature in the
//! table. Compilers mostly load the index from data the module itself lays out: a trait object's
//! vtable (`load(vtable + k)`, the vtable a constant address handed down by the caller), a lazily
//! initialised static holding its initialiser (`load(static)`), or a constant. When every value
//! the index can take is found here, the targets are the functions in those slots (of the
//! expected signature); otherwise the signature-based set is kept.
//!
//! Values are followed through constants, additions of constants, merges, loads of 32-bit words
//! from the data segments (their initial contents; a word some absolute store writes is
//! unknown), loads of a frame slot from the nearest dominating store to it, and parameters, by
//! the arguments of every direct caller when the function can be called in no other way (not
//! exported, not in a table, not the start function).

use crate::callgraph::CallGraph;
use crate::consts::{Base, Evaluator};
use crate::values::{FunctionValues, ValueDef, ValueId};
use crate::Cfg;
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_front::{BinOp, LoadKind, Module, Op, ValType};

/// Values more than this many steps away (loads, parameters) are unknown.
const MAX_DEPTH: u32 = 6;
/// Possible values of one index kept before it counts as unknown.
const MAX_VALUES: usize = 16;
/// Steps one call site's resolution may take (callers of a shared helper fan out).
const MAX_STEPS: usize = 256;

struct Resolver<'a> {
    module: &'a Module,
    values: &'a [Option<FunctionValues>],
    cfgs: &'a [Option<Cfg>],
    calls: &'a CallGraph,
    evaluators: BTreeMap<u32, Evaluator<'a>>,
    /// Absolute addresses some store writes (module-wide), with the storing function and
    /// instruction.
    stored: BTreeMap<i64, Vec<(u32, usize)>>,
    /// Functions callable other than by a direct call.
    escaping: Vec<bool>,
    steps: usize,
}

impl<'a> Resolver<'a> {
    fn evaluator(&mut self, func: u32) -> Option<&Evaluator<'a>> {
        if !self.evaluators.contains_key(&func) {
            let f = self.module.function(func)?;
            let values = self.values.get(func as usize)?.as_ref()?;
            self.evaluators.insert(func, Evaluator::new(self.module, f, values));
        }
        self.evaluators.get(&func)
    }

    /// The initial 32-bit word at `addr` in the data segments, as read by instruction `at` of
    /// `func`: unknown when a store to it may run before (one in another function, or one in
    /// `func` with a way to `at`). A lazily initialised static calls its initialiser and only
    /// then overwrites the word with the value.
    fn data_word(&self, addr: i64, func: u32, at: usize) -> Option<i64> {
        let cfg = self.cfgs.get(func as usize)?.as_ref()?;
        for (_, stores) in self.stored.range(addr - 7..=addr + 3) {
            if stores.iter().any(|(f, i)| *f != func || cfg.instr_reaches(*i, at)) {
                return None;
            }
        }
        let b = self.module.data_at(u64::try_from(addr).ok()?, 4)?;
        Some(i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    }

    /// Every value `v` of `func` can take, when all are found.
    fn resolve(&mut self, func: u32, v: ValueId, depth: u32) -> Option<BTreeSet<i64>> {
        self.steps += 1;
        if depth > MAX_DEPTH || self.steps > MAX_STEPS {
            return None;
        }
        let values = self.values.get(func as usize)?.as_ref()?;
        // Loads are read here (the evaluator folds a load of data-segment bytes to a constant
        // even where another function stores to them).
        let is_load = matches!(values.def(v), ValueDef::Result { instr, .. }
            if matches!(self.module.function(func).and_then(|f| f.body.get(*instr)).map(|i| &i.op), Some(Op::Load { .. })));
        if !is_load {
            if let Some(c) = self.evaluator(func)?.constant(v) {
                return Some(BTreeSet::from([c]));
            }
        }
        let out = match values.def(v) {
            ValueDef::Param(p) => {
                if self.escaping.get(func as usize).copied().unwrap_or(true) {
                    return None;
                }
                let callers = self.calls.callers(func);
                if callers.is_empty() || callers.iter().any(|(_, s)| s.indirect) {
                    return None;
                }
                let mut out = BTreeSet::new();
                for (caller, site) in callers {
                    let arg =
                        *self.values.get(caller as usize)?.as_ref()?.operands(site.instr).get(*p as usize)?;
                    out.extend(self.resolve(caller, arg, depth + 1)?);
                    if out.len() > MAX_VALUES {
                        return None;
                    }
                }
                out
            }
            ValueDef::Phi { operands, .. } => {
                let mut out = BTreeSet::new();
                for o in operands.clone() {
                    if o == v {
                        continue;
                    }
                    out.extend(self.resolve(func, o, depth + 1)?);
                    if out.len() > MAX_VALUES {
                        return None;
                    }
                }
                out
            }
            ValueDef::Result { instr, index: 0 } => {
                let instr = *instr;
                let op = self.module.function(func)?.body.get(instr)?.op.clone();
                let ops = values.operands(instr).to_vec();
                match op {
                    Op::Binary(_, BinOp::Add) => {
                        let (a, b) = (*ops.first()?, *ops.get(1)?);
                        let (x, k) =
                            match (self.evaluator(func)?.constant(a), self.evaluator(func)?.constant(b)) {
                                (_, Some(k)) => (a, k),
                                (Some(k), _) => (b, k),
                                _ => return None,
                            };
                        self.resolve(func, x, depth + 1)?.into_iter().map(|c| c.wrapping_add(k)).collect()
                    }
                    Op::Load { kind: LoadKind { bytes: 4, result: ValType::I32, .. }, offset, .. } => {
                        self.load(func, instr, *ops.first()?, offset as i64, depth)?
                    }
                    _ => return None,
                }
            }
            _ => return None,
        };
        (out.len() <= MAX_VALUES).then_some(out)
    }

    /// The words the 32-bit load at `instr` of `func` can read: data words at the constant
    /// addresses its pointer can be, or what the nearest dominating store to its frame slot put
    /// there.
    fn load(
        &mut self,
        func: u32,
        instr: usize,
        ptr: ValueId,
        offset: i64,
        depth: u32,
    ) -> Option<BTreeSet<i64>> {
        let cfgs = self.cfgs;
        let ev = self.evaluator(func)?;
        let addr = ev.mem_address(instr)?;
        if let Base::Value(_) = addr.base {
            let cfg = cfgs.get(func as usize)?.as_ref()?;
            let reaching = ev
                .store_slots()
                .get(&addr)
                .and_then(|stores| {
                    stores
                        .iter()
                        .filter(|(i, _, w)| *w == 4 && cfg.dominates(*i, instr))
                        .max_by_key(|(i, _, _)| *i)
                })
                .map(|(_, v, _)| *v);
            if let Some(stored) = reaching {
                // The nearest dominating store: one on a branch in between is not seen.
                return self.resolve(func, stored, depth + 1);
            }
        }
        let pointers = self.resolve(func, ptr, depth + 1)?;
        pointers.into_iter().map(|p| self.data_word(p.wrapping_add(offset), func, instr)).collect()
    }
}

/// Slot contents of each table from active segments with constant offsets (later segments win).
fn table_slots(module: &Module) -> Vec<BTreeMap<u64, u32>> {
    let mut tables = vec![BTreeMap::new(); module.tables.len().max(1)];
    for seg in module.elements.iter().filter(|s| s.active) {
        let (Some(t), Some(off)) = (tables.get_mut(seg.table as usize), seg.offset) else { continue };
        for (k, f) in seg.funcs.iter().enumerate() {
            if let Some(f) = f {
                t.insert(off + k as u64, *f);
            }
        }
    }
    tables
}

/// The call graph with each `call_indirect` narrowed to the slots its index can take, where
/// all of them are known.
pub fn refine(
    module: &Module,
    values: &[Option<FunctionValues>],
    cfgs: &[Option<Cfg>],
    calls: CallGraph,
) -> CallGraph {
    let has_indirect = module.functions.iter().any(|f| {
        f.body.iter().any(|i| matches!(i.op, Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. }))
    });
    if !has_indirect {
        return calls;
    }
    let mut escaping = vec![false; module.functions.len()];
    for seg in &module.elements {
        for f in seg.funcs.iter().flatten() {
            if let Some(e) = escaping.get_mut(*f as usize) {
                *e = true;
            }
        }
    }
    for r in &calls.roots {
        if let Some(e) = escaping.get_mut(*r as usize) {
            *e = true;
        }
    }
    let mut stored: BTreeMap<i64, Vec<(u32, usize)>> = BTreeMap::new();
    for (f, vals) in module.functions.iter().zip(values) {
        let Some(vals) = vals else { continue };
        for (i, ins) in f.body.iter().enumerate() {
            if let Op::Store { offset, .. } = ins.op {
                let addr = vals.operands(i).first().and_then(|a| match vals.def(*a) {
                    ValueDef::Const(c) => Some(c.wrapping_add(offset as i64)),
                    _ => None,
                });
                if let Some(a) = addr {
                    stored.entry(a).or_default().push((f.index, i));
                }
            }
        }
    }
    let slots = table_slots(module);
    let mut r = Resolver {
        module,
        values,
        cfgs,
        calls: &calls,
        evaluators: BTreeMap::new(),
        stored,
        escaping,
        steps: 0,
    };
    let mut narrowed: Vec<(u32, usize, Vec<u32>)> = Vec::new();
    for f in module.functions.iter().filter(|f| !f.is_import()) {
        let Some(vals) = values.get(f.index as usize).and_then(Option::as_ref) else { continue };
        for (instr, targets) in calls.call_sites(f.index) {
            let table = match f.body.get(*instr).map(|i| &i.op) {
                Some(Op::CallIndirect { table, .. } | Op::ReturnCallIndirect { table, .. }) => *table,
                _ => continue,
            };
            if targets.len() < 2 {
                continue;
            }
            let Some(&index) = vals.operands(*instr).last() else { continue };
            r.steps = 0;
            let Some(found) = r.resolve(f.index, index, 0) else { continue };
            let Some(slots) = slots.get(table as usize) else { continue };
            let picked: Option<BTreeSet<u32>> =
                found.iter().map(|s| u64::try_from(*s).ok().and_then(|s| slots.get(&s).copied())).collect();
            let Some(picked) = picked else { continue };
            let kept: Vec<u32> = targets.iter().copied().filter(|t| picked.contains(t)).collect();
            if !kept.is_empty() && kept.len() < targets.len() {
                narrowed.push((f.index, *instr, kept));
            }
        }
    }
    drop(r);
    if narrowed.is_empty() {
        return calls;
    }
    calls.with_targets(narrowed)
}

#[cfg(test)]
mod tests {
    use crate::Program;

    fn targets(src: &str, caller: &str) -> Vec<u32> {
        let bytes = wat::parse_str(src).expect("valid WAT");
        let m = wasmaudit_front::parse(&bytes).expect("valid");
        let p = Program::build(&m);
        let f = m.functions.iter().find(|f| f.name.as_deref() == Some(caller)).expect("caller").index;
        let (site, _) = p
            .calls
            .call_sites(f)
            .iter()
            .find(|(i, _)| {
                matches!(m.functions[f as usize].body[*i].op, wasmaudit_front::Op::CallIndirect { .. })
            })
            .expect("an indirect call");
        p.calls.targets_at(f, *site).to_vec()
    }

    const TABLE: &str = r#"
        (type $t (func (param i32)))
        (table 4 funcref)
        (elem (i32.const 1) func $a $b $c)
        (func $a (param i32))
        (func $b (param i32))
        (func $c (param i32))
        (memory 1)
        ;; a lazily initialised static holding slot 2, then a vtable [drop, size, align, m1, m2]
        (data (i32.const 1024) "\02\00\00\00")
        (data (i32.const 2048) "\00\00\00\00\08\00\00\00\04\00\00\00\01\00\00\00\03\00\00\00")"#;

    /// An index loaded from a static the code never stores to: the slot its initial word names.
    #[test]
    fn an_index_in_a_static_word_names_one_slot() {
        let src = format!(
            r#"(module {TABLE}
            (func $init (export "init") i32.const 0 i32.const 1024 i32.load call_indirect (type $t)))"#
        );
        assert_eq!(targets(&src, "init"), vec![1]);
    }

    /// A lazily initialised static: the initialiser in its word is called, and only then the
    /// word is overwritten with the value.
    #[test]
    fn a_lazy_static_calls_its_initial_word() {
        let src = format!(
            r#"(module {TABLE}
            (func $get (export "get") (result i64)
              i32.const 0 i32.const 1024 i32.load call_indirect (type $t)
              i32.const 1024 i64.const 99 i64.store
              i32.const 1024 i64.load))"#
        );
        assert_eq!(targets(&src, "get"), vec![1]);
    }

    /// A method called through a vtable the only caller hands down as a constant.
    #[test]
    fn a_vtable_slot_from_the_caller_names_one_method() {
        let src = format!(
            r#"(module {TABLE}
            (func $call_m2 (param $vt i32) i32.const 0 local.get $vt i32.load offset=16 call_indirect (type $t))
            (func $main (export "main") i32.const 2048 call $call_m2))"#
        );
        assert_eq!(targets(&src, "call_m2"), vec![2]);
    }

    /// An index the caller of an export chooses, or a static some code overwrites, stays open.
    #[test]
    fn an_index_from_outside_or_a_written_static_stays_open() {
        let src = format!(
            r#"(module {TABLE}
            (func $pick (export "pick") (param i32) i32.const 0 local.get 0 call_indirect (type $t)))"#
        );
        assert_eq!(targets(&src, "pick"), vec![0, 1, 2]);
        let src = format!(
            r#"(module {TABLE}
            (func $set (export "set") (param i32) i32.const 1024 local.get 0 i32.store)
            (func $init (export "init") i32.const 0 i32.const 1024 i32.load call_indirect (type $t)))"#
        );
        assert_eq!(targets(&src, "init"), vec![0, 1, 2]);
    }
}
