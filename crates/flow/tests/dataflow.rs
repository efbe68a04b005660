//! Value lifting and constant/address facts on hand-written WAT. Each test annotates the value
//! it expects at a call of the import `$sink`: `(; expect: ... ;)` comments state the fact.

use wasmaudit_flow::{Base, Evaluator, Program, ValueDef};
use wasmaudit_front::{Module, Op};

fn build(src: &str) -> (Module, Program) {
    let bytes = wat::parse_str(src).expect("valid WAT");
    let m = wasmaudit_front::parse(&bytes).expect("valid module");
    let p = Program::build(&m);
    (m, p)
}

/// Constant value of each argument of every call to `$sink` (function 0), in body order.
fn sink_args(m: &Module, p: &Program, func: u32) -> Vec<Vec<Option<i64>>> {
    let f = m.function(func).expect("function");
    let values = p.values(func).expect("values");
    let ev = Evaluator::new(m, f, values);
    f.body
        .iter()
        .enumerate()
        .filter(|(_, ins)| ins.op == Op::Call(0))
        .map(|(i, _)| values.operands(i).iter().map(|v| ev.constant(*v)).collect())
        .collect()
}

const SINK: &str = r#"(import "env" "sink" (func $sink (param i32)))"#;

#[test]
fn constants_fold_through_locals_and_arithmetic() {
    let (m, p) = build(&format!(
        r#"(module {SINK}
            (func (local i32 i32)
              i32.const 8
              i32.const 1
              i32.or
              local.set 0
              local.get 0
              call $sink          (; expect: 9 = 8|1 ;)
              local.get 0
              i32.const 4
              i32.shl
              local.tee 1
              call $sink          (; expect: 144 ;)
              local.get 1
              i32.const 0
              i32.eq
              call $sink          (; expect: 0 ;)
              i64.const -1
              i32.wrap_i64
              call $sink))        (; expect: -1 ;)"#
    ));
    assert_eq!(sink_args(&m, &p, 1), vec![vec![Some(9)], vec![Some(144)], vec![Some(0)], vec![Some(-1)]]);
}

#[test]
fn phi_merges_at_joins_and_loops() {
    let (m, p) = build(&format!(
        r#"(module {SINK}
            (func (param i32) (local i32 i32)
              local.get 0
              if
                i32.const 7
                local.set 1
                i32.const 3
                local.set 2
              else
                i32.const 7
                local.set 1
                i32.const 4
                local.set 2
              end
              local.get 1
              call $sink          (; expect: 7, both arms agree ;)
              local.get 2
              call $sink          (; expect: unknown, phi(3, 4) ;)
              loop
                local.get 1
                i32.const 1
                i32.add
                local.tee 1
                i32.const 10
                i32.lt_u
                br_if 0
              end
              local.get 1
              call $sink))        (; expect: unknown, loop phi ;)"#
    ));
    assert_eq!(sink_args(&m, &p, 1), vec![vec![Some(7)], vec![None], vec![None]]);
    let f = m.function(1).expect("function");
    let values = p.values(1).expect("values");
    let second = f.body.iter().enumerate().filter(|(_, i)| i.op == Op::Call(0)).nth(1).map(|(i, _)| i);
    let arg = values.operands(second.expect("call"))[0];
    match values.def(arg) {
        ValueDef::Phi { operands, .. } => assert_eq!(operands.len(), 2),
        other => panic!("expected a phi, got {other:?}"),
    }
    let third = f.body.iter().enumerate().filter(|(_, i)| i.op == Op::Call(0)).nth(2).map(|(i, _)| i);
    let arg = values.operands(third.expect("call"))[0];
    assert!(matches!(values.def(arg), ValueDef::Result { .. } | ValueDef::Phi { .. }));
}

#[test]
fn memory_slots_and_data_segments() {
    let (m, p) = build(&format!(
        r#"(module {SINK}
            (memory 1)
            (global $sp (mut i32) (i32.const 65536))
            (data (i32.const 1024) "PutState\2a\00\00\00")
            (func (local $fp i32)
              global.get $sp
              i32.const 32
              i32.sub
              local.tee $fp
              global.set $sp
              local.get $fp
              i32.const 12
              i32.add
              i32.const 1024
              i32.store           (; a string pointer spilled to the frame ;)
              local.get $fp
              i32.load offset=12
              call $sink          (; expect: 1024, reloaded from sp-32+12 ;)
              i32.const 1032
              i32.load
              call $sink          (; expect: 42 from the data segment ;)
              i32.const 1024
              i32.load8_u
              call $sink))        (; expect: 'P' ;)"#
    ));
    assert_eq!(sink_args(&m, &p, 1), vec![vec![Some(1024)], vec![Some(42)], vec![Some(i64::from(b'P'))]]);
    assert_eq!(p.stack_pointer, Some(0));
    let f = m.function(1).expect("function");
    let values = p.values(1).expect("values");
    let ev = Evaluator::new(&m, f, values);
    let (_, (store, _, _)) = ev.stores().next().expect("one store");
    let addr = ev.address(values.operands(*store)[0], 0);
    assert_eq!(addr.offset, -32 + 12);
    assert!(matches!(addr.base, Base::Value(v) if values.def(v) == &ValueDef::GlobalEntry(0)));
}

#[test]
fn select_multi_value_blocks_and_br_table() {
    let (m, p) = build(&format!(
        r#"(module {SINK}
            (type $pair (func (result i32 i32)))
            (func (param i32)
              i32.const 5
              i32.const 6
              i32.const 1
              select
              call $sink          (; expect: 5, select of a true constant ;)
              block (type $pair)
                i32.const 1
                i32.const 2
              end
              i32.add
              call $sink          (; expect: 3 through a multi-value block ;)
              block (result i32)
                i32.const 11
                local.get 0
                br_table 0 0
              end
              call $sink))        (; expect: 11 from both br_table edges ;)"#
    ));
    assert_eq!(sink_args(&m, &p, 1), vec![vec![Some(5)], vec![Some(3)], vec![Some(11)]]);
}

#[test]
fn calls_clobber_assigned_globals_but_keep_the_stack_pointer() {
    let (m, p) = build(&format!(
        r#"(module {SINK}
            (global $sp (mut i32) (i32.const 1000))
            (global $g (mut i32) (i32.const 0))
            (func $set_g i32.const 9 global.set $g)
            (func (local i32)
              global.get $sp
              i32.const 16
              i32.sub
              global.set $sp
              i32.const 3
              global.set $g
              call $set_g
              global.get $g
              call $sink          (; expect: unknown, $set_g assigns it ;)
              global.get $sp
              call $sink))        (; expect: the value stored before the call ;)"#
    ));
    assert_eq!(sink_args(&m, &p, 2), vec![vec![None], vec![None]]);
    let values = p.values(2).expect("values");
    let f = m.function(2).expect("function");
    let calls: Vec<usize> =
        f.body.iter().enumerate().filter(|(_, i)| i.op == Op::Call(0)).map(|(i, _)| i).collect();
    let g = values.operands(calls[0])[0];
    assert!(matches!(values.def(g), ValueDef::GlobalAfterCall { global: 1, .. }), "{:?}", values.def(g));
    let sp = values.operands(calls[1])[0];
    let sub = f.body.iter().position(|i| matches!(i.op, Op::Binary(..))).expect("i32.sub");
    assert_eq!(values.results(sub), &[sp], "the stack pointer set before the call survives it");
}
