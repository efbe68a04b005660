//! CosmWasm floats (../shared/corpus, skipped when absent): cosmwasm-vm 1.5.0 and later accept
//! float operators and canonicalize NaNs (CosmWasm CHANGELOG 1.5.0, #1864), so float code in a
//! CosmWasm contract is not nondeterminism; that releases before 1.5.0 reject it at upload is a
//! deployment question, a low-impact `deployment-compliance` note at the first float
//! instruction. `burner` has floats only in serde_json's number parser; `floaty` is the VM's
//! float test contract.

mod common;

use wasmaudit_detect::Impact;

#[test]
fn floats_on_a_nan_canonicalizing_vm_are_a_deployment_note_not_nondeterminism() {
    for rel in ["cosmwasm/cosmwasm/burner.wasm", "cosmwasm/cosmwasm/floaty_0.16.wasm"] {
        let Some(report) = common::scan_shared(rel) else { return };
        let nondeterminism: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.detector.name == "nondeterminism")
            .map(|f| f.message.as_str())
            .collect();
        assert!(nondeterminism.is_empty(), "{rel}: {nondeterminism:?}");
        let notes: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.detector.name == "deployment-compliance" && f.message.contains("floating point"))
            .collect();
        assert_eq!(notes.len(), 1, "{rel}: one float compatibility note expected");
        assert_eq!(notes[0].impact, Impact::Low, "{rel}");
        assert!(notes[0].message.contains("cosmwasm-vm 1.5.0"), "{}", notes[0].message);
    }
}
