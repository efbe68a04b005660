//! Taint through host library routines on hand-written WAT.

use wasmaudit_detect::taint::Taint;
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::{Module, Op};
use wasmaudit_platform::{Effect, Platform};

/// What the first call of `callee` in function `func` takes as its first argument (or, with
/// `result`, gives back).
fn at_call(
    cx: &Context<'_>,
    module: &Module,
    program: &Program,
    func: &str,
    callee: &str,
    result: bool,
) -> Taint {
    let named =
        |name: &str| module.functions.iter().find(|f| f.name.as_deref() == Some(name)).expect("function");
    let (f, callee) = (named(func), named(callee).index);
    let at = f.body.iter().position(|i| i.op == Op::Call(callee)).expect("call");
    let values = program.values(f.index).expect("values");
    let v = if result { values.results(at)[0] } else { values.operands(at)[0] };
    cx.dataflow().funcs[f.index as usize].value(v)
}

/// EOSIO's `memcpy` is a host import: the bytes it copies keep what they carry, at the same
/// distance from the destination as from the source; a soft-float routine's result carries its
/// arguments.
#[test]
fn memcpy_and_library_routines_pass_taint_on() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "read_action_data" (func $read_action_data (param i32 i32) (result i32)))
          (import "env" "current_time" (func $current_time (result i64)))
          (import "env" "memcpy" (func $memcpy (param i32 i32 i32) (result i32)))
          (import "env" "__fixunstfsi" (func $fixunstfsi (param i64 i64) (result i32)))
          (import "env" "prints_l" (func $sink (param i32 i32)))
          (import "env" "printui" (func $sink_u (param i64)))
          (memory 1)
          (global $sp (mut i32) (i32.const 8192))
          (func $f (export "apply") (param i64 i64 i64) (local $fp i32)
            global.get $sp
            i32.const 64
            i32.sub
            local.tee $fp
            global.set $sp
            local.get $fp
            i32.const 16
            call $read_action_data    ;; action data at fp+0 .. fp+16
            drop
            local.get $fp
            i32.const 32
            i32.add
            local.get $fp
            i32.const 16
            call $memcpy              ;; copied to fp+32 .. fp+48
            drop
            local.get $fp
            i32.load offset=40        ;; a word of the copy
            i32.const 4
            call $sink
            call $current_time
            i64.const 0
            call $fixunstfsi          ;; (long double)time converted back
            i64.extend_i32_u
            call $sink_u))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let f = module.functions.iter().find(|f| f.name.as_deref() == Some("f")).expect("f");
    let call_of = |name: &str| {
        let callee = module.functions.iter().find(|g| g.name.as_deref() == Some(name)).expect("callee").index;
        f.body.iter().position(|i| i.op == Op::Call(callee)).expect("call")
    };
    let values = program.values(f.index).expect("values");
    let ft = &cx.dataflow().funcs[f.index as usize];
    let copied = values.operands(call_of("sink"))[0];
    assert!(ft.value(copied).has(Effect::Input), "copied word: {:?}", ft.value(copied));
    let float = values.operands(call_of("sink_u"))[0];
    assert!(ft.value(float).has(Effect::BlockInfo), "converted time: {:?}", ft.value(float));
}

/// `multi_index::find` returns either the row already cached or a fresh one unpacked from
/// `db_get_i64`: a read through the merged pointer sees what was written behind each pointer.
#[test]
fn a_read_through_merged_pointers_sees_each_pointers_writes() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "db_get_i64" (func $db_get_i64 (param i32 i32 i32) (result i32)))
          (import "env" "printui" (func $sink (param i64)))
          (memory 1)
          (global $sp (mut i32) (i32.const 8192))
          (func $f (export "apply") (param i64 i64 i64)
            (local $fp i32) (local $row i32)
            global.get $sp
            i32.const 64
            i32.sub
            local.tee $fp
            global.set $sp
            local.get 0
            i64.eqz
            if
              i32.const 0
              local.get $fp
              i32.const 16
              call $db_get_i64         ;; fresh row at fp+0
              drop
              local.get $fp
              local.set $row
            else
              local.get $fp
              i32.const 32
              i32.add
              local.set $row           ;; cached row at fp+32, never filled from storage here
            end
            local.get $row
            i64.load offset=8          ;; a field of whichever row
            call $sink))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let t = at_call(&cx, &module, &program, "f", "sink", false);
    assert!(t.has(Effect::StorageRead), "field of the merged row: {t:?}");
}

