//! Multi-key writes and transactions: `redis-benchmark -t mset` (10 keys sharing a hash
//! tag, so one shard), MSET of 10 random keys (spread over the shards: the cross-shard
//! lock path), and MULTI/EXEC transfers between two random accounts of 1000 over 16
//! connections (our load generator; redis-benchmark cannot send a transaction).

use super::{args, run_rb_cases, Driver, Kit, RbCase, Scenario};
use crate::results::Results;
use crate::{Res, Settings};

pub struct Atomic;

impl Atomic {
    fn cases(s: &Settings) -> Vec<RbCase> {
        let n = s.n_p1.to_string();
        let mut spread = args(&["-c", "50", "-r", "1000000", "-n", &n, "MSET"]);
        for i in 0..10 {
            spread.push(format!("k{i}:__rand_int__"));
            spread.push("xxx".into());
        }
        vec![
            RbCase {
                label: "MSET 10 keys, one shard".into(),
                driver: Driver::Rb(args(&["-t", "mset", "-c", "50", "-n", &n])),
            },
            RbCase {
                label: "MSET 10 random keys".into(),
                driver: Driver::Rb(spread),
            },
            RbCase {
                label: "MULTI/EXEC transfer, 16 conns".into(),
                driver: Driver::Transfers(16, s.n_p1 / 4),
            },
        ]
    }
}

impl Scenario for Atomic {
    fn name(&self) -> &'static str {
        "atomic"
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "`-t mset -c 50 -n {n}` (one hash tag), MSET of 10 `__rand_int__` keys \
             `-c 50 -n {n}`, and {} MULTI/INCRBY/INCRBY/EXEC transfers on 16 connections",
            s.n_p1 / 4,
            n = s.n_p1
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        run_rb_cases(kit, self.name(), &Self::cases(&kit.settings), out)
    }
}
