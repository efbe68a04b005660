use std::collections::BTreeMap;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_front::{ImportKind, Module, Op, OtherClass, UnOp};
use wasmaudit_platform::{DeployRules, FloatPolicy, MemoryRule, PlatformModel, WasmFeature};

pub struct DeploymentCompliance;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA701",
    name: "deployment-compliance",
    class: Class::DeploymentCompliance,
    impact: Impact::Medium,
    confidence: Confidence::High,
    summary: "The platform's VM would reject the module at upload, or it could never be called: \
        missing entry points, unknown imports, unsupported Wasm features, forbidden sections",
    docs: Docs {
        what_it_does: "Checks the module against what the detected platform's VM verifies when code \
            is uploaded, as recorded in the platform model (`deploy` rules, written from each VM's \
            source): required exports (CosmWasm `allocate`, `deallocate`, `instantiate` and exactly \
            one supported `interface_version_*` marker; ink! `deploy` and `call` and nothing else; \
            EOSIO `apply`; ewasm `main` and `memory`), imported functions outside the host table when \
            the table is the VM's complete host interface (CosmWasm `SUPPORTED_IMPORTS`, the NEAR \
            `env` imports, the MultiversX EI, ...), memory, table and global imports, memory rules \
            (CosmWasm: exactly one defined memory without a maximum and at most 512 initial pages; \
            ink!: memory imported as `env.memory`), table limits, import and result-count limits, \
            a start function where the VM refuses one (Soroban, ewasm), required custom sections \
            (Soroban `contractenvmetav0`, and `contractspecv0` that clients need) and post-MVP \
            features the VM's validator or gatekeeper disables (bulk memory, sign extension, \
            saturating float-to-int, SIMD, threads, reference types, tail calls, exceptions, \
            multi-value, multi-memory, memory64); a feature a later VM release accepts (NEAR: bulk \
            memory since nearcore 2.12's Wasmtime runtime) is a low-impact compatibility note that \
            names the release, and so is an import the platform model marks as added by only some \
            chains of the platform. Intrinsics of Antelope-family chains that the EOSIO import \
            list names with their chain (WAX and EOSIO-Taurus `verify_rsa_sha256_sig`, the fee \
            intrinsics of leap's transaction-fee branch) are provided imports: a contract built \
            for that chain is not a broken one. Floats on a platform whose VM accepts them only since \
            a release the platform model names (CosmWasm: cosmwasm-vm 1.5.0, which canonicalizes \
            NaNs; earlier releases reject every float operator at upload) are a low-impact \
            compatibility note at the first float instruction, unless the module exports a marker \
            that it needs a VM that recent (`requires_cosmwasm_2_*`); floats that the current VM \
            rejects are left to the `nondeterminism` detector. \
            Location convention: an unsupported import is reported at its first direct call (in \
            function index order); a feature at its first use; a start function at its first \
            instruction; a forbidden exported function at its first instruction. Findings about \
            the module as a whole (missing exports or sections, memory, tables, limits, imports \
            that are never called directly) are reported at the module's anchor: the first \
            instruction of the first exported function, else of the start function, else of the \
            first defined function; a module without any function body gets no finding.",
        why_bad: "A contract that the chain rejects, or that is stored but can never be \
            instantiated or called, fails the build-and-deploy requirement of the lifecycle \
            standard: the release pipeline ships an artifact that does not run, upgrades and \
            migrations that depend on it stall, and funds sent to an address expecting the new \
            code can be stranded. Toolchain drift (a newer compiler enabling bulk memory or sign \
            extension by default, an accidental wasm-bindgen or WASI import) is the usual cause \
            and is invisible in the source code.",
        exploit_scenario: "A team upgrades its NEAR token contract with a build from a newer \
            toolchain whose `println!` pulls in `wasi_snapshot_preview1.fd_write`. The deploy \
            action in the upgrade batch fails on every node, the upgrade function has already \
            migrated the state marker, and the contract stays on old code that misreads the new \
            state; an attacker who watches the failed upgrade exploits the inconsistent window to \
            withdraw twice.",
        recommendation: "Build with the platform's optimizer and checker (`cosmwasm-check`, \
            `cargo contract build`, `cargo near build`, `stellar contract build`, eosio-cpp), pin \
            the toolchain or compile for `-C target-cpu=mvp` where the VM is MVP-only, remove \
            debug and WASI imports, export exactly the entry points the VM expects and gate the \
            release on this detector.",
        known_false_positives: "The rules describe the VM versions named in the platform model \
            sources; a chain running a fork with extra host functions (EOSIO forks with \
            slim-account intrinsics), an older VM (CosmWasm before 1.0 accepted other interface \
            versions and import names) or a patched limit is reported as if it ran the reference \
            VM. Feature use is detected from instructions and declarations the front end keeps: \
            overlong `call_indirect` table encodings (reference types) and extended constant \
            expressions are not seen (false negatives).",
    },
    platforms: &[],
};

