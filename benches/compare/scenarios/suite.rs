//! redis-benchmark's default test list (no `-t`): PING_INLINE, PING_MBULK, SET, GET, INCR,
//! the list, set, hash and sorted-set tests, LRANGE_100..600 and MSET, `-c 50`. Tests of
//! commands shardis does not have yet show "error replies" in the report: their numbers
//! time error replies, not the command.

use super::{args, run_rb_cases, Driver, Kit, RbCase, Scenario};
use crate::results::Results;
use crate::{Res, Settings};

pub struct Suite;

impl Scenario for Suite {
    fn name(&self) -> &'static str {
        "suite"
    }

    fn about(&self, s: &Settings) -> String {
        format!("redis-benchmark's default tests, `-n {} -c 50`", s.n_suite)
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let case = RbCase {
            label: String::new(),
            driver: Driver::Rb(args(&["-n", &kit.settings.n_suite.to_string(), "-c", "50"])),
        };
        run_rb_cases(kit, self.name(), &[case], out)
    }
}
