//! Method-name resolution of dispatching host calls on hand-written WAT: a ChainMaker module
//! (Rust SDK style: a generic wrapper takes the method name and builds an EasyCodec header
//! through a helper; TinyGo SDK style: the name is a field of a heap-allocated codec item) and
//! XuperChain `_call_method` with plain UTF-8 names.

use wasmaudit_detect::methods::{effects_at, method_call_sites, resolve_method, MethodIndex, MethodSite};
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::{Module, Op};
use wasmaudit_platform::{Effect, Platform};

fn build(src: &str) -> (Module, Program) {
    let bytes = wat::parse_str(src).expect("valid WAT");
    let m = wasmaudit_front::parse(&bytes).expect("valid module");
    let p = Program::build(&m);
    (m, p)
}

fn func(m: &Module, name: &str) -> u32 {
    m.functions.iter().find(|f| f.name.as_deref() == Some(name)).map(|f| f.index).expect("function")
}

/// Instruction index of the `n`th call (0-based) in `f`'s body to the function named `callee`.
fn call_of(m: &Module, f: u32, callee: &str, n: usize) -> usize {
    let target = func(m, callee);
    let body = &m.function(f).expect("function").body;
    body.iter().enumerate().filter(|(_, i)| i.op == Op::Call(target)).map(|(k, _)| k).nth(n).expect("call")
}

/// `(site function name, methods, resolved)` of every site, in order.
fn summary(m: &Module, sites: &[MethodSite]) -> Vec<(String, Vec<String>, bool)> {
    sites.iter().map(|s| (m.func_name(s.func), s.methods.clone(), s.resolved())).collect()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Rust SDK style: `get_req_header(&mut out, method, len)` adds `("method", method)` to a codec
/// on its frame and marshals it into `out`; `call_sys(method, len, body, len)` is the generic
/// wrapper that calls `sys_call`; contract functions pass constant names to it, one through a
/// second wrapper level. `ok` builds its header itself and calls `sys_call` directly.
const CHAINMAKER_RUST: &str = r#"(module
  (import "env" "sys_call" (func $sys_call (param i32 i32 i32 i32) (result i32)))
  (memory 2)
  (global $sp (mut i32) (i32.const 65536))
  (data (i32.const 1024) "method")            (; 1024, 6 ;)
  (data (i32.const 1030) "PutState")          (; 1030, 8 ;)
  (data (i32.const 1038) "GetStateLen")       (; 1038, 11 ;)
  (data (i32.const 1049) "NotAMethod")        (; 1049, 10 ;)
  (data (i32.const 1059) "versionv1.0.0")     (; key 1059, 7; value 1066, 6 ;)
  (data (i32.const 1072) "LogMessage")        (; 1072, 10 ;)
  (data (i32.const 1082) "SuccessResult")     (; 1082, 13 ;)
  (data (i32.const 1095) "key")               (; 1095, 3 ;)

  (; EasyCodec::add_string(codec, key, key_len, value, value_len) ;)
  (func $add_string (param i32 i32 i32 i32 i32)
    local.get 0
    local.get 3
    i32.store
    local.get 0
    local.get 4
    i32.store offset=4)

  (; EasyCodec::marshal(&mut out, codec): a (ptr, cap, len) buffer ;)
  (func $marshal (param i32 i32)
    local.get 0
    local.get 1
    i32.store
    local.get 0
    i32.const 64
    i32.store offset=8)

  (; CommonUtils::get_req_header(&mut out, method, method_len) ;)
  (func $get_req_header (param i32 i32 i32)
    (local $codec i32)
    global.get $sp
    i32.const 16
    i32.sub
    local.tee $codec
    global.set $sp
    local.get $codec
    i32.const 1059
    i32.const 7
    i32.const 1066
    i32.const 6
    call $add_string
    local.get $codec
    i32.const 1024
    i32.const 6
    local.get 1
    local.get 2
    call $add_string
    local.get 0
    local.get $codec
    call $marshal
    local.get $codec
    i32.const 16
    i32.add
    global.set $sp)

  (; the generic wrapper: the method name is a parameter ;)
  (func $call_sys (param $m i32) (param $mlen i32) (param $body i32) (param $blen i32) (result i32)
    (local $hdr i32) (local $r i32)
    global.get $sp
    i32.const 16
    i32.sub
    local.tee $hdr
    global.set $sp
    local.get $hdr
    local.get $m
    local.get $mlen
    call $get_req_header
    local.get $hdr
    i32.load
    local.get $hdr
    i32.load offset=8
    local.get $body
    local.get $blen
    call $sys_call
    local.set $r
    local.get $hdr
    i32.const 16
    i32.add
    global.set $sp
    local.get $r)

  (; a second wrapper level ;)
  (func $log (param $msg i32) (param $len i32)
    i32.const 1072
    i32.const 10
    local.get $msg
    local.get $len
    call $call_sys
    drop)

  (func $put_state (export "put_state") (result i32)
    i32.const 1030
    i32.const 8
    i32.const 1095
    i32.const 3
    call $call_sys)

  (func $get_state_len (export "get_state_len") (result i32)
    i32.const 1038
    i32.const 11
    i32.const 1095
    i32.const 3
    call $call_sys)

  (func $unknown_method (export "unknown_method") (result i32)
    i32.const 1049
    i32.const 10
    i32.const 0
    i32.const 0
    call $call_sys)

  (; the name comes from outside: nothing to resolve ;)
  (func $dynamic (export "dynamic") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.const 0
    i32.const 0
    call $call_sys)

  (func $hello (export "hello")
    i32.const 1095
    i32.const 3
    call $log)

  (; the header is built in the function that calls sys_call ;)
  (func $ok (export "ok") (param $msg i32) (param $len i32)
    (local $hdr i32)
    global.get $sp
    i32.const 16
    i32.sub
    local.tee $hdr
    global.set $sp
    local.get $hdr
    i32.const 1082
    i32.const 13
    call $get_req_header
    local.get $hdr
    i32.load
    local.get $hdr
    i32.load offset=8
    local.get $msg
    local.get $len
    call $sys_call
    drop
    local.get $hdr
    i32.const 16
    i32.add
    global.set $sp))"#;