impl Detector for DeploymentCompliance {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(model) = cx.model else { return };
        let Some(anchor) = anchor(cx.module) else { return };
        let mut check = Check { cx, model, rules: &model.deploy, anchor, out };
        check.imports();
        check.exports();
        check.custom_sections();
        check.memory_and_tables();
        check.limits();
        check.start_function();
        check.features();
        check.floats();
    }
}

/// An instruction: function index and instruction index in its body.
type Loc = (u32, usize);

/// Where module-level findings point: the first instruction of the first exported function,
/// else of the start function, else of the first defined function.
fn anchor(module: &Module) -> Option<Loc> {
    let has_body = |f: u32| module.function(f).is_some_and(|f| !f.is_import() && !f.body.is_empty());
    module
        .exported_funcs()
        .map(|(_, f)| f)
        .find(|&f| has_body(f))
        .or(module.start.filter(|&f| has_body(f)))
        .or_else(|| module.functions.iter().map(|f| f.index).find(|&f| has_body(f)))
        .map(|f| (f, 0))
}

struct Check<'c, 'a> {
    cx: &'c Context<'a>,
    model: &'static PlatformModel,
    rules: &'static DeployRules,
    anchor: Loc,
    out: &'c mut Vec<Finding>,
}

impl Check<'_, '_> {
    fn report(&mut self, loc: Loc, message: String) {
        self.report_with(loc, message, META.impact);
    }

    fn report_with(&mut self, (function, instr): Loc, message: String, impact: Impact) {
        let offset = self.cx.offset_of(function, instr);
        self.out.push(Finding {
            detector: &META,
            function,
            instr,
            offset,
            message,
            confidence: META.confidence,
            impact,
            way: Vec::new(),
        });
    }

    fn vm(&self) -> String {
        format!("the {} VM", self.model.platform)
    }

    fn imports(&mut self) {
        let module = self.cx.module;
        if self.rules.imports_closed {
            for f in module.functions.iter() {
                let Some((m, n)) = &f.import else { continue };
                if self.model.host_fn(m, n).is_some() {
                    continue;
                }
                let loc = first_direct_call(module, f.index).unwrap_or(self.anchor);
                if let Some(chains) = self.rules.extension_imports.get(&format!("{m}.{n}")) {
                    let msg = format!(
                        "imports `{m}.{n}`, an intrinsic only {chains} adds to {}: the upload fails \
                         on chains without it",
                        self.vm()
                    );
                    self.report_with(loc, msg, Impact::Low);
                    continue;
                }
                let msg = format!(
                    "imports `{m}.{n}`, which {} does not provide: the upload or instantiation fails \
                     with an unresolved import",
                    self.vm()
                );
                self.report(loc, msg);
            }
        }
        if self.rules.forbid_non_function_imports {
            for imp in &module.imports {
                let kind = match imp.kind {
                    ImportKind::Func(_) => continue,
                    ImportKind::Memory => "a memory",
                    ImportKind::Table => "a table",
                    ImportKind::Global { .. } => "a global",
                    ImportKind::Tag => "an exception tag",
                };
                let full = format!("{}.{}", imp.module, imp.name);
                if self.rules.allowed_non_function_imports.contains(&full) {
                    continue;
                }
                let msg = format!(
                    "imports {kind} (`{full}`), which {} rejects: only functions can be imported",
                    self.vm()
                );
                self.report(self.anchor, msg);
            }
        }
        if let Some(limit) = self.rules.max_imports {
            let n = module.imports.len() as u64;
            if n > limit {
                let msg = format!("has {n} imports; {} rejects modules with more than {limit}", self.vm());
                self.report(self.anchor, msg);
            }
        }
    }

