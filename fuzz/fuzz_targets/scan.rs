//! Bytes → the whole analysis (`wasmaudit_engine::scan_bytes` with every detector): any input
//! gives an ok or error report. The engine catches panics and turns them into "internal error"
//! reports, so the target fails on those explicitly (libfuzzer-sys's panic hook also aborts on
//! the panic itself). The engine's per-file time limit is off: libFuzzer's `-timeout` must see
//! a slow input, not an abandoned thread.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use wasmaudit_engine::{scan_bytes, ScanOptions, Status};

fuzz_target!(|data: &[u8]| {
    static DETECTORS: OnceLock<Vec<Box<dyn wasmaudit_detect::Detector>>> = OnceLock::new();
    let detectors = DETECTORS.get_or_init(wasmaudit_detectors::registry);
    let opts = ScanOptions { jobs: Some(1), timeout_per_file: None, ..ScanOptions::default() };
    let report = scan_bytes("fuzz.wasm", data, &opts, detectors);
    if report.status == Status::Error {
        let msg = report.error.unwrap_or_default();
        assert!(!msg.starts_with("internal error"), "analysis panicked: {msg}");
    }
});
