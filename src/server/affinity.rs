//! Where the shard threads run: one controller (a task on shard 0) places every shard
//! thread by its kernel thread id.
//!
//! **Spread** (the normal state): shard *i* is pinned to its home CPU (*i* mod the CPU
//! count), released to the process's whole CPU set while something else keeps it waiting.
//! A pinned thread that shares its CPU with a busy process of another program (a replica
//! loading an RDB) waits out that process's whole time slices, several milliseconds each,
//! even while another CPU is free. Measured with a Redis replica loading a full sync next
//! to a 2-shard master: SET p99 3.2–3.4 ms pinned, 0.8–0.9 ms released (0.3 ms before
//! the sync). The wait is the kernel's `run_delay` (`/proc/<pid>/task/<tid>/schedstat`):
//! above [`RELEASE_ABOVE`] of an interval releases the pin, below [`REPIN_BELOW`] for
//! [`CALM_CHECKS`] intervals in a row pins it back.
//!
//! **Packed**: shards share CPUs in pairs (shard *i* on the home CPU of shard *i* rounded
//! down to even), leaving the other CPUs to whatever else runs here. Why: when clients
//! run on the same machine and keep a CPU busy (a local benchmark, an application next
//! to its cache), spread shards share every CPU with them, and each cross-shard wakeup is
//! an inter-processor interrupt (glommio's `membarrier` before it sleeps, the eventfd
//! write that wakes a peer), a VM exit of several microseconds in this VM. Measured here,
//! 2 shards, `redis-benchmark -c 50` on the same 2 CPUs: at pipeline depth 1 packed
//! serves 136–153k GET/s at 6.3–7.3 µs of server CPU per request, spread 105–114k at
//! 9.3–10.4 µs; at depth 16 spread wins (834–916k GET/s against 701–782k).
//!
//! Neither wins everywhere, so the controller measures: under load it tries the other
//! placement for a moment ([`Tuner`]) and keeps it only when it served clearly more
//! commands per second; a failed try doubles the time until the next one. An idle server
//! goes back to spread.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the controller samples waits and throughput.
const CHECK_EVERY: Duration = Duration::from_millis(20);
/// Share of an interval spent waiting for the CPU that releases a spread shard's pin.
const RELEASE_ABOVE: f64 = 0.25;
/// Share below which an interval counts as calm.
const REPIN_BELOW: f64 = 0.05;
/// Calm intervals in a row (1 s) before a released shard goes back to its own CPU.
const CALM_CHECKS: u32 = 50;

/// Intervals a throughput measurement spans (300 ms).
const WINDOW: usize = 15;
/// Intervals a new placement runs before its throughput counts (the caches and the
/// kernel's load balancing settle).
const SETTLE: u32 = 2;
/// A placement is kept when it serves this much more than the other.
const BETTER_BY: f64 = 1.08;
/// Below this many commands per second the server counts as idle: spread, no tries.
const BUSY_RATE: f64 = 20_000.0;
/// Intervals until the next try after a failed one: doubles from the first to the last.
const BACKOFF_FIRST: u32 = 100;
const BACKOFF_LAST: u32 = 1600;
/// A load this much higher or lower than at the last decision calls for a new try soon.
const LOAD_SHIFT: f64 = 1.3;

/// What the controller reads of the shards, shared with them.
pub struct Placement {
    /// Each shard thread's kernel id, 0 until it started.
    tids: Vec<AtomicI32>,
    /// Commands each shard's connections sent (bumped once per read).
    served: Vec<Served>,
    packed: AtomicBool,
    switches: AtomicU64,
}

/// One shard's counter on a cache line of its own: the shards bump theirs on every read.
#[repr(align(64))]
#[derive(Default)]
struct Served(AtomicU64);

impl Placement {
    pub fn new(nshards: usize) -> Placement {
        Placement {
            tids: (0..nshards).map(|_| AtomicI32::new(0)).collect(),
            served: (0..nshards).map(|_| Served::default()).collect(),
            packed: AtomicBool::new(false),
            switches: AtomicU64::new(0),
        }
    }

