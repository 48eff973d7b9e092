//! Reading the statistics: one fan-out that copies each shard's counters (and, when asked,
//! histograms) and merges them; the INFO sections and the LATENCY HISTOGRAM reply in
//! Redis 7.0's formats.

use std::collections::HashMap;
use std::fmt::Write;

use hdrhistogram::Histogram;

use super::{new_histogram, INDEX};
use crate::config::options::percentile_text;
use crate::protocol::Reply;
use crate::server::client::Client;

/// Merged counters of one command.
#[derive(Clone, Copy, Default, Debug, PartialEq)]
pub struct Counters {
    pub calls: u64,
    pub ns: u64,
    pub rejected: u64,
    pub failed: u64,
}

/// Everything INFO's metric sections show, merged over shards.
#[derive(Default)]
pub struct Snapshot {
    /// Per slot.
    pub counters: Vec<Counters>,
    /// Error code -> count, in first-seen order.
    pub errors: Vec<(String, u64)>,
    /// Slot -> histogram, for slots with samples (only when asked for).
    pub hists: HashMap<usize, Histogram<u64>>,
}

impl Snapshot {
    /// Gathers what `sections` need (nothing when none of the metric sections or `stats`,
    /// whose `total_error_replies` sums the errors, is asked for).
    pub async fn gather(c: &Client, sections: &[&str]) -> Snapshot {
        let any = |names: &[&str]| sections.iter().any(|s| names.contains(s));
        if !any(&["commandstats", "errorstats", "latencystats", "stats"]) {
            return Snapshot::default();
        }
        let with_hists = any(&["latencystats"]);
        let parts = c
            .shard
            .fanout(move |s| {
                let m = &s.metrics;
                let counters: Vec<Counters> = m
                    .slots
                    .iter()
                    .map(|x| Counters {
                        calls: x.calls.get(),
                        ns: x.ns.get(),
                        rejected: x.rejected.get(),
                        failed: x.failed.get(),
                    })
                    .collect();
                let hists: Vec<(usize, Histogram<u64>)> = if with_hists {
                    shard_histograms(s, None)
                } else {
                    Vec::new()
                };
                let errors: Vec<(String, u64)> = m
                    .errors
                    .borrow()
                    .iter()
                    .map(|(c, n)| (c.to_string(), *n))
                    .collect();
                (counters, errors, hists)
            })
            .await;
        let mut snap = Snapshot {
            counters: vec![Counters::default(); INDEX.names.len()],
            ..Snapshot::default()
        };
        for (counters, errors, hists) in parts {
            for (t, x) in snap.counters.iter_mut().zip(counters) {
                t.calls += x.calls;
                t.ns += x.ns;
                t.rejected += x.rejected;
                t.failed += x.failed;
            }
            for (code, n) in errors {
                match snap.errors.iter_mut().find(|(c, _)| *c == code) {
                    Some((_, t)) => *t += n,
                    None => snap.errors.push((code, n)),
                }
            }
            merge_into(&mut snap.hists, hists);
        }
        snap
    }

    pub fn total_errors(&self) -> u64 {
        self.errors.iter().map(|(_, n)| n).sum()
    }

    /// `# Commandstats` lines (without the header).
    pub fn commandstats(&self, out: &mut String) {
        for (slot, x) in self.counters.iter().enumerate() {
            if x.calls == 0 && x.rejected == 0 && x.failed == 0 {
                continue;
            }
            let usec = x.ns / 1000;
            let per_call = if x.calls == 0 {
                0.0
            } else {
                usec as f64 / x.calls as f64
            };
            let _ = write!(
                out,
                "cmdstat_{}:calls={},usec={usec},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
                INDEX.names[slot], x.calls, x.rejected, x.failed
            );
        }
    }

    /// `# Errorstats` lines, by code in byte order (Redis keeps them in a radix tree).
    pub fn errorstats(&self, out: &mut String) {
        let mut errors: Vec<&(String, u64)> = self.errors.iter().collect();
        errors.sort();
        for (code, n) in errors {
            let _ = write!(out, "errorstat_{code}:count={n}\r\n");
        }
    }

    /// `# Latencystats` lines for `percentiles`.
    pub fn latencystats(&self, percentiles: &[f64], out: &mut String) {
        for (slot, name) in INDEX.names.iter().enumerate() {
            let Some(h) = self.hists.get(&slot) else {
                continue;
            };
            let _ = write!(out, "latency_percentiles_usec_{name}:");
            for (i, p) in percentiles.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let v = value_at_percentile(h, *p) as f64 / 1000.0;
                let _ = write!(out, "p{}={v:.3}", percentile_text(*p));
            }
            out.push_str("\r\n");
        }
    }
}

