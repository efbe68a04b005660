//! Platform models: detection of the contract platform a module targets, and a table per
//! platform mapping each host import to the effects it has.
//!
//! The tables are data (`models/*.json`, one file per platform) parsed once at first use.
//! Nothing here knows about wasmparser or the flow graphs: callers hand in import/export names.
//!
//! * [`detect`] scores every platform on the import/export/custom-section names of a module
//!   and returns the best one (or [`Platform::Unknown`]) with human-readable evidence.
//! * [`model`] returns the host-function table of a platform; [`PlatformModel::host_fn`]
//!   resolves an import `(module, name)` to its [`HostFn`] (effects, argument roles and, for
//!   dispatching host calls such as ChainMaker `sys_call`, the per-method effects).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

mod detect;

pub use detect::detect;

/// A contract platform (or `Unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    Eosio,
    Near,
    Cosmwasm,
    Ink,
    Soroban,
    Stylus,
    Multiversx,
    Chainmaker,
    FiscoLiquid,
    Xuperchain,
    Ewasm,
    Unknown,
}

impl Platform {
    pub const ALL: [Platform; 12] = [
        Platform::Eosio,
        Platform::Near,
        Platform::Cosmwasm,
        Platform::Ink,
        Platform::Soroban,
        Platform::Stylus,
        Platform::Multiversx,
        Platform::Chainmaker,
        Platform::FiscoLiquid,
        Platform::Xuperchain,
        Platform::Ewasm,
        Platform::Unknown,
    ];

    /// Stable lower-case id used in JSON/SARIF output and model file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Eosio => "eosio",
            Platform::Near => "near",
            Platform::Cosmwasm => "cosmwasm",
            Platform::Ink => "ink",
            Platform::Soroban => "soroban",
            Platform::Stylus => "stylus",
            Platform::Multiversx => "multiversx",
            Platform::Chainmaker => "chainmaker",
            Platform::FiscoLiquid => "fisco-liquid",
            Platform::Xuperchain => "xuperchain",
            Platform::Ewasm => "ewasm",
            Platform::Unknown => "unknown",
        }
    }

    pub fn from_name(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What a host call does, as far as security analysis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Checks that an account/address authorized the call (traps or returns a flag).
    AuthCheck,
    /// Yields the identity of the immediate caller.
    CallerId,
    /// Yields the identity of the transaction origin/signer.
    OriginId,
    /// Yields the identity of the executing contract.
    SelfId,
    StorageRead,
    StorageWrite,
    /// Calls, instantiates or notifies another contract/account.
    ExternalCall,
    /// Replaces contract code (own or owned).
    CodeUpgrade,
    /// Deletes the contract/account.
    Terminate,
    SignatureVerify,
    /// Reads block/ledger/chain state (time, height, producers, ...).
    BlockInfo,
    Randomness,
    ValueTransfer,
    Log,
    /// Reads the call arguments.
    Input,
    /// Sets the call's return data.
    Output,
    /// Adds or removes access keys.
    KeyManagement,
    /// Traps/reverts the execution.
    Abort,
    /// Reads the result of an earlier external call.
    CallResult,
    /// Hashing and other cryptographic primitives.
    Crypto,
    /// Reads the value (deposit/payment) attached to the current call.
    CallValue,
    /// Privileged system operation (producer schedule, resource limits, chain parameters).
    Privileged,
}

