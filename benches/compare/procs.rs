//! Processes the kit starts (servers, redis-benchmark) and what /proc says about them.
//!
//! Every child is held by a [`Guard`] that kills and reaps it on drop, so errors and panics
//! (the release profile unwinds) stop them. Ctrl-C and `kill` do not unwind: the pids of
//! live children are also kept in a fixed table of atomics that a SIGINT/SIGTERM/SIGHUP
//! handler walks (only async-signal-safe calls: `kill`, `_exit`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::Res;

const MAX_CHILDREN: usize = 64;
static CHILDREN: [AtomicI32; MAX_CHILDREN] = [const { AtomicI32::new(0) }; MAX_CHILDREN];

fn track(pid: i32) {
    for slot in &CHILDREN {
        if slot
            .compare_exchange(0, pid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
    eprintln!("warning: more than {MAX_CHILDREN} children, pid {pid} not covered by Ctrl-C");
}

fn untrack(pid: i32) {
    for slot in &CHILDREN {
        let _ = slot.compare_exchange(pid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    for slot in &CHILDREN {
        let pid = slot.load(Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: kill and _exit are async-signal-safe.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
    // SAFETY: as above; exits without running destructors, the children are gone.
    unsafe { libc::_exit(128 + sig) };
}

/// Kills the kit's children when the runner is interrupted or terminated.
pub fn install_signal_handlers() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installs a handler that only makes async-signal-safe calls.
        unsafe {
            libc::signal(
                sig,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            )
        };
    }
}

/// Removes scratch directories (`shardis-bench-<server>-<port>-<pid>`) of earlier runs
/// whose runner is gone: a runner stopped by a signal exits without its destructors.
pub fn remove_stale_scratch_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("shardis-bench-") else {
            continue;
        };
        let pid = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// A child process, killed (SIGKILL) and reaped when dropped.
pub struct Guard(pub Child);

impl Guard {
    pub fn spawn(cmd: &mut Command, what: &str) -> Res<Guard> {
        let child = cmd.spawn().map_err(|e| format!("start {what}: {e}"))?;
        track(child.id() as i32);
        Ok(Guard(child))
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        untrack(self.0.id() as i32);
    }
}

/// A temporary directory removed when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running server on a loopback port.
pub struct Server {
    pub name: &'static str,
    pub port: u16,
    // Field order: the process stops before its directory is removed.
    proc: Guard,
    _dir: ScratchDir,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }
}

fn free_port() -> Res<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// A Redis tool from /usr/bin or /usr/local/bin, else by name on PATH.
pub fn tool(name: &str) -> String {
    for dir in ["/usr/bin", "/usr/local/bin"] {
        let p = format!("{dir}/{name}");
        if Path::new(&p).exists() {
            return p;
        }
    }
    name.to_string()
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The release shardis binary (`BENCH_SHARDIS` names another one). `cargo bench` builds the package's binaries with the bench
/// profile (release settings) before the bench and names the result in
/// `CARGO_BIN_EXE_shardis`; when the runner is started some other way it builds
/// target/release/shardis itself.
pub fn shardis_binary() -> Res<PathBuf> {
    if let Ok(p) = std::env::var("BENCH_SHARDIS") {
        // Another build (e.g. the commit before a change, for a before/after table).
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = option_env!("CARGO_BIN_EXE_shardis") {
        if Path::new(p).exists() {
            return Ok(PathBuf::from(p));
        }
    }
    eprintln!("building shardis (cargo build --release) ...");
    let st = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--bin", "shardis"])
        .current_dir(manifest_dir())
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest_dir().join("target"));
    let bin = target.join("release").join("shardis");
    if !st.success() || !bin.exists() {
        return Err(format!("cargo build --release failed: {st}"));
    }
    Ok(bin)
}

/// Starts a server with the settings both get (loopback, no persistence, DEBUG on, its own
/// scratch directory and log) plus `extra`, and waits until it answers PING.
pub fn start(name: &'static str, program: &Path, extra: &[&str]) -> Res<Server> {
    let port = free_port()?;
    let dir = std::env::temp_dir().join(format!(
        "shardis-bench-{name}-{port}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let dir = ScratchDir(dir);
    let log = dir.0.join("server.log");
    let proc = Guard::spawn(
        Command::new(program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--enable-debug-command", "yes"])
            .args(["--dir", dir.0.to_str().unwrap_or(".")])
            .args(["--logfile", log.to_str().unwrap_or("")])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit()),
        &format!("{name} ({})", program.display()),
    )?;
    let mut s = Server {
        name,
        port,
        proc,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(st)) = s.proc.0.try_wait() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("{name} exited at start-up ({st}): {log}"));
        }
        if let Ok(mut c) = Client::connect(port) {
            if c.cmd(&["PING"]).map(|r| r == "+PONG").unwrap_or(false) {
                return Ok(s);
            }
        }
        if Instant::now() > deadline {
            return Err(format!("{name} did not answer on port {port}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// CPU time a process has used (user + system, all threads), in microseconds: the sum of
/// the threads' `schedstat` run times (ns resolution; every server thread lives as long
/// as the server), else utime+stime from `stat` (clock ticks, 10 ms).
pub fn cpu_us(pid: u32) -> Res<u64> {
    if let Some(us) = schedstat_us(pid) {
        return Ok(us);
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // Fields after the command name (which may contain spaces) start at state (field 3);
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').ok_or("bad stat")? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| -> Res<u64> {
        f.get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("bad /proc/{pid}/stat"))
    };
    let ticks = field(11)? + field(12)?;
    // SAFETY: sysconf only reads a system constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(ticks * 1_000_000 / hz)
}

fn schedstat_us(pid: u32) -> Option<u64> {
    let mut ns = 0u64;
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = t.ok()?.path().join("schedstat");
        let text = std::fs::read_to_string(path).ok()?;
        ns += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns / 1000)
}

fn status_kb(pid: u32, field: &str) -> Res<u64> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| format!("no {field} in /proc/{pid}/status"))
}

/// Resident set size now, bytes.
pub fn rss_bytes(pid: u32) -> Res<u64> {
    Ok(status_kb(pid, "VmRSS:")? * 1024)
}

/// Peak resident set size (VmHWM), bytes: since start, or since [`reset_peak_rss`].
pub fn peak_rss_bytes(pid: u32) -> Res<u64> {
    Ok(status_kb(pid, "VmHWM:")? * 1024)
}

/// Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux >= 4.0), so the peak
/// of each run is its own. Returns false when the kernel refused: the peak then covers
/// the process's whole life.
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}
