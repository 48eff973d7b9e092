//! LATENCY: the per-command histograms (HISTOGRAM) and Redis's latency monitor (LATEST,
//! HISTORY, RESET, DOCTOR, GRAPH): per event, the last 160 one-second samples of the
//! worst latency in ms above `latency-monitor-threshold`. Each shard keeps its own
//! series; readers merge them by second (the worst of the shards' samples).

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;

use super::commands::Fut;
use super::stats::{gather_histograms, write_histogram};
use super::INDEX;
use crate::commands::client::subcommand;
use crate::commands::command_info::help;
use crate::server::client::Client;

/// Redis's `LATENCY_TS_LEN`.
const SAMPLES: usize = 160;

/// One event's samples: (unix seconds, ms), oldest first, and the worst ever.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub samples: VecDeque<(u64, u64)>,
    pub max: u64,
}

impl Series {
    fn add(&mut self, secs: u64, ms: u64) {
        self.max = self.max.max(ms);
        match self.samples.back_mut() {
            Some(last) if last.0 == secs => last.1 = last.1.max(ms),
            _ => {
                if self.samples.len() == SAMPLES {
                    self.samples.pop_front();
                }
                self.samples.push_back((secs, ms));
            }
        }
    }

    fn merge(&mut self, other: &Series) {
        let mut by_sec: BTreeMap<u64, u64> = self.samples.iter().copied().collect();
        for &(t, ms) in &other.samples {
            let e = by_sec.entry(t).or_default();
            *e = (*e).max(ms);
        }
        let skip = by_sec.len().saturating_sub(SAMPLES);
        self.samples = by_sec.into_iter().skip(skip).collect();
        self.max = self.max.max(other.max);
    }
}

/// A shard's latency monitor: event name -> series.
#[derive(Clone, Debug, Default)]
pub struct Events {
    pub series: BTreeMap<&'static str, Series>,
}

impl Events {
    pub fn add(&mut self, event: &'static str, secs: u64, ms: u64) {
        self.series.entry(event).or_default().add(secs, ms);
    }
}

async fn merged(c: &Client) -> Events {
    let parts = c.shard.fanout(|s| s.metrics.events.borrow().clone()).await;
    let mut all = Events::default();
    for p in parts {
        for (name, series) in p.series {
            all.series.entry(name).or_default().merge(&series);
        }
    }
    all
}

const HELP: &[&str] = &[
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
];

const SUBCOMMANDS: &[(&str, i32)] = &[
    ("latest", 2),
    ("history", 3),
    ("reset", -2),
    ("histogram", -2),
    ("doctor", 2),
    ("graph", 3),
    ("help", 2),
];

const DISABLED: &str = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
const NO_SPIKES: &str = "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";

pub fn latency(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let sub = match subcommand("latency", SUBCOMMANDS, &a) {
            Ok(s) => s,
            Err(e) => return c.reply().error(&e),
        };
        match sub {
            "histogram" => histogram(c, &a[2..]).await,
            "latest" => {
                let all = merged(c).await;
                let mut r = c.reply();
                r.array(all.series.len());
                for (name, s) in &all.series {
                    let last = s.samples.back().copied().unwrap_or_default();
                    r.array(4);
                    r.bulk(name.as_bytes());
                    r.int(last.0 as i64);
                    r.int(last.1 as i64);
                    r.int(s.max as i64);
                }
            }
            "history" => {
                let all = merged(c).await;
                let event = String::from_utf8_lossy(&a[2]).into_owned();
                let mut r = c.reply();
                match all.series.get(event.as_str()) {
                    None => r.array(0),
                    Some(s) => {
                        r.array(s.samples.len());
                        for &(t, ms) in &s.samples {
                            r.array(2);
                            r.int(t as i64);
                            r.int(ms as i64);
                        }
                    }
                }
            }
            "reset" => {
                let names: Vec<Vec<u8>> = a[2..].iter().map(|x| x.to_vec()).collect();
                let per_shard = c
                    .shard
                    .fanout(move |s| {
                        let mut events = s.metrics.events.borrow_mut();
                        let reset: Vec<&'static str> = events
                            .series
                            .keys()
                            .copied()
                            .filter(|k| names.is_empty() || names.iter().any(|n| n == k.as_bytes()))
                            .collect();
                        for k in &reset {
                            events.series.remove(k);
                        }
                        reset
                    })
                    .await;
                let mut distinct: Vec<&str> = per_shard.into_iter().flatten().collect();
                distinct.sort_unstable();
                distinct.dedup();
                c.reply().int(distinct.len() as i64)
            }
            "doctor" => {
                let all = merged(c).await;
                let text = doctor(&all, c.shard.config().latency_monitor_threshold);
                c.reply().verbatim(text.as_bytes())
            }
            "graph" => {
                let all = merged(c).await;
                let event = String::from_utf8_lossy(&a[2]).into_owned();
                match all.series.get(event.as_str()) {
                    None => c
                        .reply()
                        .error(&format!("ERR No samples available for event '{event}'")),
                    Some(s) => {
                        let text = graph(&event, s);
                        c.reply().verbatim(text.as_bytes())
                    }
                }
            }
            _ => help(&mut c.reply(), "latency", HELP),
        }
    })
}