impl Effect {
    pub const ALL: [Effect; 22] = [
        Effect::AuthCheck,
        Effect::CallerId,
        Effect::OriginId,
        Effect::SelfId,
        Effect::StorageRead,
        Effect::StorageWrite,
        Effect::ExternalCall,
        Effect::CodeUpgrade,
        Effect::Terminate,
        Effect::SignatureVerify,
        Effect::BlockInfo,
        Effect::Randomness,
        Effect::ValueTransfer,
        Effect::Log,
        Effect::Input,
        Effect::Output,
        Effect::KeyManagement,
        Effect::Abort,
        Effect::CallResult,
        Effect::Crypto,
        Effect::CallValue,
        Effect::Privileged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Effect::AuthCheck => "auth-check",
            Effect::CallerId => "caller-id",
            Effect::OriginId => "origin-id",
            Effect::SelfId => "self-id",
            Effect::StorageRead => "storage-read",
            Effect::StorageWrite => "storage-write",
            Effect::ExternalCall => "external-call",
            Effect::CodeUpgrade => "code-upgrade",
            Effect::Terminate => "terminate",
            Effect::SignatureVerify => "signature-verify",
            Effect::BlockInfo => "block-info",
            Effect::Randomness => "randomness",
            Effect::ValueTransfer => "value-transfer",
            Effect::Log => "log",
            Effect::Input => "input",
            Effect::Output => "output",
            Effect::KeyManagement => "key-management",
            Effect::Abort => "abort",
            Effect::CallResult => "call-result",
            Effect::Crypto => "crypto",
            Effect::CallValue => "call-value",
            Effect::Privileged => "privileged",
        }
    }

    pub fn from_name(s: &str) -> Option<Effect> {
        Effect::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names a module exposes, as far as platform detection needs them.
#[derive(Debug, Clone, Default)]
pub struct Surface<'a> {
    /// (module, field) of every imported function.
    pub imports: Vec<(&'a str, &'a str)>,
    /// Names of all exports.
    pub exports: Vec<&'a str>,
    /// Names of custom sections.
    pub custom_sections: Vec<&'a str>,
}

/// Result of [`detect`].
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub platform: Platform,
    /// Short human strings such as `"import seal0.seal_call"`, strongest first.
    pub evidence: Vec<String>,
}

/// How a dispatching host function receives the method name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameEncoding {
    /// `name_ptr_arg`/`name_len_arg` point at the UTF-8 method name itself.
    #[default]
    Utf8,
    /// `name_ptr_arg`/`name_len_arg` point at a ChainMaker EasyCodec-serialized request header
    /// whose `"method"` key holds the method name.
    EasycodecHeader,
}

/// A host function that dispatches on a method-name string (ChainMaker `sys_call`,
/// XuperChain `call_method`): the effects depend on the name.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodDispatch {
    /// Parameter index of the pointer to the method name (or to the header holding it).
    pub name_ptr_arg: u32,
    /// Parameter index of its length, if passed.
    #[serde(default)]
    pub name_len_arg: Option<u32>,
    #[serde(default)]
    pub encoding: NameEncoding,
    /// Method name -> effects.
    pub table: BTreeMap<String, Vec<Effect>>,
}

impl MethodDispatch {
    /// Effects of `method`; empty when the method is not in the table.
    pub fn effects_of(&self, method: &str) -> &[Effect] {
        self.table.get(method).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn default_weight() -> f64 {
    1.0
}

/// What a host call does when the operation it performs fails (a transfer is refused, a callee
/// fails, a signature does not verify), as read in the VM's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    /// The VM stops the execution (the transaction fails); the call never returns an error, so
    /// a result the contract ignores is not an unhandled failure.
    Traps,
    /// The call returns a status, verdict or error code that the contract must check.
    ReturnsStatus,
}

impl OnFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::Traps => "traps",
            OnFailure::ReturnsStatus => "returns-status",
        }
    }
}

impl fmt::Display for OnFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One host function of a platform.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostFn {
    /// Import module, e.g. `env`, `seal0`, `x`.
    pub module: String,
    /// Import field name, e.g. `require_auth`, `seal_call`, `_`.
    pub name: String,
    /// The platform's own name of the function when the import name is a short code
    /// (Soroban: `x._` is `log_from_linear_memory`).
    #[serde(default)]
    pub function: Option<String>,
    pub effects: Vec<Effect>,
    /// Role -> parameter index, e.g. `{"account": 0}` for EOSIO `require_auth`.
    #[serde(default)]
    pub args: BTreeMap<String, u32>,
    /// Per-method effects for host functions that dispatch on a method name.
    #[serde(default)]
    pub methods: Option<MethodDispatch>,
    /// Detection weight multiplier (0 for names too generic to identify a platform).
    #[serde(default = "default_weight")]
    weight: f64,
    /// What the VM does when the call's operation fails; `None` when not modelled.
    #[serde(default)]
    on_failure: Option<OnFailure>,
    /// A storage write that only creates an entry: the VM rejects it when the key already
    /// exists (EOSIO `db_store_i64` and the secondary-index stores), so it cannot change a row
    /// someone else owns.
    #[serde(default)]
    create_only: bool,
    /// A constructor of a host value from linear memory (Soroban `vec_new_from_linear_memory`,
    /// `symbol_new_from_linear_memory`, ...): the call returns a new value whose contents are
    /// the memory its position and length arguments name (roles `vals_pos`/`keys_pos`/`lm_pos`
    /// and `len`). Two calls over the same contents build equal values.
    #[serde(default)]
    builds: Option<Builds>,
    /// An operation on a host-held byte buffer addressed by an i32 handle (MultiversX managed
    /// buffers, [`BufferOp`]): how a contract builds a storage key from constant bytes.
    #[serde(default)]
    buffer: Option<BufferOp>,
    /// The call's outcome is delivered later to the contract's continuation export (MultiversX
    /// legacy async calls: the VM runs `callBack` with the result when the call returns).
    #[serde(default)]
    callback: bool,
    /// The status codes a verification returns for a valid and for an invalid signature (other
    /// codes are errors), read in the VM's source (CosmWasm `*_verify`: 0 and 1).
    #[serde(default)]
    verdict: Option<VerdictCodes>,
}

