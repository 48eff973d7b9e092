//! The master role's options (redis.conf names): how they parse, print and default.
//! They live in one struct inside [`crate::config::Config`] (`Config::repl`); the
//! OPTIONS table's entries call the parsers here.

/// `client-output-buffer-limit` for one class: hard bytes, soft bytes, soft seconds
/// (0 = no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_secs: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplConfig {
    /// `repl-diskless-sync`: the RDB goes straight to replicas that announce `capa eof`.
    pub diskless_sync: bool,
    /// `repl-diskless-sync-delay` seconds to wait for more replicas before a snapshot.
    pub diskless_sync_delay: u64,
    /// `repl-diskless-sync-max-replicas`: start at once when this many wait (0 = off).
    pub diskless_sync_max_replicas: u64,
    /// `repl-ping-replica-period` seconds between PINGs appended to the log.
    pub ping_period: u64,
    /// `repl-timeout` seconds without an ACK before an online replica is dropped.
    pub timeout: u64,
    /// `client-output-buffer-limit`: normal, replica, pubsub (only replica is enforced).
    pub obuf: [BufferLimit; 3],
    /// `repl-core-cpu` (shardis): `auto` pins the replication core to CPU `shards` when
    /// the machine has a free CPU, `no` never pins, a number pins to that CPU.
    pub core_cpu: String,
    /// `replicaof host port` (`slaveof`): follow this master from start-up.
    pub replicaof: Option<crate::replication::replica::MasterAddr>,
    /// `masterauth`: the password the replica AUTHs to its master with.
    pub masterauth: Option<String>,
    /// `masteruser`: the user for that AUTH (`AUTH <user> <pass>`).
    pub masteruser: Option<String>,
    /// `replica-read-only`: writes from clients get `-READONLY` on a replica.
    pub replica_read_only: bool,
    /// `replica-serve-stale-data`: serve reads while the link is down (else `-MASTERDOWN`).
    pub replica_serve_stale_data: bool,
    /// `replica-priority` (INFO `slave_priority`, read by Sentinel).
    pub replica_priority: u64,
    /// `replica-announce-ip`: sent as `REPLCONF ip-address`.
    pub replica_announce_ip: Option<String>,
    /// `replica-announce-port`: sent as `REPLCONF listening-port` instead of `port` (0 = off).
    pub replica_announce_port: u16,
}

/// Replica class index in [`ReplConfig::obuf`].
pub const CLASS_REPLICA: usize = 1;

impl Default for ReplConfig {
    fn default() -> Self {
        ReplConfig {
            diskless_sync: true,
            // See DEFAULT_DELAY_SECS for the measurement behind our value.
            diskless_sync_delay: DEFAULT_DELAY_SECS,
            diskless_sync_max_replicas: 0,
            ping_period: 10,
            timeout: 60,
            obuf: [
                BufferLimit {
                    hard: 0,
                    soft: 0,
                    soft_secs: 0,
                },
                BufferLimit {
                    hard: 256 << 20,
                    soft: 64 << 20,
                    soft_secs: 60,
                },
                BufferLimit {
                    hard: 32 << 20,
                    soft: 8 << 20,
                    soft_secs: 60,
                },
            ],
            core_cpu: "auto".into(),
            replicaof: None,
            masterauth: None,
            masteruser: None,
            replica_read_only: true,
            replica_serve_stale_data: true,
            replica_priority: 100,
            replica_announce_ip: None,
            replica_announce_port: 0,
        }
    }
}

/// Our default `repl-diskless-sync-delay`: 1 s (Redis: 5 s).
///
/// The delay only batches replicas that arrive together into one snapshot; a replica
/// arriving while a snapshot runs waits for it to end and then for a whole new one
/// (one snapshot at a time). Measured on this 2-core machine (2 shards, 300k keys of 100
/// bytes, three real replicas started 0.3 s apart, time until all three links are up):
/// delay 0: two snapshots, the last replica up after 11.5 s; delay 1: one snapshot, all
/// up after 2.7 s; delay 5: one snapshot, all up after 8.1 s. Without a fork there is no
/// other cost to amortize, so the shortest delay that still catches a burst wins.
pub const DEFAULT_DELAY_SECS: u64 = 1;

