//! x87 80-bit `long double` arithmetic in software, for INCRBYFLOAT.
//!
//! Redis parses INCRBYFLOAT's operands with `strtold`, adds them as `long double` (on
//! x86-64 Linux the x87 extended format: 64-bit significand, 15-bit exponent) and prints
//! the sum with `%.17Lf`, trailing zeros removed. The extra precision is visible: `0.1 +
//! 0.2` prints `0.3`, and `1.5e300` prints the long double's exact digits. Rust has no
//! such type, so this module does the three steps exactly: a value is `mant * 2^exp`,
//! every operation first computes the exact result as a big integer and then rounds it
//! once to 64 significant bits (round half to even), which is what correctly rounded
//! `strtold` and the x87 adder produce.

use num_bigint::BigUint;

/// Smallest exponent: the least subnormal is `1 * 2^-16445`.
const EXP_MIN: i64 = -16445;
/// Largest exponent of `mant * 2^exp` with a 64-bit `mant` (the max is just under 2^16384).
const EXP_MAX: i64 = 16320;
/// `string2ld` refuses strings this long or longer (`MAX_LONG_DOUBLE_CHARS`).
const MAX_CHARS: usize = 5 * 1024;

/// A finite or infinite long double: `(-1)^neg * mant * 2^exp` when finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongDouble {
    neg: bool,
    inf: bool,
    mant: u64,
    exp: i64,
}

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble {
        neg: false,
        inf: false,
        mant: 0,
        exp: 0,
    };

    pub fn is_infinite(&self) -> bool {
        self.inf
    }

    pub fn from_i64(n: i64) -> LongDouble {
        round(n < 0, &BigUint::from(n.unsigned_abs()), 0, false)
    }

    /// Parses like Redis's `string2ld`: the whole string must be a number `strtold`
    /// accepts (decimal, hex float, `inf`), with no leading space, not NaN, and not
    /// out of range (overflow, or a nonzero value rounding to zero).
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_CHARS || is_c_space(s[0]) {
            return None;
        }
        let (neg, body) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let lower = body.to_ascii_lowercase();
        if lower == b"inf" || lower == b"infinity" {
            return Some(LongDouble {
                neg,
                inf: true,
                mant: 0,
                exp: 0,
            });
        }
        let (n, exp2, sticky) = if lower.starts_with(b"0x") {
            parse_hex(&lower[2..])?
        } else {
            parse_decimal(&lower)?
        };
        if n.bits() == 0 {
            return Some(LongDouble { neg, ..Self::ZERO });
        }
        let v = round(neg, &n, exp2, sticky);
        // strtold reports ERANGE for these; string2ld then rejects the value.
        if v.inf || v.mant == 0 {
            return None;
        }
        Some(v)
    }

    /// The exactly rounded sum; `None` for NaN (infinities of opposite signs).
    pub fn checked_add(self, other: LongDouble) -> Option<LongDouble> {
        if self.inf || other.inf {
            if self.inf && other.inf && self.neg != other.neg {
                return None;
            }
            return Some(if self.inf { self } else { other });
        }
        if self.mant == 0 {
            return Some(if other.mant == 0 {
                LongDouble {
                    neg: self.neg && other.neg,
                    ..Self::ZERO
                }
            } else {
                other
            });
        }
        if other.mant == 0 {
            return Some(self);
        }
        let e = self.exp.min(other.exp);
        let a = BigUint::from(self.mant) << (self.exp - e) as usize;
        let b = BigUint::from(other.mant) << (other.exp - e) as usize;
        if self.neg == other.neg {
            return Some(round(self.neg, &(a + b), e, false));
        }
        Some(match a.cmp(&b) {
            std::cmp::Ordering::Equal => Self::ZERO,
            std::cmp::Ordering::Greater => round(self.neg, &(a - b), e, false),
            std::cmp::Ordering::Less => round(other.neg, &(b - a), e, false),
        })
    }

    /// Redis's `ld2string(.., LD_STR_HUMAN)`: `%.17Lf`, then trailing zeros (and a bare
    /// point) removed, and `-0` written `0`.
    pub fn to_human_string(self) -> String {
        if self.inf {
            return if self.neg { "-inf" } else { "inf" }.into();
        }
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        const SCALE: u128 = 100_000_000_000_000_000; // 10^17
        if self.exp >= 0 {
            s.push_str(&(BigUint::from(self.mant) << self.exp as usize).to_string());
        } else {
            let k = (-self.exp) as u32;
            let (int_part, frac_bits) = if k >= 64 {
                (0u64, self.mant)
            } else {
                (self.mant >> k, self.mant & ((1u64 << k) - 1))
            };
            // frac_bits / 2^k, scaled by 10^17 and rounded half to even: < 2^121.
            let scaled = frac_bits as u128 * SCALE;
            let mut q = if k >= 128 { 0 } else { scaled >> k };
            if k < 128 {
                let rest = scaled - (q << k);
                let half = 1u128 << (k - 1);
                if rest > half || (rest == half && q & 1 == 1) {
                    q += 1;
                }
            }
            let mut int_part = int_part as u128;
            if q == SCALE {
                int_part += 1;
                q = 0;
            }
            s.push_str(&format!("{int_part}.{q:017}"));
            let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
            s.truncate(trimmed);
        }
        if s == "-0" {
            s = "0".into();
        }
        s
    }
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Exponent digits, saturated (values far past the range behave the same).
fn parse_exp(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0i64, |acc, d| (acc * 10 + (d - b'0') as i64).min(1 << 40));
    Some(if neg { -v } else { v })
}

