//! End-to-end tests: one binary, shared support module, real servers on loopback.

mod support;

mod basics;
mod conn_io;
