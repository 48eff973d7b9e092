//! Round-trip latency with one connection and no pipelining (`-c 1`): the client waits
//! for each reply, so this is the server's per-request path plus loopback.

use super::{args, run_rb_cases, Kit, RbCase, Scenario};
use crate::results::Results;
use crate::{Res, Settings};

pub struct Latency;

impl Scenario for Latency {
    fn name(&self) -> &'static str {
        "latency"
    }

    fn about(&self, s: &Settings) -> String {
        format!("SET/GET `-c 1 -P 1 -r 1000000 -n {}`", s.n_lat)
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let n = kit.settings.n_lat.to_string();
        let cases: Vec<RbCase> = ["set", "get"]
            .iter()
            .map(|t| RbCase {
                label: format!("{} -c 1", t.to_uppercase()),
                args: args(&["-t", t, "-c", "1", "-r", "1000000", "-n", &n]),
            })
            .collect();
        run_rb_cases(kit, self.name(), &cases, out)
    }
}
