//! The HTML report for auditors: one self-contained page (inline CSS and script, no network)
//! with a summary chart of findings per platform and class, a sortable and filterable findings
//! table, and for each finding its detector's docs and its code flow.
//!
//! The page carries its data as JSON in a `<script type="application/json">` element and its
//! script draws the chart and the table from it, so the data is also there for tools that read
//! the file. Rendering is deterministic: the same reports give the same bytes.

use crate::{TOOL_NAME, TOOL_VERSION};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wasmaudit_detect::DetectorMeta;
use wasmaudit_engine::{FileReport, ReportedFinding};

/// One step of a finding's code flow: where execution passes on its way to the flagged
/// instruction, the last step being the flagged instruction itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStep {
    pub function_index: u32,
    pub function: String,
    pub instr_index: usize,
    pub offset: u32,
}

/// The code flow shown for a finding: its trail from the entry point (the flagged instruction
/// alone when the engine found no way up).
pub fn code_flow(f: &ReportedFinding) -> Vec<FlowStep> {
    if f.trail.is_empty() {
        return vec![FlowStep {
            function_index: f.function_index,
            function: f.function.clone(),
            instr_index: f.instr_index,
            offset: f.offset,
        }];
    }
    f.trail
        .iter()
        .map(|s| FlowStep {
            function_index: s.function_index,
            function: s.function.clone(),
            instr_index: s.instr_index,
            offset: s.offset,
        })
        .collect()
}

fn flow_json(f: &ReportedFinding) -> Vec<Value> {
    code_flow(f)
        .into_iter()
        .map(|s| {
            json!({
                "function": s.function,
                "function_index": s.function_index,
                "instruction_index": s.instr_index,
                "offset": s.offset,
            })
        })
        .collect()
}

fn rule_json(m: &DetectorMeta) -> Value {
    json!({
        "name": m.name,
        "class": m.class.as_str(),
        "standard": m.class.standard(),
        "impact": m.impact.as_str(),
        "confidence": m.confidence.as_str(),
        "summary": m.summary,
        "what_it_does": m.docs.what_it_does.trim(),
        "why_bad": m.docs.why_bad.trim(),
        "exploit_scenario": m.docs.exploit_scenario.trim(),
        "recommendation": m.docs.recommendation.trim(),
        "known_false_positives": m.docs.known_false_positives.trim(),
    })
}

/// The data the page's script renders: files, findings (flat, in report order) and the docs of
/// the detectors that have findings.
pub fn report_data(reports: &[FileReport], rules: &[&DetectorMeta]) -> Value {
    let files: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({
                "path": r.path,
                "platform": r.platform.map(|p| p.as_str()),
                "status": r.status.as_str(),
                "error": r.error,
                "findings": r.findings.len(),
            })
        })
        .collect();
    let findings: Vec<Value> = reports
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(move |f| {
                // The JSON report's finding, with the file, platform and code flow the page shows.
                let mut finding = crate::json::finding_value(f);
                if let Some(map) = finding.as_object_mut() {
                    map.insert("file".to_string(), r.path.clone().into());
                    let platform = r.platform.map(|p| p.as_str()).unwrap_or("unknown");
                    map.insert("platform".to_string(), platform.into());
                    map.insert("flow".to_string(), flow_json(f).into());
                }
                finding
            })
        })
        .collect();
    let used: std::collections::BTreeSet<&str> =
        reports.iter().flat_map(|r| r.findings.iter().map(|f| f.detector.id)).collect();
    let rules: BTreeMap<&str, Value> =
        rules.iter().filter(|m| used.contains(m.id)).map(|m| (m.id, rule_json(m))).collect();
    json!({
        "tool": { "name": TOOL_NAME, "version": TOOL_VERSION },
        "files": files,
        "findings": findings,
        "rules": rules,
    })
}