/// Splits `int[.frac][<marker>exp]` with digits checked by `is_digit`.
fn split_number(s: &[u8], marker: u8, is_digit: fn(&u8) -> bool) -> Option<(Vec<u8>, i64, i64)> {
    let (mant, exp) = match s.iter().position(|&c| c == marker) {
        Some(p) => (&s[..p], parse_exp(&s[p + 1..])?),
        None => (s, 0),
    };
    let (int, frac) = match mant.iter().position(|&c| c == b'.') {
        Some(p) => (&mant[..p], &mant[p + 1..]),
        None => (mant, &b""[..]),
    };
    if int.len() + frac.len() == 0 || !int.iter().chain(frac).all(is_digit) {
        return None;
    }
    let digits = int.iter().chain(frac).copied().collect();
    Some((digits, exp, frac.len() as i64))
}

/// A decimal `strtold` string as the exact integer `n` and binary exponent (with a sticky
/// bit for a nonzero division remainder).
fn parse_decimal(s: &[u8]) -> Option<(BigUint, i64, bool)> {
    let (digits, exp, frac_len) = split_number(s, b'e', u8::is_ascii_digit)?;
    let first = digits.iter().position(|&d| d != b'0');
    let Some(first) = first else {
        return Some((BigUint::ZERO, 0, false));
    };
    let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
    let sig = &digits[first..=last];
    // value = sig * 10^x
    let x = exp - frac_len + (digits.len() - 1 - last) as i64;
    let magnitude = x + sig.len() as i64;
    if magnitude > 4940 {
        return Some((BigUint::from(1u32), i64::MAX / 4, false)); // overflows when rounded
    }
    if magnitude < -4960 {
        return Some((BigUint::from(1u32), i64::MIN / 4, false)); // rounds to zero
    }
    let mut n = BigUint::ZERO;
    for chunk in sig.chunks(9) {
        let v = chunk.iter().fold(0u32, |a, d| a * 10 + (d - b'0') as u32);
        n = n * 10u32.pow(chunk.len() as u32) + v;
    }
    if x >= 0 {
        return Some((n * pow10(x as usize), 0, false));
    }
    let m = pow10((-x) as usize);
    // q = floor(n * 2^s / m) with at least 66 significant bits, then round.
    let s = (m.bits() as i64 - n.bits() as i64 + 66).max(0) as usize;
    let scaled = n << s;
    let (q, rem) = (&scaled / &m, &scaled % &m);
    Some((q, -(s as i64), rem.bits() != 0))
}

fn parse_hex(s: &[u8]) -> Option<(BigUint, i64, bool)> {
    let (digits, exp, frac_len) = split_number(s, b'p', u8::is_ascii_hexdigit)?;
    let mut n = BigUint::ZERO;
    for d in digits {
        let v = (d as char).to_digit(16)? as u64;
        n = n * 16u32 + v;
    }
    Some((n, exp - 4 * frac_len, false))
}

