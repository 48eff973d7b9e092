//! Shard executors, listeners, connections and the coordinator.
//!
//! `start` spawns one glommio executor per shard, each pinned to a core. Every shard binds
//! the listening address with SO_REUSEPORT (glommio sets it), so the kernel spreads
//! connections over the shards and a connection lives on the shard that accepted it. Shards
//! talk over two bounded channel meshes ([`shard`]). Each shard also runs a poller task
//! that drives its client sockets through one epoll instance ([`io`]). The main thread only
//! waits: for the shards to be listening (then it logs "Ready to accept connections"), and
//! for a signal or SHUTDOWN (then it exits the process).

pub mod affinity;
pub mod batch;
pub mod blocking;
pub mod client;
pub mod conn;
pub mod direct;
pub mod io;
pub mod log;
pub mod multi;
pub mod oneshot;
pub mod persist;
pub mod shard;
pub mod slot;
pub mod txn;

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use glommio::channels::channel_mesh::MeshBuilder;
use glommio::net::TcpListener;
use glommio::{LocalExecutorBuilder, Placement};

use crate::config::{Config, Loaded};
use shard::{unix_ms, ShardCtx, ShardReply, ShardRequest};

/// Messages each mesh channel holds before a sender waits.
const MESH_CHANNEL_CAPACITY: usize = 1024;
/// Memory glommio reserves per shard for storage I/O buffers.
const IO_MEMORY_BYTES: usize = 256 << 10;

/// Why the process is stopping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shutdown {
    Signal(&'static str),
    Command,
}

/// State shared by all shards: configuration, global counters, the way to stop.
pub struct Global {
    pub config: Mutex<Config>,
    /// Bumped by CONFIG SET; shards refresh their copy when it changes.
    pub config_version: AtomicU64,
    pub nshards: usize,
    pub connected_clients: AtomicUsize,
    pub total_connections: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub next_client_id: AtomicU64,
    /// DEBUG SET-ACTIVE-EXPIRE.
    pub active_expire: AtomicBool,
    pub started: Instant,
    pub started_unix_ms: u64,
    /// 40 hex characters, new each start (INFO `run_id`).
    pub run_id: String,
    pub config_file: Option<String>,
    pub executable: String,
    /// Unix seconds of the last successful save (LASTSAVE); start time until then.
    pub lastsave_unix: AtomicU64,
    /// RDB persistence status: saves, changes since the last one, loading.
    pub persist: persist::Status,
    /// The replication log (and backlog): every shard appends its writes.
    pub repl_log: crate::replication::log::ReplLog,
    /// The master role's ids, counters and replicas.
    pub repl: crate::replication::state::MasterState,
    /// The replica role: the master we follow, the link, the applied offset.
    pub replica: crate::replication::replica::ReplicaSide,
    shutdown: crossbeam_channel::Sender<Shutdown>,
}

impl Global {
    pub fn request_shutdown(&self, why: Shutdown) {
        let _ = self.shutdown.try_send(why);
    }

    /// Applies a CONFIG SET style change and makes every shard see it.
    pub fn update_config(
        &self,
        change: impl FnOnce(&mut Config) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut c = self.config.lock().expect("config lock");
        let mut next = c.clone();
        change(&mut next)?;
        if next.repl_backlog_size != c.repl_backlog_size {
            self.repl_log
                .resize(usize::try_from(next.repl_backlog_size).unwrap_or(usize::MAX));
        }
        *c = next;
        self.config_version.fetch_add(1, Ordering::AcqRel);
        self.repl
            .set_min_replicas(c.min_replicas_to_write, c.min_replicas_max_lag, unix_ms());
        Ok(())
    }
}

fn new_run_id() -> String {
    let mut x = unix_ms() ^ ((std::process::id() as u64) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    (0..40)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from_digit((x % 16) as u32, 16).unwrap_or('0')
        })
        .collect()
}

