//! MultiversX storage keys are managed buffers: the SDK builds a mapper's key on a fresh handle
//! (`mBufferSetBytes` of the mapper's name, then `mBufferAppend`/`mBufferAppendBytes` of the
//! encoded arguments) and hands the handle to `mBufferStorageLoad`/`mBufferStorageStore`. The
//! call that builds and returns the handle is evaluated to the buffer's contents: the same
//! construction is the same key, constant bytes are a byte key (`pause_module:paused`), and a
//! mapper with an argument that is not constant is a family (`transfers(_)`). On the compiled
//! `freeze_bypass_pause` bridge (multiversx-sc, `PauseModule`).

mod common;

use std::collections::BTreeSet;
use wasmaudit_detect::storage::{Access, Key, KeyRef};
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_platform::Platform;

fn module(case: &str, build: &str) -> wasmaudit_front::Module {
    common::compiled("multiversx", case, build)
}

#[test]
fn managed_buffer_keys_have_an_identity() {
    let module = module("freeze_bypass_pause", "vulnerable");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Multiversx);
    for f in ["pause", "deposit", "refund", "setStatus"] {
        for a in [Access::Read, Access::Write] {
            let k: Vec<String> = common::known_keys(&cx, common::export(&module, f), a)
                .iter()
                .map(|k| k.describe(Platform::Multiversx))
                .collect();
            eprintln!("{f} {a:?}: {k:?}");
        }
    }
    // `pause` writes the pause module's flag; `deposit` reads it (`require_not_paused`).
    let written = common::known_keys(&cx, common::export(&module, "pause"), Access::Write);
    let flag =
        common::named(&written, Platform::Multiversx, "pause_module:paused").expect("pause writes the flag");
    assert_eq!(flag, Key::Bytes(b"pause_module:paused".to_vec().into()));
    let read = common::known_keys(&cx, common::export(&module, "deposit"), Access::Read);
    assert_eq!(common::named(&read, Platform::Multiversx, "pause_module:paused"), Some(flag.clone()));
    // The vulnerable `refund` never reads it.
    assert!(common::named(
        &common::known_keys(&cx, common::export(&module, "refund"), Access::Read),
        Platform::Multiversx,
        "pause_module:paused"
    )
    .is_none());

    // `transfers(id)` with the id from the input: one family, the same in every endpoint.
    let transfers = common::named(
        &common::known_keys(&cx, common::export(&module, "deposit"), Access::Write),
        Platform::Multiversx,
        "transfers(_)",
    )
    .expect("deposit writes transfers(_)");
    assert!(transfers.is_family());
    for f in ["refund", "setStatus"] {
        assert_eq!(
            common::named(
                &common::known_keys(&cx, common::export(&module, f), Access::Write),
                Platform::Multiversx,
                "transfers(_)"
            ),
            Some(transfers.clone())
        );
    }
    assert_ne!(transfers, flag);
}

/// The `bool` the SDK decodes from the flag's buffer (its length checked, its byte copied into
/// memory by `mBufferGetByteSlice`, `true` or `false` chosen by a `br_table` on it) is a value
/// computed only from the stored flag: `require_not_paused`'s branch tests the flag.
#[test]
fn a_flag_decoded_from_a_managed_buffer_is_a_stored_value() {
    let module = module("freeze_bypass_pause", "vulnerable");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Multiversx);
    let flag = KeyRef::Known(Key::Bytes(b"pause_module:paused".to_vec().into()));
    let mut checks = 0;
    for f in module.functions.iter().filter(|f| !f.is_import()) {
        if !cx.func_name(f.index).contains("require_not_paused") {
            continue;
        }
        for (_, is_branch, cond) in wasmaudit_detect::guards::conditions(&cx, f.index) {
            assert!(is_branch);
            assert_eq!(cx.storage().value_keys(&cx, f.index, cond), Some(BTreeSet::from([flag.clone()])));
            checks += 1;
        }
    }
    assert_eq!(checks, 1);
}

/// `liquid_staking` credits `userStake(caller)` and `totalDelegated` before its `managedAsyncCall`,
/// whose result comes back to `callBack` (the model's `callback`). The vulnerable callback writes
/// neither key (only its closure, under a key built from the transaction hash: unknown); the
/// remediated one rolls both back on `Err`: the same family and the same exact key as the credit.
#[test]
fn async_call_state_and_what_the_callback_writes() {
    use wasmaudit_platform::Effect;
    let credits = |keys: &BTreeSet<Key>| {
        common::named(keys, Platform::Multiversx, "userStake(_)").is_some_and(|k| k.is_family())
            && common::named(keys, Platform::Multiversx, "totalDelegated").is_some()
    };
    for (build, rolls_back) in [("vulnerable", false), ("remediated", true)] {
        let module = module("unhandled_async_result", build);
        let program = Program::build(&module);
        let cx = Context::new(&module, &program, Platform::Multiversx);
        let delegate = common::export(&module, "delegate");
        let sites: Vec<_> =
            cx.host_calls(Effect::ExternalCall).into_iter().filter(|c| c.host.calls_back()).collect();
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].func, delegate);
        assert!(credits(&cx.storage().written_keys(delegate)));
        assert_eq!(
            credits(&cx.storage().written_keys(common::export(&module, "callBack"))),
            rolls_back,
            "{build}"
        );
    }
}
