//! INFO: Redis 7.0's sections, field names and order (`genRedisInfoString` in `server.c`),
//! so that tools parsing INFO (redis-cli `--stat`, client libraries, exporters) accept it,
//! plus shardis's own fields (`shardis_version`, `shards`) at the end of `# Server`.
//!
//! Per-shard numbers (keys, hits, commands processed, expired keys) are gathered with one
//! fan-out and summed; process-wide numbers come from `Global` and `/proc/self`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::flag::*;
use super::{CommandSpec, KeyRange, Run};
use crate::server::client::Client;
use crate::server::shard::unix_ms;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "info",
    arity: -1,
    flags: LOADING | STALE,
    keys: KeyRange::NONE,
    run: Run::Coord(info),
}];

/// The version INFO reports as `redis_version`: tools gate features on it.
pub const REDIS_VERSION: &str = "7.0.15";

/// Sections in output order. `Modules` is `module_list` in the default set.
const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// INFO with no argument or `default`.
const DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// What one shard reports.
#[derive(Default, Clone)]
struct ShardStats {
    /// (keys, keys with a TTL) per database.
    dbs: Vec<(usize, usize)>,
    hits: u64,
    misses: u64,
    expired: u64,
    commands: u64,
}

/// Which sections to produce, from the arguments (Redis's `genInfoSectionDict`).
fn wanted(a: &[Bytes]) -> Vec<&'static str> {
    let mut names: Vec<String> = Vec::new();
    let mut all = false;
    if a.len() == 1 {
        names.extend(DEFAULT.iter().map(|s| s.to_string()));
    }
    for arg in &a[1..] {
        let s = String::from_utf8_lossy(arg).to_ascii_lowercase();
        match s.as_str() {
            "default" => names.extend(DEFAULT.iter().map(|s| s.to_string())),
            "all" | "everything" => all = true,
            _ => names.push(s),
        }
    }
    SECTIONS
        .iter()
        .copied()
        .filter(|s| {
            let asked = |n: &str| names.iter().any(|x| x == n);
            match *s {
                // `all` leaves out module-generated sections, not the (empty) module list.
                "modules" => all || asked("modules") || asked("module_list"),
                _ => all || asked(s),
            }
        })
        .collect()
}

/// Resident set size in bytes, from `/proc/self/statm` (second field, in pages).
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages * page
}

/// (system, user) CPU seconds of the process, from `/proc/self/stat` (fields 15 and 14,
/// in clock ticks).
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may contain spaces; count fields after its ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    // After ')': state is index 0, so utime (field 14) is 11 and stime (15) is 12.
    (tick(12) / hz, tick(11) / hz)
}

fn total_system_memory() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// Redis's `bytesToHuman`: `100B`, `1.50K`, `2.00M`...
pub fn human(n: u64) -> String {
    const UNITS: &[(u64, &str)] = &[
        (1 << 60, "E"),
        (1 << 50, "P"),
        (1 << 40, "T"),
        (1 << 30, "G"),
        (1 << 20, "M"),
        (1 << 10, "K"),
    ];
    for &(size, unit) in UNITS {
        if n >= size {
            return format!("{:.2}{unit}", n as f64 / size as f64);
        }
    }
    format!("{n}B")
}

/// Highest `used_memory` INFO has seen (`used_memory_peak`).
static PEAK: AtomicU64 = AtomicU64::new(0);

/// The highest memory estimate seen so far, counting `used`.
pub fn peak_memory(used: u64) -> u64 {
    PEAK.fetch_max(used, Ordering::Relaxed).max(used)
}