/// Blocks SIGINT/SIGTERM in this thread (and the threads it spawns later) and turns them
/// into shutdown requests on a dedicated thread.
fn install_signal_thread(tx: crossbeam_channel::Sender<Shutdown>) {
    // SAFETY: sigset manipulation on a local set; pthread_sigmask on the calling thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || loop {
                let mut sig: libc::c_int = 0;
                if libc::sigwait(&set, &mut sig) == 0 {
                    let name = if sig == libc::SIGINT {
                        "SIGINT"
                    } else {
                        "SIGTERM"
                    };
                    let _ = tx.send(Shutdown::Signal(name));
                }
            })
            .expect("spawn signal thread");
    }
}

/// The active expiry cycle of one shard: every 1/hz s, sample keys with a TTL in every db,
/// repeating while more than 10% of a sample had expired, for at most 25% of the period
/// (Redis's `activeExpireCycle`, slow mode).
async fn active_expiry(shard: Rc<ShardCtx>) {
    const SAMPLE: usize = 20;
    loop {
        let hz = shard.config().hz.max(1);
        let period = Duration::from_micros(1_000_000 / hz);
        glommio::timer::sleep(period).await;
        if !shard.global.active_expire.load(Ordering::Relaxed) {
            continue;
        }
        let budget = period / 4;
        let started = Instant::now();
        let mut ks = shard.keyspace.borrow_mut();
        // A replica's databases hide expired keys and this walk leaves them alone.
        ks.set_expiry(shard.expiry_mode(false));
        let now = unix_ms();
        for (i, db) in ks.dbs.iter_mut().enumerate() {
            // Keys a transaction holds (or waits for) must not vanish under it.
            let spare = |key: &[u8]| shard.txn.is_key_busy(i, key);
            loop {
                let (checked, expired) = db.active_expire_step(now, SAMPLE, spare);
                if checked == 0 || expired * 10 <= checked || started.elapsed() > budget {
                    break;
                }
            }
            // Active expiry deletions go out as DEL.
            for key in std::mem::take(&mut db.expired_log) {
                shard.log_record(i, &[&b"DEL"[..], &key]);
            }
        }
    }
}

