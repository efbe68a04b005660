//! Taint and guard facts on hand-written WAT: where a value comes from and which checks protect
//! an instruction. `(; guarded: ... ;)` comments state the expected fact at each `$sink` call.

use wasmaudit_detect::taint::{label, IDENTITY};
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::{Module, Op};
use wasmaudit_platform::{Effect, Platform};

struct Fixture {
    module: Module,
    program: Program,
}

fn fixture(src: &str) -> Fixture {
    let bytes = wat::parse_str(src).expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    Fixture { module, program }
}

/// Index of the function named `name` and the instruction indices of its calls to `callee`.
fn calls_to(m: &Module, func: &str, callee: &str) -> (u32, Vec<usize>) {
    let f = m.functions.iter().find(|f| f.name.as_deref() == Some(func)).expect("function");
    let c = m.functions.iter().find(|f| f.name.as_deref() == Some(callee)).expect("callee").index;
    let sites = f.body.iter().enumerate().filter(|(_, i)| i.op == Op::Call(c)).map(|(i, _)| i).collect();
    (f.index, sites)
}

const NEAR_IMPORTS: &str = r#"
  (import "env" "predecessor_account_id" (func $predecessor_account_id (param i64)))
  (import "env" "current_account_id" (func $current_account_id (param i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "panic_utf8" (func $panic_utf8 (param i64 i64)))
  (import "env" "log_utf8" (func $sink (param i64 i64)))
  (memory 2)
  (global $sp (mut i32) (i32.const 65536))
  (func $memcmp (param $a i32) (param $b i32) (param $n i32) (result i32)
    block $done
      loop $next
        local.get $n
        i32.eqz
        br_if $done
        local.get $a
        i32.load8_u
        local.get $b
        i32.load8_u
        i32.ne
        if
          i32.const 1
          return
        end
        local.get $a
        i32.const 1
        i32.add
        local.set $a
        local.get $b
        i32.const 1
        i32.add
        local.set $b
        local.get $n
        i32.const -1
        i32.add
        local.set $n
        br $next
      end
    end
    i32.const 0)
  ;; reads register $r into the buffer at $out (the register id is a parameter)
  (func $read_into (param $r i64) (param $out i32)
    local.get $r
    local.get $out
    i64.extend_i32_u
    call $read_register)
"#;

#[test]
fn helper_guard_protects_callers_through_registers_and_memcmp() {
    let fx = fixture(&format!(
        r#"(module {NEAR_IMPORTS}
          ;; only_owner(): predecessor == current account, else panic
          (func $only_self (local $fp i32)
            global.get $sp
            i32.const 64
            i32.sub
            local.set $fp
            i64.const 0
            call $predecessor_account_id
            i64.const 0
            local.get $fp
            call $read_into
            i64.const 1
            call $current_account_id
            i64.const 1
            local.get $fp
            i32.const 32
            i32.add
            call $read_into
            local.get $fp
            local.get $fp
            i32.const 32
            i32.add
            i32.const 32
            call $memcmp
            if
              i64.const 0
              i64.const 0
              call $panic_utf8
            end)
          (func $admin (export "admin")
            call $only_self
            i64.const 0
            i64.const 0
            call $sink)                 (; guarded: caller-id, through $only_self ;)
          (func $open (export "open")
            i64.const 0
            i64.const 0
            call $sink))                (; guarded: nothing ;)"#
    ));
    let cx = Context::new(&fx.module, &fx.program, Platform::Near);
    let only_self = fx.module.functions.iter().find(|f| f.name.as_deref() == Some("only_self")).expect("fn");
    let exit = cx.guards().exit_labels[only_self.index as usize];
    assert!(exit & label(Effect::CallerId) != 0, "only_self returns only for the right caller: {exit:#x}");
    let (admin, sites) = calls_to(&fx.module, "admin", "sink");
    assert!(cx.guards().labels_protecting(&cx, admin, sites[0]) & IDENTITY != 0);
    let (open, sites) = calls_to(&fx.module, "open", "sink");
    assert_eq!(cx.guards().labels_protecting(&cx, open, sites[0]), 0);
    assert!(wasmaudit_detect::query::is_guarded(
        &cx,
        admin,
        calls_to(&fx.module, "admin", "sink").1[0],
        IDENTITY
    ));
    assert!(!wasmaudit_detect::query::is_guarded(
        &cx,
        open,
        calls_to(&fx.module, "open", "sink").1[0],
        IDENTITY
    ));
}

#[test]
fn a_branch_the_sink_does_not_depend_on_is_no_guard() {
    let fx = fixture(&format!(
        r#"(module {NEAR_IMPORTS}
          (func $f (export "f") (local $fp i32)
            i32.const 1024
            local.set $fp
            i64.const 0
            call $predecessor_account_id
            i64.const 0
            local.get $fp
            call $read_into
            local.get $fp
            i32.const 2048
            i32.const 32
            call $memcmp
            if                          ;; the caller only decides whether to log
              i64.const 1
              i64.const 1
              call $sink                (; guarded: caller-id (inside the branch) ;)
            end
            i64.const 0
            i64.const 0
            call $sink))                (; guarded: nothing, runs either way ;)"#
    ));
    let cx = Context::new(&fx.module, &fx.program, Platform::Near);
    let (f, sites) = calls_to(&fx.module, "f", "sink");
    assert!(cx.guards().labels_protecting(&cx, f, sites[0]) & label(Effect::CallerId) != 0);
    assert_eq!(cx.guards().labels_protecting(&cx, f, sites[1]), 0);
}