/// Status codes of a verification host call ([`HostFn::verdict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictCodes {
    pub valid: i64,
    pub invalid: i64,
}

/// An operation on a host-held byte buffer named by a handle ([`HostFn::buffer`]); the
/// positions of its parameters follow mx-chain-vm-go's `managedei`/`manBufOps` signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BufferOp {
    /// `() -> handle`: a new empty buffer.
    New,
    /// `(ptr, len) -> handle`: a new buffer holding `len` bytes of linear memory at `ptr`.
    NewFromBytes,
    /// `(handle, ptr, len)`: the buffer now holds `len` bytes at `ptr`.
    SetBytes,
    /// `(handle, ptr, len)`: `len` bytes at `ptr` appended to the buffer.
    AppendBytes,
    /// `(handle, source)`: the contents of buffer `source` appended to buffer `handle`.
    Append,
    /// `(handle) -> length`: the buffer's length, changing nothing.
    Length,
    /// `(handle, ptr)`: the buffer's bytes copied to linear memory at `ptr`.
    GetBytes,
    /// `(handle, start, len, ptr)`: `len` bytes of the buffer from `start` copied to linear
    /// memory at `ptr`.
    GetByteSlice,
}

impl BufferOp {
    /// The positions of the source handle and the destination pointer of an operation that copies
    /// a buffer's bytes into linear memory.
    pub fn copies_to_memory(self) -> Option<(u32, u32)> {
        match self {
            BufferOp::GetBytes => Some((0, 1)),
            BufferOp::GetByteSlice => Some((0, 3)),
            _ => None,
        }
    }
}

/// The kind of host value a constructor builds ([`HostFn::builds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Builds {
    /// A vector of `len` 8-byte values at `vals_pos`.
    Vec,
    /// A map of `len` keys (symbols as `{ptr: u32, len: u32}` slices at `keys_pos`) to 8-byte
    /// values at `vals_pos`.
    Map,
    /// A symbol of `len` bytes at `lm_pos`.
    Symbol,
    /// A byte string of `len` bytes at `lm_pos`.
    Bytes,
    /// A string of `len` bytes at `lm_pos`.
    String,
    /// A host-held byte buffer the [`BufferOp`]s fill (never a `builds` constructor of a model):
    /// constant bytes, and `Any` parts for appended contents that are not constant.
    Buffer,
}

impl Builds {
    pub fn as_str(self) -> &'static str {
        match self {
            Builds::Vec => "vec",
            Builds::Map => "map",
            Builds::Symbol => "symbol",
            Builds::Bytes => "bytes",
            Builds::String => "string",
            Builds::Buffer => "buffer",
        }
    }
}

impl HostFn {
    pub fn has(&self, e: Effect) -> bool {
        self.effects.contains(&e)
    }

    /// Parameter index of the argument playing `role`, if modelled.
    pub fn arg(&self, role: &str) -> Option<u32> {
        self.args.get(role).copied()
    }

    /// What the VM does when the call's operation fails (`None`: not modelled).
    pub fn on_failure(&self) -> Option<OnFailure> {
        self.on_failure
    }

    /// Whether a failure of the call stops the execution instead of being returned.
    /// The status codes of a valid and an invalid signature, when modelled.
    pub fn verdict(&self) -> Option<VerdictCodes> {
        self.verdict
    }