/// `hdr_value_at_percentile`: the highest value equivalent to the first recorded value
/// whose cumulative count reaches the rounded share of samples.
pub fn value_at_percentile(h: &Histogram<u64>, p: f64) -> u64 {
    let want = ((p.min(100.0) / 100.0 * h.len() as f64 + 0.5) as u64).max(1);
    let mut total = 0;
    for v in h.iter_recorded() {
        total += v.count_at_value();
        if total >= want {
            return h.highest_equivalent(v.value_iterated_to());
        }
    }
    0
}

/// Copies of a shard's non-empty histograms (of `only` slots, or all).
fn shard_histograms(
    s: &crate::server::shard::ShardCtx,
    only: Option<&[usize]>,
) -> Vec<(usize, Histogram<u64>)> {
    let slots = &s.metrics.slots;
    let pick = |i: usize| {
        let h = slots[i].hist.borrow();
        h.as_ref().filter(|h| !h.is_empty()).map(|h| (i, h.clone()))
    };
    match only {
        Some(wanted) => wanted.iter().filter_map(|&i| pick(i)).collect(),
        None => (0..slots.len()).filter_map(pick).collect(),
    }
}

fn merge_into(into: &mut HashMap<usize, Histogram<u64>>, part: Vec<(usize, Histogram<u64>)>) {
    for (slot, h) in part {
        into.entry(slot)
            .or_insert_with(new_histogram)
            .add(&h)
            .expect("same bounds");
    }
}

/// The merged histograms of `slots` that have samples.
pub async fn gather_histograms(c: &Client, slots: &[usize]) -> HashMap<usize, Histogram<u64>> {
    let mut wanted = slots.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let parts = c
        .shard
        .fanout(move |s| shard_histograms(s, Some(&wanted)))
        .await;
    let mut all = HashMap::new();
    for p in parts {
        merge_into(&mut all, p);
    }
    all
}

/// Redis's `fillCommandCDF` buckets: from 1024 ns, doubling, each reported as the highest
/// value equivalent to its bound in µs, with the cumulative count up to it; a bucket is
/// listed only when the count grew, and the list stops once every sample is counted.
pub fn buckets(h: &Histogram<u64>) -> Vec<(u64, u64)> {
    let total = h.len();
    let mut out = Vec::new();
    let mut previous = 0;
    let mut level: u64 = 1024;
    while previous < total {
        let top = h.highest_equivalent(level);
        let cumulative = h.count_between(0, top);
        if cumulative > previous {
            out.push((top / 1000, cumulative));
        }
        previous = cumulative;
        if level >= u64::MAX / 2 {
            break;
        }
        level *= 2;
    }
    out
}

/// One command's `{calls, histogram_usec}` map.
pub fn write_histogram(r: &mut Reply, h: &Histogram<u64>) {
    r.map(2);
    r.bulk(b"calls");
    r.int(h.len() as i64);
    r.bulk(b"histogram_usec");
    let b = buckets(h);
    r.map(b.len());
    for (usec, count) in b {
        r.int(usec as i64);
        r.int(count as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_match_redis() {
        // Values Redis showed: 3 SETs of ~5-9 µs -> {8: 2, 16: 3}; CLIENT LIST 19 µs -> 33
        // is the bucket after 16 (32768 ns has 256-ns steps: highest equivalent 33023).
        let mut h = new_histogram();
        for ns in [5_000, 7_000, 9_000] {
            h.record(ns).unwrap();
        }
        assert_eq!(buckets(&h), vec![(8, 2), (16, 3)]);
        let mut h = new_histogram();
        h.record(19_000).unwrap();
        assert_eq!(buckets(&h), vec![(33, 1)]);
        let mut h = new_histogram();
        h.record(1).unwrap();
        h.record(1_000_000_000).unwrap();
        let b = buckets(&h);
        assert_eq!(b.first(), Some(&(1, 1)));
        assert_eq!(b.last().unwrap().1, 2);
    }

    #[test]
    fn info_lines() {
        let mut snap = Snapshot {
            counters: vec![Counters::default(); INDEX.names.len()],
            ..Snapshot::default()
        };
        let (get, _) = INDEX.find(b"get").unwrap();
        snap.counters[get] = Counters {
            calls: 3,
            ns: 11_900,
            rejected: 0,
            failed: 1,
        };
        let mut h = new_histogram();
        h.record(19_000).unwrap();
        snap.hists.insert(get, h);
        snap.errors.push(("WRONGTYPE".into(), 1));
        snap.errors.push(("ERR".into(), 2));
        let mut out = String::new();
        snap.commandstats(&mut out);
        assert_eq!(
            out,
            "cmdstat_get:calls=3,usec=11,usec_per_call=3.67,rejected_calls=0,failed_calls=1\r\n"
        );
        out.clear();
        snap.errorstats(&mut out);
        assert_eq!(
            out,
            "errorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=1\r\n"
        );
        out.clear();
        snap.latencystats(&[50.0, 99.0, 99.9], &mut out);
        assert_eq!(
            out,
            "latency_percentiles_usec_get:p50=19.071,p99=19.071,p99.9=19.071\r\n"
        );
    }
}
