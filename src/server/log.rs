//! Redis-style log lines: `<pid>:M 22 Nov 2026 00:25:00.123 * Ready to accept connections`.
//! Operators grep for Redis's wording, so messages keep it. Levels and symbols as Redis:
//! debug `.`, verbose `-`, notice `*`, warning `#`.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

static LEVEL: AtomicU8 = AtomicU8::new(2);
static FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);

pub fn level_of(name: &str) -> u8 {
    match name {
        "debug" => 0,
        "verbose" => 1,
        "notice" => 2,
        _ => 3,
    }
}

/// Sets the level and the destination (empty path: standard output).
pub fn init(level: &str, path: &str) -> std::io::Result<()> {
    LEVEL.store(level_of(level), Ordering::Relaxed);
    if !path.is_empty() {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        *FILE.lock().unwrap_or_else(|e| e.into_inner()) = Some(f);
    }
    Ok(())
}

pub fn set_level(level: &str) {
    LEVEL.store(level_of(level), Ordering::Relaxed);
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's
/// civil-from-days algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

fn timestamp(ms: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = (ms / 1000) as i64;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        d,
        MONTHS[(m - 1) as usize],
        y,
        sod / 3600,
        sod % 3600 / 60,
        sod % 60,
        ms % 1000
    )
}

pub fn log(level: u8, msg: &str) {
    if level < LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let sym = [".", "-", "*", "#"][level.min(3) as usize];
    let line = format!(
        "{}:M {} {} {}\n",
        std::process::id(),
        timestamp(super::shard::unix_ms()),
        sym,
        msg
    );
    let mut file = FILE.lock().unwrap_or_else(|e| e.into_inner());
    match file.as_mut() {
        Some(f) => {
            let _ = f.write_all(line.as_bytes());
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }
}

pub fn verbose(msg: &str) {
    log(1, msg)
}

pub fn notice(msg: &str) {
    log(2, msg)
}

pub fn warning(msg: &str) {
    log(3, msg)
}

#[cfg(test)]
mod tests {
    #[test]
    fn redis_timestamp_format() {
        // 2026-11-22 00:25:00.123 UTC
        assert_eq!(
            super::timestamp(1_795_307_100_123),
            "22 Nov 2026 00:25:00.123"
        );
        assert_eq!(super::timestamp(0), "01 Jan 1970 00:00:00.000");
    }
}
