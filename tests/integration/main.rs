//! End-to-end tests: one binary, shared support module, real servers on loopback.

mod support;

mod atomic;
mod basics;
mod blocking;
mod config;
mod conn_io;
mod connection;
mod debug;
mod dump;
mod hashes;
mod introspection;
mod keys;
mod latency;
mod lists;
mod multi;
mod persistence;
mod propagation;
mod protocol;
mod random_diff;
mod repl_admin;
mod repl_backlog;
mod replica;
mod replica_restart;
mod replica_rules;
mod replication;
mod sets;
mod snapshot;
mod strings;
mod tools;
mod zsets;
mod zsets_fuzz;
mod zsets_multi;