    pub fn traps_on_failure(&self) -> bool {
        self.on_failure == Some(OnFailure::Traps)
    }

    /// Whether the call is a storage write that only creates new entries (see the model field).
    pub fn create_only(&self) -> bool {
        self.create_only
    }

    /// The kind of value the call builds from linear memory, when it is such a constructor.
    pub fn builds(&self) -> Option<Builds> {
        self.builds
    }

    /// Whether the call's outcome comes back to the contract's continuation export.
    pub fn calls_back(&self) -> bool {
        self.callback
    }

    /// The buffer operation the call performs, when it is one (see the model field).
    pub fn buffer(&self) -> Option<BufferOp> {
        self.buffer
    }

    /// The descriptive name: `function` when present, else the import name.
    pub fn display_name(&self) -> &str {
        self.function.as_deref().unwrap_or(&self.name)
    }

    /// All effects this host function can have, including those of every dispatched method.
    pub fn possible_effects(&self) -> BTreeSet<Effect> {
        let mut all: BTreeSet<Effect> = self.effects.iter().copied().collect();
        if let Some(m) = &self.methods {
            for effects in m.table.values() {
                all.extend(effects.iter().copied());
            }
        }
        all
    }

    pub(crate) fn detection_weight(&self) -> f64 {
        self.weight
    }
}

/// Detection markers of a platform (beyond its host-function table).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Markers {
    /// Import module name -> weight (counted once per module).
    #[serde(default)]
    pub(crate) import_modules: BTreeMap<String, f64>,
    /// Extra (module, name) import markers that are not host functions.
    #[serde(default)]
    pub(crate) imports: Vec<ImportMarker>,
    /// Export name pattern (a trailing `*` matches any suffix) -> weight, counted once per pattern.
    #[serde(default)]
    pub(crate) exports: BTreeMap<String, f64>,
    /// Custom section name pattern -> weight, counted once per pattern.
    #[serde(default)]
    pub(crate) custom_sections: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportMarker {
    pub(crate) module: String,
    pub(crate) name: String,
    pub(crate) weight: f64,
}

/// Alternative spellings the platform runtime accepts for the same host function.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Aliases {
    /// Name prefixes that may be present or absent (`seal_` for ink!, `_` for emscripten).
    #[serde(default)]
    optional_name_prefixes: Vec<String>,
    /// Versioned module family: `seal` means `seal0`, `seal1`, ... share names, and a lookup
    /// in `sealN` falls back to the nearest lower version, then higher ones.
    #[serde(default)]
    module_family: Option<String>,
}

/// A post-MVP WebAssembly feature that a contract VM may reject when code is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WasmFeature {
    SignExtension,
    SaturatingFloatToInt,
    BulkMemory,
    ReferenceTypes,
    Simd,
    Threads,
    TailCall,
    Exceptions,
    MultiValue,
    MultiMemory,
    Memory64,
}

impl WasmFeature {
    pub const ALL: [WasmFeature; 11] = [
        WasmFeature::SignExtension,
        WasmFeature::SaturatingFloatToInt,
        WasmFeature::BulkMemory,
        WasmFeature::ReferenceTypes,
        WasmFeature::Simd,
        WasmFeature::Threads,
        WasmFeature::TailCall,
        WasmFeature::Exceptions,
        WasmFeature::MultiValue,
        WasmFeature::MultiMemory,
        WasmFeature::Memory64,
    ];

    /// The proposal's usual (kebab-case) name.
    pub fn as_str(self) -> &'static str {
        match self {
            WasmFeature::SignExtension => "sign-extension",
            WasmFeature::SaturatingFloatToInt => "saturating-float-to-int",
            WasmFeature::BulkMemory => "bulk-memory",
            WasmFeature::ReferenceTypes => "reference-types",
            WasmFeature::Simd => "simd",
            WasmFeature::Threads => "threads",
            WasmFeature::TailCall => "tail-call",
            WasmFeature::Exceptions => "exceptions",
            WasmFeature::MultiValue => "multi-value",
            WasmFeature::MultiMemory => "multi-memory",
            WasmFeature::Memory64 => "memory64",
        }
    }
}

impl fmt::Display for WasmFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the current VM release does with floating-point instructions and types: a question
/// of determinism (the `nondeterminism` detector). Whether an older release rejected them is a
/// question of deployment ([`DeployRules::floats_accepted_since`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FloatPolicy {
    /// Accepted and deterministic (software floats, canonical NaNs), or not known to be rejected.
    #[default]
    Allowed,
    /// Code using floats is rejected at upload (or only runs outside consensus).
    Rejected,
}

