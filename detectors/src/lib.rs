//! The detectors, one file each, and the registry listing them in id order.
//!
//! Adding a detector: write `src/<name>.rs` with its `META` declaration and `Detector` impl, add
//! it to [`registry`], and add `corpus/<name>/` with vulnerable and remediated examples. The
//! registry test in `tests/` fails until all of that exists.

mod deployment_compliance;
mod hardcoded_secret;
mod nondeterminism;
mod state_changing_query;
mod unprotected_terminate;
mod unprotected_upgrade;

use wasmaudit_detect::Detector;

/// All detectors, sorted by id.
pub fn registry() -> Vec<Box<dyn Detector>> {
    let mut all: Vec<Box<dyn Detector>> = vec![
        Box::new(unprotected_upgrade::UnprotectedUpgrade),
        Box::new(unprotected_terminate::UnprotectedTerminate),
        Box::new(hardcoded_secret::HardcodedSecret),
        Box::new(state_changing_query::StateChangingQuery),
        Box::new(deployment_compliance::DeploymentCompliance),
        Box::new(nondeterminism::Nondeterminism),
    ];
    all.sort_by_key(|d| d.meta().id);
    all
}

/// Looks a detector up by id (`WA101`) or name (`unprotected-upgrade`), case-insensitively.
pub fn find(key: &str) -> Option<Box<dyn Detector>> {
    registry()
        .into_iter()
        .find(|d| d.meta().id.eq_ignore_ascii_case(key) || d.meta().name.eq_ignore_ascii_case(key))
}
