//! Every detector's examples in `corpus/<detector-name>/<case>/`: the vulnerable contract must
//! give exactly the findings its `;; @expect <detector-name>` markers name, at the marked call,
//! in the named and in the stripped build; the remediated twin must give none of that class.
//! The text output of each vulnerable example is snapshotted.

mod common;

use std::path::{Path, PathBuf};
use wasmaudit_engine::{scan_bytes, FileReport, ScanOptions, Status};

struct Expectation {
    detector: String,
    function: String,
    /// The marked instruction as written, e.g. `call $seal_set_code_hash`.
    instruction: String,
}

/// Reads `;; @expect NAME` markers: the instruction on the marked line, in the function around it.
fn expectations(wat: &str) -> Vec<Expectation> {
    let mut function = String::new();
    let mut out = Vec::new();
    for line in wat.lines() {
        let code = line.split(";;").next().unwrap_or("").trim();
        if let Some(rest) = code.strip_prefix("(func $") {
            function = rest.split([' ', ')']).next().unwrap_or("").to_string();
        }
        if let Some((_, marker)) = line.split_once(";; @expect ") {
            out.push(Expectation {
                detector: marker.trim().to_string(),
                function: function.clone(),
                instruction: code.to_string(),
            });
        }
    }
    out
}

fn cases(detector: &str) -> Vec<PathBuf> {
    let dir = common::repo_root().join("corpus").join(detector);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn scan(label: &str, wasm: &[u8]) -> FileReport {
    let registry = wasmaudit_detectors::registry();
    let report = scan_bytes(label, wasm, &ScanOptions::default(), &registry);
    assert_eq!(report.status, Status::Ok, "{label}: {:?}", report.error);
    report
}

fn relative(p: &Path) -> String {
    p.strip_prefix(common::repo_root()).unwrap_or(p).display().to_string()
}

fn check_case(detector: &str, case: &Path) {
    let vuln_path = case.join("vulnerable.wat");
    let rem_path = case.join("remediated.wat");
    let vuln_src = std::fs::read_to_string(&vuln_path).expect("vulnerable.wat exists");
    let expected: Vec<Expectation> =
        expectations(&vuln_src).into_iter().filter(|e| e.detector == detector).collect();
    assert!(!expected.is_empty(), "{}: no `;; @expect {detector}` marker", vuln_path.display());

    let vuln = wat::parse_file(&vuln_path).expect("vulnerable.wat assembles");
    let label = relative(&vuln_path);
    let report = scan(&label, &vuln);
    let found: Vec<_> = report.findings.iter().filter(|f| f.detector.name == detector).collect();
    assert_eq!(
        found.len(),
        expected.len(),
        "{label}: expected {} {detector} finding(s), got {:#?}",
        expected.len(),
        report.findings
    );
    for e in &expected {
        let hit = found.iter().any(|f| f.function == e.function && f.instruction == e.instruction);
        assert!(hit, "{label}: no {detector} finding at `{}` in `{}`: {found:#?}", e.instruction, e.function);
    }

    // A stripped build (no name section) must give the same findings at the same offsets.
    let stripped = scan(&format!("{label} (stripped)"), &common::strip_names(&vuln));
    let offsets = |r: &FileReport| -> Vec<u32> {
        r.findings.iter().filter(|f| f.detector.name == detector).map(|f| f.offset).collect()
    };
    assert_eq!(offsets(&stripped), offsets(&report), "{label}: stripped build differs");
    assert!(stripped.findings.iter().all(|f| f.function.starts_with("$func")));

    let rem = wat::parse_file(&rem_path).expect("remediated.wat assembles");
    let rem_label = relative(&rem_path);
    let rem_report = scan(&rem_label, &rem);
    let class = found[0].detector.class;
    let leftover: Vec<_> = rem_report.findings.iter().filter(|f| f.detector.class == class).collect();
    assert!(leftover.is_empty(), "{rem_label}: remediated twin still has {class} findings: {leftover:#?}");
    assert_eq!(rem_report.platform, report.platform, "{label}: twins detected as different platforms");

    let snapshot_name =
        format!("{detector}__{}", case.file_name().and_then(|n| n.to_str()).unwrap_or("case"));
    insta::assert_snapshot!(snapshot_name, wasmaudit_report::to_text(std::slice::from_ref(&report)));
}

#[test]
fn every_detector_example_behaves() {
    let mut failures = Vec::new();
    for d in wasmaudit_detectors::registry() {
        let name = d.meta().name;
        let cases = cases(name);
        assert!(!cases.is_empty(), "{name} has no example under corpus/{name}/");
        for case in cases {
            // Check every case even when one fails, so a run lists all broken examples.
            let outcome = std::panic::catch_unwind(|| check_case(name, &case));
            if outcome.is_err() {
                failures.push(relative(&case));
            }
        }
    }
    assert!(failures.is_empty(), "failing examples (details above): {failures:#?}");
}

#[test]
fn expectation_markers_parse() {
    let src = "(module\n  (func $f\n    call $g ;; @expect x-y\n  ))";
    let e = expectations(src);
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].detector.as_str(), e[0].function.as_str(), e[0].instruction.as_str()),
        ("x-y", "f", "call $g")
    );
}