#[test]
fn chainmaker_wrapper_sites_resolve_to_the_constant_at_each_caller() {
    let (m, p) = build(CHAINMAKER_RUST);
    let cx = Context::new(&m, &p, Platform::Chainmaker);
    let sites = method_call_sites(&cx);
    assert_eq!(
        summary(&m, &sites),
        vec![
            // The sys_call in the wrapper is represented by the wrapper's call sites.
            ("log".to_string(), names(&["LogMessage"]), true),
            ("put_state".to_string(), names(&["PutState"]), true),
            ("get_state_len".to_string(), names(&["GetStateLen"]), true),
            // A name outside the model's method table: found, but not resolved.
            ("unknown_method".to_string(), names(&["NotAMethod"]), false),
            // An exported function's parameter: no name.
            ("dynamic".to_string(), vec![], false),
            ("ok".to_string(), names(&["SuccessResult"]), true),
        ]
    );
    // The call chain from a site down to the import call.
    let put = func(&m, "put_state");
    let wrapper = func(&m, "call_sys");
    let sys_in_wrapper = call_of(&m, wrapper, "sys_call", 0);
    let put_site = sites.iter().find(|s| s.func == put).expect("put_state site");
    assert_eq!(put_site.path, vec![(put, call_of(&m, put, "call_sys", 0)), (wrapper, sys_in_wrapper)]);
    let hello = sites.iter().find(|s| m.func_name(s.func) == "log").expect("log site");
    assert_eq!(hello.path.len(), 2, "log -> call_sys -> sys_call");
}

