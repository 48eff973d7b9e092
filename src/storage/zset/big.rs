//! The `skiplist` encoding: a member table plus an ordered index over one block per member.
//!
//! ```text
//!   Table<Slot>  ──8 B slot──┐
//!                            ▼
//!                 block: | score f64 (8 B) | member len (LEB128) | member bytes |
//!                            ▲
//!   Index<Block> ──8 B item──┘   (counted B+tree ordered by (score, member))
//! ```
//!
//! Each member is one heap block holding its score and bytes, shared by the hash table
//! (member -> score in O(1)) and the counted B+tree (rank, ranges in O(log n)): no
//! per-member `Vec` or separate score allocation. The set owns the blocks: the table and
//! the index only hold copies of the pointer, and `Drop` frees each block once.

use std::alloc::{alloc, dealloc, Layout};
use std::cmp::Ordering;
use std::ptr::NonNull;

use ahash::RandomState;

use super::index::Index;
use crate::storage::table::{Keyed, Table};
use crate::storage::varint;

/// A pointer to a member block. Copies are handles, not owners.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Block(NonNull<u8>);

impl Block {
    fn layout(member_len: usize) -> Layout {
        Layout::from_size_align(8 + varint::len(member_len) + member_len, 1)
            .expect("member block layout")
    }

    fn new(member: &[u8], score: f64) -> Block {
        let layout = Block::layout(member.len());
        let mut head = [0u8; varint::MAX_LEN];
        let h = varint::put(&mut head, member.len());
        // SAFETY: the layout's size is 8 + h + member.len(), exactly what is written.
        unsafe {
            let Some(p) = NonNull::new(alloc(layout)) else {
                std::alloc::handle_alloc_error(layout)
            };
            let base = p.as_ptr();
            std::ptr::copy_nonoverlapping(score.to_le_bytes().as_ptr(), base, 8);
            std::ptr::copy_nonoverlapping(head.as_ptr(), base.add(8), h);
            std::ptr::copy_nonoverlapping(member.as_ptr(), base.add(8 + h), member.len());
            Block(p)
        }
    }

    #[inline]
    pub fn score(self) -> f64 {
        let mut b = [0u8; 8];
        // SAFETY: every block starts with its 8 score bytes.
        unsafe { std::ptr::copy_nonoverlapping(self.0.as_ptr(), b.as_mut_ptr(), 8) };
        f64::from_le_bytes(b)
    }

    fn set_score(self, score: f64) {
        // SAFETY: as in `score`; the set owning the block is borrowed mutably.
        unsafe { std::ptr::copy_nonoverlapping(score.to_le_bytes().as_ptr(), self.0.as_ptr(), 8) };
    }

    /// The member bytes. The caller picks the lifetime: it must not outlive the block
    /// (the set hands them out only under a borrow of itself).
    #[inline]
    pub fn member<'a>(self) -> &'a [u8] {
        // SAFETY: the block holds a complete varint then that many bytes.
        unsafe {
            let p = self.0.as_ptr().add(8);
            // Decoded byte by byte: a slice of MAX_LEN bytes could run past a short block.
            let mut n = 0usize;
            let mut i = 0;
            loop {
                let b = *p.add(i);
                n |= ((b & 0x7f) as usize) << (7 * i);
                i += 1;
                if b & 0x80 == 0 {
                    break;
                }
            }
            std::slice::from_raw_parts(p.add(i), n)
        }
    }

    /// # Safety
    /// The block must be live and never used again.
    unsafe fn free(self) {
        let len = self.member().len();
        dealloc(self.0.as_ptr(), Block::layout(len));
    }
}

#[inline]
fn cmp(a: Block, b: Block) -> Ordering {
    a.score()
        .partial_cmp(&b.score())
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.member().cmp(b.member()))
}

#[inline]
fn less(a: Block, b: Block) -> bool {
    a != b && cmp(a, b) == Ordering::Less
}