    fn exports(&mut self) {
        let module = self.cx.module;
        let names: Vec<&str> = module.exports.iter().map(|e| e.name.as_str()).collect();
        let missing: Vec<String> = self
            .rules
            .required_export_groups
            .iter()
            .filter(|group| !group.iter().any(|g| names.contains(&g.as_str())))
            .map(|group| {
                let quoted: Vec<String> = group.iter().map(|g| format!("`{g}`")).collect();
                quoted.join(" or ")
            })
            .collect();
        if !missing.is_empty() {
            let msg = format!(
                "does not export {}: {} rejects the upload or can never call the contract",
                missing.join(", "),
                self.vm()
            );
            self.report(self.anchor, msg);
        }
        if let Some(marker) = &self.rules.interface_marker {
            let markers: Vec<&str> =
                module.exported_funcs().map(|(n, _)| n).filter(|n| n.starts_with(&marker.prefix)).collect();
            let supported = marker.supported.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
            let msg = match markers.as_slice() {
                [] => {
                    let legacy = module
                        .exported_funcs()
                        .map(|(n, _)| n)
                        .find(|n| marker.legacy_prefixes.iter().any(|p| n.starts_with(p.as_str())));
                    Some(match legacy {
                        Some(old) => format!(
                            "declares the obsolete interface marker `{old}`: current VMs accept only {supported}"
                        ),
                        None => format!("has no `{}*` marker export: current VMs require {supported}", marker.prefix),
                    })
                }
                [one] if marker.supported.iter().any(|s| s == one) => None,
                [one] => Some(format!(
                    "declares interface `{one}`, which current VMs reject (they accept {supported})"
                )),
                many => Some(format!(
                    "exports {} `{}*` markers; {} requires exactly one",
                    many.len(),
                    marker.prefix,
                    self.vm()
                )),
            };
            if let Some(msg) = msg {
                self.report(self.anchor, msg);
            }
        }
        if !self.rules.only_exports.is_empty() {
            let extra: Vec<&wasmaudit_front::Export> =
                module.exports.iter().filter(|e| !self.rules.only_exports.contains(&e.name)).collect();
            if let Some(first) = extra.first() {
                let loc = match first.kind {
                    wasmaudit_front::ExportKind::Func
                        if module
                            .function(first.index)
                            .is_some_and(|f| !f.is_import() && !f.body.is_empty()) =>
                    {
                        (first.index, 0)
                    }
                    _ => self.anchor,
                };
                let listed: Vec<String> = extra.iter().map(|e| format!("`{}`", e.name)).collect();
                let allowed: Vec<String> = self.rules.only_exports.iter().map(|e| format!("`{e}`")).collect();
                let msg = format!(
                    "exports {}; {} accepts only {} and rejects any other export",
                    listed.join(", "),
                    self.vm(),
                    allowed.join(" and ")
                );
                self.report(loc, msg);
            }
        }
        if self.rules.require_function_export && module.exported_funcs().next().is_none() {
            let msg = format!("exports no function: nothing in it can be called on {}", self.model.platform);
            self.report(self.anchor, msg);
        }
    }

