//! CosmWasm `cw-storage-plus` keys get an identity. An `Item::new("paused")` is a static
//! `Namespace` the contract copies onto its stack and hands to the generic `Item::save` /
//! `Item::may_load`, which asks `Namespace::as_slice` for the key through an out-pointer and
//! passes the slice to `ExternalStorage::set`/`get` (the `db_write`/`db_read` region). The key
//! is evaluated where the namespace is constant: symbolic in the generic `Item` methods, the
//! namespace's bytes in the contract's own functions. On the compiled `paused-vault` contract
//! (cosmwasm-std 2.3, cw-storage-plus 2.0) and cw2's `contract_info` in `migrate-no-version-check`.

mod common;

use std::collections::BTreeSet;
use wasmaudit_detect::storage::{Access, Key, KeyRef};
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_platform::Platform;

fn module(case: &str, build: &str) -> wasmaudit_front::Module {
    common::compiled("cosmwasm", case, build)
}

/// The function whose (demangled-looking) name contains `part`, exactly one.
fn func(module: &wasmaudit_front::Module, part: &str) -> u32 {
    let found: Vec<u32> =
        module.functions.iter().map(|f| f.index).filter(|f| module.func_name(*f).contains(part)).collect();
    assert_eq!(found.len(), 1, "one function named like {part}: {found:?}");
    found[0]
}

/// Keys the host calls and calls of `func` resolve in `func` itself, for `access`.
fn resolved_here(cx: &Context<'_>, func: u32, access: Access) -> BTreeSet<KeyRef> {
    cx.storage()
        .instrs(func)
        .flat_map(|(_, a)| {
            a.iter()
                .filter(|a| a.access == access && a.resolved_here)
                .map(|a| a.key.clone())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn bytes(s: &str) -> KeyRef {
    KeyRef::Known(Key::Bytes(s.as_bytes().into()))
}

#[test]
fn item_keys_have_an_identity() {
    let module = module("paused-vault", "vulnerable");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Cosmwasm);

    // `ensure_not_paused` reads the `paused` item; `execute` (SetPaused) writes the same key and
    // reads `config` (the guardian check), a different key.
    let check = resolved_here(&cx, func(&module, "ensure_not_paused"), Access::Read);
    assert_eq!(check, BTreeSet::from([bytes("paused")]));
    let execute = func(&module, "12paused_vault7execute");
    let written = resolved_here(&cx, execute, Access::Write);
    assert!(written.contains(&bytes("paused")), "{written:?}");
    let read = resolved_here(&cx, execute, Access::Read);
    assert!(read.contains(&bytes("config")), "{read:?}");
    assert_ne!(bytes("paused"), bytes("config"));
    // `instantiate` writes both items.
    let init = resolved_here(&cx, func(&module, "12paused_vault11instantiate"), Access::Write);
    assert!(init.contains(&bytes("paused")) && init.contains(&bytes("config")), "{init:?}");

    // The generic `Item` methods take the namespace from their parameter: their key stays
    // symbolic (resolved at each call site), never a constant.
    for f in module.functions.iter().map(|f| f.index) {
        let name = module.func_name(f);
        if name.contains("cw_storage_plus4item13Item") && (name.contains("4save") || name.contains("4load")) {
            for k in
                resolved_here(&cx, f, Access::Write).into_iter().chain(resolved_here(&cx, f, Access::Read))
            {
                assert!(k.is_param(), "{name}: {k:?}");
            }
        }
    }
}

#[test]
fn cw2_contract_info_is_read_and_written() {
    // The remediation checks `cw2::get_contract_version` before `set_contract_version`: both
    // resolve to the `contract_info` item.
    let module = module("migrate-no-version-check", "remediated");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Cosmwasm);
    let read = resolved_here(&cx, func(&module, "get_contract_version"), Access::Read);
    assert_eq!(read, BTreeSet::from([bytes("contract_info")]));
    let written = resolved_here(&cx, func(&module, "set_contract_version"), Access::Write);
    assert_eq!(written, BTreeSet::from([bytes("contract_info")]));
}
