//! Pinning that gives way under contention: a shard thread stays on its own CPU while
//! that CPU is its own, and may run on any CPU while something else keeps it waiting.
//!
//! Why: a pinned thread that shares its CPU with a busy process of another program (a
//! replica loading an RDB, a benchmark client) waits out that process's whole time
//! slices, several milliseconds each, even while another CPU is free. Measured here with
//! a Redis replica loading a full sync next to a 2-shard master: SET p99 3.2–3.4 ms
//! pinned, 0.8–0.9 ms unpinned (0.3 ms before the sync). Pinning still pays when the
//! CPU is the shard's alone (cache locality, no migrations), so it is the normal state.
//!
//! How: every [`CHECK_EVERY`], the shard reads its thread's run-queue wait from
//! `/proc/thread-self/schedstat` (the kernel's `run_delay`: time spent runnable but not
//! running). Waiting more than [`RELEASE_ABOVE`] of the interval releases the pin (the
//! process's whole CPU set); waiting less than [`REPIN_BELOW`] for [`CALM_CHECKS`]
//! checks in a row pins it back.

use std::time::{Duration, Instant};

/// How often the wait is sampled.
const CHECK_EVERY: Duration = Duration::from_millis(20);
/// Share of an interval spent waiting for the CPU that releases the pin.
const RELEASE_ABOVE: f64 = 0.25;
/// Share below which an interval counts as calm.
const REPIN_BELOW: f64 = 0.05;
/// Calm intervals in a row (1 s) before the shard goes back to its own CPU.
const CALM_CHECKS: u32 = 50;

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

    /// Applies the set to the calling thread.
    fn apply(&self) -> bool {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `self.0` is a valid cpu_set_t of `size` bytes.
        unsafe { libc::sched_setaffinity(0, size, &self.0) == 0 }
    }
}

/// The calling thread's time spent waiting for a CPU so far (`run_delay`, ns).
fn run_delay_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

/// Whether the pin should change after an interval in which the thread waited
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

/// Runs for the life of a shard pinned to `home`: releases and restores the pin as the
/// CPU is contended or not. Returns at once if the kernel does not report run delays.
pub async fn watch(home: usize, all: CpuSet) {
    let Some(mut delay) = run_delay_ns() else {
        return;
    };
    let (mut pinned, mut calm) = (true, 0);
    let mut at = Instant::now();
    loop {
        glommio::timer::sleep(CHECK_EVERY).await;
        let Some(now_delay) = run_delay_ns() else {
            return;
        };
        let now = Instant::now();
        let wall_ns = now.duration_since(at).as_nanos().max(1) as f64;
        let share = now_delay.saturating_sub(delay) as f64 / wall_ns;
        (delay, at) = (now_delay, now);
        if decide(pinned, share, &mut calm) {
            let target = if pinned { all } else { CpuSet::only(home) };
            if target.apply() {
                pinned = !pinned;
                calm = 0;
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
}