#[test]
fn chainmaker_resolve_and_effects_at_a_call() {
    let (m, p) = build(CHAINMAKER_RUST);
    let cx = Context::new(&m, &p, Platform::Chainmaker);
    let put = func(&m, "put_state");
    let at_put = call_of(&m, put, "call_sys", 0);
    assert_eq!(resolve_method(&cx, put, at_put), names(&["PutState"]));
    assert!(effects_at(&cx, put, at_put).contains(&Effect::StorageWrite));

    let get = func(&m, "get_state_len");
    let at_get = call_of(&m, get, "call_sys", 0);
    assert_eq!(effects_at(&cx, get, at_get), vec![Effect::StorageRead]);

    // Two levels up: hello -> log("LogMessage") -> call_sys.
    let hello = func(&m, "hello");
    assert!(resolve_method(&cx, hello, call_of(&m, hello, "log", 0)).is_empty(), "hello passes no name");
    let log = func(&m, "log");
    assert_eq!(resolve_method(&cx, log, call_of(&m, log, "call_sys", 0)), names(&["LogMessage"]));

    // The import call in the wrapper can invoke every name its callers pass.
    let wrapper = func(&m, "call_sys");
    assert_eq!(
        resolve_method(&cx, wrapper, call_of(&m, wrapper, "sys_call", 0)),
        names(&["GetStateLen", "LogMessage", "NotAMethod", "PutState"])
    );

    // Not a dispatching call.
    assert!(resolve_method(&cx, put, 0).is_empty());
    assert!(effects_at(&cx, hello, call_of(&m, hello, "log", 0)).iter().all(|e| *e != Effect::StorageWrite));
}

/// TinyGo SDK style: `getRequestHeader(out, method, len)` allocates an `EasyCodecItem` whose
/// key field points at "method" (length 6 packed with the value type in one i64 store) and
/// whose value field points at a heap box holding the method string.
const CHAINMAKER_TINYGO: &str = r#"(module
  (import "env" "sys_call" (func $sys_call (param i32 i32 i32 i32) (result i32)))
  (memory 2)
  (global $sp (mut i32) (i32.const 65536))
  (global $heap (mut i32) (i32.const 8192))
  (data (i32.const 1024) "versionmethod")     (; method at 1031 ;)
  (data (i32.const 1040) "DeleteStateGetState") (; 1040, 11; 1051, 8 ;)

  (func $alloc (param i32) (result i32)
    (local i32)
    global.get $heap
    local.tee 1
    local.get 0
    i32.add
    global.set $heap
    local.get 1)

  (func $marshal (param i32 i32)
    local.get 0
    local.get 1
    i32.store
    local.get 0
    i32.const 32
    i32.store offset=4)

  (func $getRequestHeader (param i32 i32 i32)
    (local $box i32) (local $item i32)
    i32.const 8
    call $alloc
    local.tee $box
    local.get 2
    i32.store offset=4
    local.get $box
    local.get 1
    i32.store
    i32.const 24
    call $alloc
    local.tee $item
    local.get $box
    i32.store offset=20
    local.get $item
    i64.const 4294967302   (; len 6, type 1 ;)
    i64.store offset=8
    local.get $item
    i32.const 1031
    i32.store offset=4
    local.get $item
    i32.const 0
    i32.store
    local.get 0
    local.get $item
    call $marshal)

  (func $DeleteState (export "delete_state") (param $key i32) (param $klen i32) (result i32)
    (local $fp i32) (local $r i32)
    global.get $sp
    i32.const 32
    i32.sub
    local.tee $fp
    global.set $sp
    local.get $fp
    i32.const 8
    i32.add
    i32.const 1040
    i32.const 11
    call $getRequestHeader
    local.get $fp
    i32.load offset=8
    local.get $fp
    i32.load offset=12
    local.get $key
    local.get $klen
    call $sys_call
    local.set $r
    (; the same frame slot reused for a second header ;)
    local.get $fp
    i32.const 8
    i32.add
    i32.const 1051
    i32.const 8
    call $getRequestHeader
    local.get $fp
    i32.load offset=8
    local.get $fp
    i32.load offset=12
    local.get $key
    local.get $klen
    call $sys_call
    drop
    local.get $fp
    i32.const 32
    i32.add
    global.set $sp
    local.get $r))"#;

#[test]
fn chainmaker_tinygo_item_fields_and_reused_slots() {
    let (m, p) = build(CHAINMAKER_TINYGO);
    let cx = Context::new(&m, &p, Platform::Chainmaker);
    let sites = method_call_sites(&cx);
    assert_eq!(
        summary(&m, &sites),
        vec![
            ("DeleteState".to_string(), names(&["DeleteState"]), true),
            ("DeleteState".to_string(), names(&["GetState"]), true),
        ]
    );
    let f = func(&m, "DeleteState");
    assert_eq!(effects_at(&cx, f, call_of(&m, f, "sys_call", 0)), vec![Effect::StorageWrite]);
    assert_eq!(effects_at(&cx, f, call_of(&m, f, "sys_call", 1)), vec![Effect::StorageRead]);
}