/// `# Replication` for a master (Redis 7.0.15's `genRedisInfoString` order).
///
/// `repl_backlog_active` is always 1: shardis's replication log exists from start-up
/// (every write is appended to it whether or not a replica is connected), so
/// `master_repl_offset` grows from the first write and a replica can partially resync
/// from anything the log still holds. Redis creates its backlog with the first replica,
/// and reports 0 / offset 0 until then.
fn replication(
    out: &mut String,
    g: &crate::server::Global,
    cfg: &crate::config::Config,
    now_ms: u64,
) {
    use crate::replication::state::ReplicaState;
    let repl = &g.repl;
    let replicas = repl.replicas();
    let ids = repl.ids();
    let log = &g.repl_log;
    if g.replica.is_replica() {
        replica_fields(out, g, cfg, now_ms);
    } else {
        let _ = write!(out, "# Replication\r\nrole:master\r\n");
    }
    let _ = write!(out, "connected_slaves:{}\r\n", replicas.len());
    if cfg.min_replicas_to_write != 0 && cfg.min_replicas_max_lag != 0 {
        let good = repl.good_replicas.load(Ordering::Relaxed);
        let _ = write!(out, "min_slaves_good_slaves:{good}\r\n");
    }
    for (i, r) in replicas.iter().enumerate() {
        let state = r.state();
        let lag = if state == ReplicaState::Online {
            (now_ms / 1000).saturating_sub(r.ack_unix_ms.load(Ordering::Relaxed) / 1000)
        } else {
            0
        };
        let _ = write!(
            out,
            "slave{i}:ip={},port={},state={},offset={},lag={lag}\r\n",
            r.ip,
            r.port,
            state.name(),
            r.ack_offset.load(Ordering::Relaxed),
        );
    }
    let _ = write!(
        out,
        "master_failover_state:no-failover\r\n\
         master_replid:{}\r\n\
         master_replid2:{}\r\n\
         master_repl_offset:{}\r\n\
         second_repl_offset:{}\r\n\
         repl_backlog_active:1\r\n\
         repl_backlog_size:{}\r\n\
         repl_backlog_first_byte_offset:{}\r\n\
         repl_backlog_histlen:{}\r\n",
        ids.replid,
        ids.replid2,
        log.offset(),
        ids.second_repl_offset,
        log.capacity(),
        log.first_offset(),
        log.held(),
    );
}

/// INFO replication's head on a replica, field for field as Redis 7.0's
/// `genRedisInfoString`: the offsets are the streaming master's, else the cached one's,
/// else 1; the transfer fields only while an RDB arrives (an EOF-framed one has size -1,
/// and Redis's arithmetic on it is kept).
fn replica_fields(
    out: &mut String,
    g: &crate::server::Global,
    cfg: &crate::config::Config,
    now_ms: u64,
) {
    use crate::replication::replica::LinkState;
    let r = &g.replica;
    let link = r.info();
    let up = r.link_up.load(Ordering::Acquire);
    let (host, port) = link
        .master
        .as_ref()
        .map(|m| (m.host.as_str(), m.port))
        .unwrap_or_default();
    let (applied, read) = match (up, &link.cached) {
        (true, _) => (
            r.applied_offset.load(Ordering::Acquire),
            r.read_offset.load(Ordering::Acquire),
        ),
        (false, Some((_, offset))) => (*offset, *offset),
        (false, None) => (1, 1),
    };
    let secs_since = |unix_ms: u64| (now_ms / 1000) as i64 - (unix_ms / 1000) as i64;
    let last_io = if up {
        secs_since(link.last_io_unix_ms)
    } else {
        -1
    };
    let in_sync = link.state == LinkState::Sync;
    let _ = write!(
        out,
        "# Replication\r\nrole:slave\r\n\
         master_host:{host}\r\n\
         master_port:{port}\r\n\
         master_link_status:{}\r\n\
         master_last_io_seconds_ago:{last_io}\r\n\
         master_sync_in_progress:{}\r\n\
         slave_read_repl_offset:{read}\r\n\
         slave_repl_offset:{applied}\r\n",
        if up { "up" } else { "down" },
        in_sync as u8,
    );
    if let (true, Some(t)) = (in_sync, link.transfer) {
        let read = t.read_bytes as i64;
        let perc = if t.total_bytes != 0 {
            read as f64 / t.total_bytes as f64 * 100.0
        } else {
            0.0
        };
        let _ = write!(
            out,
            "master_sync_total_bytes:{}\r\n\
             master_sync_read_bytes:{read}\r\n\
             master_sync_left_bytes:{}\r\n\
             master_sync_perc:{perc:.2}\r\n\
             master_sync_last_io_seconds_ago:{}\r\n",
            t.total_bytes,
            t.total_bytes - read,
            secs_since(t.last_io_unix_ms),
        );
    }
    if !up {
        let down = link.down_since_unix_ms.map_or(-1, secs_since);
        let _ = write!(out, "master_link_down_since_seconds:{down}\r\n");
    }
    let _ = write!(
        out,
        "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:1\r\n",
        cfg.repl.replica_priority, cfg.repl.replica_read_only as u8,
    );
}

