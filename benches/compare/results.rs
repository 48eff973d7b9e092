//! What the scenarios measured, and the markdown report with the shardis/redis ratios.

use crate::dist::Dist;

/// The two servers, in the order they run within a round.
pub const SERVERS: [&str; 2] = ["redis", "shardis"];

/// One run of one case on one server.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// (metric name, value); the same names in the same order for every sample of a case.
    pub metrics: Vec<(&'static str, f64)>,
    pub dist: Option<Dist>,
    /// Something a reader must know (error replies, a fallback).
    pub note: Option<String>,
}

/// One case of a scenario: per server, one sample per round.
pub struct Case {
    pub scenario: &'static str,
    pub label: String,
    pub samples: [Vec<Sample>; 2],
}

#[derive(Default)]
pub struct Results {
    pub cases: Vec<Case>,
}

impl Results {
    pub fn add(&mut self, scenario: &'static str, label: &str, server: &str, s: Sample) {
        let si = SERVERS.iter().position(|&n| n == server).unwrap_or(0);
        let i = match self
            .cases
            .iter()
            .position(|c| c.scenario == scenario && c.label == label)
        {
            Some(i) => i,
            None => {
                self.cases.push(Case {
                    scenario,
                    label: label.to_string(),
                    samples: [Vec::new(), Vec::new()],
                });
                self.cases.len() - 1
            }
        };
        self.cases[i].samples[si].push(s);
    }
}

/// Median, min and max.
pub fn stats(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mid = if s.len() % 2 == 1 {
        s[s.len() / 2]
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) / 2.0
    };
    (mid, s[0], s[s.len() - 1])
}

pub fn fmt_num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

fn cell(v: &[f64]) -> String {
    if v.is_empty() {
        return "–".into();
    }
    let (m, lo, hi) = stats(v);
    if v.len() <= 1 {
        fmt_num(m)
    } else {
        format!("{} ({}–{})", fmt_num(m), fmt_num(lo), fmt_num(hi))
    }
}

/// Lower is better for these metrics; the report marks which way each ratio points.
fn lower_is_better(metric: &str) -> bool {
    !metric.starts_with("rps")
}

/// The metric values of one server's samples of a case, by metric index.
fn values(c: &Case, server: usize, metric: usize) -> Vec<f64> {
    c.samples[server]
        .iter()
        .filter_map(|s| s.metrics.get(metric).map(|m| m.1))
        .collect()
}

/// shardis/redis of the medians, or "–".
fn ratio(c: &Case, metric: usize) -> String {
    let r = stats(&values(c, 1, metric)).0 / stats(&values(c, 0, metric)).0;
    if r.is_finite() {
        format!("{r:.2}")
    } else {
        "–".into()
    }
}

/// The metric names of a case, from a sample that has them; None when no server could
/// run it.
fn metric_names(c: &Case) -> Option<Vec<&'static str>> {
    let s = c.samples.iter().flatten().find(|s| !s.metrics.is_empty())?;
    Some(s.metrics.iter().map(|m| m.0).collect())
}

/// The case's label, with the first note (e.g. an error reply) after it.
fn label(c: &Case) -> String {
    match c.samples.iter().flatten().find_map(|s| s.note.as_deref()) {
        Some(n) => format!("{} ⚠ {n}", c.label),
        None => c.label.clone(),
    }
}

/// The ratio tables: per scenario, one row per case and one shardis/redis column per
/// metric (ratios of the medians over rounds).
pub fn ratio_tables(results: &Results) -> String {
    let mut md = String::new();
    let mut scenarios: Vec<&str> = results.cases.iter().map(|c| c.scenario).collect();
    scenarios.dedup();
    for sc in scenarios {
        let cases: Vec<&Case> = results.cases.iter().filter(|c| c.scenario == sc).collect();
        let Some(names) = cases.iter().find_map(|c| metric_names(c)) else {
            continue;
        };
        md.push_str(&format!("\n### {sc}: shardis/redis\n\n| case |"));
        for n in &names {
            let arrow = if lower_is_better(n) { "↓" } else { "↑" };
            md.push_str(&format!(" {n} {arrow} |"));
        }
        md.push_str(&format!("\n|---|{}\n", "---|".repeat(names.len())));
        for c in cases {
            md.push_str(&format!("| {} |", label(c)));
            for mi in 0..names.len() {
                md.push_str(&format!(" {} |", ratio(c, mi)));
            }
            md.push('\n');
        }
    }
    md
}

/// Every value: one row per case and metric, median (min–max) over rounds per server.
pub fn detail_table(results: &Results) -> String {
    let mut md = String::from(
        "| scenario | case | metric | redis | shardis | shardis/redis |\n|---|---|---|---|---|---|\n",
    );
    for c in &results.cases {
        let Some(names) = metric_names(c) else {
            md.push_str(&format!(
                "| {} | {} | – | – | – | – |\n",
                c.scenario,
                label(c)
            ));
            continue;
        };
        if c.samples
            .iter()
            .any(|v| v.iter().all(|s| s.metrics.is_empty()))
        {
            // One server could not run it: its numbers alone are no comparison.
            md.push_str(&format!(
                "| {} | {} | – | – | – | – |\n",
                c.scenario,
                label(c)
            ));
            continue;
        }
        for (mi, metric) in names.iter().enumerate() {
            let arrow = if lower_is_better(metric) {
                "↓"
            } else {
                "↑"
            };
            md.push_str(&format!(
                "| {} | {} | {metric} {arrow} | {} | {} | {} |\n",
                c.scenario,
                c.label,
                cell(&values(c, 0, mi)),
                cell(&values(c, 1, mi)),
                ratio(c, mi)
            ));
        }
    }
    md
}

/// A file-name-safe form of a case label.
pub fn slug(label: &str) -> String {
    let mut s = String::new();
    for ch in label.chars() {
        if ch.is_ascii_alphanumeric() {
            s.push(ch.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_string()
}
