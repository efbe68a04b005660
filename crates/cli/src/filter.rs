//! What a scan keeps of the findings: detector selection (`select`/`ignore` by id, name or
//! class), per-path ignores, impact overrides and suppressions of single findings by
//! fingerprint. Applied to the engine's reports after the scan, before the baseline and the
//! renderers, so every output format and the exit code see the same findings.

use crate::config::{absolute, Loaded, Suppression};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;
use wasmaudit_detect::{DetectorMeta, Impact};
use wasmaudit_engine::FileReport;

/// Detector ids a selector names: `all`, an id (`WA101`), a name (`unprotected-upgrade`) or a
/// class (`unprotected-upgrade`). An unknown selector is an error, not an empty set.
pub fn resolve_selector(selector: &str, rules: &[&DetectorMeta]) -> Result<BTreeSet<&'static str>, String> {
    let s = selector.trim();
    let ids: BTreeSet<&'static str> = rules
        .iter()
        .filter(|m| {
            s.eq_ignore_ascii_case("all")
                || m.id.eq_ignore_ascii_case(s)
                || m.name == s
                || m.class.as_str() == s
        })
        .map(|m| m.id)
        .collect();
    if ids.is_empty() {
        return Err(format!(
            "unknown detector '{s}' (an id, name or class from `wasmaudit detectors`, or all)"
        ));
    }
    Ok(ids)
}

fn resolve_all(
    selectors: &[String],
    rules: &[&DetectorMeta],
    what: &str,
) -> Result<BTreeSet<&'static str>, String> {
    let mut ids = BTreeSet::new();
    for s in selectors {
        ids.extend(resolve_selector(s, rules).map_err(|e| format!("{what}: {e}"))?);
    }
    Ok(ids)
}

/// The finding filter of one scan.
#[derive(Debug)]
pub struct Policy {
    /// Detector ids whose findings are kept.
    enabled: BTreeSet<&'static str>,
    impact: BTreeMap<&'static str, Impact>,
    per_path: Vec<(Glob, BTreeSet<&'static str>)>,
    suppress: Vec<(Suppression, Option<Glob>)>,
    /// Relative paths in the config start here.
    dir: std::path::PathBuf,
}

/// Selection given on the command line; each replaces the config's list when present.
#[derive(Debug, Default)]
pub struct Overrides<'a> {
    pub select: Option<&'a [String]>,
    pub ignore: Option<&'a [String]>,
}