/// `client-output-buffer-limit` as Redis prints it.
pub fn format_obuf(c: &ReplConfig) -> String {
    ["normal", "slave", "pubsub"]
        .iter()
        .zip(&c.obuf)
        .map(|(n, l)| format!("{n} {} {} {}", l.hard, l.soft, l.soft_secs))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `client-output-buffer-limit <class> <hard> <soft> <secs> ...` with Redis's messages
/// (`setConfigClientOutputBufferLimitOption`): all groups are checked before any applies.
pub fn parse_obuf(c: &mut ReplConfig, args: &[String]) -> Result<(), String> {
    let words: Vec<&str> = args.iter().flat_map(|a| a.split_whitespace()).collect();
    if !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut next = c.obuf;
    for g in words.chunks(4) {
        let class = match g[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "slave" | "replica" => 1,
            "pubsub" => 2,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        };
        let bad = || {
            String::from(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            )
        };
        let hard = crate::config::options::parse_memory(g[1]).map_err(|_| bad())?;
        let soft = crate::config::options::parse_memory(g[2]).map_err(|_| bad())?;
        let secs = crate::protocol::parse_i64_strict(g[3].as_bytes())
            .filter(|n| *n >= 0)
            .ok_or_else(bad)?;
        next[class] = BufferLimit {
            hard,
            soft,
            soft_secs: secs as u64,
        };
    }
    c.obuf = next;
    Ok(())
}

/// `repl-core-cpu`: auto, no, or a CPU number.
pub fn parse_core_cpu(s: &str) -> Result<String, String> {
    let v = s.to_ascii_lowercase();
    if v == "auto" || v == "no" || v.parse::<usize>().is_ok() {
        Ok(v)
    } else {
        Err("argument must be 'auto', 'no' or a CPU number".into())
    }
}

/// The CPU the replication core is pinned to, if any: `auto` takes CPU `nshards` when
/// the machine has more CPUs than shards (else the core floats, sharing CPUs).
pub fn core_placement(
    setting: &str,
    nshards: usize,
    cpus: usize,
    shards_pinned: bool,
) -> Option<usize> {
    match setting {
        "no" => None,
        "auto" => (shards_pinned && cpus > nshards).then_some(nshards),
        n => n.parse::<usize>().ok().filter(|n| *n < cpus),
    }
}

/// `replicaof` as CONFIG GET prints it: `host port`, or empty.
pub fn format_replicaof(c: &ReplConfig) -> String {
    c.replicaof
        .as_ref()
        .map(|m| format!("{} {}", m.host, m.port))
        .unwrap_or_default()
}

/// `replicaof host port` from a config file or the command line (`no one` clears it).
pub fn parse_replicaof(c: &mut ReplConfig, args: &[String]) -> Result<(), String> {
    // Two words, or one holding both (or nothing: not a replica) as CONFIG GET prints it.
    let words: Vec<&str> = match args {
        [one] => one.split_whitespace().collect(),
        _ => args.iter().map(String::as_str).collect(),
    };
    if words.is_empty() {
        c.replicaof = None;
        return Ok(());
    }
    let [host, port] = words[..] else {
        return Err("wrong number of arguments".into());
    };
    if host.eq_ignore_ascii_case("no") && port.eq_ignore_ascii_case("one") {
        c.replicaof = None;
        return Ok(());
    }
    let port: u16 = port
        .parse()
        .map_err(|_| "Invalid master port".to_string())?;
    c.replicaof = Some(crate::replication::replica::MasterAddr {
        host: host.to_string(),
        port,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Vec<String> {
        vec![v.to_string()]
    }

    #[test]
    fn obuf_parses_and_prints_like_redis() {
        let mut c = ReplConfig::default();
        assert_eq!(
            format_obuf(&c),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        parse_obuf(&mut c, &s("replica 1mb 2k 3")).unwrap();
        assert_eq!(c.obuf[CLASS_REPLICA].hard, 1 << 20);
        assert_eq!(c.obuf[CLASS_REPLICA].soft, 2000);
        assert!(parse_obuf(&mut c, &s("slave 1 2"))
            .unwrap_err()
            .starts_with("Wrong number"));
        assert!(parse_obuf(&mut c, &s("foo 1 2 3"))
            .unwrap_err()
            .starts_with("Invalid client class"));
        assert!(parse_obuf(&mut c, &s("slave 1 2 -3"))
            .unwrap_err()
            .starts_with("Error in hard"));
        parse_obuf(&mut c, &s("")).unwrap();
        assert_eq!(c.obuf[CLASS_REPLICA].soft_secs, 3);
    }

    #[test]
    fn core_placement_takes_a_free_cpu_only() {
        assert_eq!(core_placement("auto", 2, 4, true), Some(2));
        assert_eq!(core_placement("auto", 2, 2, true), None);
        assert_eq!(core_placement("no", 1, 4, true), None);
        assert_eq!(core_placement("3", 1, 4, true), Some(3));
    }
}
