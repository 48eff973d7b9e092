//! The options shardis implements: one line of prose each, the redis.conf name, how it
//! parses and prints, and whether CONFIG SET may change it at run time.

/// The server configuration. Field names follow the redis.conf names.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// TCP port to accept connections on (0 = do not listen).
    pub port: u16,
    /// Addresses to listen on.
    pub bind: Vec<String>,
    /// Refuse non-loopback clients when no password is set and bind is default.
    pub protected_mode: bool,
    /// Password clients must AUTH with (the default user's password).
    pub requirepass: Option<String>,
    /// Working directory for the RDB file.
    pub dir: String,
    /// Name of the RDB file.
    pub dbfilename: String,
    /// Number of databases (SELECT 0..databases-1).
    pub databases: usize,
    /// Log file path; empty logs to standard output.
    pub logfile: String,
    /// debug, verbose, notice or warning.
    pub loglevel: String,
    /// Where to write the pid at start-up (removed at exit).
    pub pidfile: String,
    /// Most clients connected at once.
    pub maxclients: usize,
    /// Close a client idle for this many seconds (0 = never).
    pub timeout_secs: u64,
    /// TCP keepalive period in seconds (0 = off).
    pub tcp_keepalive_secs: u64,
    /// RDB save points as `seconds changes` pairs (accepted; persistence comes later).
    pub save: String,
    /// AOF (accepted; only "no" is supported).
    pub appendonly: bool,
    /// Largest bulk string a client may send.
    pub proto_max_bulk_len: u64,
    /// Largest unparsed input buffered for one client before it is closed.
    pub client_query_buffer_limit: u64,
    /// Shard executors, one per core (0 = one per available core).
    pub shards: usize,
    /// How long an idle shard spins before parking its thread, in microseconds. Spinning
    /// saves the ~75 µs cross-core wakeup on the next message but burns CPU.
    pub shard_spin_us: u64,
    /// Pin shard i to CPU i (mod the CPU count), released while another program keeps
    /// that CPU busy ([`crate::server::affinity`]); "no" lets the kernel schedule the
    /// shard threads anywhere.
    pub shard_pin_cpus: bool,
    /// Active expiry runs this many times per second.
    pub hz: u64,
    /// DEBUG is allowed: yes, no, or local (loopback clients only).
    pub enable_debug_command: String,
    /// Log commands slower than this many microseconds (-1 disables).
    pub slowlog_log_slower_than: i64,
    /// Entries kept in the slow log.
    pub slowlog_max_len: u64,
    /// Memory limit in bytes (accepted; eviction comes later).
    pub maxmemory: u64,
    /// What to evict at the memory limit (accepted; eviction comes later). Clients such as
    /// job queues read it to check for `noeviction`.
    pub maxmemory_policy: String,
    /// Keep a latency histogram per command (LATENCY HISTOGRAM, INFO latencystats).
    pub latency_tracking: bool,
    /// Percentiles INFO latencystats reports, each in 0..=100.
    pub latency_tracking_info_percentiles: Vec<f64>,
    /// Record a latency monitor event for commands slower than this many ms (0 = off).
    pub latency_monitor_threshold: u64,
    /// When small collections switch to their full encoding (`*-max-listpack-*`,
    /// `set-max-intset-entries`, `list-max-listpack-size`).
    pub encoding: crate::storage::EncodingLimits,
    /// Accepted for compatibility; list nodes are never compressed.
    pub list_compress_depth: u64,
    /// `min-replicas-to-write`: refuse writes (`-NOREPLICAS`) with fewer good replicas
    /// (0 = off).
    pub min_replicas_to_write: usize,
    /// `min-replicas-max-lag`: seconds since a replica's last ACK for it to count as good
    /// (0 = the check is off).
    pub min_replicas_max_lag: u64,
    /// `rdbcompression`: LZF for long strings in RDB files.
    pub rdbcompression: bool,
    /// `rdbchecksum`: a CRC-64 footer on RDB files (zero when off).
    pub rdbchecksum: bool,
    /// `enable-protected-configs` (no, yes, local): whether CONFIG SET may change `dir`
    /// and `dbfilename`; `local` is treated as `yes` (the setter does not see the client).
    pub enable_protected_configs: String,
    /// `repl-backlog-size`: bytes of replication stream kept for partial resyncs (the
    /// replication log's ring; CONFIG SET resizes it live, keeping the newest bytes).
    pub repl_backlog_size: u64,
    /// Set once the server runs: CONFIG SET, not start-up, is applying options (protected
    /// options are refused then).
    pub running: bool,
    /// A `save` directive was applied at start-up: later ones append (redis.conf's
    /// several `save` lines), the first replaces the default.
    pub save_loaded: bool,
    /// The master role's replication options (`repl-*`, `client-output-buffer-limit`).
    pub repl: crate::replication::config::ReplConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: vec!["127.0.0.1".into()],
            protected_mode: true,
            requirepass: None,
            dir: ".".into(),
            dbfilename: "dump.rdb".into(),
            databases: 16,
            logfile: String::new(),
            loglevel: "notice".into(),
            pidfile: String::new(),
            maxclients: 10000,
            timeout_secs: 0,
            tcp_keepalive_secs: 300,
            save: "3600 1 300 100 60 10000".into(),
            appendonly: false,
            proto_max_bulk_len: 512 << 20,
            client_query_buffer_limit: 1 << 30,
            shards: 0,
            shard_spin_us: 0,
            shard_pin_cpus: true,
            hz: 10,
            enable_debug_command: "no".into(),
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            encoding: Default::default(),
            list_compress_depth: 0,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
            rdbcompression: true,
            rdbchecksum: true,
            enable_protected_configs: "no".into(),
            running: false,
            save_loaded: false,
            repl: Default::default(),
            latency_tracking: true,
            latency_tracking_info_percentiles: vec![50.0, 99.0, 99.9],
            latency_monitor_threshold: 0,
            repl_backlog_size: 1 << 20,
        }
    }
}