/// XuperChain C++ SDK: `_call_method(method, method_len, request, request_len, response,
/// response_len, success)` with a constant name and length, a C string measured by `strlen`,
/// and a `syscall(const char*)` helper.
const XUPERCHAIN: &str = r#"(module
  (import "env" "_call_method"
    (func $call_method (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "_fetch_response" (func $fetch_response (param i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 1024) "PutObject")         (; 1024, 9 ;)
  (data (i32.const 1040) "GetCallArgs\00")    (; 1040, NUL-terminated ;)
  (data (i32.const 1056) "Bogus\00")
  (data (i32.const 1064) "QueryTx\00")

  (func $strlen (param i32) (result i32)
    (local i32)
    local.get 0
    local.set 1
    block
      loop
        local.get 1
        i32.load8_u
        i32.eqz
        br_if 1
        local.get 1
        i32.const 1
        i32.add
        local.set 1
        br 0
      end
    end
    local.get 1
    local.get 0
    i32.sub)

  (; bool syscall(const char* method, request, len) ;)
  (func $syscall (param i32 i32 i32) (result i32)
    local.get 0
    local.get 0
    call $strlen
    local.get 1
    local.get 2
    i32.const 2048
    i32.const 1024
    i32.const 4096
    call $call_method)

  (func $put (export "put") (result i32)
    i32.const 1024
    i32.const 9
    i32.const 0
    i32.const 0
    i32.const 2048
    i32.const 1024
    i32.const 4096
    call $call_method)

  (func $init (export "initialize") (result i32)
    i32.const 1040
    i32.const 0
    i32.const 0
    call $syscall)

  (func $query (export "query") (result i32)
    i32.const 1064
    i32.const 0
    i32.const 0
    call $syscall)

  (func $bogus (export "bogus") (result i32)
    i32.const 1056
    i32.const 0
    i32.const 0
    call $syscall))"#;

#[test]
fn xuperchain_call_method_names_direct_and_through_a_helper() {
    let (m, p) = build(XUPERCHAIN);
    let cx = Context::new(&m, &p, Platform::Xuperchain);
    let sites = method_call_sites(&cx);
    assert_eq!(
        summary(&m, &sites),
        vec![
            ("init".to_string(), names(&["GetCallArgs"]), true),
            ("query".to_string(), names(&["QueryTx"]), true),
            ("bogus".to_string(), names(&["Bogus"]), false),
            ("put".to_string(), names(&["PutObject"]), true),
        ]
    );
    let put = func(&m, "put");
    assert_eq!(effects_at(&cx, put, call_of(&m, put, "call_method", 0)), vec![Effect::StorageWrite]);
    let init = func(&m, "init");
    let at = call_of(&m, init, "syscall", 0);
    assert_eq!(resolve_method(&cx, init, at), names(&["GetCallArgs"]));
    assert!(effects_at(&cx, init, at).contains(&Effect::Input));
}

#[test]
fn the_index_answers_like_the_single_queries() {
    for (src, platform) in [
        (CHAINMAKER_RUST, Platform::Chainmaker),
        (CHAINMAKER_TINYGO, Platform::Chainmaker),
        (XUPERCHAIN, Platform::Xuperchain),
    ] {
        let (m, p) = build(src);
        let cx = Context::new(&m, &p, platform);
        let index = MethodIndex::new(&cx);
        assert_eq!(index.sites().len(), method_call_sites(&cx).len());
        for f in m.functions.iter().filter(|f| !f.is_import()) {
            for (i, ins) in f.body.iter().enumerate() {
                if matches!(ins.op, Op::Call(_)) {
                    assert_eq!(index.methods_at(f.index, i), resolve_method(&cx, f.index, i));
                    assert_eq!(index.effects_at(f.index, i), effects_at(&cx, f.index, i));
                }
            }
        }
    }
}