fn info(
    c: &mut Client,
    a: Vec<Bytes>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
    Box::pin(async move {
        let sections = wanted(&a);
        let needs_shards = sections
            .iter()
            .any(|s| ["stats", "keyspace", "memory"].contains(s));
        let stats = if needs_shards {
            c.shard
                .fanout(|s| {
                    let ks = s.keyspace.borrow();
                    ShardStats {
                        dbs: ks.dbs.iter().map(|d| (d.len(), d.volatile_len())).collect(),
                        hits: ks.hits,
                        misses: ks.misses,
                        expired: ks.dbs.iter().map(|d| d.expired_total).sum(),
                        commands: s.metrics.total_calls(),
                    }
                })
                .await
        } else {
            Vec::new()
        };
        let metrics = crate::metrics::stats::Snapshot::gather(c, &sections).await;
        // (blocked clients, of which with a timeout), summed over shards.
        let blocked = if sections.contains(&"clients") {
            c.shard
                .fanout(crate::server::blocking::blocked_counts)
                .await
                .into_iter()
                .fold((0, 0), |t, b| (t.0 + b.0, t.1 + b.1))
        } else {
            (0, 0)
        };
        let text = render(c, &sections, &stats, &metrics, blocked);
        c.reply().verbatim(text.as_bytes());
    })
}