/// How one option is read and written.
pub struct OptionSpec {
    pub name: &'static str,
    /// CONFIG SET may change it while running.
    pub mutable: bool,
    pub get: fn(&Config) -> String,
    pub set: fn(&mut Config, &[String]) -> Result<(), String>,
}

fn one(args: &[String]) -> Result<&str, String> {
    match args {
        [a] => Ok(a),
        _ => Err("wrong number of arguments".into()),
    }
}

pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

/// Redis's `memtoull`: a number with an optional k, kb, m, mb, g, gb unit (k = 1000,
/// kb = 1024), case-insensitive.
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let lower = s.to_ascii_lowercase();
    let units: [(&str, u64); 6] = [
        ("kb", 1024),
        ("mb", 1 << 20),
        ("gb", 1 << 30),
        ("k", 1000),
        ("m", 1_000_000),
        ("g", 1_000_000_000),
    ];
    let (digits, mul) = units
        .iter()
        .find(|(u, _)| lower.ends_with(u))
        .map(|(u, m)| (&lower[..lower.len() - u.len()], *m))
        .unwrap_or((lower.as_str(), 1));
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .ok_or_else(|| "argument must be a memory value".into())
}

/// CONFIG SET of a protected option (`dir`, `dbfilename`) without
/// `enable-protected-configs`.
fn protected(c: &Config) -> Result<(), String> {
    if c.running && c.enable_protected_configs == "no" {
        return Err("can't set protected config".into());
    }
    Ok(())
}

/// `strerror(errno)` for an I/O error (Rust appends " (os error N)").
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse::<T>()
        .map_err(|_| "argument couldn't be parsed into an integer".into())
}

/// An integer option as Redis's numeric configs parse it (`string2ll`: strict decimal),
/// then range-checked with Redis's message.
fn int_in<T: TryFrom<i128>>(s: &str, min: i128, max: i128) -> Result<T, String> {
    let n = crate::protocol::parse_i64_strict(s.as_bytes())
        .ok_or_else(|| String::from("argument couldn't be parsed into an integer"))?;
    in_range(n as i128, min, max)
}

