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

/// The ratio table: one row per case and metric, median (min–max) over rounds per server,
/// and shardis/redis of the medians.
pub fn table(results: &Results) -> String {
    let mut md = String::from(
        "| scenario | case | metric | redis | shardis | shardis/redis |\n|---|---|---|---|---|---|\n",
    );
    for c in &results.cases {
        let Some(first) = c.samples.iter().flatten().find(|s| !s.metrics.is_empty()) else {
            let notes: Vec<&str> = c
                .samples
                .iter()
                .flatten()
                .filter_map(|s| s.note.as_deref())
                .collect();
            md.push_str(&format!(
                "| {} | {} ⚠ {} | – | – | – | – |\n",
                c.scenario,
                c.label,
                notes.first().unwrap_or(&"no data")
            ));
            continue;
        };
        let notes: Vec<&str> = c
            .samples
            .iter()
            .flatten()
            .filter_map(|s| s.note.as_deref())
            .collect();
        let mut label = c.label.clone();
        if let Some(n) = notes.first() {
            label.push_str(&format!(" ⚠ {n}"));
        }
        for (mi, (metric, _)) in first.metrics.iter().enumerate() {
            let vals = |si: usize| -> Vec<f64> {
                c.samples[si]
                    .iter()
                    .filter_map(|s| s.metrics.get(mi).map(|m| m.1))
                    .collect()
            };
            let (r, s) = (vals(0), vals(1));
            let ratio = stats(&s).0 / stats(&r).0;
            let arrow = if lower_is_better(metric) {
                "↓"
            } else {
                "↑"
            };
            md.push_str(&format!(
                "| {} | {label} | {metric} {arrow} | {} | {} | {} |\n",
                c.scenario,
                cell(&r),
                cell(&s),
                if ratio.is_finite() {
                    format!("{ratio:.2}")
                } else {
                    "–".into()
                }
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