/// `(now / 1e6 + salt) % 56 + 1` draws a number from block time: the remainder carries `crypto`
/// as a hash would, so detectors tell a draw from a deadline; a plain division (seconds from
/// microseconds) and a remainder of the caller's input are no draw.
#[test]
fn a_remainder_of_block_data_is_a_draw() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "current_time" (func $current_time (result i64)))
          (import "env" "read_action_data" (func $read_action_data (param i32 i32) (result i32)))
          (import "env" "printui" (func $drawn (param i64)))
          (import "env" "printi" (func $seconds (param i64)))
          (import "env" "printn" (func $input_mod (param i64)))
          (memory 1)
          (func $f (export "apply") (param i64 i64 i64) (local $t i64)
            call $current_time
            i64.const 1000000
            i64.div_u
            local.tee $t
            call $seconds
            local.get $t
            local.get 0
            i64.add
            i64.const 56
            i64.rem_u
            i64.const 1
            i64.add
            call $drawn
            i32.const 0
            i32.const 8
            call $read_action_data
            drop
            i32.const 0
            i64.load
            i64.const 56
            i64.rem_u
            call $input_mod))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let f = module.functions.iter().find(|f| f.name.as_deref() == Some("f")).expect("f");
    let values = program.values(f.index).expect("values");
    let ft = &cx.dataflow().funcs[f.index as usize];
    let arg_of = |name: &str| {
        let callee = module.functions.iter().find(|g| g.name.as_deref() == Some(name)).expect("callee").index;
        let at = f.body.iter().position(|i| i.op == Op::Call(callee)).expect("call");
        ft.value(values.operands(at)[0])
    };
    let drawn = arg_of("drawn");
    assert!(drawn.has(Effect::BlockInfo) && drawn.has(Effect::Crypto), "draw: {drawn:?}");
    let seconds = arg_of("seconds");
    assert!(seconds.has(Effect::BlockInfo) && !seconds.has(Effect::Crypto), "seconds: {seconds:?}");
    let input = arg_of("input_mod");
    assert!(input.has(Effect::Input) && !input.has(Effect::Crypto), "input modulo: {input:?}");
}

/// A stack slot reused by a later part of the function does not flow back: a read sees only the
/// writes that may run before it (here the slot first holds the input, and only the other arm,
/// after the read, puts the caller there).
#[test]
fn a_reused_slot_does_not_flow_back() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "read_action_data" (func $read_action_data (param i32 i32) (result i32)))
          (import "env" "current_receiver" (func $receiver (result i64)))
          (import "env" "printui" (func $first (param i64)))
          (import "env" "printi" (func $second (param i64)))
          (memory 1)
          (global $sp (mut i32) (i32.const 8192))
          (func $f (export "apply") (param i64 i64 i64) (local $fp i32)
            global.get $sp
            i32.const 64
            i32.sub
            local.tee $fp
            global.set $sp
            local.get $fp
            i32.const 8
            call $read_action_data     ;; input at fp+0
            drop
            local.get $fp
            i64.load                   ;; read before the slot is reused
            call $first
            local.get 0
            i64.eqz
            if
              local.get $fp
              call $receiver
              i64.store                ;; later: the slot holds the contract's own name
              local.get $fp
              i64.load
              call $second
            end))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let arg_of = |name: &str| at_call(&cx, &module, &program, "f", name, false);
    let first = arg_of("first");
    assert!(first.has(Effect::Input) && !first.has(Effect::SelfId), "first read: {first:?}");
    let second = arg_of("second");
    assert!(second.has(Effect::SelfId), "second read: {second:?}");
}

/// ink! reads every host output (the input, the caller, storage, the block number) into one
/// static buffer and makes a slice of it in a callee: the slice carries what the last host call
/// before it put there. In the `call` export of a compiled ink! 5 contract, the branch on
/// `caller() != admin` before `set_code_hash` is a caller check, and the message-selector
/// branches decoded from the input are not.
#[test]
fn ink_static_buffer_holds_what_the_last_host_call_wrote() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/compiled/ink/unprotected_upgrade");
    for (module_name, checked) in [("remediated.wasm", true), ("vulnerable.wasm", false)] {
        let bytes = std::fs::read(dir.join(module_name)).expect("compiled ink! module");
        let module = wasmaudit_front::parse(&bytes).expect("valid module");
        let program = Program::build(&module);
        let cx = Context::new(&module, &program, Platform::Ink);
        let import = |name: &str| {
            module
                .functions
                .iter()
                .find(|g| g.import.as_ref().is_some_and(|i| i.1 == name))
                .expect("import")
                .index
        };
        let upgrade = import("set_code_hash");
        let call = module.exported_funcs().find(|(n, _)| *n == "call").map(|(_, f)| f).expect("call export");
        let body = &module.function(call).expect("call").body;
        let sink = body.iter().position(|i| i.op == Op::Call(upgrade)).expect("set_code_hash call");
        let cfg = program.cfg(call).expect("cfg");
        let points = cx.guards().points(call);
        let caller_check = points
            .iter()
            .any(|p| p.is_branch && p.taint.has(Effect::CallerId) && cfg.dominates(p.instr, sink));
        assert_eq!(caller_check, checked, "{module_name}: caller check before set_code_hash");
        // The first branch decodes the message selector: input, not the caller.
        let first = points.iter().find(|p| p.is_branch).expect("a selector branch");
        assert!(
            first.taint.has(Effect::Input) && !first.taint.has(Effect::CallerId),
            "{module_name}: {first:?}"
        );
    }
}