    /// Called on each shard's own thread when it starts.
    pub fn register_thread(&self, shard: usize) {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() };
        self.tids[shard].store(tid, Ordering::Release);
    }

    /// Counts `n` commands read by a connection of `shard`.
    #[inline]
    pub fn served(&self, shard: usize, n: usize) {
        self.served[shard].0.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Whether the shards share CPUs now (INFO), and how often the placement changed.
    pub fn status(&self) -> (bool, u64) {
        (
            self.packed.load(Ordering::Relaxed),
            self.switches.load(Ordering::Relaxed),
        )
    }

    fn served_total(&self) -> u64 {
        self.served
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .sum()
    }
}

/// The CPUs this process may run on, read before any thread is pinned.
#[derive(Clone, Copy)]
pub struct CpuSet(libc::cpu_set_t);

impl CpuSet {
    /// The calling thread's allowed CPUs (on the main thread: the process's).
    pub fn current() -> Option<CpuSet> {
        // SAFETY: an all-zero cpu_set_t is a valid empty set; sched_getaffinity fills it.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `set` is a valid buffer of `size` bytes.
        let rc = unsafe { libc::sched_getaffinity(0, size, &mut set) };
        (rc == 0).then_some(CpuSet(set))
    }

    fn only(cpu: usize) -> CpuSet {
        // SAFETY: an all-zero cpu_set_t is a valid empty set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: CPU_SET ignores CPUs beyond the set's 1024 bits.
        unsafe { libc::CPU_SET(cpu, &mut set) };
        CpuSet(set)
    }

    /// Applies the set to thread `tid`.
    fn apply(&self, tid: i32) -> bool {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `self.0` is a valid cpu_set_t of `size` bytes.
        unsafe { libc::sched_setaffinity(tid, size, &self.0) == 0 }
    }
}

/// Thread `tid`'s time spent waiting for a CPU so far (`run_delay`, ns).
fn run_delay_ns(tid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

/// Whether a spread shard's pin should change after an interval in which it waited
/// `waited_share` of the time, given `pinned` and the calm intervals counted so far
/// (updated).
fn decide(pinned: bool, waited_share: f64, calm: &mut u32) -> bool {
    if pinned {
        *calm = 0;
        return waited_share > RELEASE_ABOVE;
    }
    if waited_share < REPIN_BELOW {
        *calm += 1;
    } else {
        *calm = 0;
    }
    *calm >= CALM_CHECKS
}

/// Which placement the shards have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Spread,
    Packed,
}

impl Mode {
    fn other(self) -> Mode {
        match self {
            Mode::Spread => Mode::Packed,
            Mode::Packed => Mode::Spread,
        }
    }
}

/// The try-and-compare state machine, fed one interval at a time (pure: unit-tested).
pub struct Tuner {
    mode: Mode,
    /// Commands per second of the last intervals in the current placement (at most
    /// [`WINDOW`], cleared at every change).
    recent: std::collections::VecDeque<f64>,
    /// `Some` while the other placement is being tried: the rate it must beat, and the
    /// rates seen so far in it (the first [`SETTLE`] not counted).
    trying: Option<(f64, u32, Vec<f64>)>,
    /// Intervals until the next try, and the backoff after a failed one.
    next_try_in: u32,
    backoff: u32,
    /// The load at the last decision.
    decided_at: f64,
}

impl Default for Tuner {
    fn default() -> Tuner {
        Tuner {
            mode: Mode::Spread,
            recent: Default::default(),
            trying: None,
            next_try_in: 0,
            backoff: BACKOFF_FIRST,
            decided_at: 0.0,
        }
    }
}

fn mean(rates: &[f64]) -> f64 {
    rates.iter().sum::<f64>() / rates.len().max(1) as f64
}