#[test]
fn eosio_asserts_and_require_auth_are_guards_and_taint_flows_through_memory() {
    let fx = fixture(
        r#"(module
          (import "env" "require_auth" (func $require_auth (param i64)))
          (import "env" "has_auth" (func $has_auth (param i64) (result i32)))
          (import "env" "eosio_assert" (func $eosio_assert (param i32 i32)))
          (import "env" "tapos_block_prefix" (func $tapos_block_prefix (result i32)))
          (import "env" "prints" (func $sink (param i32)))
          (memory 1)
          (global $sp (mut i32) (i32.const 8192))
          (func $a (export "a") (param i64)
            local.get 0
            call $require_auth
            i32.const 0
            call $sink)                 (; guarded: auth-check (require_auth) ;)
          (func $b (export "b") (param i64)
            local.get 0
            call $has_auth
            i32.const 16
            call $eosio_assert
            i32.const 0
            call $sink)                 (; guarded: auth-check (eosio_assert(has_auth)) ;)
          (func $c (export "c") (local $fp i32)
            global.get $sp
            i32.const 16
            i32.sub
            local.tee $fp
            call $tapos_block_prefix
            i32.store offset=8          ;; spilled to the frame
            local.get $fp
            i32.load offset=8           ;; and reloaded: still block-info
            i32.const 7
            i32.rem_u
            call $sink))"#,
    );
    let cx = Context::new(&fx.module, &fx.program, Platform::Eosio);
    for name in ["a", "b"] {
        let (f, sites) = calls_to(&fx.module, name, "sink");
        let labels = cx.guards().labels_protecting(&cx, f, sites[0]);
        assert!(labels & label(Effect::AuthCheck) != 0, "{name}: {labels:#x}");
    }
    let (c, sites) = calls_to(&fx.module, "c", "sink");
    let arg = fx.program.values(c).expect("values").operands(sites[0])[0];
    let t = cx.dataflow().funcs[c as usize].value(arg);
    assert!(t.has(Effect::BlockInfo), "{t:?}");
}