/// JSON safe inside a `<script>` element: `<`, `>` and `&` only occur in JSON strings, where
/// their `\u` escapes mean the same, so no `</script>` or comment opener can close the element.
fn script_safe_json(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    text.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The report as one HTML page.
pub fn to_html(reports: &[FileReport], rules: &[&DetectorMeta]) -> String {
    let data = report_data(reports, rules);
    let total: usize = reports.iter().map(|r| r.findings.len()).sum();
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    let title = format!("{TOOL_NAME} report: {total} findings in {} files", reports.len());
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // No network: a CSP that forbids every fetch, with the inline style and script allowed.
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    out.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape_html(&title)
    ));
    out.push_str(&format!(
        "<header><h1>{}</h1><p id=\"totals\" data-findings=\"{total}\" data-files=\"{}\" data-errors=\"{errors}\">\
         {total} findings in {} files ({errors} could not be analyzed) · {TOOL_NAME} {TOOL_VERSION}</p></header>\n",
        escape_html(TOOL_NAME),
        reports.len(),
        reports.len(),
    ));
    out.push_str(BODY);
    out.push_str("<script id=\"wasmaudit-data\" type=\"application/json\">");
    out.push_str(&script_safe_json(&data));
    out.push_str("</script>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

const STYLE: &str = r##"
body{font:14px/1.4 system-ui,sans-serif;margin:0 24px 24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:16px 0 4px}h2{font-size:16px;margin:20px 0 8px}
#totals{color:#57606a;margin:0}
.chart svg{display:block;max-width:100%}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px;margin-top:6px}
.legend span{display:inline-flex;align-items:center;gap:4px}
.legend i{display:inline-block;width:10px;height:10px}
.filters{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
.filters input{min-width:240px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f6f8fa;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
tr.finding{cursor:pointer}tr.finding:hover{background:#f6f8fa}
tr.details td{background:#fbfcfd}
.impact{font-weight:600;text-transform:uppercase;font-size:12px}
.impact-critical{color:#8b0000}.impact-high{color:#cf222e}.impact-medium{color:#9a6700}
.impact-low{color:#0969da}.impact-info{color:#57606a}
.doc h4{margin:8px 0 2px}.doc p{margin:0 0 4px;white-space:pre-wrap}
ol.flow{margin:4px 0;padding-left:20px;font-family:ui-monospace,monospace}
code{font-family:ui-monospace,monospace}
.muted{color:#57606a}
"##;

const BODY: &str = r##"<noscript><p>This report draws its chart and table with an inline script; the data is in the
<code>wasmaudit-data</code> element of this file.</p></noscript>
<section class="chart"><h2>Findings per platform and class</h2>
<svg id="chart-platform-class" role="img" aria-label="Findings per platform, stacked by class"></svg>
<div class="legend" id="chart-legend"></div></section>
<section><h2>Findings</h2>
<div class="filters">
<input id="filter-text" type="search" placeholder="Filter: id, name, file, function, message">
<select id="filter-impact"><option value="">every impact</option></select>
<select id="filter-platform"><option value="">every platform</option></select>
<select id="filter-class"><option value="">every class</option></select>
<span id="shown" class="muted"></span>
</div>
<table id="findings"><thead><tr>
<th data-key="impact">Impact</th><th data-key="id">Id</th><th data-key="name">Detector</th>
<th data-key="platform">Platform</th><th data-key="file">File</th><th data-key="function">Function</th>
<th data-key="offset">Offset</th><th data-key="confidence">Confidence</th><th data-key="message">Message</th>
</tr></thead><tbody></tbody></table></section>
<section id="errors-section" hidden><h2>Files not analyzed</h2><ul id="errors"></ul></section>
"##;

const SCRIPT: &str = r##"
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("wasmaudit-data").textContent);
  const RANK = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
  const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a"];
  const NS = "http://www.w3.org/2000/svg";
  const el = (tag, attrs, text) => {
    const e = tag.startsWith("svg:") ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  };
  const uniq = (xs) => Array.from(new Set(xs)).sort();

  // Chart: one horizontal bar per platform, stacked by class.
  function drawChart() {
    const svg = document.getElementById("chart-platform-class");
    const platforms = uniq(data.findings.map((f) => f.platform));
    const classes = uniq(data.findings.map((f) => f.class));
    const color = {};
    classes.forEach((c, i) => { color[c] = PALETTE[i % PALETTE.length]; });
    const counts = {};
    for (const f of data.findings) {
      const k = f.platform + "\u0000" + f.class;
      counts[k] = (counts[k] || 0) + 1;
    }
    const totals = platforms.map((p) => data.findings.filter((f) => f.platform === p).length);
    const max = Math.max(1, ...totals);
    const labelW = 110, barW = 560, rowH = 28, width = labelW + barW + 60;
    const height = Math.max(rowH, platforms.length * rowH) + 4;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("data-total", data.findings.length);
    if (platforms.length === 0) {
      svg.appendChild(el("svg:text", { x: 0, y: 18, "font-size": 13 }, "No findings."));
    }
    platforms.forEach((p, row) => {
      const y = row * rowH + 2;
      svg.appendChild(el("svg:text", { x: 0, y: y + 17, "font-size": 13 }, p));
      let x = labelW;
      for (const c of classes) {
        const n = counts[p + "\u0000" + c] || 0;
        if (n === 0) continue;
        const w = Math.max(2, Math.round((n / max) * barW));
        const r = el("svg:rect", { class: "bar", x: x, y: y, width: w, height: rowH - 6, fill: color[c],
          "data-platform": p, "data-class": c, "data-count": n });
        r.appendChild(el("svg:title", {}, p + " · " + c + ": " + n));
        svg.appendChild(r);
        x += w;
      }
      svg.appendChild(el("svg:text", { x: x + 6, y: y + 17, "font-size": 12 }, totals[row]));
    });
    const legend = document.getElementById("chart-legend");
    for (const c of classes) {
      const s = el("span");
      s.appendChild(el("i", { style: "background:" + color[c] }));
      s.appendChild(document.createTextNode(c));
      legend.appendChild(s);
    }
  }

  // Table: sortable by any column, filtered by text, impact, platform and class.
  const state = { key: "impact", dir: -1 };
  const body = document.querySelector("#findings tbody");
  const filters = {
    text: document.getElementById("filter-text"),
    impact: document.getElementById("filter-impact"),
    platform: document.getElementById("filter-platform"),
    class: document.getElementById("filter-class"),
  };
  function fillSelect(select, values) {
    for (const v of values) select.appendChild(el("option", { value: v }, v));
  }
  function compare(a, b) {
    const k = state.key;
    let x = a[k], y = b[k];
    if (k === "impact") { x = RANK[x]; y = RANK[y]; }
    let c = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
    if (c === 0) c = a.file.localeCompare(b.file) || a.offset - b.offset || a.id.localeCompare(b.id);
    return c * state.dir;
  }
  function visible(f) {
    const t = filters.text.value.trim().toLowerCase();
    if (filters.impact.value && f.impact !== filters.impact.value) return false;
    if (filters.platform.value && f.platform !== filters.platform.value) return false;
    if (filters.class.value && f.class !== filters.class.value) return false;
    if (!t) return true;
    return [f.id, f.name, f.class, f.file, f.function, f.message, f.instruction, f.fingerprint]
      .some((s) => String(s).toLowerCase().includes(t));
  }
  function details(f) {
    const td = el("td", { colspan: 9 });
    const rule = data.rules[f.id] || {};
    td.appendChild(el("p", {}, f.message));
    td.appendChild(el("h4", {}, "Code flow"));
    const ol = el("ol", { class: "flow" });
    for (const s of f.flow) {
      ol.appendChild(el("li", { class: "step", "data-offset": s.offset },
        s.function + " (function " + s.function_index + "), instruction " + s.instruction_index +
        " at offset 0x" + s.offset.toString(16)));
    }
    const last = ol.lastChild;
    if (last) last.appendChild(el("code", {}, " " + f.instruction));
    td.appendChild(ol);
    const doc = el("div", { class: "doc" });
    doc.appendChild(el("h4", {}, f.id + " " + f.name + " — " + (rule.summary || "")));
    doc.appendChild(el("p", { class: "muted" }, "class " + f.class + " (" + (rule.standard || "") +
      ") · fingerprint " + f.fingerprint));
    for (const [k, title] of [["what_it_does", "What it does"], ["why_bad", "Why is this bad?"],
      ["exploit_scenario", "Exploit scenario"], ["recommendation", "Recommendation"],
      ["known_false_positives", "Known false positives"]]) {
      if (!rule[k]) continue;
      doc.appendChild(el("h4", {}, title));
      doc.appendChild(el("p", {}, rule[k]));
    }
    td.appendChild(doc);
    const tr = el("tr", { class: "details" });
    tr.appendChild(td);
    tr.hidden = true;
    return tr;
  }
  function render() {
    body.replaceChildren();
    const rows = data.findings.filter(visible).sort(compare);
    for (const f of rows) {
      const tr = el("tr", { class: "finding", "data-id": f.id, "data-impact": f.impact,
        "data-platform": f.platform, "data-class": f.class, "data-fingerprint": f.fingerprint });
      tr.appendChild(el("td", { class: "impact impact-" + f.impact }, f.impact));
      for (const v of [f.id, f.name, f.platform, f.file, f.function, "0x" + f.offset.toString(16), f.confidence,
        f.message]) {
        tr.appendChild(el("td", {}, v));
      }
      const more = details(f);
      tr.addEventListener("click", () => { more.hidden = !more.hidden; });
      body.appendChild(tr);
      body.appendChild(more);
    }
    document.getElementById("shown").textContent = rows.length + " of " + data.findings.length + " shown";
    for (const th of document.querySelectorAll("#findings th")) {
      th.setAttribute("aria-sort", th.dataset.key === state.key ? (state.dir > 0 ? "ascending" : "descending") : "none");
    }
  }
  for (const th of document.querySelectorAll("#findings th")) {
    th.addEventListener("click", () => {
      state.dir = state.key === th.dataset.key ? -state.dir : 1;
      state.key = th.dataset.key;
      render();
    });
  }
  fillSelect(filters.impact, ["critical", "high", "medium", "low", "info"]);
  fillSelect(filters.platform, uniq(data.findings.map((f) => f.platform)));
  fillSelect(filters.class, uniq(data.findings.map((f) => f.class)));
  for (const f of Object.values(filters)) f.addEventListener("input", render);

  const errors = data.files.filter((f) => f.status === "error");
  if (errors.length) {
    document.getElementById("errors-section").hidden = false;
    const ul = document.getElementById("errors");
    for (const f of errors) ul.appendChild(el("li", {}, f.path + ": " + f.error));
  }
  drawChart();
  render();
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_the_script() {
        let v = json!({"m": "</script><!-- & x"});
        let s = script_safe_json(&v);
        assert!(!s.contains('<') && !s.contains('>'), "{s}");
        let back: Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back, v);
    }

    #[test]
    fn an_empty_report_is_a_page() {
        let html = to_html(&[], &[]);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("id=\"chart-platform-class\""));
        assert!(html.contains("data-findings=\"0\""));
    }
}