async fn run_shard(
    id: usize,
    global: Arc<Global>,
    requests: MeshBuilder<ShardRequest, glommio::channels::channel_mesh::Full>,
    replies: MeshBuilder<ShardReply, glommio::channels::channel_mesh::Full>,
    ready: crossbeam_channel::Sender<Result<usize, String>>,
    pinned_to: Option<(usize, affinity::CpuSet)>,
) {
    let (req_tx, mut req_rx) = requests.join().await.expect("join request mesh");
    let (rep_tx, mut rep_rx) = replies.join().await.expect("join reply mesh");
    let shard = Rc::new(ShardCtx::new(id, global.clone(), req_tx, rep_tx));
    crate::snapshot::register_shard(&shard);
    for (_, rx) in req_rx.streams() {
        glommio::spawn_local(shard.clone().serve_requests(rx)).detach();
    }
    for (_, rx) in rep_rx.streams() {
        glommio::spawn_local(shard.clone().serve_replies(rx)).detach();
    }
    glommio::spawn_local(shard.clone().serve_outbox()).detach();
    if let Some((home, all)) = pinned_to {
        glommio::spawn_local(affinity::watch(home, all)).detach();
    }
    glommio::spawn_local(active_expiry(shard.clone())).detach();
    if global.persist.loading.load(Ordering::Acquire) {
        glommio::spawn_local(persist::load_task(shard.clone())).detach();
    }
    if id == 0 {
        glommio::spawn_local(persist::cron(shard.clone())).detach();
        glommio::spawn_local(crate::replication::replica::link::supervise(shard.clone())).detach();
    }
    glommio::spawn_local(shard.poller.clone().run()).detach();
    let (port, binds) = {
        let c = shard.config();
        (c.port, c.bind.clone())
    };
    let mut listeners = Vec::new();
    for addr in &binds {
        let addr = addr.trim_start_matches('-');
        let target = if addr.contains(':') {
            format!("[{addr}]:{port}")
        } else {
            format!("{addr}:{port}")
        };
        match listen(target.as_str()) {
            Ok(l) => listeners.push(l),
            Err(e) => {
                let _ = ready.send(Err(format!(
                    "Could not create server TCP listening socket {target}: {e}"
                )));
                return;
            }
        }
    }
    let _ = ready.send(Ok(id));
    // Drop the sender: once every shard has answered or died, the main thread's wait
    // ends instead of timing out (a shard thread that panics drops its sender too).
    drop(ready);
    let mut accepts = Vec::new();
    for listener in listeners {
        let shard = shard.clone();
        accepts.push(glommio::spawn_local(async move {
            loop {
                match listener.accept().await {
                    Ok(stream) => {
                        glommio::spawn_local(conn::serve(shard.clone(), stream)).detach();
                    }
                    Err(e) => {
                        log::warning(&format!("Accepting client connection: {e}"));
                        glommio::timer::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        }));
    }
    for a in accepts {
        a.await;
    }
}

/// A shard's listener: SO_REUSEPORT (every shard listens on the port) and, as Redis's
/// `anetSetReuseAddr`, SO_REUSEADDR, which the accepted connections inherit: those a
/// shutdown leaves in TIME_WAIT then do not keep a restart off the port ([`bind_only`]
/// binds with SO_REUSEADDR alone, which a TIME_WAIT without it refuses).
fn listen(target: &str) -> std::io::Result<TcpListener> {
    use std::os::fd::{FromRawFd, IntoRawFd};
    let (socket, addr) = tcp_socket(target)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr)?;
    socket.listen(LISTEN_BACKLOG)?;
    // SAFETY: the fd is a listening TCP socket this function owns; the listener takes it.
    Ok(unsafe { TcpListener::from_raw_fd(socket.into_raw_fd()) })
}

/// The listen queue (Redis's `tcp-backlog` default).
const LISTEN_BACKLOG: i32 = 511;

/// Fails when another process already listens on one of the addresses. Shards bind with
/// SO_REUSEPORT, which would silently share the port with another shardis, so the check
/// binds once without it first, as a plain redis-server would.
/// Binds a TCP socket to `target` without listening, then closes it: whether the address
/// is free. Never listening matters: a client connecting during start-up would otherwise
/// be queued on this short-lived socket and dropped when it closes, instead of being
/// refused until the shards listen.
fn bind_only(target: &str) -> std::io::Result<()> {
    let (socket, addr) = tcp_socket(target)?;
    socket.bind(&addr)
}

/// An unbound TCP socket for `target`'s address, with SO_REUSEADDR (as a listener has
/// it: a port left in TIME_WAIT counts as free).
fn tcp_socket(target: &str) -> std::io::Result<(socket2::Socket, socket2::SockAddr)> {
    use std::net::ToSocketAddrs;
    let addr = target
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("no address"))?;
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    Ok((socket, addr.into()))
}

fn check_ports_free(binds: &[String], port: u16) -> Result<(), String> {
    for addr in binds {
        let addr = addr.trim_start_matches('-');
        let target = if addr.contains(':') {
            format!("[{addr}]:{port}")
        } else {
            format!("{addr}:{port}")
        };
        if let Err(e) = bind_only(&target) {
            return Err(format!(
                "Warning: Could not create server TCP listening socket {target}: bind: {e}\nFailed listening on port {port} (tcp), aborting."
            ));
        }
    }
    Ok(())
}

/// Starts the server and blocks until it is asked to stop. Returns the process exit code.
pub fn run(config: Config, loaded: Loaded) -> i32 {
    if let Err(e) = log::init(&config.loglevel, &config.logfile) {
        eprintln!("Can't open the log file: {e}");
        return 1;
    }
    if let Err(e) = check_ports_free(&config.bind, config.port) {
        for line in e.lines() {
            log::warning(line);
        }
        return 1;
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let nshards = if config.shards == 0 {
        cores
    } else {
        config.shards
    };
    log::notice("oO0OoO0OoO0Oo shardis is starting oO0OoO0OoO0Oo");
    log::notice(&format!(
        "shardis version={}, bits=64, pid={}, shards={}, just started",
        env!("CARGO_PKG_VERSION"),
        std::process::id(),
        nshards
    ));
    match &loaded.config_file {
        Some(f) => log::notice(&format!("Configuration loaded from {f}")),
        None => log::warning("Warning: no config file specified, using the default config. In order to specify a config file use shardis /path/to/redis.conf"),
    }
    if !loaded.unimplemented.is_empty() {
        log::warning(&format!(
            "WARNING: these Redis options are accepted but not implemented by shardis yet and have no effect: {}",
            loaded.unimplemented.join(", ")
        ));
    }
    let (shutdown_tx, shutdown_rx) = crossbeam_channel::bounded(16);
    install_signal_thread(shutdown_tx.clone());
    let pidfile = config.pidfile.clone();
    let spin = Duration::from_micros(config.shard_spin_us);
    let pin_cpus = config.shard_pin_cpus;
    let dump_path = std::path::PathBuf::from(&config.dbfilename);
    let (limits, databases) = (config.encoding, config.databases);
    let repl_backlog_bytes = usize::try_from(config.repl_backlog_size).unwrap_or(usize::MAX);
    let min_replicas = (config.min_replicas_to_write, config.min_replicas_max_lag);
    let global = Arc::new(Global {
        config: Mutex::new(Config {
            running: true,
            ..config
        }),
        config_version: AtomicU64::new(0),
        nshards,
        connected_clients: AtomicUsize::new(0),
        total_connections: AtomicU64::new(0),
        rejected_connections: AtomicU64::new(0),
        next_client_id: AtomicU64::new(1),
        active_expire: AtomicBool::new(true),
        started: Instant::now(),
        started_unix_ms: unix_ms(),
        run_id: new_run_id(),
        config_file: loaded.config_file.clone(),
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        lastsave_unix: AtomicU64::new(unix_ms() / 1000),
        persist: persist::Status::new(nshards),
        // Producers: the shards, then the replication core.
        repl_log: crate::replication::log::ReplLog::new(repl_backlog_bytes, nshards + 1),
        repl: crate::replication::state::MasterState::new(),
        replica: crate::replication::replica::ReplicaSide::new(),
        shutdown: shutdown_tx,
    });
    global
        .repl
        .set_min_replicas(min_replicas.0, min_replicas.1, unix_ms());
    // `replicaof` in the config: a replica from the start (the link connects once the
    // shards serve, after the start-up load).
    let replicaof = global
        .config
        .lock()
        .expect("config lock")
        .repl
        .replicaof
        .clone();
    if let Some(master) = replicaof {
        crate::replication::replica::follow(&global, master);
        // Not a demoted master: nothing of ours to PSYNC with (Redis sets `masterhost`
        // from the config without caching itself); our RDB may give a cached master.
        global.replica.update(|i| i.cached = None);
    }
    // Before the shards start: commands get -LOADING until the file is in.
    persist::begin_startup_load(&global.persist, &dump_path);
    // The replication core, before any shard can hand it a replica.
    let core_cpu = crate::replication::config::core_placement(
        &global.config.lock().expect("config lock").repl.core_cpu,
        nshards,
        cores,
        pin_cpus,
    );
    if let Err(e) = crate::replication::core::start(global.clone(), core_cpu) {
        log::warning(&format!("Can't start the replication core: {e}"));
        return 1;
    }
    let requests = MeshBuilder::<ShardRequest, _>::full(nshards, MESH_CHANNEL_CAPACITY);
    let replies = MeshBuilder::<ShardReply, _>::full(nshards, MESH_CHANNEL_CAPACITY);
    let (ready_tx, ready_rx) = crossbeam_channel::bounded(nshards);
    let mut handles = Vec::with_capacity(nshards);
    // Read before any shard pins itself: the CPUs a released pin may use.
    let process_cpus = affinity::CpuSet::current();
    for id in 0..nshards {
        let (placement, pinned_to) = match (pin_cpus, process_cpus) {
            (true, Some(all)) => (Placement::Fixed(id % cores), Some((id % cores, all))),
            (true, None) => (Placement::Fixed(id % cores), None),
            (false, _) => (Placement::Unbound, None),
        };
        let mut builder = LocalExecutorBuilder::new(placement)
            .name(&format!("shard-{id}"))
            // glommio preallocates this for its own file I/O, which shardis does not use;
            // the 10 MiB default per shard would be resident memory for nothing.
            .io_memory(IO_MEMORY_BYTES);
        if !spin.is_zero() {
            builder = builder.spin_before_park(spin);
        }
        let (g, rq, rp, ready) = (
            global.clone(),
            requests.clone(),
            replies.clone(),
            ready_tx.clone(),
        );
        match builder.spawn(move || run_shard(id, g, rq, rp, ready, pinned_to)) {
            Ok(handle) => handles.push(Some(handle)),
            Err(e) => {
                log::warning(&format!("Can't start shard {id}: {e}"));
                return 1;
            }
        }
    }
    drop(ready_tx);
    let mut started = vec![false; nshards];
    for _ in 0..nshards {
        match ready_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(id)) => started[id] = true,
            Ok(Err(e)) => {
                log::warning(&e);
                return 1;
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                // Every shard that did not report has ended: its handle holds the reason.
                for (id, handle) in handles.iter_mut().enumerate() {
                    if let (false, Some(h)) = (started[id], handle.take()) {
                        if let Err(e) = h.join() {
                            log::warning(&format!("Shard {id} failed to start: {e}"));
                        }
                    }
                }
                log::warning(
                    "io_uring needs locked memory: check `ulimit -l` (see tuning/README.md)",
                );
                return 1;
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                log::warning("Shards did not start within 30 seconds");
                return 1;
            }
        }
    }
    if !pidfile.is_empty() {
        if let Err(e) = std::fs::write(&pidfile, format!("{}\n", std::process::id())) {
            log::warning(&format!("Failed to write PID file: {e}"));
        }
    }
    log::notice("Server initialized");
    match persist::startup_load(&global, &dump_path, &limits, databases, &shutdown_rx) {
        persist::LoadOutcome::Loaded => {}
        persist::LoadOutcome::Failed => return 1,
        persist::LoadOutcome::Stopped(why) => {
            if let Shutdown::Signal(name) = why {
                log::warning(&format!("Received {name} scheduling shutdown..."));
            }
            if !pidfile.is_empty() {
                let _ = std::fs::remove_file(&pidfile);
            }
            log::warning("shardis is now ready to exit, bye bye...");
            return 0;
        }
    }
    log::notice("Ready to accept connections");
    loop {
        match shutdown_rx.recv().unwrap_or(Shutdown::Command) {
            Shutdown::Signal(name) => {
                log::warning(&format!("Received {name} scheduling shutdown..."));
                // SHUTDOWN saved already; a signal saves here when save points exist and
                // stays up if that fails, as Redis does.
                let save = global
                    .config
                    .lock()
                    .map(|c| !c.save.is_empty())
                    .unwrap_or(false)
                    && !global.persist.loading.load(Ordering::Acquire);
                if save && !persist::save_for_shutdown(&global.persist) {
                    log::warning("Error trying to save the DB, can't exit.");
                    log::warning(&format!(
                        "{name} received but errors trying to shut down the server, check the logs for more information"
                    ));
                    continue;
                }
            }
            Shutdown::Command => {}
        }
        break;
    }
    if !pidfile.is_empty() {
        let _ = std::fs::remove_file(&pidfile);
    }
    log::warning("shardis is now ready to exit, bye bye...");
    0
}