impl Tuner {
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// One interval that served `rate` commands per second; returns the placement to
    /// switch to, if any.
    pub fn tick(&mut self, rate: f64) -> Option<Mode> {
        if let Some((to_beat, seen, mut rates)) = self.trying.take() {
            if seen < SETTLE {
                self.trying = Some((to_beat, seen + 1, rates));
                return None;
            }
            rates.push(rate);
            if rates.len() < WINDOW {
                self.trying = Some((to_beat, seen, rates));
                return None;
            }
            let tried = mean(&rates);
            if tried > to_beat * BETTER_BY {
                self.backoff = BACKOFF_FIRST;
                self.settle(tried, BACKOFF_FIRST);
                self.recent.extend(rates);
                return None;
            }
            // Back to where it was, and wait longer before the next try.
            self.mode = self.mode.other();
            let wait = self.backoff;
            self.backoff = (self.backoff * 2).min(BACKOFF_LAST);
            self.settle(to_beat, wait);
            return Some(self.mode);
        }
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(rate);
        self.next_try_in = self.next_try_in.saturating_sub(1);
        if self.recent.len() < WINDOW {
            return None;
        }
        let load = mean(self.recent.make_contiguous());
        if load < BUSY_RATE {
            // Idle: the normal placement, and a try as soon as load is back.
            self.decided_at = 0.0;
            self.next_try_in = 0;
            self.backoff = BACKOFF_FIRST;
            if self.mode == Mode::Packed {
                self.mode = Mode::Spread;
                self.recent.clear();
                return Some(Mode::Spread);
            }
            return None;
        }
        let shifted = load > self.decided_at * LOAD_SHIFT || load * LOAD_SHIFT < self.decided_at;
        if shifted && self.next_try_in > WINDOW as u32 {
            // A new load: measure it for a window, then try.
            self.next_try_in = WINDOW as u32;
            self.backoff = BACKOFF_FIRST;
        }
        if self.next_try_in > 0 {
            return None;
        }
        self.mode = self.mode.other();
        self.trying = Some((load, 0, Vec::with_capacity(WINDOW)));
        Some(self.mode)
    }

    /// A decision taken at `load`: a fresh window, and the next try in `wait` intervals.
    fn settle(&mut self, load: f64, wait: u32) {
        self.recent.clear();
        self.decided_at = load;
        self.next_try_in = wait;
    }
}

