//! Typed access to collection values: Redis's `lookupKeyRead`/`lookupKeyWrite` followed
//! by `checkType`, shared by the list, hash, set and sorted-set families.
//!
//! ```ignore
//! let list = match typed::read::<List>(ctx.ks, ctx.db, key, ctx.now_ms) {
//!     Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
//!     Ok(None) => return ctx.out.null(),
//!     Ok(Some(list)) => list, // borrows ctx.ks only: ctx.out stays usable
//! };
//! ```
//!
//! Writers get a [`Found`] guard that derefs to the collection. A command that empties a
//! collection deletes its key ([`delete`]): Redis never keeps an empty list, hash, set or
//! sorted set.

use std::marker::PhantomData;

use crate::storage::hash::Hash;
use crate::storage::list::List;
use crate::storage::set::Set;
use crate::storage::zset::ZSet;
use crate::storage::{Db, Entry, EntryMut, Keyspace, NewValue, Object, ValueRef};

/// The key holds a value of another type (reply `errors::WRONGTYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongType;

/// A collection type stored in an [`Object`].
pub trait Kind: Sized {
    fn of(o: &Object) -> Option<&Self>;
    fn of_mut(o: &mut Object) -> Option<&mut Self>;
    fn into_object(self) -> Object;
}

macro_rules! kind {
    ($t:ty, $variant:ident) => {
        impl Kind for $t {
            fn of(o: &Object) -> Option<&Self> {
                match o {
                    Object::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn of_mut(o: &mut Object) -> Option<&mut Self> {
                match o {
                    Object::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn into_object(self) -> Object {
                Object::$variant(self)
            }
        }
    };
}

kind!(List, List);
kind!(Hash, Hash);
kind!(Set, Set);
kind!(ZSet, ZSet);

fn of_entry<T: Kind>(e: &Entry) -> Result<&T, WrongType> {
    match e.value() {
        ValueRef::Obj(o) => T::of(o).ok_or(WrongType),
        ValueRef::Str(_) => Err(WrongType),
    }
}

/// Looks `key` up for reading (counting a keyspace hit or miss, as Redis does) and checks
/// its type.
pub fn read<'a, T: Kind>(
    ks: &'a mut Keyspace,
    db: usize,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a T>, WrongType> {
    match ks.dbs[db].get(key, now_ms) {
        None => {
            ks.misses += 1;
            Ok(None)
        }
        Some(e) => {
            ks.hits += 1;
            of_entry(e).map(Some)
        }
    }
}

/// Reads without touching the hit/miss counters (Redis's `lookupKeyWrite` used for a
/// read inside a write command, e.g. the sources of SINTERSTORE).
pub fn peek<'a, T: Kind>(
    db: &'a mut Db,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a T>, WrongType> {
    match db.get(key, now_ms) {
        None => Ok(None),
        Some(e) => of_entry(e).map(Some),
    }
}

/// A live collection of type `T` borrowed for writing.
pub struct Found<'a, T> {
    entry: EntryMut<'a>,
    kind: PhantomData<T>,
}

impl<T: Kind> std::ops::Deref for Found<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        of_entry(&self.entry).expect("type checked on lookup")
    }
}

impl<T: Kind> std::ops::DerefMut for Found<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.entry
            .object_mut()
            .and_then(T::of_mut)
            .expect("type checked on lookup")
    }
}

/// Looks `key` up for writing and checks its type.
pub fn write<'a, T: Kind>(
    db: &'a mut Db,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<Found<'a, T>>, WrongType> {
    let Some(entry) = db.get_mut(key, now_ms) else {
        return Ok(None);
    };
    of_entry::<T>(&entry)?;
    Ok(Some(Found {
        entry,
        kind: PhantomData,
    }))
}

/// Like [`write`], creating the key with `make()` when it is missing. The caller must add
/// at least one element before returning (an empty collection must not stay).
pub fn write_or_create<'a, T: Kind>(
    db: &'a mut Db,
    key: &[u8],
    now_ms: u64,
    make: impl FnOnce() -> T,
) -> Result<Found<'a, T>, WrongType> {
    if db.get(key, now_ms).is_none() {
        let obj = Box::new(make().into_object());
        db.insert(Entry::new(key, NewValue::Obj(obj), None));
    }
    write(db, key, now_ms).map(|found| found.expect("just inserted"))
}

/// Stores a new collection at `key`, replacing whatever was there (the STORE variants).
/// An empty collection deletes the key instead. Returns whether a key was stored.
pub fn store<T: Kind>(db: &mut Db, key: &[u8], now_ms: u64, value: T, len: usize) -> bool {
    if len == 0 {
        db.remove(key, now_ms);
        return false;
    }
    db.insert(Entry::new(
        key,
        NewValue::Obj(Box::new(value.into_object())),
        None,
    ));
    true
}

/// Deletes `key` (after a command emptied its collection).
pub fn delete(db: &mut Db, key: &[u8], now_ms: u64) {
    db.remove(key, now_ms);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_checks_and_create() {
        let mut ks = Keyspace::new(1, 7);
        ks.dbs[0].insert(Entry::new(b"s", NewValue::Str(b"x"), None));
        assert_eq!(read::<List>(&mut ks, 0, b"s", 0).err(), Some(WrongType));
        assert!(matches!(read::<List>(&mut ks, 0, b"nope", 0), Ok(None)));
        assert_eq!((ks.hits, ks.misses), (1, 1));
        {
            let found = write_or_create(&mut ks.dbs[0], b"l", 0, List::default).unwrap();
            assert!(found.is_empty());
        }
        assert!(read::<List>(&mut ks, 0, b"l", 0).unwrap().is_some());
        assert_eq!(peek::<Hash>(&mut ks.dbs[0], b"l", 0).err(), Some(WrongType));
        delete(&mut ks.dbs[0], b"l", 0);
        assert!(write::<List>(&mut ks.dbs[0], b"l", 0).unwrap().is_none());
    }
}
