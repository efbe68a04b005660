//! hardcoded-secret's data-flow rules on compiled contracts and on the shapes they must leave
//! alone. A password compared with a message field (`ensure!(password == EMERGENCY_PASSWORD)`,
//! inlined by rustc as integer immediates) and a key hashed together with caller data on the
//! Soroban host (`sha256(VOUCHER_KEY || buyer || ticket)`) are reported where they are used; the
//! remediated builds, a JSON decoder matching a field name, and SHA-256 constants (copied into a
//! host hash, or used by a hash computed in Wasm) are not.

mod common;

use wasmaudit_engine::{scan_bytes, FileReport, ScanOptions, Status};

fn scan(label: &str, wasm: &[u8]) -> FileReport {
    let registry = wasmaudit_detectors::registry();
    let report = scan_bytes(label, wasm, &ScanOptions::default(), &registry);
    assert_eq!(report.status, Status::Ok, "{label}: {:?}", report.error);
    report
}

/// Functions (name, index) with a hardcoded-secret finding, in the named and in the stripped
/// build.
fn secret_functions(case: &str, build: &str) -> [Vec<(String, u32)>; 2] {
    let path = common::repo_root().join(format!("corpus/compiled/{case}/{build}.wasm"));
    let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let list = |bytes: &[u8]| -> Vec<(String, u32)> {
        scan(case, bytes)
            .findings
            .iter()
            .filter(|f| f.detector.name == "hardcoded-secret")
            .map(|f| (f.function.clone(), f.function_index))
            .collect()
    };
    [list(&wasm), list(&common::strip_names(&wasm))]
}

#[test]
fn inlined_password_comparison_is_reported_in_execute() {
    let [named, stripped] = secret_functions("cosmwasm/admin-password", "vulnerable");
    assert_eq!(named.len(), 1, "{named:?}");
    assert!(named[0].0.ends_with("::execute"), "{named:?}");
    // The stripped build has the same code: the same function, without its name.
    assert_eq!(stripped.iter().map(|f| f.1).collect::<Vec<_>>(), vec![named[0].1]);
    assert_eq!(secret_functions("cosmwasm/admin-password", "remediated"), [Vec::new(), Vec::new()]);
}

#[test]
fn keyed_host_hash_is_reported_in_redeem() {
    let [named, stripped] = secret_functions("soroban/voucher-secret", "vulnerable");
    assert_eq!(named.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), vec!["redeem"]);
    assert_eq!(stripped.iter().map(|f| f.1).collect::<Vec<_>>(), vec![named[0].1]);
    assert_eq!(secret_functions("soroban/voucher-secret", "remediated"), [Vec::new(), Vec::new()]);
}

fn reports(label: &str, src: &str) -> bool {
    let wasm = wat::parse_str(src).unwrap_or_else(|e| panic!("{label}: invalid WAT: {e}"));
    scan(label, &wasm).findings.iter().any(|f| f.detector.name == "hardcoded-secret")
}

/// A CosmWasm `execute` whose condition compares the message bytes with `text`'s three 8-byte
/// words (immediates, as rustc inlines a `==` on a 16..24-byte `&str`) and aborts on a mismatch.
fn cosmwasm_compare(words: [i64; 3], len: usize) -> String {
    format!(
        r#"(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (export "memory" (memory 0))
  (export "interface_version_8" (func $interface_version_8))
  (export "allocate" (func $allocate))
  (export "deallocate" (func $deallocate))
  (export "execute" (func $execute))
  (func $interface_version_8 (type $t))
  (func $allocate (type $t_i_i) (param i32) (result i32) i32.const 1114112)
  (func $deallocate (type $t_i) (param i32))
  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $p i32)
    local.get $msg
    i32.load
    local.tee $p
    i64.load align=1
    i64.const {}
    i64.xor
    local.get $p
    i64.load offset=8 align=1
    i64.const {}
    i64.xor
    i64.or
    local.get $p
    i64.load offset={} align=1
    i64.const {}
    i64.xor
    i64.or
    i64.eqz
    i32.eqz
    if
      local.get $msg
      call $abort
    end
    local.get $info
    local.get $msg
    call $db_write
    i32.const 0))"#,
        words[0],
        words[1],
        len - 8,
        words[2]
    )
}

fn words(text: &[u8]) -> [i64; 3] {
    let at = |o: usize| i64::from_le_bytes(text[o..o + 8].try_into().expect("8 bytes"));
    [at(0), at(8), at(text.len() - 8)]
}

#[test]
fn field_and_variant_names_are_not_secrets() {
    for name in
        [&b"recovery_address"[..], b"emergency_withdraw", b"update_config_v2", b"transfer_from_erc721"]
    {
        let label = String::from_utf8_lossy(name).to_string();
        assert!(!reports(&label, &cosmwasm_compare(words(name), name.len())), "{label} reported");
    }
    // The same shape with a password is reported (the comparison itself is recognised).
    let password = b"vault-admin:9c4e1b7a2f";
    assert!(reports("password", &cosmwasm_compare(words(password), password.len())));
    // Public identifiers compared with input are not secrets either.
    let addr = b"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu";
    assert!(!reports("address", &cosmwasm_compare(words(addr), addr.len())));
}