/// A memory option (`memtoull`), then range-checked with Redis's message.
fn memory_in<T: TryFrom<i128>>(s: &str, min: i128, max: i128) -> Result<T, String> {
    in_range(parse_memory(s)? as i128, min, max)
}

fn in_range<T: TryFrom<i128>>(n: i128, min: i128, max: i128) -> Result<T, String> {
    if n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    T::try_from(n).map_err(|_| format!("argument must be between {min} and {max} inclusive"))
}

const INT_MAX: i128 = i32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;

/// `maxmemory-policy` values in Redis's order.
const MAXMEMORY_POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

macro_rules! opt {
    ($name:literal, $mutable:expr, |$c:ident| $get:expr, |$c2:ident, $a:ident| $set:expr) => {
        OptionSpec {
            name: $name,
            mutable: $mutable,
            get: |$c: &Config| $get,
            set: |$c2: &mut Config, $a: &[String]| $set,
        }
    };
}

/// An encoding threshold: a non-negative size_t option settable at run time.
macro_rules! size_opt {
    ($name:literal, $field:ident) => {
        opt!($name, true, |c| c.encoding.$field.to_string(), |c, a| {
            c.encoding.$field = int_in(one(a)?, 0, LONG_MAX)?;
            Ok(())
        })
    };
}

/// `list-max-listpack-size` (and its old name): an int, negative for a byte size class.
macro_rules! list_size_opt {
    ($name:literal) => {
        opt!(
            $name,
            true,
            |c| c.encoding.list_max_listpack_size.to_string(),
            |c, a| {
                c.encoding.list_max_listpack_size = int_in(one(a)?, -(INT_MAX + 1), INT_MAX)?;
                Ok(())
            }
        )
    };
}

/// `min-replicas-*` (and their `min-slaves-*` aliases): ints in 0..=INT_MAX.
macro_rules! min_replicas_opt {
    ($name:literal, $field:ident) => {
        opt!($name, true, |c| c.$field.to_string(), |c, a| {
            c.$field = int_in(one(a)?, 0, INT_MAX)?;
            Ok(())
        })
    };
}

/// A non-negative int option of the replication options (`min` is Redis's lower bound).
macro_rules! repl_int_opt {
    ($name:literal, $field:ident, $min:expr) => {
        opt!($name, true, |c| c.repl.$field.to_string(), |c, a| {
            c.repl.$field = int_in(one(a)?, $min, INT_MAX)?;
            Ok(())
        })
    };
}

/// A yes/no option of the replication options.
macro_rules! repl_bool_opt {
    ($name:literal, $field:ident) => {
        opt!($name, true, |c| yes_no(c.repl.$field), |c, a| {
            c.repl.$field = parse_bool(one(a)?)?;
            Ok(())
        })
    };
}

/// A string option of the replication options; empty means unset.
macro_rules! repl_opt_string {
    ($name:literal, $field:ident) => {
        opt!(
            $name,
            true,
            |c| c.repl.$field.clone().unwrap_or_default(),
            |c, a| {
                let v = one(a)?;
                c.repl.$field = (!v.is_empty()).then(|| v.to_string());
                Ok(())
            }
        )
    };
}