/// Whether `detector` reports anything on the WAT module `src` (`label` names it in failures).
fn reports(label: &str, src: &str, detector: &str) -> bool {
    let report = scan(label, &wat::parse_str(src).unwrap_or_else(|e| panic!("{label}: invalid WAT: {e}")));
    report.findings.iter().any(|f| f.detector.name == detector)
}

/// Rollback needs chance: the guessing game of `corpus/rollback/eosio-3` with the tapos prefix
/// taken out of its roll decides the payout by the stored seed alone, which anyone can read before
/// guessing, and calls nothing that reads chance: no rollback finding.
#[test]
fn rollback_without_any_chance_source_is_not_reported() {
    let path = common::repo_root().join("corpus/rollback/eosio-3/vulnerable.wat");
    let wat = std::fs::read_to_string(&path).expect("example");
    let no_chance: String = wat
        .lines()
        .filter(|l| {
            !l.contains("tapos_block_prefix") && !l.contains("i64.extend_i32_u") && l.trim() != "i64.xor"
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!no_chance.contains("call $tapos"), "the chance source is taken out");
    assert!(!reports("rollback/eosio-3 without chance", &no_chance, "rollback"));
    assert!(reports("rollback/eosio-3", &wat, "rollback"), "the example itself is reported");
}

/// Rollback needs chance in the action that pays: the token lock of `corpus/rollback/eosio-4`
/// hashes the tapos prefix in another action and gates `unlock` on block time, but the payout is
/// the recorded row, so the remediated lock is clean although the module reads chance. Its
/// `unlock` reading the house's drawn table (a table the contract fills with a hash) before it
/// pays is reported: the stored draw may decide the payout.
#[test]
fn a_time_gated_payout_of_a_recorded_row_is_not_rollback() {
    let path = common::repo_root().join("corpus/rollback/eosio-4/remediated.wat");
    let wat = std::fs::read_to_string(&path).expect("example");
    assert!(wat.contains("call $sha256") && wat.contains("call $current_time"), "the module reads chance");
    assert!(!reports("rollback/eosio-4 remediated", &wat, "rollback"));
    // The same `unlock` looking up the drawn table (`draws`) instead of the lock table.
    let drawn = wat.replacen(
        "i64.const -8281825045618098176\n    local.get $sp\n    i64.load\n    call $db_find_i64",
        "i64.const 5606361411518201856\n    local.get $sp\n    i64.load\n    call $db_find_i64",
        1,
    );
    assert_ne!(drawn, wat, "the lookup is replaced");
    assert!(reports("rollback/eosio-4 reading the drawn table", &drawn, "rollback"));
}

/// An upgrade to code fixed in the module (a hash of constant bytes) is not an open door: whoever
/// triggers it cannot choose the code. The same upgrade to a hash the caller passes is reported.
#[test]
fn an_upgrade_to_fixed_code_is_not_reported() {
    let module = |hash: &str| {
        format!(
            r#"(module
              (import "b" "3" (func $bytes_new (param i64 i64) (result i64)))
              (import "c" "_" (func $sha256 (param i64) (result i64)))
              (import "l" "6" (func $update_wasm (param i64) (result i64)))
              (memory 1)
              (export "memory" (memory 0))
              (data (i32.const 1048576) "v2wasm")
              (func $upgrade (export "upgrade") (param $hash i64) (result i64)
                {hash}
                call $update_wasm)
              (@custom "contractenvmetav0" "\00\00\00\00")
              (@custom "contractspecv0" "\00\00\00\00"))"#
        )
    };
    let fixed = module("i64.const 4503599627370500 i64.const 25769803780 call $bytes_new call $sha256");
    assert!(!reports("fixed upgrade", &fixed, "unprotected-upgrade"));
    let chosen = module("local.get $hash");
    assert!(reports("chosen upgrade", &chosen, "unprotected-upgrade"));
}