/// A table slot: the block found by its member.
pub struct Slot(Block);

impl Keyed for Slot {
    #[inline]
    fn key(&self) -> &[u8] {
        self.0.member()
    }
}

pub struct Big {
    table: Table<Slot>,
    index: Index<Block>,
    member_bytes: usize,
}

// SAFETY: a Big exclusively owns its blocks (the handles never leave it except as borrows
// of the set), so moving it to another thread moves that ownership.
unsafe impl Send for Big {}
// SAFETY: a shared Big only reads its blocks (every change goes through `&mut self`).
unsafe impl Sync for Big {}

impl Default for Big {
    fn default() -> Self {
        Big {
            table: Table::new(RandomState::new()),
            index: Index::new(),
            member_bytes: 0,
        }
    }
}

impl Drop for Big {
    fn drop(&mut self) {
        let mut blocks = Vec::with_capacity(self.index.len());
        self.index.visit(0, false, &mut |b| {
            blocks.push(b);
            true
        });
        for b in blocks {
            // SAFETY: every block is in the index exactly once and dies with the set.
            unsafe { b.free() };
        }
    }
}

impl Clone for Big {
    fn clone(&self) -> Self {
        let mut copy = Big::default();
        self.for_each(|m, s| copy.insert(m, s));
        copy
    }
}

impl Big {
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn heap_bytes(&self) -> usize {
        self.table.overhead_bytes()
            + self.index.heap_bytes()
            + self.member_bytes
            + self.len() * 10
            + std::mem::size_of::<Big>()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.table.get(member).map(|s| s.0.score())
    }

    /// Adds a member that is not present.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let b = Block::new(member, score);
        self.index.insert(b, &less);
        self.table.insert(Slot(b));
        self.member_bytes += member.len();
    }

    /// Changes a present member's score (moves it in the order).
    pub fn set_score(&mut self, member: &[u8], score: f64) {
        let Some(slot) = self.table.get(member) else {
            return;
        };
        let b = slot.0;
        self.index.remove(b, &less);
        b.set_score(score);
        self.index.insert(b, &less);
    }

    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let Slot(b) = self.table.remove(member)?;
        self.index.remove(b, &less);
        let score = b.score();
        self.member_bytes -= member.len();
        // SAFETY: the block left both structures.
        unsafe { b.free() };
        Some(score)
    }

    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let b = self.table.get(member)?.0;
        self.index.rank(b, &less)
    }

    pub fn count_while(&self, pred: impl Fn(&[u8], f64) -> bool) -> usize {
        self.index
            .count_while(&|b: Block| pred(b.member(), b.score()))
    }

    pub fn visit<'a>(
        &'a self,
        skip: usize,
        reverse: bool,
        mut f: impl FnMut(&'a [u8], f64) -> bool,
    ) {
        self.index
            .visit(skip, reverse, &mut |b: Block| f(b.member(), b.score()));
    }

    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.index.get(rank).map(|b| (b.member(), b.score()))
    }

    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        self.visit(0, false, |m, s| {
            f(m, s);
            true
        });
    }

    /// Removes ranks `start..end`; returns how many went.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        if start >= end {
            return 0;
        }
        let mut doomed = Vec::with_capacity(end - start);
        self.index.visit(start, false, &mut |b| {
            doomed.push(b);
            doomed.len() < end - start
        });
        for &b in &doomed {
            self.index.remove(b, &less);
            self.table.remove(b.member());
            self.member_bytes -= b.member().len();
            // SAFETY: the block left both structures.
            unsafe { b.free() };
        }
        doomed.len()
    }

    /// One step of a ZSCAN: the members of the table segment at `pos`, and the next
    /// position.
    pub fn scan_segment<'a>(&'a self, pos: u64, mut f: impl FnMut(&'a [u8], f64)) -> u64 {
        self.table
            .scan_segment(pos, |s| f(s.0.member(), s.0.score()))
    }
}