/// Every option shardis implements, in CONFIG GET order.
pub static OPTIONS: &[OptionSpec] = &[
    min_replicas_opt!("min-replicas-to-write", min_replicas_to_write),
    min_replicas_opt!("min-slaves-to-write", min_replicas_to_write),
    min_replicas_opt!("min-replicas-max-lag", min_replicas_max_lag),
    min_replicas_opt!("min-slaves-max-lag", min_replicas_max_lag),
    opt!("port", false, |c| c.port.to_string(), |c, a| {
        c.port = int_in(one(a)?, 0, 65535)?;
        Ok(())
    }),
    opt!("bind", false, |c| c.bind.join(" "), |c, a| {
        if a.is_empty() {
            return Err("wrong number of arguments".into());
        }
        c.bind = a
            .iter()
            .flat_map(|s| s.split_whitespace().map(String::from))
            .collect();
        Ok(())
    }),
    opt!(
        "protected-mode",
        true,
        |c| yes_no(c.protected_mode),
        |c, a| {
            c.protected_mode = parse_bool(one(a)?)?;
            Ok(())
        }
    ),
    opt!(
        "requirepass",
        true,
        |c| c.requirepass.clone().unwrap_or_default(),
        |c, a| {
            let p = one(a)?;
            c.requirepass = (!p.is_empty()).then(|| p.to_string());
            Ok(())
        }
    ),
    opt!(
        "dir",
        true,
        // As Redis's getter: the working directory itself.
        |c| std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| c.dir.clone()),
        |c, a| {
            // As Redis: the process changes directory, and the option is the new cwd.
            let d = one(a)?;
            protected(c)?;
            std::env::set_current_dir(d).map_err(|e| strerror(&e))?;
            c.dir = std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| d.to_string());
            Ok(())
        }
    ),
    opt!("dbfilename", true, |c| c.dbfilename.clone(), |c, a| {
        let f = one(a)?;
        protected(c)?;
        if f.contains('/') {
            return Err("dbfilename can't be a path, just a filename".into());
        }
        c.dbfilename = f.to_string();
        Ok(())
    }),
    opt!(
        "enable-protected-configs",
        false,
        |c| c.enable_protected_configs.clone(),
        |c, a| {
            let v = one(a)?.to_ascii_lowercase();
            if !["no", "yes", "local"].contains(&v.as_str()) {
                return Err("argument(s) must be one of the following: no, yes, local".into());
            }
            c.enable_protected_configs = v;
            Ok(())
        }
    ),
    opt!(
        "rdbcompression",
        true,
        |c| yes_no(c.rdbcompression),
        |c, a| {
            c.rdbcompression = parse_bool(one(a)?)?;
            Ok(())
        }
    ),
    opt!("rdbchecksum", false, |c| yes_no(c.rdbchecksum), |c, a| {
        c.rdbchecksum = parse_bool(one(a)?)?;
        Ok(())
    }),
    opt!("databases", false, |c| c.databases.to_string(), |c, a| {
        c.databases = int_in(one(a)?, 1, INT_MAX)?;
        Ok(())
    }),
    opt!("logfile", false, |c| c.logfile.clone(), |c, a| {
        c.logfile = one(a)?.to_string();
        Ok(())
    }),
    opt!("loglevel", true, |c| c.loglevel.clone(), |c, a| {
        let l = one(a)?.to_ascii_lowercase();
        if !["debug", "verbose", "notice", "warning"].contains(&l.as_str()) {
            return Err(
                "argument(s) must be one of the following: debug, verbose, notice, warning".into(),
            );
        }
        c.loglevel = l;
        Ok(())
    }),
    opt!("daemonize", false, |_c| "no".into(), |_c, a| {
        if parse_bool(one(a)?)? {
            return Err("daemonize yes is not supported; run shardis under a supervisor".into());
        }
        Ok(())
    }),
    opt!("pidfile", false, |c| c.pidfile.clone(), |c, a| {
        c.pidfile = one(a)?.to_string();
        Ok(())
    }),
    opt!("maxclients", true, |c| c.maxclients.to_string(), |c, a| {
        c.maxclients = int_in(one(a)?, 1, u32::MAX as i128)?;
        Ok(())
    }),
    opt!("timeout", true, |c| c.timeout_secs.to_string(), |c, a| {
        c.timeout_secs = int_in(one(a)?, 0, INT_MAX)?;
        Ok(())
    }),
    opt!(
        "tcp-keepalive",
        true,
        |c| c.tcp_keepalive_secs.to_string(),
        |c, a| {
            c.tcp_keepalive_secs = int_in(one(a)?, 0, INT_MAX)?;
            Ok(())
        }
    ),
    opt!("save", true, |c| c.save.clone(), |c, a| {
        // `save ""` disables; otherwise `seconds changes` pairs. CONFIG SET replaces the
        // list; at start-up the first directive replaces the default and later ones add.
        let mut points = crate::server::persist::parse_save(&a.join(" "))?;
        if !c.running && c.save_loaded && !(a.len() == 1 && a[0].is_empty()) {
            // Start-up: each further `save` line adds its points (`save ""` clears).
            let mut all = crate::server::persist::save_points(&c.save);
            all.append(&mut points);
            points = all;
        }
        c.save_loaded |= !c.running;
        c.save = points
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(" ");
        Ok(())
    }),
    opt!("appendonly", true, |c| yes_no(c.appendonly), |c, a| {
        if parse_bool(one(a)?)? {
            return Err("appendonly yes is not supported yet".into());
        }
        c.appendonly = false;
        Ok(())
    }),
    opt!(
        "proto-max-bulk-len",
        true,
        |c| c.proto_max_bulk_len.to_string(),
        |c, a| {
            c.proto_max_bulk_len = memory_in(one(a)?, 1 << 20, LONG_MAX)?;
            Ok(())
        }
    ),
    opt!(
        "client-query-buffer-limit",
        true,
        |c| c.client_query_buffer_limit.to_string(),
        |c, a| {
            c.client_query_buffer_limit = memory_in(one(a)?, 1 << 20, LONG_MAX)?;
            Ok(())
        }
    ),
    opt!("shards", false, |c| c.shards.to_string(), |c, a| {
        c.shards = num(one(a)?)?;
        if c.shards > 1024 {
            return Err("at most 1024 shards".into());
        }
        Ok(())
    }),
    opt!(
        "shard-pin-cpus",
        false,
        |c| yes_no(c.shard_pin_cpus),
        |c, a| {
            c.shard_pin_cpus = parse_bool(one(a)?)?;
            Ok(())
        }
    ),
    opt!(
        "shard-spin-us",
        false,
        |c| c.shard_spin_us.to_string(),
        |c, a| {
            c.shard_spin_us = num(one(a)?)?;
            Ok(())
        }
    ),
    opt!("hz", true, |c| c.hz.to_string(), |c, a| {
        let n: u64 = int_in(one(a)?, 0, INT_MAX)?;
        // Redis accepts any non-negative value and clamps it to its 1..=500 range.
        c.hz = n.clamp(1, 500);
        Ok(())
    }),
    opt!(
        "enable-debug-command",
        false,
        |c| c.enable_debug_command.clone(),
        |c, a| {
            let v = one(a)?.to_ascii_lowercase();
            if !["yes", "no", "local"].contains(&v.as_str()) {
                return Err("argument(s) must be one of the following: no, yes, local".into());
            }
            c.enable_debug_command = v;
            Ok(())
        }
    ),
    opt!(
        "slowlog-log-slower-than",
        true,
        |c| c.slowlog_log_slower_than.to_string(),
        |c, a| {
            c.slowlog_log_slower_than = int_in(one(a)?, -1, LONG_MAX)?;
            Ok(())
        }
    ),
    opt!(
        "slowlog-max-len",
        true,
        |c| c.slowlog_max_len.to_string(),
        |c, a| {
            c.slowlog_max_len = int_in(one(a)?, 0, LONG_MAX)?;
            Ok(())
        }
    ),
    opt!("maxmemory", true, |c| c.maxmemory.to_string(), |c, a| {
        c.maxmemory = parse_memory(one(a)?)?;
        Ok(())
    }),
    opt!(
        "maxmemory-policy",
        true,
        |c| c.maxmemory_policy.clone(),
        |c, a| {
            let v = one(a)?.to_ascii_lowercase();
            if !MAXMEMORY_POLICIES.contains(&v.as_str()) {
                return Err(format!(
                    "argument(s) must be one of the following: {}",
                    MAXMEMORY_POLICIES.join(", ")
                ));
            }
            c.maxmemory_policy = v;
            Ok(())
        }
    ),
    opt!(
        "latency-tracking",
        true,
        |c| yes_no(c.latency_tracking),
        |c, a| {
            c.latency_tracking = parse_bool(one(a)?)?;
            Ok(())
        }
    ),
    opt!(
        "latency-tracking-info-percentiles",
        true,
        |c| c
            .latency_tracking_info_percentiles
            .iter()
            .map(|p| percentile_text(*p))
            .collect::<Vec<_>>()
            .join(" "),
        |c, a| {
            c.latency_tracking_info_percentiles = parse_percentiles(&a.join(" "))?;
            Ok(())
        }
    ),
    size_opt!("hash-max-listpack-entries", hash_max_listpack_entries),
    size_opt!("hash-max-ziplist-entries", hash_max_listpack_entries),
    size_opt!("hash-max-listpack-value", hash_max_listpack_value),
    size_opt!("hash-max-ziplist-value", hash_max_listpack_value),
    size_opt!("zset-max-listpack-entries", zset_max_listpack_entries),
    size_opt!("zset-max-ziplist-entries", zset_max_listpack_entries),
    size_opt!("zset-max-listpack-value", zset_max_listpack_value),
    size_opt!("zset-max-ziplist-value", zset_max_listpack_value),
    size_opt!("set-max-intset-entries", set_max_intset_entries),
    list_size_opt!("list-max-listpack-size"),
    list_size_opt!("list-max-ziplist-size"),
    opt!(
        "list-compress-depth",
        true,
        |c| c.list_compress_depth.to_string(),
        |c, a| {
            c.list_compress_depth = int_in(one(a)?, 0, INT_MAX)?;
            Ok(())
        }
    ),
    opt!(
        "latency-monitor-threshold",
        true,
        |c| c.latency_monitor_threshold.to_string(),
        |c, a| {
            c.latency_monitor_threshold = int_in(one(a)?, 0, LONG_MAX)?;
            Ok(())
        }
    ),
    // Replication, master side (crate::replication::config).
    opt!(
        "repl-diskless-sync",
        true,
        |c| yes_no(c.repl.diskless_sync),
        |c, a| {
            c.repl.diskless_sync = parse_bool(one(a)?)?;
            Ok(())
        }
    ),
    repl_int_opt!("repl-diskless-sync-delay", diskless_sync_delay, 0),
    repl_int_opt!(
        "repl-diskless-sync-max-replicas",
        diskless_sync_max_replicas,
        0
    ),
    repl_int_opt!("repl-ping-replica-period", ping_period, 1),
    repl_int_opt!("repl-ping-slave-period", ping_period, 1),
    repl_int_opt!("repl-timeout", timeout, 1),
    opt!(
        "repl-backlog-size",
        true,
        |c| c.repl_backlog_size.to_string(),
        |c, a| {
            let n: u64 = memory_in(one(a)?, 1, LONG_MAX)?;
            // As Redis 7.0: CONFIG SET raises it to 16kb (resizeReplicationBacklog); a
            // smaller value from the config file or command line is kept as written.
            c.repl_backlog_size = if c.running {
                n.max(REPL_BACKLOG_MIN_SIZE)
            } else {
                n
            };
            Ok(())
        }
    ),
    opt!(
        "client-output-buffer-limit",
        true,
        |c| crate::replication::config::format_obuf(&c.repl),
        |c, a| crate::replication::config::parse_obuf(&mut c.repl, a)
    ),
    opt!(
        "replicaof",
        false,
        |c| crate::replication::config::format_replicaof(&c.repl),
        |c, a| crate::replication::config::parse_replicaof(&mut c.repl, a)
    ),
    opt!(
        "slaveof",
        false,
        |c| crate::replication::config::format_replicaof(&c.repl),
        |c, a| crate::replication::config::parse_replicaof(&mut c.repl, a)
    ),
    repl_opt_string!("masterauth", masterauth),
    repl_opt_string!("masteruser", masteruser),
    repl_opt_string!("replica-announce-ip", replica_announce_ip),
    repl_bool_opt!("replica-read-only", replica_read_only),
    repl_bool_opt!("slave-read-only", replica_read_only),
    repl_bool_opt!("replica-serve-stale-data", replica_serve_stale_data),
    repl_bool_opt!("slave-serve-stale-data", replica_serve_stale_data),
    repl_int_opt!("replica-priority", replica_priority, 0),
    repl_int_opt!("slave-priority", replica_priority, 0),
    opt!(
        "replica-announce-port",
        true,
        |c| c.repl.replica_announce_port.to_string(),
        |c, a| {
            c.repl.replica_announce_port = int_in(one(a)?, 0, 65535)?;
            Ok(())
        }
    ),
    opt!(
        "repl-core-cpu",
        false,
        |c| c.repl.core_cpu.clone(),
        |c, a| {
            c.repl.core_cpu = crate::replication::config::parse_core_cpu(one(a)?)?;
            Ok(())
        }
    ),
];

