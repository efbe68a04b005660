//! Structure-aware: libFuzzer's bytes drive wasm-smith into a valid module, which goes through
//! the whole analysis. Random bytes mostly stop at validation; these reach the flow graphs, the
//! data flow and the detectors. A valid module must scan ok: an error report is a finding too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use wasmaudit_engine::{scan_bytes, ScanOptions, Status};

fuzz_target!(|module: wasm_smith::Module| {
    static DETECTORS: OnceLock<Vec<Box<dyn wasmaudit_detect::Detector>>> = OnceLock::new();
    let detectors = DETECTORS.get_or_init(wasmaudit_detectors::registry);
    let opts = ScanOptions { jobs: Some(1), timeout_per_file: None, ..ScanOptions::default() };
    let bytes = module.to_bytes();
    let report = scan_bytes("smith.wasm", &bytes, &opts, detectors);
    assert!(report.status == Status::Ok, "valid module not analyzed: {:?}", report.error);
});
