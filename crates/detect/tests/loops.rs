//! The loop analysis on the resource-exhaustion examples and on small shapes compilers emit:
//! what decides each loop's exit and what its body does.

use wasmaudit_detect::loops::{Bound, Effects, Loop};
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::Module;
use wasmaudit_platform::Platform;

fn build(src: &str) -> (Module, Program) {
    let bytes = wat::parse_str(src).expect("valid WAT");
    let m = wasmaudit_front::parse(&bytes).expect("valid module");
    let p = Program::build(&m);
    (m, p)
}

fn example(case: &str, file: &str) -> String {
    let path = format!("{}/../../corpus/resource-exhaustion/{case}/{file}.wat", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn func(m: &Module, name: &str) -> u32 {
    m.functions.iter().find(|f| f.name.as_deref() == Some(name)).map(|f| f.index).expect("function")
}

/// `(bound, effects)` of each analysed loop of `name`.
fn loops_of(src: &str, platform: Platform, name: &str) -> Vec<(Bound, Effects)> {
    let (m, p) = build(src);
    let cx = Context::new(&m, &p, platform);
    let f = func(&m, name);
    cx.loops().of(f).iter().map(|l: &Loop| (l.bound, l.body.effects)).collect()
}

#[test]
fn eosio_table_walk_is_bounded_by_the_iteration_call() {
    let src = example("eosio-1", "vulnerable");
    let loops = loops_of(&src, Platform::Eosio, "distribute");
    assert_eq!(loops.len(), 1);
    assert!(matches!(loops[0].0, Bound::Storage { host: Some(_) }), "{loops:?}");
    assert!(loops[0].1.contains(Effects::CALL) && loops[0].1.contains(Effects::READ));
}

#[test]
fn a_page_limit_capped_with_min_bounds_the_walk() {
    let src = example("eosio-1", "remediated");
    let loops = loops_of(&src, Platform::Eosio, "distribute");
    assert_eq!(loops.len(), 1);
    assert_eq!(loops[0].0, Bound::Capped);
}

#[test]
fn caller_length_and_its_assert_cap() {
    let vuln = loops_of(&example("eosio-2", "vulnerable"), Platform::Eosio, "batchadd");
    // The LEB128 length decoder has no storage effect and is not analysed; the store loop is.
    assert_eq!(vuln, vec![(Bound::Input, Effects::WRITE)]);
    let fixed = loops_of(&example("eosio-2", "remediated"), Platform::Eosio, "batchadd");
    assert_eq!(fixed, vec![(Bound::Capped, Effects::WRITE)]);
}

#[test]
fn near_stored_vector_length() {
    let loops = loops_of(&example("near-1", "vulnerable"), Platform::Near, "pay_all");
    assert_eq!(loops.len(), 1);
    assert_eq!(loops[0].0, Bound::Storage { host: None });
    assert!(loops[0].1.contains(Effects::TRANSFER));
    let fixed = loops_of(&example("near-1", "remediated"), Platform::Near, "pay_all");
    assert_eq!(fixed.first().map(|l| l.0), Some(Bound::Capped));
}

/// A count kept in a one-byte field bounds the loop at 255; a stored 32-bit count does not; a
/// capped distance `(end - begin) >> 3` caps the pointer walk from `begin` to `end`.
#[test]
fn narrow_counts_and_capped_distances() {
    let src = r#"(module
      (import "env" "db_get_i64" (func $db_get_i64 (param i32 i32 i32) (result i32)))
      (import "env" "db_store_i64" (func $db_store_i64 (param i64 i64 i64 i64 i32 i32) (result i32)))
      (import "env" "eosio_assert" (func $eosio_assert (param i32 i32)))
      (memory 1)
      (func $store (param $k i64)
        i64.const 0 i64.const 1 i64.const 0 local.get $k i32.const 0 i32.const 8
        call $db_store_i64 drop)
      (func $by_byte (export "by_byte") (param $itr i32)
        (local $n i32) (local $i i32)
        local.get $itr i32.const 64 i32.const 16 call $db_get_i64 drop
        i32.const 72 i32.load8_u local.set $n
        loop
          local.get $i i64.extend_i32_u call $store
          local.get $i i32.const 1 i32.add local.tee $i
          local.get $n i32.lt_u br_if 0
        end)
      (func $by_word (export "by_word") (param $itr i32)
        (local $n i32) (local $i i32)
        local.get $itr i32.const 64 i32.const 16 call $db_get_i64 drop
        i32.const 72 i32.load local.set $n
        loop
          local.get $i i64.extend_i32_u call $store
          local.get $i i32.const 1 i32.add local.tee $i
          local.get $n i32.lt_u br_if 0
        end)
      (func $by_pointer (export "by_pointer") (param $itr i32)
        (local $p i32) (local $end i32)
        local.get $itr i32.const 64 i32.const 16 call $db_get_i64 drop
        i32.const 64 i32.load local.set $p
        i32.const 68 i32.load local.set $end
        local.get $end local.get $p i32.sub i32.const 3 i32.shr_u
        i32.const 31 i32.lt_u i32.const 0 call $eosio_assert
        loop
          local.get $p i64.load call $store
          local.get $p i32.const 8 i32.add local.tee $p
          local.get $end i32.ne br_if 0
        end))"#;
    assert_eq!(loops_of(src, Platform::Eosio, "by_byte"), vec![(Bound::Capped, Effects::WRITE)]);
    assert_eq!(
        loops_of(src, Platform::Eosio, "by_word"),
        vec![(Bound::Storage { host: None }, Effects::WRITE)]
    );
    assert_eq!(loops_of(src, Platform::Eosio, "by_pointer"), vec![(Bound::Capped, Effects::WRITE)]);
}