/// A dropped `try_call` status matters only when the transaction commits something that assumed
/// success: an entry point that changes no state leaves nothing behind on the failure. The same
/// call followed by a storage write is reported.
#[test]
fn an_ignored_status_with_nothing_committed_is_not_reported() {
    let module = |after: &str| {
        format!(
            r#"(module
              (import "d" "0" (func $try_call (param i64 i64 i64) (result i64)))
              (import "l" "_" (func $put (param i64 i64 i64) (result i64)))
              (memory 1)
              (export "memory" (memory 0))
              (func $add_with_try (export "add_with_try") (param $c i64) (param $f i64) (param $a i64) (result i64)
                local.get $c
                local.get $f
                local.get $a
                call $try_call
                drop
                {after}
                i64.const 2)
              (@custom "contractenvmetav0" "\00\00\00\00")
              (@custom "contractspecv0" "\00\00\00\00"))"#
        )
    };
    let pure = module("");
    assert!(!reports("pure try_call", &pure, "unhandled-call-result"));
    let commits = module("local.get $c local.get $a i64.const 2 call $put drop");
    assert!(reports("try_call then write", &commits, "unhandled-call-result"));
}

/// A verdict that is tested but does not gate the state change is reported, unless a check of
/// the caller already protects that change (the signature is then defense in depth).
#[test]
fn a_non_gating_verdict_behind_a_caller_check_is_not_reported() {
    let module = |guard: &str| {
        format!(
            r#"(module
              (import "env" "ed25519_verify" (func $verify (param i64 i64 i64 i64 i64 i64) (result i64)))
              (import "env" "log_utf8" (func $log (param i64 i64)))
              (import "env" "storage_write" (func $write (param i64 i64 i64 i64 i64) (result i64)))
              (import "env" "predecessor_account_id" (func $pred (param i64)))
              (import "env" "read_register" (func $read_register (param i64 i64)))
              (import "env" "panic_utf8" (func $panic (param i64 i64)))
              (memory 1)
              (export "memory" (memory 0))
              (func $execute (export "execute_signed")
                i64.const 64 i64.const 0 i64.const 32 i64.const 256 i64.const 32 i64.const 512
                call $verify
                i64.eqz
                if                      ;; an invalid signature is only logged
                  i64.const 7
                  i64.const 1024
                  call $log
                end
                {guard}
                i64.const 4 i64.const 2048 i64.const 8 i64.const 4096 i64.const 0
                call $write
                drop))"#
        )
    };
    let open = module("");
    assert!(reports("verdict not gating", &open, "unchecked-signature"));
    let owner_only = module(
        "i64.const 0 call $pred i64.const 0 i64.const 128 call $read_register \
         i32.const 128 i64.load i32.const 160 i64.load i64.ne \
         if i64.const 5 i64.const 1024 call $panic unreachable end",
    );
    assert!(!reports("verdict behind an owner check", &owner_only, "unchecked-signature"));
}