/// Redis's `CONFIG_REPL_BACKLOG_MIN_SIZE`.
const REPL_BACKLOG_MIN_SIZE: u64 = 16 * 1024;

/// A percentile as Redis prints it: `%f`, then trailing zeros and point trimmed (`99.9`).
pub fn percentile_text(p: f64) -> String {
    let s = format!("{p:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `latency-tracking-info-percentiles`: space-separated numbers in 0..=100 (may be empty),
/// with Redis's messages.
fn parse_percentiles(s: &str) -> Result<Vec<f64>, String> {
    s.split_whitespace()
        .map(|w| {
            let p = crate::commands::args::float(w.as_bytes())
                .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
            if !(0.0..=100.0).contains(&p) {
                return Err(
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                        .into(),
                );
            }
            Ok(p)
        })
        .collect()
}

pub fn find(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units_like_redis() {
        assert_eq!(parse_memory("512mb"), Ok(512 << 20));
        assert_eq!(parse_memory("1GB"), Ok(1 << 30));
        assert_eq!(parse_memory("1k"), Ok(1000));
        assert_eq!(parse_memory("42"), Ok(42));
        assert!(parse_memory("1xb").is_err());
    }

    #[test]
    fn repl_backlog_size_is_clamped_by_config_set_only() {
        let o = find("repl-backlog-size").unwrap();
        let set = |c: &mut Config, v: &str| (o.set)(c, &[v.to_string()]);
        let mut c = Config::default();
        assert_eq!((o.get)(&c), "1048576");
        set(&mut c, "1").unwrap();
        assert_eq!(c.repl_backlog_size, 1);
        c.running = true;
        set(&mut c, "1k").unwrap();
        assert_eq!(c.repl_backlog_size, 16384);
        set(&mut c, "2mb").unwrap();
        assert_eq!(c.repl_backlog_size, 2 << 20);
        assert_eq!(
            set(&mut c, "0"),
            Err("argument must be between 1 and 9223372036854775807 inclusive".into())
        );
        assert_eq!(
            set(&mut c, "-1"),
            Err("argument must be a memory value".into())
        );
    }

    #[test]
    fn save_lines_accumulate_at_start_up_only() {
        let save = find("save").unwrap();
        let set = |c: &mut Config, v: &str| (save.set)(c, &[v.to_string()]);
        let mut c = Config::default();
        set(&mut c, "900 1").unwrap();
        set(&mut c, "300 10").unwrap();
        assert_eq!(c.save, "900 1 300 10");
        set(&mut c, "").unwrap();
        set(&mut c, "1 1").unwrap();
        assert_eq!(c.save, "1 1");
        c.running = true;
        set(&mut c, "5 6").unwrap();
        assert_eq!(c.save, "5 6");
        assert_eq!(set(&mut c, "5"), Err("Invalid save parameters".into()));
    }

    #[test]
    fn every_option_round_trips_its_default() {
        let base = Config::default();
        for o in OPTIONS {
            let mut c = base.clone();
            let v = (o.get)(&c);
            (o.set)(&mut c, std::slice::from_ref(&v)).unwrap_or_else(|e| panic!("{}: {e}", o.name));
            assert_eq!((o.get)(&c), v, "{}", o.name);
        }
    }
}
