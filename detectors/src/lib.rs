//! The detectors, one file each, and the registry listing them in id order.
//!
//! Adding a detector: write `src/<name>.rs` with its `META` declaration and `Detector` impl, add
//! it to [`registry`], and add `corpus/<name>/` with vulnerable and remediated examples. The
//! registry test in `tests/` fails until all of that exists.

mod deployment_compliance;
mod fake_eos_transfer;
mod fake_notification;
mod freeze_bypass;
mod hardcoded_secret;
mod missing_authorization;
mod nondeterminism;
mod origin_authorization;
mod reentrancy;
mod resource_exhaustion;
mod rollback;
mod secret_leak;
mod state_changing_query;
mod unchecked_arithmetic;
mod unchecked_signature;
mod unhandled_call_result;
mod unprotected_callback;
mod unprotected_key_management;
mod unprotected_terminate;
mod unprotected_upgrade;
mod upgrade_without_migration_check;
mod weak_randomness;

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
        Box::new(reentrancy::Reentrancy),
        Box::new(freeze_bypass::FreezeBypass),
        Box::new(upgrade_without_migration_check::UpgradeWithoutMigrationCheck),
        Box::new(unchecked_arithmetic::UncheckedArithmetic),
        Box::new(fake_eos_transfer::FakeEosTransfer),
        Box::new(fake_notification::FakeNotification),
        Box::new(rollback::Rollback),
        Box::new(weak_randomness::WeakRandomness),
        Box::new(missing_authorization::MissingAuthorization),
        Box::new(origin_authorization::OriginAuthorization),
        Box::new(unprotected_callback::UnprotectedCallback),
        Box::new(unchecked_signature::UncheckedSignature),
        Box::new(secret_leak::SecretLeak),
        Box::new(unprotected_key_management::UnprotectedKeyManagement),
        Box::new(unhandled_call_result::UnhandledCallResult),
        Box::new(resource_exhaustion::ResourceExhaustion),
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