/// A dropped verdict accepts something only when a state change can follow the verification:
/// a fixture that just verifies (or records the verdict itself, as leap's and WAX's intrinsic
/// tests store or print it) accepts no action. The same verification followed by a write of the
/// caller's payload is reported.
#[test]
fn a_dropped_verdict_with_nothing_to_accept_is_not_reported() {
    let module = |after: &str| {
        format!(
            r#"(module
              (import "env" "ed25519_verify" (func $verify (param i64 i64 i64 i64 i64 i64) (result i64)))
              (import "env" "storage_write" (func $write (param i64 i64 i64 i64 i64) (result i64)))
              (import "env" "input" (func $input (param i64)))
              (import "env" "read_register" (func $read_register (param i64 i64)))
              (import "env" "log_utf8" (func $log (param i64 i64)))
              (memory 1)
              (export "memory" (memory 0))
              (func $record (param $verdict i64)
                i32.const 4096
                local.get $verdict
                i64.store
                i64.const 6 i64.const 2048 i64.const 8 i64.const 4096 i64.const 0
                call $write
                drop)
              (func $execute (export "execute_signed")
                (local $ok i64)
                i64.const 64 i64.const 0 i64.const 32 i64.const 256 i64.const 32 i64.const 512
                call $verify
                local.set $ok
                {after}))"#
        )
    };
    assert!(!reports("verification only", &module(""), "unchecked-signature"));
    assert!(!reports("verdict recorded", &module("local.get $ok call $record"), "unchecked-signature"));
    let accepts = module("i64.const 4 i64.const 2048 i64.const 8 i64.const 0 i64.const 0 call $write drop");
    assert!(reports("payload stored whatever the verdict", &accepts, "unchecked-signature"));
}

/// A deposit booked under the contract that sent the notification (the row carries `code`, as an
/// exchange keys balances by `extended_asset(quantity, code)`) credits a fake token as that fake
/// token, not as EOS: not a fake-EOS transfer. The example itself, which books only `from` and
/// `quantity`, is reported.
#[test]
fn a_deposit_booked_under_the_notifying_contract_is_not_reported() {
    let path = common::repo_root().join("corpus/fake-eos-transfer/eosio-1/vulnerable.wat");
    let wat = std::fs::read_to_string(&path).expect("example");
    assert!(
        reports("fake-eos-transfer/eosio-1", &wat, "fake-eos-transfer"),
        "the example itself is reported"
    );
    let row =
        "      local.get $sp\n      i32.const 8\n      i32.add\n      i32.const 24\n      call $db_store_i64";
    assert!(wat.contains(row), "the example's row write changed");
    let keyed = wat.replacen(
        row,
        "      local.get $sp\n      i32.const 0\n      i32.add\n      i32.const 32\n      call $db_store_i64",
        1,
    );
    let keyed = keyed.replacen(
        "      ;; deposits.emplace(_self, {from, quantity})\n",
        "      ;; deposits.emplace(_self, {code, from, quantity})\n      local.get $sp\n      local.get $code\n      i64.store offset=0\n",
        1,
    );
    assert_ne!(keyed, wat);
    assert!(!reports("deposit keyed by code", &keyed, "fake-eos-transfer"));
}

/// cosmwasm-std's `Api::secp256k1_verify` turns the host's status into `Ok(true)` / `Ok(false)` /
/// `Err(..)` behind an out-pointer: the caller must read the byte in which `Ok(true)` and
/// `Ok(false)` differ where the value is whole. `verify(..)?` with the `bool` dropped is reported
/// in the wrapper (compiled corpus `cosmwasm/signed-voucher`); `ensure!(valid)` is not; a query
/// answering `verifies: bool` (the VM's `crypto_verify` test contract, when the shared corpus is
/// there) hands the verdict on and is not reported either.
#[test]
fn a_verdict_turned_into_a_result_must_be_read_by_the_caller() {
    let findings = |path: &Path| -> Vec<String> {
        let bytes = std::fs::read(path).expect("module");
        scan(&relative(path), &bytes)
            .findings
            .iter()
            .filter(|f| f.detector.name == "unchecked-signature")
            .map(|f| f.message.clone())
            .collect()
    };
    let case = common::repo_root().join("corpus/compiled/cosmwasm/signed-voucher");
    let vulnerable = findings(&case.join("vulnerable.wasm"));
    assert_eq!(vulnerable.len(), 1, "{vulnerable:#?}");
    assert!(
        vulnerable[0].contains("secp256k1_verify") && vulnerable[0].contains("never reads"),
        "{vulnerable:#?}"
    );
    assert!(findings(&case.join("remediated.wasm")).is_empty());
    let query = common::repo_root().join("../shared/corpus/cosmwasm/cosmwasm/crypto_verify.wasm");
    if query.is_file() {
        assert!(findings(&query).is_empty(), "crypto_verify answers its queries with the verdict");
    } else {
        println!("skipped: ../shared/corpus not found");
    }
}