    fn custom_sections(&mut self) {
        for name in &self.rules.required_custom_sections {
            if !self.cx.module.has_custom_section(name) {
                let msg = format!("has no `{name}` custom section: {} rejects the upload", self.vm());
                self.report(self.anchor, msg);
            }
        }
        for name in &self.rules.expected_custom_sections {
            if !self.cx.module.has_custom_section(name) {
                let msg = format!(
                    "has no `{name}` custom section: the VM stores the code, but clients and tooling \
                     cannot discover or encode calls to it"
                );
                self.report(self.anchor, msg);
            }
        }
    }

    fn memory_and_tables(&mut self) {
        let module = self.cx.module;
        let memories = &module.memories;
        let vm = self.vm();
        let memory_msg = match self.rules.memory {
            MemoryRule::Any => None,
            MemoryRule::Defined if memories.len() != 1 => Some(format!(
                "declares {} memories; {vm} requires exactly one, defined by the module",
                memories.len()
            )),
            MemoryRule::Defined if memories[0].imported => {
                Some(format!("imports its memory; {vm} requires the module to define exactly one memory"))
            }
            MemoryRule::Imported if memories.len() != 1 || !memories[0].imported => Some(format!(
                "defines its own memory; {vm} requires exactly one memory, imported as `env.memory`"
            )),
            _ => None,
        };
        if let Some(msg) = memory_msg {
            self.report(self.anchor, msg);
        }
        for mem in memories {
            if self.rules.memory_maximum_forbidden && mem.maximum_pages.is_some() {
                let msg = format!("declares a memory maximum; {vm} requires it unset (the host sets it)");
                self.report(self.anchor, msg);
            }
            if let Some(limit) = self.rules.max_initial_memory_pages {
                if mem.initial_pages > limit {
                    let msg = format!(
                        "asks for {} initial memory pages; {vm} accepts at most {limit}",
                        mem.initial_pages
                    );
                    self.report(self.anchor, msg);
                }
            }
        }
        if let Some(limit) = self.rules.max_table_elements {
            for table in &module.tables {
                let msg = match table.maximum {
                    None => format!(
                        "declares a table without a maximum; {vm} requires one of at most {limit} elements"
                    ),
                    Some(max) if max > limit => {
                        format!("declares a table maximum of {max} elements; {vm} accepts at most {limit}")
                    }
                    Some(_) => continue,
                };
                self.report(self.anchor, msg);
            }
        }
    }

    fn limits(&mut self) {
        let Some(limit) = self.rules.max_function_results else { return };
        let module = self.cx.module;
        let too_many = |sig: &wasmaudit_front::FuncSig| sig.results.len() as u64 > limit;
        let Some(worst) = module.types.iter().filter(|t| too_many(t)).map(|t| t.results.len()).max() else {
            return;
        };
        let loc = module
            .functions
            .iter()
            .filter(|f| !f.is_import() && !f.body.is_empty())
            .find(|f| module.func_sig(f.index).is_some_and(too_many))
            .map(|f| (f.index, 0))
            .unwrap_or(self.anchor);
        let msg =
            format!("declares a function type with {worst} results; {} accepts at most {limit}", self.vm());
        self.report(loc, msg);
    }

    fn start_function(&mut self) {
        if !self.rules.start_function_forbidden {
            return;
        }
        let Some(start) = self.cx.module.start else { return };
        let loc = match self.cx.module.function(start) {
            Some(f) if !f.is_import() && !f.body.is_empty() => (start, 0),
            _ => self.anchor,
        };
        let msg = format!(
            "has a start function (`{}`); {} rejects modules with a start section",
            self.cx.func_name(start),
            self.vm()
        );
        self.report(loc, msg);
    }

