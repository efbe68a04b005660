//! near-sdk 5's high-level cross-contract calls copy the method name into a heap `String` and give
//! it to `Promise::function_call_weight`, which only queues the action: the host call that issues
//! it reads the name from the heap when the promise is returned. The callback a method schedules
//! on itself is found where the calls are built: the builder argument that receives a foreign
//! method name (`ft_transfer`) in the same function also receives the module's own `on_claim`.

mod common;

use wasmaudit_detect::authz::near_callbacks;
use wasmaudit_detect::scheduled::built_callbacks;
use wasmaudit_detect::Context;
use wasmaudit_platform::Platform;

/// The callbacks `cx` finds built, with the functions that build them.
fn built(cx: &Context<'_>) -> Vec<(String, String)> {
    built_callbacks(cx).iter().map(|b| (b.name.clone(), cx.module.func_name(b.func))).collect()
}

fn scheduled(case: &str, module: &str) -> Vec<(String, String)> {
    let (m, p) = common::compiled_program("near", case, module);
    built(&Context::new(&m, &p, Platform::Near))
}

#[test]
fn a_method_built_after_a_foreign_call_is_a_callback() {
    for module in ["vulnerable", "remediated"] {
        let (m, p) = common::compiled_program("near", "withdraw-ignores-result", module);
        let cx = Context::new(&m, &p, Platform::Near);
        let s = built(&cx);
        assert_eq!(s.len(), 1, "{module}: {s:?}");
        assert_eq!(s[0].0, "on_claim");
        assert!(s[0].1.contains("claim"), "{module}: {s:?}");
        let cbs = near_callbacks(&cx);
        let on_claim = cbs.iter().find(|c| c.name == "on_claim").expect("on_claim is a callback");
        assert!(on_claim.scheduled_at.is_some());
        // Only the remediated callback reads the promise result (`#[callback_result]`).
        assert_eq!(on_claim.reads_result, module == "remediated", "{module}");
    }
}

#[test]
fn a_method_the_contract_only_calls_on_itself_is_not_a_callback() {
    // Deploy, then `migrate` in the same batch: no foreign method is named where the call is built.
    for module in ["vulnerable", "remediated"] {
        let s = scheduled("self-upgrade", module);
        assert!(s.iter().all(|(n, _)| n != "migrate"), "{module}: {s:?}");
    }
}

#[test]
fn a_short_method_name_copied_inline_is_found_too() {
    // rustc inlines `"pay".to_string()`: the bytes are stored into the new buffer from loads of
    // the literal's address, and the frame String `{cap, ptr, len}` goes to the builder.
    for module in ["vulnerable", "remediated"] {
        let s = scheduled("withdraw-in-callback", module);
        assert_eq!(s.len(), 1, "{module}: {s:?}");
        assert_eq!(s[0].0, "on_withdraw");
        assert!(s[0].1.contains("withdraw"), "{module}: {s:?}");
    }
}
