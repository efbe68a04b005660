//! Score-based platform detection over import, export and custom-section names.
//!
//! Every platform gets a score:
//! * each distinct imported function that resolves to one of its host functions adds
//!   `HOST_WEIGHT * weight / n`, where `n` is the number of platforms whose tables contain that
//!   exact `(module, name)` (so a name shared by NEAR, CosmWasm and EOSIO, like `env.abort`,
//!   counts for little, while `env.eosio_assert` counts fully);
//! * marker import modules (`seal0`, `bcos`, `vm_hooks`, ...) add their weight once per module;
//! * export and custom-section patterns add their weight once per pattern.
//!
//! The highest score wins if it reaches `MIN_SCORE`; ties go to the earlier platform in
//! [`Platform::ALL`]. Anything else (e.g. a C program importing only WASI) is `Unknown`.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::{all_models, Detection, Platform, PlatformModel, Surface};

/// Base weight of one matched host-function import.
const HOST_WEIGHT: f64 = 2.0;
/// Minimum score to claim a platform.
const MIN_SCORE: f64 = 4.0;
/// Evidence strings kept for the winning platform.
const MAX_EVIDENCE: usize = 6;

/// Number of platforms whose table contains each exact `(module, name)` with a non-zero weight.
fn share_counts() -> &'static HashMap<(String, String), u32> {
    static SHARES: OnceLock<HashMap<(String, String), u32>> = OnceLock::new();
    SHARES.get_or_init(|| {
        let mut counts: HashMap<(String, String), u32> = HashMap::new();
        for m in all_models() {
            for h in m.host.iter().filter(|h| h.detection_weight() > 0.0) {
                *counts.entry((h.module.clone(), h.name.clone())).or_insert(0) += 1;
            }
        }
        counts
    })
}

fn share_of(module: &str, name: &str) -> u32 {
    share_counts().get(&(module.to_string(), name.to_string())).copied().unwrap_or(1).max(1)
}

/// `pattern` with an optional trailing `*` (prefix match).
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

struct Score {
    platform: Platform,
    total: f64,
    /// (weight, evidence)
    parts: Vec<(f64, String)>,
}

impl Score {
    fn add(&mut self, weight: f64, evidence: String) {
        if weight > 0.0 && weight.is_finite() {
            self.total += weight;
            self.parts.push((weight, evidence));
        }
    }
}

struct Names<'a> {
    imports: BTreeSet<(&'a str, &'a str)>,
    import_modules: BTreeSet<&'a str>,
    exports: BTreeSet<&'a str>,
    custom_sections: BTreeSet<&'a str>,
}

fn score(model: &PlatformModel, names: &Names<'_>) -> Score {
    let mut s = Score { platform: model.platform, total: 0.0, parts: Vec::new() };
    for &(module, name) in &names.imports {
        if let Some(h) = model.host_fn(module, name) {
            let weight = HOST_WEIGHT * h.detection_weight() / f64::from(share_of(&h.module, &h.name));
            s.add(weight, format!("import {module}.{name}"));
        }
        for marker in &model.markers.imports {
            if marker.module == module && marker.name == name {
                s.add(marker.weight, format!("import {module}.{name}"));
            }
        }
    }
    for &module in &names.import_modules {
        if let Some(&weight) = model.markers.import_modules.get(module) {
            s.add(weight, format!("import module {module}"));
        }
    }
    for (pattern, &weight) in &model.markers.exports {
        if let Some(e) = names.exports.iter().find(|e| matches(pattern, e)) {
            s.add(weight, format!("export {e}"));
        }
    }
    for (pattern, &weight) in &model.markers.custom_sections {
        if let Some(c) = names.custom_sections.iter().find(|c| matches(pattern, c)) {
            s.add(weight, format!("custom section {c}"));
        }
    }
    s
}

fn is_wasi_module(module: &str) -> bool {
    module.starts_with("wasi_") || module == "wasi"
}

/// Detects the platform a module targets from its import/export/custom-section names.
///
/// Deterministic for a given surface (names are deduplicated and sorted first); never panics.
pub fn detect(surface: &Surface<'_>) -> Detection {
    let names = Names {
        imports: surface.imports.iter().copied().collect(),
        import_modules: surface.imports.iter().map(|&(m, _)| m).collect(),
        exports: surface.exports.iter().copied().collect(),
        custom_sections: surface.custom_sections.iter().copied().collect(),
    };
    let mut scores: Vec<Score> = all_models().iter().map(|m| score(m, &names)).collect();
    // Stable sort: equal totals keep Platform::ALL order, so ties go to the earlier platform.
    scores.sort_by(|a, b| b.total.total_cmp(&a.total));

    let mut ranked = scores.into_iter();
    let Some(mut best) = ranked.next() else {
        return unknown(vec!["no platform models".to_string()]);
    };
    let runner_up = ranked.next();

    if best.total < MIN_SCORE {
        let mut evidence = Vec::new();
        if !names.import_modules.is_empty() && names.import_modules.iter().all(|m| is_wasi_module(m)) {
            let modules: Vec<&str> = names.import_modules.iter().copied().collect();
            evidence.push(format!("only WASI imports ({})", modules.join(", ")));
        } else if best.total > 0.0 {
            evidence.push(format!(
                "weak evidence for {} (score {:.1} < {MIN_SCORE:.1})",
                best.platform, best.total
            ));
        } else {
            evidence.push("no contract-platform imports, exports or custom sections".to_string());
        }
        return unknown(evidence);
    }

    best.parts.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut evidence: Vec<String> = best.parts.iter().take(MAX_EVIDENCE).map(|(_, e)| e.clone()).collect();
    let mut summary = format!("score {:.1}", best.total);
    if let Some(r) = runner_up.filter(|r| r.total > 0.0) {
        summary.push_str(&format!(", next {} {:.1}", r.platform, r.total));
    }
    evidence.push(summary);
    Detection { platform: best.platform, evidence }
}

fn unknown(evidence: Vec<String>) -> Detection {
    Detection { platform: Platform::Unknown, evidence }
}