/// Where a contract's linear memory must come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemoryRule {
    /// No rule is known.
    #[default]
    Any,
    /// Exactly one memory, defined by the module (not imported).
    Defined,
    /// Exactly one memory, imported as `env.memory` (no memory section).
    Imported,
}

/// The export-name marker that states which VM interface a module was built for (CosmWasm
/// `interface_version_8`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceMarker {
    /// Prefix of the marker export, e.g. `interface_version_`.
    pub prefix: String,
    /// Marker exports current VMs accept.
    pub supported: Vec<String>,
    /// Prefixes of markers older VMs used (`cosmwasm_vm_version_`), reported as obsolete.
    #[serde(default)]
    pub legacy_prefixes: Vec<String>,
}

/// The checks a platform's VM makes when code is uploaded or instantiated, as data. Every field
/// defaults to "no rule known", so a platform without a `deploy` object gets no deployment
/// findings.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployRules {
    /// Public material the rules were written from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// The host table lists every function the VM links: any other imported function is
    /// rejected at upload or instantiation.
    #[serde(default)]
    pub imports_closed: bool,
    /// Memory, table, global and tag imports are rejected, except the ones named here
    /// (`module.name`, e.g. `env.memory`).
    #[serde(default)]
    pub forbid_non_function_imports: bool,
    #[serde(default)]
    pub allowed_non_function_imports: Vec<String>,
    /// Groups of alternative names: at least one name of each group must be an exported
    /// function (`[["allocate"], ["instantiate", "init"]]`).
    #[serde(default)]
    pub required_export_groups: Vec<Vec<String>>,
    /// Exactly one exported function must carry this marker.
    #[serde(default)]
    pub interface_marker: Option<InterfaceMarker>,
    /// When not empty, the only exports allowed (ink!: `call`, `deploy`).
    #[serde(default)]
    pub only_exports: Vec<String>,
    /// At least one function must be exported (NEAR: every method is an export).
    #[serde(default)]
    pub require_function_export: bool,
    /// Custom sections the VM requires at upload (Soroban `contractenvmetav0`).
    #[serde(default)]
    pub required_custom_sections: Vec<String>,
    /// Custom sections clients and tooling need although the VM does not check them
    /// (Soroban `contractspecv0`).
    #[serde(default)]
    pub expected_custom_sections: Vec<String>,
    #[serde(default)]
    pub memory: MemoryRule,
    /// The memory must not declare a maximum (CosmWasm: the host sets it).
    #[serde(default)]
    pub memory_maximum_forbidden: bool,
    /// Largest initial memory size accepted, in 64 KiB pages.
    #[serde(default)]
    pub max_initial_memory_pages: Option<u64>,
    /// Tables must declare a maximum of at most this many elements.
    #[serde(default)]
    pub max_table_elements: Option<u64>,
    /// At most this many imports (of any kind).
    #[serde(default)]
    pub max_imports: Option<u64>,
    /// Function types may have at most this many results.
    #[serde(default)]
    pub max_function_results: Option<u64>,
    /// A start function is rejected.
    #[serde(default)]
    pub start_function_forbidden: bool,
    /// Post-MVP features the VM rejects.
    #[serde(default)]
    pub rejected_features: Vec<WasmFeature>,
    /// Rejected features that a later VM release accepts, with that release (for messages):
    /// the module deploys on chains that run it, so the rejection is a compatibility note.
    #[serde(default)]
    pub features_accepted_since: std::collections::BTreeMap<WasmFeature, String>,
    /// Imports (`module.name`) outside the VM's own host interface that some chains of the
    /// platform add, with those chains (for messages): a compatibility note, not a rejection.
    #[serde(default)]
    pub extension_imports: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub floats: FloatPolicy,
    /// Export patterns (trailing `*` matches any suffix) that declare the module needs a VM
    /// recent enough to run floats deterministically, so no older VM that rejects them accepts
    /// the module (CosmWasm `requires_cosmwasm_2_*`: floats are accepted since cosmwasm-vm 1.5).
    #[serde(default)]
    pub floats_allowed_with_exports: Vec<String>,
    /// One sentence on why floats are rejected (by the VM, or by its releases before
    /// [`Self::floats_accepted_since`]), for messages.
    #[serde(default)]
    pub float_note: String,
    /// With [`FloatPolicy::Allowed`]: the VM release since which floats are accepted and run
    /// deterministically (CosmWasm: cosmwasm-vm 1.5.0 canonicalizes NaNs), older releases
    /// rejecting code that uses them at upload. Float code is then deterministic where it runs
    /// and, unless an export in [`Self::floats_allowed_with_exports`] keeps it off older chains,
    /// a low-impact deployment compatibility note.
    #[serde(default)]
    pub floats_accepted_since: Option<String>,
}

