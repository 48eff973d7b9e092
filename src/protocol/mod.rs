//! RESP2/RESP3: request parsing and reply encoding. Pure code: bytes in, values out; it
//! knows nothing of sockets, shards or glommio, so it can be tested and fuzzed alone.

pub mod parse;
pub mod reply;

pub use parse::{parse_i64_strict, parse_request, ProtocolError, Request};
pub use reply::{format_double, Reply};
