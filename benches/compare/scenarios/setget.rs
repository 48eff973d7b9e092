//! SET and GET throughput, `-c 50 -r 1000000`, without pipelining and at `-P 16`.

use super::{args, run_rb_cases, Driver, Kit, RbCase, Scenario};
use crate::results::Results;
use crate::{Res, Settings};

pub struct SetGet;

impl SetGet {
    fn cases(s: &Settings) -> Vec<RbCase> {
        let mut cases = Vec::new();
        for (p, n) in [(1, s.n_p1), (16, s.n_p16)] {
            for t in ["set", "get"] {
                cases.push(RbCase {
                    label: format!("{} -c 50 -P {p}", t.to_uppercase()),
                    driver: Driver::Rb(args(&[
                        "-t",
                        t,
                        "-c",
                        "50",
                        "-P",
                        &p.to_string(),
                        "-r",
                        "1000000",
                        "-n",
                        &n.to_string(),
                    ])),
                });
            }
        }
        cases
    }
}

impl Scenario for SetGet {
    fn name(&self) -> &'static str {
        "setget"
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "SET/GET `-c 50 -r 1000000`: `-P 1 -n {}` and `-P 16 -n {}`",
            s.n_p1, s.n_p16
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        run_rb_cases(kit, self.name(), &Self::cases(&kit.settings), out)
    }
}
