use crate::Class;
use std::fmt;
use std::str::FromStr;

/// How bad a true finding is. Ordered: `Critical` is the greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Impact {
    pub const ALL: [Impact; 5] = [Impact::Critical, Impact::High, Impact::Medium, Impact::Low, Impact::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Critical => "critical",
            Impact::High => "high",
            Impact::Medium => "medium",
            Impact::Low => "low",
            Impact::Info => "info",
        }
    }
}

impl FromStr for Impact {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Impact::ALL
            .into_iter()
            .find(|i| i.as_str() == s)
            .ok_or_else(|| format!("unknown impact '{s}' (critical, high, medium, low, info)"))
    }
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the detector is that a finding is a true positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The documentation of a detector. `explain`, the generated docs and SARIF `rules[]` are all
/// rendered from this.
#[derive(Debug, PartialEq, Eq)]
pub struct Docs {
    pub what_it_does: &'static str,
    pub why_bad: &'static str,
    pub exploit_scenario: &'static str,
    pub recommendation: &'static str,
    pub known_false_positives: &'static str,
}

/// Everything declared about a detector, in one place.
#[derive(Debug, PartialEq, Eq)]
pub struct DetectorMeta {
    /// Stable code, e.g. `WA101`. Never reused or renumbered.
    pub id: &'static str,
    /// Kebab-case name of the bad pattern.
    pub name: &'static str,
    pub class: Class,
    pub impact: Impact,
    pub confidence: Confidence,
    /// One line for tables and SARIF `shortDescription`.
    pub summary: &'static str,
    pub docs: Docs,
    /// Platform ids (as `Platform::as_str`) the detector applies to; empty means all.
    pub platforms: &'static [&'static str],
}

impl DetectorMeta {
    /// Checks the declaration is complete; the registry test runs this on every detector.
    pub fn validate(&self) -> Result<(), String> {
        let id_ok = self.id.len() == 5
            && self.id.starts_with("WA")
            && self.id[2..].chars().all(|c| c.is_ascii_digit());
        if !id_ok {
            return Err(format!("{}: id must look like WA123", self.id));
        }
        let kebab = !self.name.is_empty()
            && self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !self.name.starts_with('-')
            && !self.name.ends_with('-')
            && !self.name.contains("--");
        if !kebab {
            return Err(format!("{}: name '{}' is not kebab-case", self.id, self.name));
        }
        let sections = [
            ("summary", self.summary),
            ("what it does", self.docs.what_it_does),
            ("why is this bad", self.docs.why_bad),
            ("exploit scenario", self.docs.exploit_scenario),
            ("recommendation", self.docs.recommendation),
            ("known false positives", self.docs.known_false_positives),
        ];
        for (section, text) in sections {
            if text.trim().len() < 20 {
                return Err(format!("{}: doc section '{section}' is missing or too short", self.id));
            }
        }
        Ok(())
    }

    /// Markdown rendering of the docs (for `explain`, the docs and SARIF `help`).
    pub fn markdown(&self) -> String {
        let platforms = if self.platforms.is_empty() { "all".to_string() } else { self.platforms.join(", ") };
        format!(
            "# {id} {name}\n\n{summary}\n\nclass: {class} ({standard}) · impact: {impact} · confidence: {confidence} · platforms: {platforms}\n\n\
             ## What it does\n{what}\n\n## Why is this bad?\n{why}\n\n## Exploit scenario\n{exploit}\n\n\
             ## Recommendation\n{rec}\n\n## Known false positives\n{fp}\n",
            id = self.id,
            name = self.name,
            summary = self.summary,
            class = self.class,
            standard = self.class.standard(),
            impact = self.impact,
            confidence = self.confidence,
            what = self.docs.what_it_does.trim(),
            why = self.docs.why_bad.trim(),
            exploit = self.docs.exploit_scenario.trim(),
            rec = self.docs.recommendation.trim(),
            fp = self.docs.known_false_positives.trim(),
        )
    }

    pub fn applies_to(&self, platform: &str) -> bool {
        self.platforms.is_empty() || self.platforms.contains(&platform)
    }
}