#[test]
fn checks_on_every_path_and_through_every_indirect_target_protect() {
    let fx = fixture(
        r#"(module
          (import "env" "require_auth" (func $require_auth (param i64)))
          (import "env" "eosio_assert" (func $eosio_assert (param i32 i32)))
          (import "env" "prints" (func $sink (param i32)))
          (type $method (func (param i64)))
          (table 3 funcref)
          (elem (i32.const 0) func $dominating $both_arms $one_arm)
          (func $dominating (type $method) (param $who i64)
            local.get $who
            call $require_auth)
          ;; check(who != 0); require_auth(who), the call copied into both arms
          (func $both_arms (type $method) (param $who i64)
            local.get $who
            i64.eqz
            if
              i32.const 0
              i32.const 0
              call $eosio_assert
              local.get $who
              call $require_auth
            else
              local.get $who
              call $require_auth
            end
            i32.const 0
            call $sink)                 (; guarded: auth-check on both ways ;)
          (func $one_arm (type $method) (param $who i64)
            local.get $who
            i64.eqz
            if
              local.get $who
              call $require_auth
            end
            i32.const 0
            call $sink)                 (; guarded: nothing, one way skips it ;)
          ;; execute_action: an action method through a pointer, then the destructor's write
          (func $mixed (export "m") (param $who i64) (param $k i32)
            local.get $who
            local.get $k
            call_indirect (type $method)
            i32.const 0
            call $sink))                (; guarded: nothing, $one_arm may run ;)"#,
    );
    let cx = Context::new(&fx.module, &fx.program, Platform::Eosio);
    let auth = label(Effect::AuthCheck);
    let index =
        |name: &str| fx.module.functions.iter().find(|f| f.name.as_deref() == Some(name)).expect("fn").index;
    let exit = |name: &str| cx.guards().exit_labels[index(name) as usize];
    assert!(exit("both_arms") & auth != 0, "both arms pass require_auth: {:#x}", exit("both_arms"));
    assert_eq!(exit("one_arm") & auth, 0);
    let (f, sites) = calls_to(&fx.module, "both_arms", "sink");
    assert!(cx.guards().labels_protecting(&cx, f, sites[0]) & auth != 0);
    let (f, sites) = calls_to(&fx.module, "one_arm", "sink");
    assert_eq!(cx.guards().labels_protecting(&cx, f, sites[0]) & auth, 0);
    // The table holds $one_arm too, so the indirect call is no guard.
    let (f, sites) = calls_to(&fx.module, "mixed", "sink");
    assert_eq!(cx.guards().labels_protecting(&cx, f, sites[0]) & auth, 0);
}

#[test]
fn an_indirect_call_whose_every_target_checks_is_a_guard() {
    let fx = fixture(
        r#"(module
          (import "env" "require_auth" (func $require_auth (param i64)))
          (import "env" "prints" (func $sink (param i32)))
          (type $method (func (param i64)))
          (table 2 funcref)
          (elem (i32.const 0) func $a $b)
          (func $a (type $method) (param $who i64)
            local.get $who
            call $require_auth)
          (func $b (type $method) (param $who i64)
            i64.const 6138663577826885632
            call $require_auth)
          (func $execute (export "execute") (param $who i64) (param $k i32)
            i32.const 0
            call $sink                  (; guarded: nothing yet ;)
            local.get $who
            local.get $k
            call_indirect (type $method)
            i32.const 0
            call $sink))                (; guarded: auth-check, whichever method ran ;)"#,
    );
    let cx = Context::new(&fx.module, &fx.program, Platform::Eosio);
    let auth = label(Effect::AuthCheck);
    let (f, sites) = calls_to(&fx.module, "execute", "sink");
    assert_eq!(cx.guards().labels_protecting(&cx, f, sites[0]) & auth, 0);
    assert!(cx.guards().labels_protecting(&cx, f, sites[1]) & auth != 0);
}

#[test]
fn indirect_calls_carry_summaries() {
    let fx = fixture(
        r#"(module
          (import "seal0" "seal_caller" (func $seal_caller (param i32 i32)))
          (import "seal0" "seal_input" (func $seal_input (param i32 i32)))
          (import "seal0" "seal_debug_message" (func $sink (param i32 i32) (result i32)))
          (memory 1)
          (type $getter (func (param i32)))
          (table 2 funcref)
          (elem (i32.const 0) func $who $what)
          (func $who (param $out i32)
            local.get $out
            i32.const 1020
            call $seal_caller)
          (func $what (param $out i32)
            local.get $out
            i32.const 1020
            call $seal_input)
          (func $f (export "call") (param $k i32)
            i32.const 64
            local.get $k
            call_indirect (type $getter)
            i32.const 64
            i32.load
            i32.const 4
            call $sink
            drop))"#,
    );
    let cx = Context::new(&fx.module, &fx.program, Platform::Ink);
    let (f, sites) = calls_to(&fx.module, "f", "sink");
    let arg = fx.program.values(f).expect("values").operands(sites[0])[0];
    let t = cx.dataflow().funcs[f as usize].value(arg);
    assert!(t.has(Effect::CallerId) && t.has(Effect::Input), "both targets' writes reach the load: {t:?}");
}

