//! Joining reports of the same kind written by several runs (the shards of one scan): JSON
//! reports, JSON Lines reports and SARIF logs. Works on the documents as `serde_json::Value`, so
//! it keeps whatever fields the writers added.
//!
//! JSON and JSON Lines: the files of every report, sorted by path (a path reported twice keeps
//! its first report in argument order). Rendered exactly as [`crate::to_json`] and
//! [`crate::to_jsonl_line`] render, so the shards of a scan merged equal the unsharded scan byte
//! for byte. SARIF: one run with the first run's tool; the other runs' rules, artifacts and
//! results are appended, with `ruleIndex` and artifact `index` renumbered into the merged run.

use serde_json::{Map, Value};

/// The kind of a report, recognised from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Json,
    Jsonl,
    Sarif,
}

/// Recognises a report: a JSON object with `runs` is SARIF, one with `files` the JSON report,
/// and one JSON object per line JSON Lines.
pub fn report_kind(text: &str) -> Result<ReportKind, String> {
    if let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(text) {
        if doc.contains_key("runs") {
            return Ok(ReportKind::Sarif);
        }
        if doc.contains_key("files") {
            return Ok(ReportKind::Json);
        }
        if doc.contains_key("path") {
            return Ok(ReportKind::Jsonl);
        }
        return Err("a JSON object that is neither a wasmaudit JSON report nor SARIF".to_string());
    }
    parse_jsonl(text).map(|_| ReportKind::Jsonl)
}

/// The per-file objects of a JSON Lines report. A last line cut short (a run killed while
/// writing) is ignored; any other line that is not a JSON object is an error.
pub fn parse_jsonl(text: &str) -> Result<Vec<Value>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => out.push(v),
            Ok(_) => return Err(format!("line {}: not a JSON object", i + 1)),
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => break,
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(out)
}

/// Merges reports of one kind; `docs` are the texts, in argument order.
pub fn merge_reports(docs: &[String]) -> Result<String, String> {
    let kinds = docs.iter().map(|d| report_kind(d)).collect::<Result<Vec<_>, _>>()?;
    let Some(&kind) = kinds.first() else { return Err("nothing to merge".to_string()) };
    if kinds.iter().any(|k| *k != kind) {
        return Err("the reports are of different kinds (JSON, JSON Lines, SARIF)".to_string());
    }
    match kind {
        ReportKind::Json => merge_json(docs),
        ReportKind::Jsonl => merge_jsonl(docs),
        ReportKind::Sarif => merge_sarif(docs),
    }
}