/// The controller: runs on shard 0 for the life of the server. `homes[i]` is shard i's
/// own CPU, `all` the process's CPUs; `pack`: trying packed placements is allowed.
pub async fn control(placement: Arc<Placement>, homes: Vec<usize>, all: CpuSet, pack: bool) {
    let n = homes.len();
    // The other shards register their threads as they start.
    let registered = || {
        let tids: Vec<i32> = placement
            .tids
            .iter()
            .map(|t| t.load(Ordering::Acquire))
            .collect();
        (!tids.contains(&0)).then_some(tids)
    };
    let mut waited = 0;
    let tids = loop {
        if let Some(tids) = registered() {
            break tids;
        }
        if waited == 500 {
            return;
        }
        waited += 1;
        glommio::timer::sleep(Duration::from_millis(10)).await;
    };
    let mut delays: Vec<Option<u64>> = tids.iter().map(|&t| run_delay_ns(t)).collect();
    if delays.iter().any(|d| d.is_none()) {
        return;
    }
    let mut pinned = vec![true; n];
    let mut calm = vec![0u32; n];
    let mut tuner = Tuner::default();
    let mut served = placement.served_total();
    let mut at = Instant::now();
    loop {
        glommio::timer::sleep(CHECK_EVERY).await;
        let now = Instant::now();
        let secs = now.duration_since(at).as_secs_f64().max(1e-6);
        at = now;
        let total = placement.served_total();
        let rate = total.saturating_sub(served) as f64 / secs;
        served = total;
        let switch = if pack && n > 1 {
            tuner.tick(rate)
        } else {
            None
        };
        if let Some(mode) = switch {
            for (i, &tid) in tids.iter().enumerate() {
                let cpu = match mode {
                    Mode::Spread => homes[i],
                    Mode::Packed => homes[i & !1],
                };
                CpuSet::only(cpu).apply(tid);
                (pinned[i], calm[i]) = (true, 0);
            }
            placement
                .packed
                .store(mode == Mode::Packed, Ordering::Relaxed);
            placement.switches.fetch_add(1, Ordering::Relaxed);
        }
        // Contention releases pins only while spread (packed shards wait for each other
        // by design).
        let spread = tuner.mode() == Mode::Spread;
        for i in 0..n {
            let Some(now_delay) = run_delay_ns(tids[i]) else {
                continue;
            };
            let share = now_delay.saturating_sub(delays[i].unwrap_or(0)) as f64 / (secs * 1e9);
            delays[i] = Some(now_delay);
            if spread && switch.is_none() && decide(pinned[i], share, &mut calm[i]) {
                let target = if pinned[i] {
                    all
                } else {
                    CpuSet::only(homes[i])
                };
                if target.apply(tids[i]) {
                    pinned[i] = !pinned[i];
                    calm[i] = 0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_when_waiting_and_repins_after_a_calm_second() {
        let mut calm = 0;
        assert!(!decide(true, 0.10, &mut calm));
        assert!(decide(true, 0.30, &mut calm));
        // Released: a busy interval resets the calm count.
        for _ in 0..CALM_CHECKS - 1 {
            assert!(!decide(false, 0.01, &mut calm));
        }
        assert!(!decide(false, 0.10, &mut calm));
        assert_eq!(calm, 0);
        for _ in 0..CALM_CHECKS - 1 {
            assert!(!decide(false, 0.0, &mut calm));
        }
        assert!(decide(false, 0.0, &mut calm));
    }

    /// Feeds the tuner a world where each placement serves a fixed rate; returns the
    /// switches it asked for over `ticks` intervals.
    fn run(tuner: &mut Tuner, spread: f64, packed: f64, ticks: usize) -> Vec<Mode> {
        let mut switches = Vec::new();
        for _ in 0..ticks {
            let rate = match tuner.mode() {
                Mode::Spread => spread,
                Mode::Packed => packed,
            };
            switches.extend(tuner.tick(rate));
        }
        switches
    }

    #[test]
    fn keeps_the_placement_that_serves_clearly_more() {
        let mut t = Tuner::default();
        // Load appears: after one window it tries packed, which wins, and stays.
        let s = run(
            &mut t,
            100_000.0,
            140_000.0,
            2 * WINDOW + SETTLE as usize + 50,
        );
        assert_eq!(s, vec![Mode::Packed]);
        assert_eq!(t.mode(), Mode::Packed);
    }

    #[test]
    fn a_failed_try_goes_back_and_waits_longer_each_time() {
        let mut t = Tuner::default();
        let s = run(
            &mut t,
            800_000.0,
            700_000.0,
            WINDOW + SETTLE as usize + WINDOW,
        );
        assert_eq!(s, vec![Mode::Packed, Mode::Spread]);
        assert_eq!(t.mode(), Mode::Spread);
        // The next try comes after the first backoff, the one after that twice as late.
        let s = run(&mut t, 800_000.0, 700_000.0, BACKOFF_FIRST as usize - 1);
        assert!(s.is_empty());
        let s = run(&mut t, 800_000.0, 700_000.0, 1 + SETTLE as usize + WINDOW);
        assert_eq!(s, vec![Mode::Packed, Mode::Spread]);
        let s = run(&mut t, 800_000.0, 700_000.0, 2 * BACKOFF_FIRST as usize - 1);
        assert!(s.is_empty());
    }

    #[test]
    fn a_small_difference_keeps_spread_and_idle_goes_back_to_spread() {
        let mut t = Tuner::default();
        run(&mut t, 100_000.0, 105_000.0, 300);
        assert_eq!(t.mode(), Mode::Spread);
        let mut t = Tuner::default();
        run(&mut t, 100_000.0, 150_000.0, 2 * WINDOW + SETTLE as usize);
        assert_eq!(t.mode(), Mode::Packed);
        let s = run(&mut t, 0.0, 0.0, WINDOW + 1);
        assert_eq!(s, vec![Mode::Spread]);
    }
}