fn render(
    c: &Client,
    sections: &[&str],
    shards: &[ShardStats],
    metrics: &crate::metrics::stats::Snapshot,
    blocked: (usize, usize),
) -> String {
    let g = &c.shard.global;
    let cfg = c.shard.config().clone();
    let sum = |f: fn(&ShardStats) -> u64| shards.iter().map(f).sum::<u64>();
    let now_ms = unix_ms();
    let uptime = g.started.elapsed().as_secs();
    let mut dbs = vec![(0usize, 0usize); cfg.databases];
    for s in shards {
        for (i, (k, e)) in s.dbs.iter().enumerate() {
            if let Some(d) = dbs.get_mut(i) {
                d.0 += k;
                d.1 += e;
            }
        }
    }
    // shardis does not count its allocations: the memory estimate is the resident set of
    // the process (an upper bound: it includes allocator slack, stacks and buffers).
    let rss = rss_bytes();
    let used = rss;
    let peak = peak_memory(used);
    let mut out = String::new();
    let mut first = true;
    for &section in sections {
        if !first {
            out.push_str("\r\n");
        }
        first = false;
        // `l("# Name", ..)` writes a section header; anything else a `field:value` line.
        let mut l = |k: &str, v: &dyn std::fmt::Display| {
            let _ = if k.starts_with("# ") {
                write!(out, "{k}\r\n")
            } else {
                write!(out, "{k}:{v}\r\n")
            };
        };
        match section {
            "server" => {
                l("# Server", &"");
                l("redis_version", &REDIS_VERSION);
                l("redis_git_sha1", &"00000000");
                l("redis_git_dirty", &0);
                l("redis_build_id", &"0");
                l("redis_mode", &"standalone");
                l("os", &os_name());
                l("arch_bits", &64);
                l("monotonic_clock", &"POSIX clock_gettime");
                l("multiplexing_api", &"io_uring");
                l("atomicvar_api", &"c11-builtin");
                l("gcc_version", &"0.0.0");
                l("process_id", &std::process::id());
                l("process_supervised", &"no");
                l("run_id", &g.run_id);
                l("tcp_port", &cfg.port);
                l("server_time_usec", &(now_ms * 1000));
                l("uptime_in_seconds", &uptime);
                l("uptime_in_days", &(uptime / 86400));
                l("hz", &cfg.hz);
                l("configured_hz", &cfg.hz);
                l("lru_clock", &((now_ms / 1000) & ((1 << 24) - 1)));
                l("executable", &g.executable);
                l("config_file", &g.config_file.as_deref().unwrap_or(""));
                l("io_threads_active", &0);
                l("shardis_version", &env!("CARGO_PKG_VERSION"));
                l("shards", &g.nshards);
            }
            "clients" => {
                l("# Clients", &"");
                l(
                    "connected_clients",
                    &g.connected_clients.load(Ordering::Relaxed),
                );
                l("cluster_connections", &0);
                l("maxclients", &cfg.maxclients);
                l("client_recent_max_input_buffer", &0);
                l("client_recent_max_output_buffer", &0);
                l("blocked_clients", &blocked.0);
                l("tracking_clients", &0);
                l("clients_in_timeout_table", &blocked.1);
            }
            "memory" => {
                l("# Memory", &"");
                l("used_memory", &used);
                l("used_memory_human", &human(used));
                l("used_memory_rss", &rss);
                l("used_memory_rss_human", &human(rss));
                l("used_memory_peak", &peak);
                l("used_memory_peak_human", &human(peak));
                l(
                    "used_memory_peak_perc",
                    &format!("{:.2}%", used as f64 * 100.0 / peak.max(1) as f64),
                );
                l("used_memory_overhead", &0);
                l("used_memory_startup", &0);
                l("used_memory_dataset", &used);
                l("used_memory_dataset_perc", &"100.00%");
                l("allocator_allocated", &used);
                l("allocator_active", &used);
                l("allocator_resident", &rss);
                let total = total_system_memory();
                l("total_system_memory", &total);
                l("total_system_memory_human", &human(total));
                for k in ["used_memory_lua", "used_memory_vm_eval"] {
                    l(k, &0);
                }
                l("used_memory_lua_human", &"0B");
                for k in [
                    "used_memory_scripts_eval",
                    "number_of_cached_scripts",
                    "number_of_functions",
                    "number_of_libraries",
                    "used_memory_vm_functions",
                    "used_memory_vm_total",
                ] {
                    l(k, &0);
                }
                l("used_memory_vm_total_human", &"0B");
                l("used_memory_functions", &0);
                l("used_memory_scripts", &0);
                l("used_memory_scripts_human", &"0B");
                l("maxmemory", &cfg.maxmemory);
                l("maxmemory_human", &human(cfg.maxmemory));
                l("maxmemory_policy", &cfg.maxmemory_policy);
                l("allocator_frag_ratio", &"1.00");
                l("allocator_frag_bytes", &0);
                l("allocator_rss_ratio", &"1.00");
                l("allocator_rss_bytes", &0);
                l("rss_overhead_ratio", &"1.00");
                l("rss_overhead_bytes", &0);
                l("mem_fragmentation_ratio", &"1.00");
                l("mem_fragmentation_bytes", &0);
                // The replication log is the one replication buffer (backlog and every
                // replica's stream at once): what it holds is both Redis figures.
                let held = g.repl_log.held();
                l("mem_not_counted_for_evict", &0);
                l("mem_replication_backlog", &held);
                l("mem_total_replication_buffers", &held);
                for k in [
                    "mem_clients_slaves",
                    "mem_clients_normal",
                    "mem_cluster_links",
                    "mem_aof_buffer",
                ] {
                    l(k, &0);
                }
                l("mem_allocator", &"mimalloc");
                l("active_defrag_running", &0);
                l("lazyfree_pending_objects", &0);
                l("lazyfreed_objects", &0);
            }
            "persistence" => {
                let p = &g.persist;
                let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
                l("# Persistence", &"");
                l("loading", &(p.loading.load(Ordering::Relaxed) as u8));
                for k in [
                    "async_loading",
                    "current_cow_peak",
                    "current_cow_size",
                    "current_cow_size_age",
                ] {
                    l(k, &0);
                }
                l("current_fork_perc", &"0.00");
                l("current_save_keys_processed", &0);
                l("current_save_keys_total", &0);
                l("rdb_changes_since_last_save", &p.changes_since_save());
                l(
                    "rdb_bgsave_in_progress",
                    &(p.bgsave_in_progress.load(Ordering::Relaxed) as u8),
                );
                l(
                    "rdb_last_save_time",
                    &g.lastsave_unix.load(Ordering::Relaxed),
                );
                let ok = p.last_bgsave_ok.load(Ordering::Relaxed);
                l("rdb_last_bgsave_status", &if ok { "ok" } else { "err" });
                l(
                    "rdb_last_bgsave_time_sec",
                    &p.last_bgsave_secs.load(Ordering::Relaxed),
                );
                l("rdb_current_bgsave_time_sec", &p.current_bgsave_secs());
                l("rdb_saves", &n(&p.saves));
                l("rdb_last_cow_size", &0);
                l("rdb_last_load_keys_expired", &n(&p.load_keys_expired));
                l("rdb_last_load_keys_loaded", &n(&p.load_keys_loaded));
                // Ours: the longest a snapshot (its cut, or a step of its walk) kept a
                // shard's clients from running (the most a write waited for it), since
                // the last snapshot began: wall-clock, and the shard's own CPU work in it.
                let (hold_us, hold_cpu_us) = crate::snapshot::longest_hold_us();
                l("shardis_snapshot_longest_hold_usec", &hold_us);
                l("shardis_snapshot_longest_hold_cpu_usec", &hold_cpu_us);
                l("aof_enabled", &(cfg.appendonly as u8));
                l("aof_rewrite_in_progress", &0);
                l("aof_rewrite_scheduled", &0);
                l("aof_last_rewrite_time_sec", &-1);
                l("aof_current_rewrite_time_sec", &-1);
                l("aof_last_bgrewrite_status", &"ok");
                l("aof_rewrites", &0);
                l("aof_rewrites_consecutive_failures", &0);
                l("aof_last_write_status", &"ok");
                l("aof_last_cow_size", &0);
                l("module_fork_in_progress", &0);
                l("module_fork_last_cow_size", &0);
            }
            "stats" => {
                l("# Stats", &"");
                l(
                    "total_connections_received",
                    &g.total_connections.load(Ordering::Relaxed),
                );
                l("total_commands_processed", &sum(|s| s.commands));
                l("instantaneous_ops_per_sec", &0);
                l("total_net_input_bytes", &0);
                l("total_net_output_bytes", &0);
                let repl = &g.repl;
                let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
                l(
                    "total_net_repl_input_bytes",
                    &n(&repl.total_net_repl_input_bytes),
                );
                l(
                    "total_net_repl_output_bytes",
                    &n(&repl.total_net_repl_output_bytes),
                );
                for k in [
                    "instantaneous_input_kbps",
                    "instantaneous_output_kbps",
                    "instantaneous_input_repl_kbps",
                    "instantaneous_output_repl_kbps",
                ] {
                    l(k, &"0.00");
                }
                l(
                    "rejected_connections",
                    &g.rejected_connections.load(Ordering::Relaxed),
                );
                l("sync_full", &n(&repl.sync_full));
                l("sync_partial_ok", &n(&repl.sync_partial_ok));
                l("sync_partial_err", &n(&repl.sync_partial_err));
                l("expired_keys", &sum(|s| s.expired));
                l("expired_stale_perc", &"0.00");
                for k in [
                    "expired_time_cap_reached_count",
                    "expire_cycle_cpu_milliseconds",
                    "evicted_keys",
                    "evicted_clients",
                    "total_eviction_exceeded_time",
                    "current_eviction_exceeded_time",
                ] {
                    l(k, &0);
                }
                l("keyspace_hits", &sum(|s| s.hits));
                l("keyspace_misses", &sum(|s| s.misses));
                for k in [
                    "pubsub_channels",
                    "pubsub_patterns",
                    "pubsubshard_channels",
                    "latest_fork_usec",
                    "total_forks",
                    "migrate_cached_sockets",
                    "slave_expires_tracked_keys",
                    "active_defrag_hits",
                    "active_defrag_misses",
                    "active_defrag_key_hits",
                    "active_defrag_key_misses",
                    "total_active_defrag_time",
                    "current_active_defrag_time",
                    "tracking_total_keys",
                    "tracking_total_items",
                    "tracking_total_prefixes",
                    "unexpected_error_replies",
                    "dump_payload_sanitizations",
                    "total_reads_processed",
                    "total_writes_processed",
                    "io_threaded_reads_processed",
                    "io_threaded_writes_processed",
                    "reply_buffer_shrinks",
                    "reply_buffer_expands",
                ] {
                    l(k, &0);
                }
                // Redis's order puts it after `unexpected_error_replies`.
                let pos = out
                    .rfind("dump_payload_sanitizations:")
                    .unwrap_or(out.len());
                out.insert_str(
                    pos,
                    &format!("total_error_replies:{}\r\n", metrics.total_errors()),
                );
            }
            "commandstats" => {
                out.push_str("# Commandstats\r\n");
                metrics.commandstats(&mut out);
            }
            "errorstats" => {
                out.push_str("# Errorstats\r\n");
                metrics.errorstats(&mut out);
            }
            "latencystats" => {
                out.push_str("# Latencystats\r\n");
                metrics.latencystats(&cfg.latency_tracking_info_percentiles, &mut out);
            }
            "replication" => replication(&mut out, g, &cfg, now_ms),
            "cpu" => {
                let (sys, user) = cpu_seconds();
                l("# CPU", &"");
                l("used_cpu_sys", &format!("{sys:.6}"));
                l("used_cpu_user", &format!("{user:.6}"));
                l("used_cpu_sys_children", &"0.000000");
                l("used_cpu_user_children", &"0.000000");
                l("used_cpu_sys_main_thread", &format!("{sys:.6}"));
                l("used_cpu_user_main_thread", &format!("{user:.6}"));
            }
            "cluster" => {
                l("# Cluster", &"");
                l("cluster_enabled", &0);
            }
            "keyspace" => {
                l("# Keyspace", &"");
                for (i, (keys, expires)) in dbs.iter().enumerate() {
                    if *keys > 0 {
                        l(
                            &format!("db{i}"),
                            &format!("keys={keys},expires={expires},avg_ttl=0"),
                        );
                    }
                }
            }
            // Empty sections: only the header.
            other => l(&format!("# {}", title(other)), &""),
        }
    }
    out
}

fn title(section: &str) -> String {
    let mut t = section.to_string();
    t[..1].make_ascii_uppercase();
    t
}

fn os_name() -> String {
    // SAFETY: uname fills a zeroed struct we own.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return "Linux".into();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&u.sysname),
        field(&u.release),
        field(&u.machine)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(100), "100B");
        assert_eq!(human(1536), "1.50K");
        assert_eq!(human(1_163_104), "1.11M");
    }

    #[test]
    fn sections_follow_redis_rules() {
        let args = |v: &[&str]| -> Vec<Bytes> {
            v.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        assert_eq!(wanted(&args(&["info"])).len(), 11);
        assert_eq!(
            wanted(&args(&["info", "KEYSPACE", "server"])),
            vec!["server", "keyspace"]
        );
        assert_eq!(wanted(&args(&["info", "all"])).len(), SECTIONS.len());
        assert!(wanted(&args(&["info", "nope"])).is_empty());
    }
}
