//! Fuzzes the RDB decoder: any bytes, read as a value (the first byte is the type), as a
//! DUMP payload, and as a whole file, must give a value or an error, never a panic. A
//! value that decodes must encode and decode again to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shardis::rdb::load::load;
use shardis::rdb::reader::{read_value, restore_payload, Reader};
use shardis::rdb::writer::{dump_payload, WriteOptions};
use shardis::storage::value::EncodingLimits;

fuzz_target!(|data: &[u8]| {
    let limits = EncodingLimits::default();
    if let Some((&t, rest)) = data.split_first() {
        if let Ok(Some(v)) = read_value(t, &mut Reader::new(rest), &limits) {
            let p = dump_payload(v.value(), &WriteOptions::default());
            assert_eq!(restore_payload(&p, &limits).as_ref(), Ok(&v));
        }
    }
    let _ = restore_payload(data, &limits);
    let _ = load(data, &limits, 16);
});
