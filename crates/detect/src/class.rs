use std::fmt;

/// The fixed vulnerability classes of `shared/TAXONOMY.md`. The strings are a contract with
/// tests, benchmarks and evaluations that count findings by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Reentrancy,
    UnprotectedUpgrade,
    UpgradeWithoutMigrationCheck,
    UnprotectedTerminate,
    FreezeBypass,
    MissingAuthorization,
    OriginAuthorization,
    UnprotectedCallback,
    UnhandledCallResult,
    UncheckedSignature,
    HardcodedSecret,
    SecretLeak,
    UnprotectedKeyManagement,
    WeakRandomness,
    Rollback,
    FakeEosTransfer,
    FakeNotification,
    UncheckedArithmetic,
    StateChangingQuery,
    Nondeterminism,
    DeploymentCompliance,
    ResourceExhaustion,
}

impl Class {
    pub const ALL: [Class; 22] = [
        Class::Reentrancy,
        Class::UnprotectedUpgrade,
        Class::UpgradeWithoutMigrationCheck,
        Class::UnprotectedTerminate,
        Class::FreezeBypass,
        Class::MissingAuthorization,
        Class::OriginAuthorization,
        Class::UnprotectedCallback,
        Class::UnhandledCallResult,
        Class::UncheckedSignature,
        Class::HardcodedSecret,
        Class::SecretLeak,
        Class::UnprotectedKeyManagement,
        Class::WeakRandomness,
        Class::Rollback,
        Class::FakeEosTransfer,
        Class::FakeNotification,
        Class::UncheckedArithmetic,
        Class::StateChangingQuery,
        Class::Nondeterminism,
        Class::DeploymentCompliance,
        Class::ResourceExhaustion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Reentrancy => "reentrancy",
            Class::UnprotectedUpgrade => "unprotected-upgrade",
            Class::UpgradeWithoutMigrationCheck => "upgrade-without-migration-check",
            Class::UnprotectedTerminate => "unprotected-terminate",
            Class::FreezeBypass => "freeze-bypass",
            Class::MissingAuthorization => "missing-authorization",
            Class::OriginAuthorization => "origin-authorization",
            Class::UnprotectedCallback => "unprotected-callback",
            Class::UnhandledCallResult => "unhandled-call-result",
            Class::UncheckedSignature => "unchecked-signature",
            Class::HardcodedSecret => "hardcoded-secret",
            Class::SecretLeak => "secret-leak",
            Class::UnprotectedKeyManagement => "unprotected-key-management",
            Class::WeakRandomness => "weak-randomness",
            Class::Rollback => "rollback",
            Class::FakeEosTransfer => "fake-eos-transfer",
            Class::FakeNotification => "fake-notification",
            Class::UncheckedArithmetic => "unchecked-arithmetic",
            Class::StateChangingQuery => "state-changing-query",
            Class::Nondeterminism => "nondeterminism",
            Class::DeploymentCompliance => "deployment-compliance",
            Class::ResourceExhaustion => "resource-exhaustion",
        }
    }

    /// The requirement of China's blockchain standard system guide the class serves.
    pub fn standard(self) -> &'static str {
        match self {
            Class::Reentrancy
            | Class::UnhandledCallResult
            | Class::UncheckedArithmetic
            | Class::ResourceExhaustion => "EB smart-contract security",
            Class::UnprotectedUpgrade => "BB-SC upgrade; EB compile/deploy",
            Class::UpgradeWithoutMigrationCheck => "BB-SC upgrade, iterate",
            Class::UnprotectedTerminate => "BB-SC freeze/revoke",
            Class::FreezeBypass => "BB-SC freeze",
            Class::MissingAuthorization => "EA access control; EB data on-chain",
            Class::OriginAuthorization => "EA identity",
            Class::UnprotectedCallback => "EA access control",
            Class::UncheckedSignature => "EB key management; EC cryptography",
            Class::HardcodedSecret | Class::UnprotectedKeyManagement => "EB key management",
            Class::SecretLeak => "EB key management; EC privacy",
            Class::WeakRandomness => "EB consensus; EC cryptography",
            Class::Rollback => "EB consensus",
            Class::FakeEosTransfer | Class::FakeNotification => "EA asset management",
            Class::StateChangingQuery => "EB data query",
            Class::Nondeterminism => "EB consensus; BB-SC deploy",
            Class::DeploymentCompliance => "BB-SC build/deploy",
        }
    }

    pub fn from_name(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