/// A Soroban `redeem` that copies 32 bytes at 1048576 into a host byte string, appends the
/// buyer, hashes and compares the digest with the caller's code.
fn soroban_keyed_hash(data: &str) -> String {
    format!(
        r#"(module
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (import "b" "3" (func $bytes_new_from_linear_memory (type $t_jj_j)))
  (import "b" "_" (func $serialize_to_bytes (type $t_j_j)))
  (import "b" "e" (func $bytes_append (type $t_jj_j)))
  (import "c" "_" (func $compute_hash_sha256 (type $t_j_j)))
  (import "x" "0" (func $obj_cmp (type $t_jj_j)))
  (import "l" "_" (func $put_contract_data (type $t_jjj_j)))
  (memory 17)
  (export "memory" (memory 0))
  (export "redeem" (func $redeem))
  (@custom "contractenvmetav0" "\00\00\00\00\00\00\00\16\00\00\00\00")
  (data (i32.const 1048576) "{data}")
  (func $redeem (type $t_jj_j) (param $buyer i64) (param $code i64) (result i64)
    i64.const 0x0010_0000_0000_0004
    i64.const 0x0000_0020_0000_0004
    call $bytes_new_from_linear_memory
    local.get $buyer
    call $serialize_to_bytes
    call $bytes_append
    call $compute_hash_sha256
    local.get $code
    call $obj_cmp
    i64.eqz
    i32.eqz
    if
      unreachable
    end
    local.get $code
    local.get $buyer
    i64.const 0x0000_0001_0000_0004
    call $put_contract_data
    drop
    i64.const 2))"#
    )
}

#[test]
fn sha256_constants_are_not_keys() {
    // A random key is reported...
    let key =
        r"\9d\3a\71\e4\0c\b8\56\2f\a1\6e\d3\48\17\fb\85\2c\60\ce\39\94\5b\07\ea\7d\b2\41\1f\c6\88\23\df\6a";
    assert!(reports("key", &soroban_keyed_hash(key)));
    // ...the first SHA-256 round constants in the same place are not, in either byte order.
    let k_be =
        r"\42\8a\2f\98\71\37\44\91\b5\c0\fb\cf\e9\b5\db\a5\39\56\c2\5b\59\f1\11\f1\92\3f\82\a4\ab\1c\5e\d5";
    let k_le =
        r"\98\2f\8a\42\91\44\37\71\cf\fb\c0\b5\a5\db\b5\e9\5b\c2\56\39\f1\11\f1\59\a4\82\3f\92\d5\5e\1c\ab";
    assert!(!reports("sha256 K (big-endian)", &soroban_keyed_hash(k_be)));
    assert!(!reports("sha256 K (little-endian)", &soroban_keyed_hash(k_le)));
}

/// SHA-256 computed in Wasm: the round constants are loaded in a loop and mixed with the input,
/// and the result decides a branch. Nothing is hashed by the host and nothing compared with
/// constant text: no finding.
#[test]
fn wasm_sha256_tables_are_not_reported() {
    let src = r#"(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (export "memory" (memory 0))
  (export "interface_version_8" (func $interface_version_8))
  (export "allocate" (func $allocate))
  (export "deallocate" (func $deallocate))
  (export "execute" (func $execute))
  (data (i32.const 1048576) "\42\8a\2f\98\71\37\44\91\b5\c0\fb\cf\e9\b5\db\a5\39\56\c2\5b\59\f1\11\f1\92\3f\82\a4\ab\1c\5e\d5\6a\09\e6\67\bb\67\ae\85\3c\6e\f3\72\a5\4f\f5\3a")
  (func $interface_version_8 (type $t))
  (func $allocate (type $t_i_i) (param i32) (result i32) i32.const 1114112)
  (func $deallocate (type $t_i) (param i32))
  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $p i32) (local $i i32) (local $h i32)
    local.get $msg
    i32.load
    local.set $p
    i32.const 1779033703
    local.set $h
    loop
      local.get $h
      local.get $i
      i32.const 1048576
      i32.add
      i32.load
      i32.add
      local.get $p
      local.get $i
      i32.add
      i32.load
      i32.xor
      i32.const 7
      i32.rotl
      local.set $h
      local.get $i
      i32.const 4
      i32.add
      local.tee $i
      i32.const 48
      i32.lt_u
      br_if 0
    end
    local.get $h
    local.get $p
    i32.load offset=48
    i32.ne
    if
      local.get $msg
      call $abort
    end
    local.get $info
    local.get $msg
    call $db_write
    i32.const 0))"#;
    assert!(!reports("wasm sha256", src));
}