impl DeployRules {
    /// Whether `feature` is rejected by the VM.
    pub fn rejects(&self, feature: WasmFeature) -> bool {
        self.rejected_features.contains(&feature)
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    platform: String,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    markers: Markers,
    #[serde(default)]
    aliases: Aliases,
    #[serde(default)]
    required_exports: Vec<String>,
    #[serde(default)]
    view_exports: Vec<String>,
    #[serde(default)]
    view_allowed_imports: Vec<String>,
    #[serde(default)]
    state_write_back_keys: Vec<String>,
    #[serde(default)]
    deploy: DeployRules,
    #[serde(default)]
    randomness_service: bool,
    host: Vec<HostFn>,
}

/// The host-function table and entry-point conventions of one platform.
#[derive(Debug, Clone)]
pub struct PlatformModel {
    pub platform: Platform,
    /// Exports the platform requires (entry points, allocator hooks).
    pub required_exports: Vec<String>,
    /// Exports the platform runs read-only (query entry points) or that the platform's
    /// standards define as views; a trailing `*` matches any suffix.
    pub view_exports: Vec<String>,
    /// Host imports (`module.name`) a read-only entry point may call although their effects
    /// include `external-call`, because they are read-only themselves (CosmWasm `query_chain`).
    pub view_allowed_imports: Vec<String>,
    /// Storage keys under which the SDK keeps the whole contract state and writes it back at the
    /// end of every method that may change it (near-sdk `STATE`, written after each `&mut self`
    /// method and never after a `&self` one): an entry point that reads such a key and writes
    /// none is a read-only method by the SDK's own convention.
    pub state_write_back_keys: Vec<String>,
    /// What the VM checks at upload (required exports, allowed imports, features, floats).
    pub deploy: DeployRules,
    /// The `randomness` host calls are a randomness service meant for contracts (output
    /// unknown to users before the block is produced), not data as predictable as block data.
    pub randomness_service: bool,
    pub host: Vec<HostFn>,
    sources: Vec<String>,
    notes: Vec<String>,
    pub(crate) markers: Markers,
    aliases: Aliases,
    /// module -> name -> index into `host`.
    index: HashMap<String, HashMap<String, usize>>,
    /// Modules of `aliases.module_family`, with their version number.
    family_modules: Vec<(u32, String)>,
}

impl PlatformModel {
    /// Whether export `name` is a read-only entry point ([`PlatformModel::view_exports`]).
    pub fn is_view_export(&self, name: &str) -> bool {
        self.view_exports.iter().any(|v| match v.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => v == name,
        })
    }

    fn from_raw(raw: RawModel) -> Result<PlatformModel, String> {
        let platform = Platform::from_name(&raw.platform)
            .filter(|p| *p != Platform::Unknown)
            .ok_or_else(|| format!("unknown platform {:?}", raw.platform))?;
        let mut index: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for (i, h) in raw.host.iter().enumerate() {
            let previous = index.entry(h.module.clone()).or_default().insert(h.name.clone(), i);
            if previous.is_some() {
                return Err(format!("duplicate host function {}.{}", h.module, h.name));
            }
        }
        let mut family_modules: Vec<(u32, String)> = match &raw.aliases.module_family {
            Some(family) => {
                index.keys().filter_map(|m| family_version(m, family).map(|v| (v, m.clone()))).collect()
            }
            None => Vec::new(),
        };
        family_modules.sort();
        Ok(PlatformModel {
            platform,
            required_exports: raw.required_exports,
            view_exports: raw.view_exports,
            view_allowed_imports: raw.view_allowed_imports,
            state_write_back_keys: raw.state_write_back_keys,
            deploy: raw.deploy,
            randomness_service: raw.randomness_service,
            host: raw.host,
            sources: raw.sources,
            notes: raw.notes,
            markers: raw.markers,
            aliases: raw.aliases,
            index,
            family_modules,
        })
    }

