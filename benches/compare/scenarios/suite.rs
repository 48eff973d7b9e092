//! redis-benchmark's default test list, `-n N -c 50`: PING_INLINE, PING_MBULK, SET, GET,
//! INCR, the list, set, hash and sorted-set tests, LRANGE_100..600 and MSET.
//!
//! redis-benchmark 7.0 exits at the first error reply (its `-e` no longer helps), so one
//! invocation of the whole list would stop at the first command shardis lacks. Each test
//! runs as its own invocation (`-t <test>`), in the default order; a test whose command a
//! server rejects is reported as unsupported with the server's error. `-t lrange_N` also
//! runs the LPUSH that fills the list; that section is kept once (with LRANGE_100), as the
//! default run has it once.

use super::{record, Kit, Scenario};
use crate::rb;
use crate::results::{Results, Sample};
use crate::{Res, Settings};

/// The default tests, in redis-benchmark's order (its `-t` names).
const TESTS: [&str; 19] = [
    "ping_inline",
    "ping_mbulk",
    "set",
    "get",
    "incr",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "sadd",
    "hset",
    "spop",
    "zadd",
    "zpopmin",
    "lrange_100",
    "lrange_300",
    "lrange_500",
    "lrange_600",
    "mset",
];

const LRANGE_FILL: &str = "LPUSH (needed to benchmark LRANGE)";

/// The report sections (redis-benchmark's headers) a test's run contributes.
fn sections(test: &str) -> Vec<String> {
    if let Some(n) = test.strip_prefix("lrange_") {
        let main = format!("LRANGE_{n} (first {n} elements)");
        if n == "100" {
            return vec![LRANGE_FILL.into(), main];
        }
        return vec![main];
    }
    if test == "mset" {
        return vec!["MSET (10 keys)".into()];
    }
    vec![test.to_uppercase()]
}

pub struct Suite;

impl Scenario for Suite {
    fn name(&self) -> &'static str {
        "suite"
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "redis-benchmark's default tests, `-n {} -c 50`, one `-t <test>` run each",
            s.n_suite
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let servers = kit.start_pair()?;
        let n = kit.settings.n_suite.to_string();
        for round in 0..kit.settings.rounds {
            for test in TESTS {
                let want = sections(test);
                for server in &servers {
                    let args: Vec<String> = ["-t", test, "-n", &n, "-c", "50"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                    match rb::run(server, &args, kit.rb_limit()) {
                        Ok(tests) => {
                            let kept: Vec<_> = tests
                                .into_iter()
                                .filter(|t| want.contains(&t.name))
                                .collect();
                            record(self.name(), round, "", server, &kept, out);
                        }
                        Err(e) => {
                            let Some(reply) = rb::server_error(&e) else {
                                return Err(e);
                            };
                            eprintln!(
                                "[suite round {}] {test:<34} {:<7} unsupported: {reply}",
                                round + 1,
                                server.name
                            );
                            for label in &want {
                                let s = Sample {
                                    note: Some(format!("{} replies: {reply}", server.name)),
                                    ..Sample::default()
                                };
                                out.add(self.name(), label, server.name, s);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