/// MultiversX keeps buffers on the host side, named by i32 handles: `mBufferEq` of the buffer
/// `managedCaller` filled and the one `managedOwnerAddress` filled is a comparison of the
/// caller, including when a helper fills the buffer and returns its handle.
#[test]
fn a_comparison_of_host_buffers_carries_what_they_hold() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "managedCaller" (func $caller (param i32)))
          (import "env" "managedOwnerAddress" (func $owner (param i32)))
          (import "env" "mBufferEq" (func $eq (param i32 i32) (result i32)))
          (import "env" "signalError" (func $fail (param i32 i32)))
          (memory 1)
          (global $next (mut i32) (i32.const -100))
          (func $new_handle (result i32)
            global.get $next
            i32.const 1
            i32.sub
            global.set $next
            global.get $next)
          (func $get_caller (result i32) (local $h i32)
            call $new_handle
            local.tee $h
            call $caller
            local.get $h)
          (func $only_owner (export "only_owner") (local $o i32)
            call $new_handle
            local.tee $o
            call $owner
            call $get_caller
            local.get $o
            call $eq
            i32.eqz
            if
              i32.const 0
              i32.const 0
              call $fail
            end))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Multiversx);
    let t = at_call(&cx, &module, &program, "only_owner", "eq", true);
    assert!(t.has(Effect::CallerId), "mBufferEq(caller, owner): {t:?}");
}

/// `% 2` on an unsigned value compiles to `& 1`: the low bits of block data are a draw, of a
/// 64-bit value or of a 32-bit call result (`tapos_block_prefix() & 1`); the low bits of a byte
/// or a 32-bit word read from memory (a flag, a tag) are not, nor is a wide mask (`& 127`, a
/// LEB128 group).
#[test]
fn low_bits_of_block_data_are_a_draw() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "current_time" (func $current_time (result i64)))
          (import "env" "tapos_block_prefix" (func $prefix (result i32)))
          (import "env" "printui" (func $coin (param i64)))
          (import "env" "printi" (func $coin32 (param i32)))
          (import "env" "printn" (func $flag (param i32)))
          (import "env" "prints" (func $leb (param i64)))
          (memory 1)
          (func $f (export "apply") (param i64 i64 i64)
            call $current_time
            i64.const 1
            i64.and
            call $coin
            call $prefix
            i32.const 1
            i32.and
            call $coin32
            i32.const 64
            call $current_time
            i64.store
            i32.const 64
            i32.load8_u
            i32.const 1
            i32.and
            call $flag
            call $current_time
            i64.const 127
            i64.and
            call $leb))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let arg_of = |name: &str| at_call(&cx, &module, &program, "f", name, false);
    for (name, draw) in [("coin", true), ("coin32", true), ("flag", false), ("leb", false)] {
        let t = arg_of(name);
        assert!(t.has(Effect::BlockInfo), "{name}: {t:?}");
        assert_eq!(t.has(Effect::Crypto), draw, "{name}: {t:?}");
    }
}

/// A callee that reads 8 bytes behind a pointer parameter (two words of a small struct on its
/// caller's frame) returns what those bytes carry, not what the caller keeps in the slots beside
/// them (the action data read 16 bytes further on); a callee that follows a pointer stored there
/// (a captured reference) still sees a window of the caller's frame, where the pointee lies.
#[test]
fn memory_behind_a_parameter_is_what_the_callee_reads() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "read_action_data" (func $read_action_data (param i32 i32) (result i32)))
          (import "env" "printui" (func $sink (param i64)))
          (memory 1)
          (global $sp (mut i32) (i32.const 8192))
          ;; Adds the two words of the struct at p.
          (func $flat (param $p i32) (result i64)
            local.get $p
            i64.load32_u
            local.get $p
            i64.load32_u offset=4
            i64.add)
          ;; Reads the word the pointer at p points to.
          (func $deep (param $p i32) (result i64)
            local.get $p
            i32.load
            i64.load)
          (func $f (export "apply") (param i64 i64 i64) (local $fp i32)
            global.get $sp
            i32.const 64
            i32.sub
            local.tee $fp
            global.set $sp
            local.get $fp
            i32.const 24
            i32.add
            i32.const 16
            call $read_action_data    ;; action data at fp+24 .. fp+40
            drop
            local.get $fp
            i32.const 7
            i32.store                 ;; the struct at fp+16: constants
            local.get $fp
            i32.const 9
            i32.store offset=4
            local.get $fp
            i32.const 16
            i32.add
            local.get $fp
            i32.const 24
            i32.add
            i32.store                 ;; a reference to the action data at fp+16
            local.get $fp
            call $flat
            call $sink
            local.get $fp
            i32.const 16
            i32.add
            call $deep
            call $sink))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let flat = at_call(&cx, &module, &program, "f", "flat", true);
    assert!(!flat.has(Effect::Input), "two constant words: {flat:?}");
    let deep = at_call(&cx, &module, &program, "f", "deep", true);
    assert!(deep.has(Effect::Input), "through the stored reference: {deep:?}");
}