/// CosmWasm hands `execute` three `Region` pointers (env, info, msg). What the contract decodes
/// from `info` and `msg` is input, also after the region is consumed in a helper and its bytes
/// read through the pointer stored in it; `env` is not.
#[test]
fn cosmwasm_entry_arguments_are_input() {
    let fx = fixture(
        r#"(module
          (import "env" "db_write" (func $db_write (param i32 i32)))
          (memory 1)
          (global $sp (mut i32) (i32.const 65536))
          ;; Region { offset, capacity, length } -> (ptr, len) written to $out, as
          ;; cosmwasm-std's consume_region builds a Vec from the region
          (func $consume_region (param $region i32) (param $out i32)
            local.get $out
            local.get $region
            i32.load
            i32.store
            local.get $out
            local.get $region
            i32.load offset=8
            i32.store offset=4)
          ;; first byte of a decoded buffer (the JSON decoder reading the message)
          (func $first_byte (param $vec i32) (result i32)
            local.get $vec
            i32.load
            i32.load8_u)
          (func $execute (export "execute") (param $env i32) (param $info i32) (param $msg i32)
            (result i32)
            (local $fp i32)
            global.get $sp
            i32.const 64
            i32.sub
            local.tee $fp
            global.set $sp
            local.get $info
            local.get $fp
            call $consume_region
            local.get $fp
            call $first_byte          ;; a byte of info
            local.get $env
            local.get $fp
            i32.const 32              ;; a slot apart from info's (callee writes cover 32 bytes)
            i32.add
            call $consume_region
            local.get $fp
            i32.const 32
            i32.add
            call $first_byte          ;; a byte of env
            call $db_write
            i32.const 0))"#,
    );
    let cx = Context::new(&fx.module, &fx.program, Platform::Cosmwasm);
    let (f, sites) = calls_to(&fx.module, "execute", "db_write");
    let ops = fx.program.values(f).expect("values").operands(sites[0]);
    let ft = &cx.dataflow().funcs[f as usize];
    assert!(ft.value(ops[0]).has(Effect::Input), "info byte: {:?}", ft.value(ops[0]));
    assert!(!ft.value(ops[1]).has(Effect::Input), "env byte: {:?}", ft.value(ops[1]));
    // The same module read as another platform has no such sources.
    let other = Context::new(&fx.module, &fx.program, Platform::Near);
    assert!(!other.dataflow().funcs[f as usize].value(ops[0]).has(Effect::Input));
}

/// eosio-cpp compiles `check(has_auth(x), "msg")` as a branch around `eosio_assert(false, msg)`:
/// the assertion with the constant condition 0 never returns, so the branch protects what follows.
#[test]
fn an_assertion_of_constant_false_is_a_trap() {
    let fx = fixture(
        r#"(module
          (import "env" "has_auth" (func $has_auth (param i64) (result i32)))
          (import "env" "eosio_assert" (func $eosio_assert (param i32 i32)))
          (import "env" "prints" (func $sink (param i32)))
          (memory 1)
          (func $withdraw (export "withdraw") (param i64)
            block $ok
              local.get 0
              call $has_auth
              br_if $ok
              i32.const 0
              i32.const 16
              call $eosio_assert
            end
            i32.const 0
            call $sink))"#,
    );
    let cx = Context::new(&fx.module, &fx.program, Platform::Eosio);
    let (f, sites) = calls_to(&fx.module, "withdraw", "sink");
    let labels = cx.guards().labels_protecting(&cx, f, sites[0]);
    assert!(labels & label(Effect::AuthCheck) != 0, "{labels:#x}");
}
