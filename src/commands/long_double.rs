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
        round(n < 0, &Big::from_u64(n.unsigned_abs()), 0, false)
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
        if n.is_zero() {
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
        let a = Big::from_u64(self.mant).shl((self.exp - e) as usize);
        let b = Big::from_u64(other.mant).shl((other.exp - e) as usize);
        if self.neg == other.neg {
            return Some(round(self.neg, &a.add(&b), e, false));
        }
        Some(match a.cmp(&b) {
            std::cmp::Ordering::Equal => Self::ZERO,
            std::cmp::Ordering::Greater => round(self.neg, &a.sub(&b), e, false),
            std::cmp::Ordering::Less => round(other.neg, &b.sub(&a), e, false),
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
            s.push_str(&Big::from_u64(self.mant).shl(self.exp as usize).to_decimal());
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
fn parse_decimal(s: &[u8]) -> Option<(Big, i64, bool)> {
    let (digits, exp, frac_len) = split_number(s, b'e', u8::is_ascii_digit)?;
    let first = digits.iter().position(|&d| d != b'0');
    let Some(first) = first else {
        return Some((Big::zero(), 0, false));
    };
    let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
    let sig = &digits[first..=last];
    // value = sig * 10^x
    let x = exp - frac_len + (digits.len() - 1 - last) as i64;
    let magnitude = x + sig.len() as i64;
    if magnitude > 4940 {
        return Some((Big::from_u64(1), i64::MAX / 4, false)); // overflows when rounded
    }
    if magnitude < -4960 {
        return Some((Big::from_u64(1), i64::MIN / 4, false)); // rounds to zero
    }
    let mut n = Big::zero();
    for chunk in sig.chunks(9) {
        let v = chunk.iter().fold(0u32, |a, d| a * 10 + (d - b'0') as u32);
        n = n
            .mul_small(10u32.pow(chunk.len() as u32))
            .add(&Big::from_u64(v as u64));
    }
    if x >= 0 {
        return Some((n.mul(&Big::pow10(x as usize)), 0, false));
    }
    let m = Big::pow10((-x) as usize);
    // q = floor(n * 2^s / m) with at least 66 significant bits, then round.
    let s = (m.bit_len() as i64 - n.bit_len() as i64 + 66).max(0) as usize;
    let (q, rem_nonzero) = n.shl(s).div_rem_small_quotient(&m);
    Some((q, -(s as i64), rem_nonzero))
}

fn parse_hex(s: &[u8]) -> Option<(Big, i64, bool)> {
    let (digits, exp, frac_len) = split_number(s, b'p', u8::is_ascii_hexdigit)?;
    let mut n = Big::zero();
    for d in digits {
        let v = (d as char).to_digit(16)? as u64;
        n = n.mul_small(16).add(&Big::from_u64(v));
    }
    Some((n, exp - 4 * frac_len, false))
}

/// Rounds `n * 2^exp2` (plus a sticky fraction below it) to the nearest long double,
/// ties to even, with x87's subnormals and overflow to infinity.
fn round(neg: bool, n: &Big, exp2: i64, sticky: bool) -> LongDouble {
    let bits = n.bit_len() as i64;
    if bits == 0 {
        return LongDouble {
            neg,
            ..LongDouble::ZERO
        };
    }
    let mut exp = (exp2 + bits - 64).max(EXP_MIN);
    let shift = exp - exp2;
    let mant = if shift <= 0 {
        n.low_u64() << (-shift)
    } else {
        let shift = shift as usize;
        let mut m = n.shr_u64(shift);
        let half = n.bit(shift - 1);
        let rest = sticky || n.any_below(shift - 1);
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

/// A minimal unsigned big integer (little-endian 32-bit limbs), just what exact parsing,
/// addition and printing need.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn zero() -> Big {
        Big(Vec::new())
    }

    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bit_len(&self) -> usize {
        match self.0.last() {
            None => 0,
            Some(&top) => self.0.len() * 32 - top.leading_zeros() as usize,
        }
    }

    fn bit(&self, i: usize) -> bool {
        self.0.get(i / 32).is_some_and(|&l| l >> (i % 32) & 1 == 1)
    }

    /// Whether any bit below `i` is set.
    fn any_below(&self, i: usize) -> bool {
        let (limb, bit) = (i / 32, i % 32);
        self.0.iter().take(limb.min(self.0.len())).any(|&l| l != 0)
            || (bit > 0
                && self
                    .0
                    .get(limb)
                    .is_some_and(|&l| l & ((1u32 << bit) - 1) != 0))
    }

    fn low_u64(&self) -> u64 {
        let l = |i: usize| self.0.get(i).copied().unwrap_or(0) as u64;
        l(0) | l(1) << 32
    }

    /// The 64 bits starting at bit `shift` (the caller knows the rest is zero).
    fn shr_u64(&self, shift: usize) -> u64 {
        (0..64)
            .filter(|&i| self.bit(shift + i))
            .fold(0, |m, i| m | 1 << i)
    }

    fn shl(&self, bits: usize) -> Big {
        if self.is_zero() {
            return Big::zero();
        }
        let (limbs, bits) = (bits / 32, bits % 32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push(l << bits | carry);
                carry = l >> (32 - bits);
            }
        }
        out.push(carry);
        let mut b = Big(out);
        b.trim();
        b
    }

    fn add(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len().max(other.0.len()) + 1);
        let mut carry = 0u64;
        for i in 0..self.0.len().max(other.0.len()) {
            let s = self.0.get(i).copied().unwrap_or(0) as u64
                + other.0.get(i).copied().unwrap_or(0) as u64
                + carry;
            out.push(s as u32);
            carry = s >> 32;
        }
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `self - other`; `self >= other`.
    fn sub(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut d = self.0[i] as i64 - other.0.get(i).copied().unwrap_or(0) as i64 - borrow;
            borrow = 0;
            if d < 0 {
                d += 1 << 32;
                borrow = 1;
            }
            out.push(d as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    fn mul_small(&self, k: u32) -> Big {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut carry = 0u64;
        for &l in &self.0 {
            let p = l as u64 * k as u64 + carry;
            out.push(p as u32);
            carry = p >> 32;
        }
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }

    fn mul(&self, other: &Big) -> Big {
        let mut out = vec![0u32; self.0.len() + other.0.len() + 1];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in other.0.iter().enumerate() {
                let t = out[i + j] as u64 + a as u64 * b as u64 + carry;
                out[i + j] = t as u32;
                carry = t >> 32;
            }
            out[i + other.0.len()] = carry as u32;
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    fn pow10(k: usize) -> Big {
        let mut b = Big::from_u64(1);
        for _ in 0..k / 9 {
            b = b.mul_small(1_000_000_000);
        }
        b.mul_small(10u32.pow((k % 9) as u32))
    }

    /// `(self / d, self % d != 0)` for a quotient of at most a few hundred bits, by
    /// shift-and-subtract.
    fn div_rem_small_quotient(&self, d: &Big) -> (Big, bool) {
        let mut rem = self.clone();
        let mut q = Big::zero();
        let qbits = (self.bit_len() + 1).saturating_sub(d.bit_len());
        for i in (0..qbits).rev() {
            let t = d.shl(i);
            if rem.cmp(&t) != std::cmp::Ordering::Less {
                rem = rem.sub(&t);
                q = q.add(&Big::from_u64(1).shl(i));
            }
        }
        (q, !rem.is_zero())
    }

    fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut chunks = Vec::new();
        let mut cur = self.clone();
        while !cur.is_zero() {
            let mut rem = 0u64;
            for l in cur.0.iter_mut().rev() {
                let v = rem << 32 | *l as u64;
                *l = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            cur.trim();
            chunks.push(rem as u32);
        }
        let mut s = chunks.last().map(u32::to_string).unwrap_or_default();
        for c in chunks.iter().rev().skip(1) {
            s.push_str(&format!("{c:09}"));
        }
        s
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