/// The low 64 bits of `n`.
fn low_u64(n: &BigUint) -> u64 {
    n.iter_u64_digits().next().unwrap_or(0)
}

fn pow10(k: usize) -> BigUint {
    BigUint::from(10u32).pow(k as u32)
}

/// Rounds `n * 2^exp2` (plus a sticky fraction below it) to the nearest long double,
/// ties to even, with x87's subnormals and overflow to infinity.
fn round(neg: bool, n: &BigUint, exp2: i64, sticky: bool) -> LongDouble {
    let bits = n.bits() as i64;
    if bits == 0 {
        return LongDouble {
            neg,
            ..LongDouble::ZERO
        };
    }
    let mut exp = (exp2 + bits - 64).max(EXP_MIN);
    let shift = exp - exp2;
    let mant = if shift <= 0 {
        low_u64(n) << (-shift)
    } else {
        let shift = shift as usize;
        let mut m = low_u64(&(n >> shift));
        let half = n.bit(shift as u64 - 1);
        // Any bit below the half bit set: the lowest set bit is below it.
        let rest = sticky || n.trailing_zeros().is_some_and(|t| t < shift as u64 - 1);
        if half && (rest || m & 1 == 1) {
            if m == u64::MAX {
                m = 1 << 63;
                exp += 1;
            } else {
                m += 1;
            }
        }
        m
    };
    if exp > EXP_MAX {
        return LongDouble {
            neg,
            inf: true,
            mant: 0,
            exp: 0,
        };
    }
    LongDouble {
        neg,
        inf: false,
        mant,
        exp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> LongDouble {
        LongDouble::parse(s.as_bytes()).unwrap_or_else(|| panic!("parse {s}"))
    }

    fn sum(a: &str, b: &str) -> String {
        p(a).checked_add(p(b)).unwrap().to_human_string()
    }

    #[test]
    fn formats_like_redis() {
        // Outputs of Redis 7.0 INCRBYFLOAT on x86-64.
        assert_eq!(sum("0", "0.1"), "0.1");
        assert_eq!(sum("0.1", "0.2"), "0.3");
        assert_eq!(sum("0", "1e20"), "100000000000000000000");
        assert_eq!(
            sum("100000000000000000000", "3.0e3"),
            "100000000000000003000"
        );
        assert_eq!(sum("10.5", "0.1"), "10.6");
        assert_eq!(sum("0", "1.23456789012345678901"), "1.23456789012345679");
        assert_eq!(
            sum("0", "123456789012345678901234567890"),
            "123456789012345678899921813504"
        );
        assert!(sum("0", "1.5e300").starts_with("15000000000000000000498001098614721663623"));
        assert_eq!(sum("0", "1e-4940"), "0");
        assert_eq!(sum("0x1p-3", "0"), "0.125");
        assert_eq!(sum("-0.5", "0.5"), "0");
        assert_eq!(sum("-0.25", "0"), "-0.25");
        assert_eq!(sum("5", "-7"), "-2");
    }

    #[test]
    fn parse_rejects_like_string2ld() {
        for bad in [
            "", " 1", "1 ", "nan", "1e", "1e+", ".", "0x", "0x1p", "abc", "1e5000", "1e-5000",
            "--1", "infinit",
        ] {
            assert!(LongDouble::parse(bad.as_bytes()).is_none(), "{bad:?}");
        }
        assert!(p("inf").is_infinite() && p("-Infinity").is_infinite());
        assert_eq!(p("0e99999"), LongDouble::ZERO);
        assert_eq!(p("1."), p("1"));
        assert_eq!(p(".5"), p("0.5"));
        assert_eq!(p("+3"), LongDouble::from_i64(3));
        assert!(p("inf").checked_add(p("-inf")).is_none());
    }

    #[test]
    fn overflow_to_infinity() {
        let max = p("1.18973149535723176502e4932");
        assert!(!max.is_infinite());
        assert!(max.checked_add(max).unwrap().is_infinite());
    }
}
