//! Round-trip latency with one connection and no pipelining (`-c 1`): the client waits
//! for each reply, so this is the server's per-request path plus loopback. Each command
//! runs twice: with redis-benchmark, and with our own HdrHistogram client
//! ([`crate::loadgen`], every bucket at ns resolution); the notes compare the two clients'
//! numbers on the same server, a check of both.

use super::{args, run_rb_cases, Driver, Kit, RbCase, Scenario};
use crate::results::{fmt_num, stats, Results, SERVERS};
use crate::{Res, Settings};

pub struct Latency;

const OWN: &str = " (hdr client)";

impl Scenario for Latency {
    fn name(&self) -> &'static str {
        "latency"
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "SET/GET `-c 1 -P 1 -r 1000000 -n {}`, with redis-benchmark and with our own \
             one-connection HdrHistogram client",
            s.n_lat
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let n = kit.settings.n_lat;
        let mut cases = Vec::new();
        for t in ["set", "get"] {
            let label = format!("{} -c 1", t.to_uppercase());
            cases.push(RbCase {
                label: label.clone(),
                driver: Driver::Rb(args(&[
                    "-t",
                    t,
                    "-c",
                    "1",
                    "-r",
                    "1000000",
                    "-n",
                    &n.to_string(),
                ])),
            });
            cases.push(RbCase {
                label: format!("{label}{OWN}"),
                driver: Driver::Own(t, n),
            });
        }
        run_rb_cases(kit, self.name(), &cases, out)
    }

    fn notes(&self, results: &Results) -> String {
        let mut md = String::from(
            "\n### latency: client check\n\nThe same server measured by redis-benchmark and by \
             the hdr client; medians over rounds. redis-benchmark records µs, the hdr client \
             ns, both at 3 significant digits.\n\n\
             | case | server | metric | redis-benchmark | hdr client | hdr/rb |\n|---|---|---|---|---|---|\n",
        );
        let find = |label: &str| {
            results
                .cases
                .iter()
                .find(|c| c.scenario == self.name() && c.label == label)
        };
        for t in ["SET", "GET"] {
            let label = format!("{t} -c 1");
            let (Some(rb), Some(own)) = (find(&label), find(&format!("{label}{OWN}"))) else {
                continue;
            };
            for (si, server) in SERVERS.iter().enumerate() {
                for (mi, metric) in [(0, "rps"), (1, "p50 ms"), (2, "p99 ms"), (3, "p99.9 ms")] {
                    let med = |c: &crate::results::Case| {
                        let v: Vec<f64> = c.samples[si]
                            .iter()
                            .filter_map(|s| s.metrics.get(mi).map(|m| m.1))
                            .collect();
                        stats(&v).0
                    };
                    let (a, b) = (med(rb), med(own));
                    md.push_str(&format!(
                        "| {label} | {server} | {metric} | {} | {} | {:.2} |\n",
                        fmt_num(a),
                        fmt_num(b),
                        b / a
                    ));
                }
            }
        }
        md
    }
}