    fn features(&mut self) {
        if self.rules.rejected_features.is_empty() {
            return;
        }
        let uses = feature_uses(self.cx.module);
        for (feature, used) in uses {
            if !self.rules.rejects(feature) {
                continue;
            }
            let (loc, what) = match used.first {
                Some(loc) => {
                    let text = self
                        .cx
                        .module
                        .function(loc.0)
                        .and_then(|f| f.body.get(loc.1))
                        .map(|i| wat_name(&i.op))
                        .unwrap_or_default();
                    (loc, format!("{} instruction(s), first `{text}`", used.count))
                }
                None => (self.anchor, used.declaration.unwrap_or_default()),
            };
            match self.rules.features_accepted_since.get(&feature) {
                Some(since) => {
                    let msg = format!(
                        "uses the {feature} proposal ({what}); {} accepts it only since {since}, so \
                         chains running an older release reject the upload",
                        self.vm()
                    );
                    self.report_with(loc, msg, Impact::Low);
                }
                None => {
                    let msg = format!(
                        "uses the {feature} proposal ({what}); {} does not enable it, so the upload is rejected",
                        self.vm()
                    );
                    self.report(loc, msg);
                }
            }
        }
    }
}

impl Check<'_, '_> {
    /// Float code on a platform whose current VM runs it deterministically but whose older
    /// releases reject it at upload: a compatibility note (the `nondeterminism` detector reports
    /// floats only where the current VM refuses them).
    fn floats(&mut self) {
        let rules = self.rules;
        let Some(since) = rules.floats_accepted_since.as_deref() else { return };
        if rules.floats != FloatPolicy::Allowed
            || crate::nondeterminism::declares_float_capable_vm(self.cx.module, rules)
        {
            return;
        }
        let Some((function, instr, what)) = crate::nondeterminism::float_use(self.cx) else { return };
        let msg = format!(
            "uses floating point ({what}); {} accepts it only since {since}, so chains running an \
             older release reject the upload",
            self.vm()
        );
        self.report_with((function, instr), msg, Impact::Low);
    }
}

/// The first direct call of `callee`, in function index order.
fn first_direct_call(module: &Module, callee: u32) -> Option<Loc> {
    module.functions.iter().filter(|f| !f.is_import()).find_map(|f| {
        f.body
            .iter()
            .position(|i| matches!(i.op, Op::Call(c) | Op::ReturnCall(c) if c == callee))
            .map(|i| (f.index, i))
    })
}

#[derive(Default)]
struct Uses {
    count: usize,
    first: Option<Loc>,
    /// For features used by a declaration rather than an instruction.
    declaration: Option<String>,
}

/// Every post-MVP feature the module uses, with its first instruction and count.
fn feature_uses(module: &Module) -> BTreeMap<WasmFeature, Uses> {
    let mut uses: BTreeMap<WasmFeature, Uses> = BTreeMap::new();
    for f in module.functions.iter().filter(|f| !f.is_import()) {
        for (i, ins) in f.body.iter().enumerate() {
            if let Some(feature) = instruction_feature(&ins.op) {
                let u = uses.entry(feature).or_default();
                u.count += 1;
                u.first.get_or_insert((f.index, i));
            }
        }
    }
    let mut declare = |feature: WasmFeature, what: String| {
        uses.entry(feature).or_default().declaration.get_or_insert(what);
    };
    if module.memories.len() > 1 {
        declare(WasmFeature::MultiMemory, format!("{} memories", module.memories.len()));
    }
    if module.memories.iter().any(|m| m.memory64) {
        declare(WasmFeature::Memory64, "a 64-bit memory".to_string());
    }
    if module.memories.iter().any(|m| m.shared) {
        declare(WasmFeature::Threads, "a shared memory".to_string());
    }
    if module.tables.len() > 1 {
        declare(WasmFeature::ReferenceTypes, format!("{} tables", module.tables.len()));
    }
    if module.data.iter().any(|d| !d.active) {
        declare(WasmFeature::BulkMemory, "a passive data segment".to_string());
    }
    if let Some(t) = module.types.iter().find(|t| t.results.len() > 1) {
        declare(WasmFeature::MultiValue, format!("a function type with {} results", t.results.len()));
    }
    uses
}