impl Policy {
    pub fn new(loaded: &Loaded, cli: &Overrides<'_>, rules: &[&DetectorMeta]) -> Result<Policy, String> {
        let c = &loaded.config;
        let select = cli.select.or(c.select.as_deref());
        let mut enabled = match select {
            Some(s) => resolve_all(s, rules, "select")?,
            None => rules.iter().map(|m| m.id).collect(),
        };
        let ignore = cli.ignore.unwrap_or(&c.ignore);
        for id in resolve_all(ignore, rules, "ignore")? {
            enabled.remove(id);
        }
        let mut impact = BTreeMap::new();
        for (selector, level) in &c.impact {
            let level = Impact::from_str(level).map_err(|e| format!("impact.{selector}: {e}"))?;
            for id in resolve_selector(selector, rules).map_err(|e| format!("impact: {e}"))? {
                impact.insert(id, level);
            }
        }
        let per_path = c
            .per_path_ignores
            .iter()
            .map(|(glob, selectors)| {
                let ids = resolve_all(selectors, rules, &format!("per-path-ignores.\"{glob}\""))?;
                Ok((Glob::new(glob), ids))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let suppress = c.suppress.iter().map(|s| (s.clone(), s.path.as_deref().map(Glob::new))).collect();
        Ok(Policy { enabled, impact, per_path, suppress, dir: loaded.dir.clone() })
    }

    /// Drops the findings the policy excludes and applies impact overrides. Returns the
    /// suppressions that matched no finding (stale ones worth a note).
    pub fn apply(&self, reports: &mut [FileReport]) -> Vec<&Suppression> {
        let mut used = vec![false; self.suppress.len()];
        for r in reports.iter_mut() {
            let rel = relative_to(&self.dir, &r.path);
            let ignored: BTreeSet<&str> = self
                .per_path
                .iter()
                .filter(|(g, _)| g.matches(&rel))
                .flat_map(|(_, ids)| ids.iter().copied())
                .collect();
            r.findings.retain(|f| {
                if !self.enabled.contains(f.detector.id) || ignored.contains(f.detector.id) {
                    return false;
                }
                let print = wasmaudit_report::fingerprint(f);
                let hit = self
                    .suppress
                    .iter()
                    .position(|(s, g)| s.fingerprint == print && g.as_ref().is_none_or(|g| g.matches(&rel)));
                match hit {
                    Some(i) => {
                        used[i] = true;
                        false
                    }
                    None => true,
                }
            });
            for f in &mut r.findings {
                if let Some(level) = self.impact.get(f.detector.id) {
                    f.impact = *level;
                }
            }
        }
        self.suppress.iter().zip(used).filter(|(_, u)| !u).map(|((s, _), _)| s).collect()
    }
}

/// `path` relative to `dir` with `/` separators when it lies below it, else as given (so
/// patterns and baselines do not depend on the working directory a scan ran from).
pub fn relative_to(dir: &Path, path: &str) -> String {
    let abs = absolute(Path::new(path));
    let rel = abs.strip_prefix(dir).map(Path::to_path_buf).unwrap_or_else(|_| Path::new(path).to_path_buf());
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// A path glob as in `.gitignore`: `*` and `?` within one segment, `**` across segments; a
/// pattern without `/` matches a file or directory name at any depth, and a pattern matching a
/// directory applies to everything under it.
#[derive(Debug, Clone)]
pub struct Glob {
    segments: Vec<String>,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        let trimmed = pattern.trim().trim_start_matches("./").trim_end_matches('/');
        let mut segments: Vec<String> =
            trimmed.split('/').filter(|s| !s.is_empty()).map(String::from).collect();
        if !trimmed.contains('/') {
            segments.insert(0, "**".to_string());
        }
        Glob { segments }
    }

    /// Whether `path` (relative, `/`-separated) or one of its ancestor directories matches.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        (1..=parts.len()).any(|n| match_segments(&self.segments, &parts[..n]))
    }
}

fn match_segments(pattern: &[String], parts: &[&str]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((p, rest)) if p == "**" => (0..=parts.len()).any(|skip| match_segments(rest, &parts[skip..])),
        Some((p, rest)) => {
            parts.first().is_some_and(|first| match_name(p.as_bytes(), first.as_bytes()))
                && match_segments(rest, &parts[1..])
        }
    }
}

fn match_name(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|skip| match_name(rest, &s[skip..])),
        Some((b'?', rest)) => !s.is_empty() && match_name(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && match_name(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_gitignore() {
        assert!(Glob::new("vendor/**").matches("vendor/a/b.wasm"));
        assert!(Glob::new("vendor").matches("vendor/b.wasm"));
        assert!(Glob::new("vendor").matches("x/vendor/b.wasm"));
        assert!(!Glob::new("vendor/*.wasm").matches("x/vendor/b.wasm"));
        assert!(Glob::new("*.wat").matches("a/b/c.wat"));
        assert!(!Glob::new("*.wat").matches("a/b/c.wasm"));
        assert!(Glob::new("build/**/test_?.wasm").matches("build/x/y/test_1.wasm"));
        assert!(Glob::new("build/**/test_?.wasm").matches("build/test_1.wasm"));
        assert!(!Glob::new("build/**/test_?.wasm").matches("build/test_12.wasm"));
    }

    #[test]
    fn selectors_take_ids_names_and_classes() {
        let registry = wasmaudit_detectors::registry();
        let rules: Vec<&DetectorMeta> = registry.iter().map(|d| d.meta()).collect();
        let by_id = resolve_selector("WA101", &rules).expect("id");
        let by_name = resolve_selector("unprotected-upgrade", &rules).expect("name");
        assert_eq!(by_id, by_name);
        assert_eq!(resolve_selector("all", &rules).expect("all").len(), rules.len());
        let e = resolve_selector("no-such-thing", &rules).expect_err("unknown");
        assert!(e.contains("no-such-thing"));
    }
}