    /// Public sources the table was written from.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Caveats about the platform's calling conventions.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn exact(&self, module: &str, name: &str) -> Option<&HostFn> {
        let i = *self.index.get(module)?.get(name)?;
        self.host.get(i)
    }

    /// Resolves an import to its host function: exact match first, then the platform's alias
    /// rules (ink!: `seal_` prefix optional and any `sealN` module; emscripten: leading `_`).
    pub fn host_fn(&self, module: &str, name: &str) -> Option<&HostFn> {
        if let Some(h) = self.exact(module, name) {
            return Some(h);
        }
        let mut names = vec![name.to_string()];
        names.extend(self.alternative_names(name));
        let mut modules = self.alternative_modules(module);
        if modules.is_empty() {
            modules.push(module.to_string());
        }
        modules.iter().flat_map(|m| names.iter().map(move |n| (m, n))).find_map(|(m, n)| self.exact(m, n))
    }

    /// `name` with each optional prefix removed or added (not `name` itself).
    fn alternative_names(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for prefix in &self.aliases.optional_name_prefixes {
            if prefix.is_empty() {
                continue;
            }
            match name.strip_prefix(prefix.as_str()) {
                Some(rest) if !rest.is_empty() => out.push(rest.to_string()),
                _ => out.push(format!("{prefix}{name}")),
            }
        }
        out
    }

    /// Modules to try for `module`: itself, then the other modules of its family, nearest
    /// lower version first, then higher versions. Empty when `module` is not in a family.
    fn alternative_modules(&self, module: &str) -> Vec<String> {
        let Some(family) = &self.aliases.module_family else {
            return Vec::new();
        };
        let Some(version) = family_version(module, family) else {
            return Vec::new();
        };
        let lower = self.family_modules.iter().rev().filter(|(v, _)| *v < version);
        let higher = self.family_modules.iter().filter(|(v, _)| *v > version);
        std::iter::once(module.to_string()).chain(lower.chain(higher).map(|(_, m)| m.clone())).collect()
    }
}

/// `Some(N)` when `module` is `{family}N`.
fn family_version(module: &str, family: &str) -> Option<u32> {
    let digits = module.strip_prefix(family)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

const MODEL_SOURCES: [(Platform, &str); 11] = [
    (Platform::Eosio, include_str!("../models/eosio.json")),
    (Platform::Near, include_str!("../models/near.json")),
    (Platform::Cosmwasm, include_str!("../models/cosmwasm.json")),
    (Platform::Ink, include_str!("../models/ink.json")),
    (Platform::Soroban, include_str!("../models/soroban.json")),
    (Platform::Stylus, include_str!("../models/stylus.json")),
    (Platform::Multiversx, include_str!("../models/multiversx.json")),
    (Platform::Chainmaker, include_str!("../models/chainmaker.json")),
    (Platform::FiscoLiquid, include_str!("../models/fisco-liquid.json")),
    (Platform::Xuperchain, include_str!("../models/xuperchain.json")),
    (Platform::Ewasm, include_str!("../models/ewasm.json")),
];

fn parse_model(expected: Platform, json: &str) -> Result<PlatformModel, String> {
    let raw: RawModel = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let model = PlatformModel::from_raw(raw)?;
    if model.platform != expected {
        return Err(format!("model file for {expected} declares platform {}", model.platform));
    }
    Ok(model)
}

fn models() -> &'static [PlatformModel] {
    static MODELS: OnceLock<Vec<PlatformModel>> = OnceLock::new();
    MODELS.get_or_init(|| {
        MODEL_SOURCES
            .iter()
            .map(|(p, json)| {
                // The unit tests parse every embedded model and report the exact error.
                parse_model(*p, json).expect("embedded platform model is valid")
            })
            .collect()
    })
}

/// The model of `p`; `None` for [`Platform::Unknown`].
pub fn model(p: Platform) -> Option<&'static PlatformModel> {
    models().iter().find(|m| m.platform == p)
}

/// All platform models, in [`Platform::ALL`] order.
pub fn all_models() -> &'static [PlatformModel] {
    models()
}

#[cfg(test)]
mod tests;