/// LATENCY HISTOGRAM: a map of command name -> {calls, histogram_usec}, for the named
/// commands (a container names all its subcommands) or every command with samples.
async fn histogram(c: &mut Client, names: &[Bytes]) {
    let mut wanted: Vec<usize> = Vec::new();
    if names.is_empty() {
        wanted.extend(0..INDEX.names.len());
    } else {
        for n in names {
            if let Some((slot, subs)) = INDEX.find(n) {
                wanted.push(slot);
                wanted.extend(subs);
            }
        }
    }
    let hists = gather_histograms(c, &wanted).await;
    let with_data: Vec<_> = wanted
        .iter()
        .filter_map(|&slot| hists.get(&slot).map(|h| (slot, h)))
        .collect();
    let mut r = c.reply();
    r.map(with_data.len());
    for (slot, h) in with_data {
        r.bulk(INDEX.names[slot].as_bytes());
        write_histogram(&mut r, h);
    }
}

fn doctor(all: &Events, threshold: u64) -> String {
    if threshold == 0 && all.series.is_empty() {
        return DISABLED.into();
    }
    if all.series.is_empty() {
        return NO_SPIKES.into();
    }
    let mut out = String::from("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
    for (i, (name, s)) in all.series.iter().enumerate() {
        let n = s.samples.len().max(1) as f64;
        let avg = s.samples.iter().map(|x| x.1 as f64).sum::<f64>() / n;
        let mad = s
            .samples
            .iter()
            .map(|x| (x.1 as f64 - avg).abs())
            .sum::<f64>()
            / n;
        let period = match (s.samples.front(), s.samples.back()) {
            (Some(f), Some(l)) if s.samples.len() > 1 => (l.0 - f.0) as f64 / (n - 1.0),
            _ => 1.0,
        };
        out.push_str(&format!(
            "{}. {name}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.\n",
            i + 1,
            s.samples.len(),
            avg as u64,
            mad as u64,
            period,
            s.max
        ));
    }
    out.push('\n');
    out
}

/// A small ASCII graph of an event's samples, newest on the right.
fn graph(event: &str, s: &Series) -> String {
    let high = s.samples.iter().map(|x| x.1).max().unwrap_or(0);
    let low = s.samples.iter().map(|x| x.1).min().unwrap_or(0);
    let mut out = format!(
        "{event} - high {high} ms, low {low} ms (all time high {} ms)\n{}\n",
        s.max,
        "-".repeat(80)
    );
    const ROWS: u64 = 4;
    for row in (1..=ROWS).rev() {
        let line: String = s
            .samples
            .iter()
            .map(|&(_, ms)| {
                let level = if high == 0 {
                    0
                } else {
                    (ms * ROWS).div_ceil(high)
                };
                if level >= row {
                    '#'
                } else {
                    ' '
                }
            })
            .collect();
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_keep_the_worst_per_second() {
        let mut e = Events::default();
        e.add("command", 10, 5);
        e.add("command", 10, 20);
        e.add("command", 11, 3);
        let s = &e.series["command"];
        assert_eq!(s.samples, VecDeque::from(vec![(10, 20), (11, 3)]));
        assert_eq!(s.max, 20);
        let mut other = Series::default();
        other.add(10, 30);
        other.add(12, 1);
        let mut m = s.clone();
        m.merge(&other);
        assert_eq!(m.samples, VecDeque::from(vec![(10, 30), (11, 3), (12, 1)]));
        assert_eq!(m.max, 30);
    }

    #[test]
    fn series_is_bounded() {
        let mut s = Series::default();
        for t in 0..200 {
            s.add(t, 1);
        }
        assert_eq!(s.samples.len(), SAMPLES);
        assert_eq!(s.samples.front().unwrap().0, 40);
    }

    #[test]
    fn doctor_texts() {
        assert_eq!(doctor(&Events::default(), 0), DISABLED);
        assert_eq!(doctor(&Events::default(), 5), NO_SPIKES);
    }
}