/// The proposal an instruction belongs to, when it is not in the MVP.
fn instruction_feature(op: &Op) -> Option<WasmFeature> {
    match op {
        Op::Unary(_, UnOp::Extend8S | UnOp::Extend16S | UnOp::Extend32S) => Some(WasmFeature::SignExtension),
        Op::ReturnCall(_) | Op::ReturnCallIndirect { .. } => Some(WasmFeature::TailCall),
        Op::Block(sig) | Op::Loop(sig) | Op::If(sig) if sig.params > 0 || sig.results > 1 => {
            Some(WasmFeature::MultiValue)
        }
        Op::Load { memory, .. }
        | Op::Store { memory, .. }
        | Op::MemorySize(memory)
        | Op::MemoryGrow(memory)
            if *memory != 0 =>
        {
            Some(WasmFeature::MultiMemory)
        }
        Op::Other { name, class, .. } => other_feature(name, *class),
        _ => None,
    }
}

/// Classifies the instructions the front end keeps as [`Op::Other`] by their wasmparser name.
fn other_feature(name: &str, class: OtherClass) -> Option<WasmFeature> {
    const SIMD_PREFIXES: [&str; 7] = ["V128", "I8x16", "I16x8", "I32x4", "I64x2", "F32x4", "F64x2"];
    if SIMD_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return Some(WasmFeature::Simd);
    }
    if name.contains("TruncSat") {
        return Some(WasmFeature::SaturatingFloatToInt);
    }
    match class {
        OtherClass::Atomic => Some(WasmFeature::Threads),
        OtherClass::Reference => Some(WasmFeature::ReferenceTypes),
        OtherClass::BulkMemory => match name {
            "MemoryCopy" | "MemoryFill" | "MemoryInit" | "DataDrop" | "TableCopy" | "TableInit"
            | "ElemDrop" => Some(WasmFeature::BulkMemory),
            // table.get/set/grow/size/fill
            _ => Some(WasmFeature::ReferenceTypes),
        },
        OtherClass::Misc => match name {
            "TypedSelect" | "TypedSelectMulti" => Some(WasmFeature::ReferenceTypes),
            "Try" | "Catch" | "CatchAll" | "Throw" | "Rethrow" | "Delegate" | "TryTable" | "ThrowRef" => {
                Some(WasmFeature::Exceptions)
            }
            "ReturnCallRef" => Some(WasmFeature::TailCall),
            _ => None,
        },
        OtherClass::Float | OtherClass::Simd => None,
    }
}

/// The WAT spelling of an instruction for messages: `MemoryCopy` becomes `memory.copy`.
pub(crate) fn wat_name(op: &Op) -> String {
    match op {
        Op::Other { name, .. } => camel_to_wat(name),
        other => other.to_string(),
    }
}

fn camel_to_wat(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.push(c.to_ascii_lowercase());
        }
    }
    match words.split_first() {
        Some((first, rest)) if !rest.is_empty() => format!("{first}.{}", rest.join("_")),
        _ => name.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wat_names() {
        assert_eq!(camel_to_wat("MemoryCopy"), "memory.copy");
        assert_eq!(camel_to_wat("F64Add"), "f64.add");
        assert_eq!(camel_to_wat("I32TruncSatF32S"), "i32.trunc_sat_f32_s");
        assert_eq!(camel_to_wat("F64ConvertI64U"), "f64.convert_i64_u");
    }

    #[test]
    fn features_of_other_instructions() {
        assert_eq!(other_feature("MemoryCopy", OtherClass::BulkMemory), Some(WasmFeature::BulkMemory));
        assert_eq!(other_feature("TableGrow", OtherClass::BulkMemory), Some(WasmFeature::ReferenceTypes));
        assert_eq!(other_feature("F32x4Add", OtherClass::Float), Some(WasmFeature::Simd));
        assert_eq!(
            other_feature("I32TruncSatF64U", OtherClass::Float),
            Some(WasmFeature::SaturatingFloatToInt)
        );
        assert_eq!(other_feature("F64Add", OtherClass::Float), None);
        assert_eq!(other_feature("I32AtomicLoad", OtherClass::Atomic), Some(WasmFeature::Threads));
    }
}