fn path_of(v: &Value) -> String {
    v.get("path").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Files sorted by path, the first report of a path kept.
fn union_by_path(files: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut by_path: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
    for f in files {
        by_path.entry(path_of(&f)).or_insert(f);
    }
    by_path.into_values().collect()
}

fn merge_json(docs: &[String]) -> Result<String, String> {
    let mut parsed = Vec::new();
    for d in docs {
        let v: Value = serde_json::from_str(d).map_err(|e| format!("invalid JSON report: {e}"))?;
        parsed.push(v);
    }
    let files = parsed
        .iter_mut()
        .flat_map(|d| match d.get_mut("files").map(Value::take) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        })
        .collect::<Vec<_>>();
    let mut out = parsed.into_iter().next().unwrap_or(Value::Null);
    if let Some(obj) = out.as_object_mut() {
        obj.insert("files".to_string(), Value::Array(union_by_path(files)));
    }
    let mut text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

fn merge_jsonl(docs: &[String]) -> Result<String, String> {
    let mut files = Vec::new();
    for d in docs {
        files.extend(parse_jsonl(d)?);
    }
    let mut out = String::new();
    for f in union_by_path(files) {
        out.push_str(&serde_json::to_string(&f).map_err(|e| e.to_string())?);
        out.push('\n');
    }
    Ok(out)
}

fn merge_sarif(docs: &[String]) -> Result<String, String> {
    let mut merged: Option<Value> = None;
    let mut run_out: Map<String, Value> = Map::new();
    let mut rules: Vec<Value> = Vec::new();
    let mut artifacts: Vec<Value> = Vec::new();
    let mut results: Vec<Value> = Vec::new();
    let mut notifications: Vec<Value> = Vec::new();
    let mut successful = true;
    for d in docs {
        let mut log: Value = serde_json::from_str(d).map_err(|e| format!("invalid SARIF: {e}"))?;
        let runs = match log.get_mut("runs").map(Value::take) {
            Some(Value::Array(r)) => r,
            _ => Vec::new(),
        };
        if merged.is_none() {
            merged = Some(log);
        }
        for mut run in runs {
            let run_rules = take_array(run.pointer_mut("/tool/driver/rules"));
            let rule_map: Vec<usize> = run_rules.into_iter().map(|r| index_of_rule(&mut rules, r)).collect();
            let offset = artifacts.len();
            artifacts.extend(take_array(run.get_mut("artifacts")));
            for mut r in take_array(run.get_mut("results")) {
                renumber(&mut r, offset, &rule_map);
                results.push(r);
            }
            for mut inv in take_array(run.get_mut("invocations")) {
                successful &= inv.get("executionSuccessful").and_then(Value::as_bool).unwrap_or(true);
                notifications.extend(take_array(inv.get_mut("toolExecutionNotifications")));
            }
            if run_out.is_empty() {
                if let Value::Object(o) = run {
                    run_out = o;
                }
            }
        }
    }
    let mut log = merged.ok_or("nothing to merge")?;
    if let Some(driver) =
        run_out.get_mut("tool").and_then(|t| t.get_mut("driver")).and_then(Value::as_object_mut)
    {
        driver.insert("rules".to_string(), Value::Array(rules));
    }
    if !artifacts.is_empty() {
        run_out.insert("artifacts".to_string(), Value::Array(artifacts));
    }
    run_out.insert("results".to_string(), Value::Array(results));
    let mut inv = Map::new();
    inv.insert("executionSuccessful".to_string(), Value::Bool(successful));
    if !notifications.is_empty() {
        inv.insert("toolExecutionNotifications".to_string(), Value::Array(notifications));
    }
    run_out.insert("invocations".to_string(), Value::Array(vec![Value::Object(inv)]));
    if let Some(obj) = log.as_object_mut() {
        obj.insert("runs".to_string(), Value::Array(vec![Value::Object(run_out)]));
    }
    let mut text = serde_json::to_string_pretty(&log).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

fn take_array(v: Option<&mut Value>) -> Vec<Value> {
    match v.map(Value::take) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    }
}

/// The index of `rule` in the merged rules (by `id`), added when new.
fn index_of_rule(rules: &mut Vec<Value>, rule: Value) -> usize {
    let id = rule.get("id").cloned();
    match rules.iter().position(|r| r.get("id").cloned() == id) {
        Some(i) => i,
        None => {
            rules.push(rule);
            rules.len() - 1
        }
    }
}

/// Renumbers a result's `ruleIndex` into the merged rules and every artifact location `index`
/// by the artifacts that came before its run.
fn renumber(v: &mut Value, artifact_offset: usize, rule_map: &[usize]) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Number(n)) = o.get("ruleIndex") {
                if let Some(&new) = n.as_u64().and_then(|i| rule_map.get(i as usize)) {
                    o.insert("ruleIndex".to_string(), Value::from(new));
                }
            }
            if let Some(Value::Object(loc)) = o.get_mut("artifactLocation") {
                if let Some(i) = loc.get("index").and_then(Value::as_u64) {
                    loc.insert("index".to_string(), Value::from(i + artifact_offset as u64));
                }
            }
            for (k, child) in o.iter_mut() {
                if k != "artifactLocation" {
                    renumber(child, artifact_offset, rule_map);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| renumber(c, artifact_offset, rule_map)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_shards_merge_sorted_and_a_cut_line_is_ignored() {
        let a = "{\"path\":\"b\",\"x\":1}\n{\"path\":\"d\",\"x\":2}\n".to_string();
        let b = "{\"path\":\"a\",\"x\":3}\n{\"path\":\"c\",\"x\":4}\n{\"path\":\"e\",\"x".to_string();
        let merged = merge_reports(&[a, b]).expect("merges");
        let paths: Vec<String> = parse_jsonl(&merged).expect("parses").iter().map(path_of).collect();
        assert_eq!(paths, ["a", "b", "c", "d"]);
    }

    #[test]
    fn sarif_runs_join_with_indexes_renumbered() {
        let run = |rule: &str, uri: &str| {
            serde_json::json!({"version": "2.1.0", "runs": [{
                "tool": {"driver": {"name": "wasmaudit", "rules": [{"id": rule}]}},
                "artifacts": [{"location": {"uri": uri}}],
                "results": [{"ruleId": rule, "ruleIndex": 0,
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri, "index": 0}}}]}],
                "invocations": [{"executionSuccessful": true}]
            }]})
            .to_string()
        };
        let merged = merge_reports(&[run("WA1", "a.wasm"), run("WA2", "b.wasm")]).expect("merges");
        let v: Value = serde_json::from_str(&merged).expect("json");
        let run = &v["runs"][0];
        assert_eq!(v["runs"].as_array().map(Vec::len), Some(1));
        assert_eq!(run["tool"]["driver"]["rules"][1]["id"], "WA2");
        assert_eq!(run["results"][1]["ruleIndex"], 1);
        assert_eq!(run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["index"], 1);
        assert_eq!(run["artifacts"][1]["location"]["uri"], "b.wasm");
    }

    #[test]
    fn kinds_must_agree() {
        let json = "{\"version\":1,\"files\":[]}".to_string();
        let jsonl = "{\"path\":\"a\"}\n".to_string();
        assert!(merge_reports(&[json, jsonl]).is_err());
    }
}
