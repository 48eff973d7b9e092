//! Redis's `intset`: sorted distinct integers packed at one width (2, 4 or 8 bytes, the
//! smallest that holds every member). Adding a member that needs a wider encoding
//! rewrites the whole array at the new width; the width never shrinks, as in Redis.
//!
//! Members are stored little-endian; lookups are binary searches, inserts and removals
//! move the tail (sets stay at most `set-max-intset-entries` long, 512 by default).

#[derive(Clone, PartialEq, Eq)]
pub struct IntSet {
    /// Bytes per member: 2, 4 or 8.
    width: u8,
    /// `len * width` bytes, ascending members. Grown one member at a time with exact
    /// reservations (Redis reallocates an intset on every add too), so many small sets
    /// carry no spare capacity.
    bytes: Vec<u8>,
}

impl Default for IntSet {
    fn default() -> Self {
        IntSet {
            width: 2,
            bytes: Vec::new(),
        }
    }
}

impl std::fmt::Debug for IntSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The width a value needs.
fn width_of(v: i64) -> u8 {
    if v >= i16::MIN as i64 && v <= i16::MAX as i64 {
        2
    } else if v >= i32::MIN as i64 && v <= i32::MAX as i64 {
        4
    } else {
        8
    }
}

impl IntSet {
    pub fn len(&self) -> usize {
        self.bytes.len() / self.width as usize
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
    }

    /// The member at index `i` (ascending order).
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        let w = self.width as usize;
        let b = &self.bytes[i * w..i * w + w];
        match w {
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => i64::from_le_bytes(b.try_into().expect("8 bytes")),
        }
    }

    fn put(&mut self, i: usize, v: i64) {
        let w = self.width as usize;
        self.bytes[i * w..i * w + w].copy_from_slice(&v.to_le_bytes()[..w]);
    }

    /// Index of `v`, or where it would go.
    fn search(&self, v: i64) -> Result<usize, usize> {
        if width_of(v) > self.width {
            // Wider than every member: before all of them or after all of them.
            return Err(if v < 0 { 0 } else { self.len() });
        }
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    pub fn contains(&self, v: i64) -> bool {
        self.search(v).is_ok()
    }

    /// Adds `v`; false if it was already a member.
    pub fn insert(&mut self, v: i64) -> bool {
        let at = match self.search(v) {
            Ok(_) => return false,
            Err(at) => at,
        };
        let need = width_of(v);
        if need > self.width {
            self.upgrade(need);
        }
        let w = self.width as usize;
        self.bytes.reserve_exact(w);
        let old_len = self.bytes.len();
        self.bytes.resize(old_len + w, 0);
        self.bytes.copy_within(at * w..old_len, at * w + w);
        self.put(at, v);
        true
    }

    /// Rewrites every member at `width` bytes.
    fn upgrade(&mut self, width: u8) {
        let n = self.len();
        let mut wider = IntSet {
            width,
            bytes: Vec::with_capacity((n + 1) * width as usize),
        };
        wider.bytes.resize(n * width as usize, 0);
        for i in 0..n {
            wider.put(i, self.get(i));
        }
        *self = wider;
    }

    /// Removes `v`; false if it was not a member.
    pub fn remove(&mut self, v: i64) -> bool {
        let Ok(at) = self.search(v) else {
            return false;
        };
        self.remove_at(at);
        true
    }

    /// Removes and returns the member at index `i`.
    pub fn remove_at(&mut self, i: usize) -> i64 {
        let v = self.get(i);
        let w = self.width as usize;
        self.bytes.drain(i * w..i * w + w);
        if self.bytes.capacity() > 2 * self.bytes.len() + 64 {
            self.bytes.shrink_to_fit();
        }
        v
    }

    /// Members in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_with_width_upgrades() {
        let mut s = IntSet::default();
        for v in [5, -3, 100, 5, 0] {
            s.insert(v);
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![-3, 0, 5, 100]);
        assert_eq!(s.heap_bytes(), 8);
        assert!(s.insert(70_000));
        assert_eq!(s.width, 4);
        assert!(s.insert(i64::MIN));
        assert_eq!(s.width, 8);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![i64::MIN, -3, 0, 5, 100, 70_000]
        );
        assert!(s.contains(70_000) && s.contains(i64::MIN) && !s.contains(6));
        assert!(!s.contains(i64::MAX));
        assert!(s.remove(i64::MIN) && !s.remove(i64::MIN));
        assert_eq!(s.width, 8, "never narrows");
        assert_eq!(s.len(), 5);
        assert_eq!(s.remove_at(0), -3);
        assert_eq!(s.get(0), 0);
    }

    #[test]
    fn wide_values_probe_the_ends() {
        let mut s = IntSet::default();
        s.insert(1);
        assert!(!s.contains(1 << 40));
        assert!(!s.remove(-(1 << 40)));
        s.insert(-(1 << 40));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![-(1 << 40), 1]);
    }
}
