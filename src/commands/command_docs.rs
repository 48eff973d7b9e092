//! Redis 7.0's command metadata that the command table does not carry: ACL categories,
//! tips, key specs and the documentation COMMAND DOCS returns (summary, since, group,
//! complexity, history, arguments), for every command of the string, keyspace, connection
//! and server families, and for their subcommands (which the command table does not list).
//!
//! This is data, derived from Redis 7.0.15's `src/commands/*.json` as its `COMMAND INFO` /
//! `COMMAND DOCS` report them in RESP3. Each entry holds two values in a small notation
//! that keeps RESP3's types (read by `command_info::Meta::parse`):
//!
//! - `+word` a simple string, `"text"` a bulk string, `12` / `-1` an integer,
//! - `[a b]` an array, `~[a b]` a set, `{k v k v}` a map.
//!
//! `info` is the 10-element `COMMAND INFO` entry without its last element (subcommands):
//! name, arity, flags, first key, last key, step, ACL categories, tips, key specs. For
//! top-level commands the name, arity, flags and key range come from the command table at
//! run time; for subcommands (`parent|sub`) from here. `docs` is the `COMMAND DOCS` map
//! without `subcommands` (built at run time from the `parent|` entries).

/// One command's (or subcommand's) metadata.
pub struct Doc {
    /// Lower case; subcommands as `parent|sub`.
    pub name: &'static str,
    pub info: &'static str,
    pub docs: &'static str,
}

/// Every entry, parents before their subcommands.
pub static DOCS: &[Doc] = &[
    Doc {
        name: "get",
        info: r#"["get" 2 ~[+readonly +fast] 1 1 1 ~[+@read +@string +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the value of a key" "since" "1.0.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "set",
        info: r#"["set" -3 ~[+write +denyoom] 1 1 1 ~[+@write +@string +@slow] ~[] ~[{"notes" "RW and ACCESS due to the optional `GET` argument" "flags" ~[+RW +access +update +variable_flags] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the string value of a key" "since" "1.0.0" "group" "string" "complexity" "O(1)" "history" ~[["2.6.12" "Added the `EX`, `PX`, `NX` and `XX` options."] ["6.0.0" "Added the `KEEPTTL` option."] ["6.2.0" "Added the `GET`, `EXAT` and `PXAT` option."] ["7.0.0" "Allowed the `NX` and `GET` options to be used together."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "value" "type" "string"} {"name" "condition" "type" "oneof" "since" "2.6.12" "flags" ~[+optional] "arguments" [{"name" "nx" "type" "pure-token" "token" "NX"} {"name" "xx" "type" "pure-token" "token" "XX"}]} {"name" "get" "type" "pure-token" "token" "GET" "since" "6.2.0" "flags" ~[+optional]} {"name" "expiration" "type" "oneof" "flags" ~[+optional] "arguments" [{"name" "seconds" "type" "integer" "token" "EX" "since" "2.6.12"} {"name" "milliseconds" "type" "integer" "token" "PX" "since" "2.6.12"} {"name" "unix-time-seconds" "type" "unix-time" "token" "EXAT" "since" "6.2.0"} {"name" "unix-time-milliseconds" "type" "unix-time" "token" "PXAT" "since" "6.2.0"} {"name" "keepttl" "type" "pure-token" "token" "KEEPTTL" "since" "6.0.0"}]}]}"#,
    },
    Doc {
        name: "setnx",
        info: r#"["setnx" 3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+OW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the value of a key, only if the key does not exist" "since" "1.0.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "value" "type" "string"}]}"#,
    },
    Doc {
        name: "setex",
        info: r#"["setex" 4 ~[+write +denyoom] 1 1 1 ~[+@write +@string +@slow] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the value and expiration of a key" "since" "2.0.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "seconds" "type" "integer"} {"name" "value" "type" "string"}]}"#,
    },
    Doc {
        name: "psetex",
        info: r#"["psetex" 4 ~[+write +denyoom] 1 1 1 ~[+@write +@string +@slow] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the value and expiration in milliseconds of a key" "since" "2.6.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "milliseconds" "type" "integer"} {"name" "value" "type" "string"}]}"#,
    },
    Doc {
        name: "getset",
        info: r#"["getset" 3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the string value of a key and return its old value" "since" "1.0.0" "group" "string" "complexity" "O(1)" "doc_flags" ~[+deprecated] "deprecated_since" "6.2.0" "replaced_by" "`SET` with the `!GET` argument" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "value" "type" "string"}]}"#,
    },
    Doc {
        name: "getdel",
        info: r#"["getdel" 2 ~[+write +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the value of a key and delete the key" "since" "6.2.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "getex",
        info: r#"["getex" -2 ~[+write +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"notes" "RW and UPDATE because it changes the TTL" "flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the value of a key and optionally set its expiration" "since" "6.2.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "expiration" "type" "oneof" "flags" ~[+optional] "arguments" [{"name" "seconds" "type" "integer" "token" "EX"} {"name" "milliseconds" "type" "integer" "token" "PX"} {"name" "unix-time-seconds" "type" "unix-time" "token" "EXAT"} {"name" "unix-time-milliseconds" "type" "unix-time" "token" "PXAT"} {"name" "persist" "type" "pure-token" "token" "PERSIST"}]}]}"#,
    },
    Doc {
        name: "mget",
        info: r#"["mget" -2 ~[+readonly +fast] 1 -1 1 ~[+@read +@string +@fast] ~["request_policy:multi_shard"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the values of all the given keys" "since" "1.0.0" "group" "string" "complexity" "O(N) where N is the number of keys to retrieve." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "mset",
        info: r#"["mset" -3 ~[+write +denyoom] 1 -1 2 ~[+@write +@string +@slow] ~["request_policy:multi_shard" "response_policy:all_succeeded"] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 2 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set multiple keys to multiple values" "since" "1.0.1" "group" "string" "complexity" "O(N) where N is the number of keys to set." "arguments" [{"name" "key_value" "type" "block" "flags" ~[+multiple] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "value" "type" "string"}]}]}"#,
    },
    Doc {
        name: "msetnx",
        info: r#"["msetnx" -3 ~[+write +denyoom] 1 -1 2 ~[+@write +@string +@slow] ~["request_policy:multi_shard" "response_policy:agg_min"] ~[{"flags" ~[+OW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 2 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set multiple keys to multiple values, only if none of the keys exist" "since" "1.0.1" "group" "string" "complexity" "O(N) where N is the number of keys to set." "arguments" [{"name" "key_value" "type" "block" "flags" ~[+multiple] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "value" "type" "string"}]}]}"#,
    },
    Doc {
        name: "append",
        info: r#"["append" 3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Append a value to a key" "since" "2.0.0" "group" "string" "complexity" "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "value" "type" "string"}]}"#,
    },
    Doc {
        name: "strlen",
        info: r#"["strlen" 2 ~[+readonly +fast] 1 1 1 ~[+@read +@string +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the length of the value stored in a key" "since" "2.2.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "incr",
        info: r#"["incr" 2 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Increment the integer value of a key by one" "since" "1.0.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "decr",
        info: r#"["decr" 2 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Decrement the integer value of a key by one" "since" "1.0.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "incrby",
        info: r#"["incrby" 3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Increment the integer value of a key by the given amount" "since" "1.0.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "increment" "type" "integer"}]}"#,
    },
    Doc {
        name: "decrby",
        info: r#"["decrby" 3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Decrement the integer value of a key by the given number" "since" "1.0.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "decrement" "type" "integer"}]}"#,
    },
    Doc {
        name: "incrbyfloat",
        info: r#"["incrbyfloat" 3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@string +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Increment the float value of a key by the given amount" "since" "2.6.0" "group" "string" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "increment" "type" "double"}]}"#,
    },
    Doc {
        name: "getrange",
        info: r#"["getrange" 4 ~[+readonly] 1 1 1 ~[+@read +@string +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get a substring of the string stored at a key" "since" "2.4.0" "group" "string" "complexity" "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "start" "type" "integer"} {"name" "end" "type" "integer"}]}"#,
    },
    Doc {
        name: "setrange",
        info: r#"["setrange" 4 ~[+write +denyoom] 1 1 1 ~[+@write +@string +@slow] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Overwrite part of a string at key starting at the specified offset" "since" "2.2.0" "group" "string" "complexity" "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "offset" "type" "integer"} {"name" "value" "type" "string"}]}"#,
    },
    Doc {
        name: "substr",
        info: r#"["substr" 4 ~[+readonly] 1 1 1 ~[+@read +@string +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get a substring of the string stored at a key" "since" "1.0.0" "group" "string" "complexity" "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings." "doc_flags" ~[+deprecated] "deprecated_since" "2.0.0" "replaced_by" "`GETRANGE`" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "start" "type" "integer"} {"name" "end" "type" "integer"}]}"#,
    },
    Doc {
        name: "lcs",
        info: r#"["lcs" -3 ~[+readonly] 1 2 1 ~[+@read +@string +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Find longest common substring" "since" "7.0.0" "group" "string" "complexity" "O(N*M) where N and M are the lengths of s1 and s2, respectively" "arguments" [{"name" "key1" "type" "key" "key_spec_index" 0} {"name" "key2" "type" "key" "key_spec_index" 0} {"name" "len" "type" "pure-token" "token" "LEN" "flags" ~[+optional]} {"name" "idx" "type" "pure-token" "token" "IDX" "flags" ~[+optional]} {"name" "len" "type" "integer" "token" "MINMATCHLEN" "flags" ~[+optional]} {"name" "withmatchlen" "type" "pure-token" "token" "WITHMATCHLEN" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "del",
        info: r#"["del" -2 ~[+write] 1 -1 1 ~[+@keyspace +@write +@slow] ~["request_policy:multi_shard" "response_policy:agg_sum"] ~[{"flags" ~[+RM +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Delete a key" "since" "1.0.0" "group" "generic" "complexity" "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "unlink",
        info: r#"["unlink" -2 ~[+write +fast] 1 -1 1 ~[+@keyspace +@write +@fast] ~["request_policy:multi_shard" "response_policy:agg_sum"] ~[{"flags" ~[+RM +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking." "since" "4.0.0" "group" "generic" "complexity" "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "exists",
        info: r#"["exists" -2 ~[+readonly +fast] 1 -1 1 ~[+@keyspace +@read +@fast] ~["request_policy:multi_shard" "response_policy:agg_sum"] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Determine if a key exists" "since" "1.0.0" "group" "generic" "complexity" "O(N) where N is the number of keys to check." "history" ~[["3.0.3" "Accepts multiple `key` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "type",
        info: r#"["type" 2 ~[+readonly +fast] 1 1 1 ~[+@keyspace +@read +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Determine the type stored at key" "since" "1.0.0" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "touch",
        info: r#"["touch" -2 ~[+readonly +fast] 1 -1 1 ~[+@keyspace +@read +@fast] ~["request_policy:multi_shard" "response_policy:agg_sum"] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Alters the last access time of a key(s). Returns the number of existing keys specified." "since" "3.2.1" "group" "generic" "complexity" "O(N) where N is the number of keys that will be touched." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "expire",
        info: r#"["expire" -3 ~[+write +fast] 1 1 1 ~[+@keyspace +@write +@fast] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set a key's time to live in seconds" "since" "1.0.0" "group" "generic" "complexity" "O(1)" "history" ~[["7.0.0" "Added options: `NX`, `XX`, `GT` and `LT`."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "seconds" "type" "integer"} {"name" "condition" "type" "oneof" "since" "7.0.0" "flags" ~[+optional] "arguments" [{"name" "nx" "type" "pure-token" "token" "NX"} {"name" "xx" "type" "pure-token" "token" "XX"} {"name" "gt" "type" "pure-token" "token" "GT"} {"name" "lt" "type" "pure-token" "token" "LT"}]}]}"#,
    },
    Doc {
        name: "pexpire",
        info: r#"["pexpire" -3 ~[+write +fast] 1 1 1 ~[+@keyspace +@write +@fast] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set a key's time to live in milliseconds" "since" "2.6.0" "group" "generic" "complexity" "O(1)" "history" ~[["7.0.0" "Added options: `NX`, `XX`, `GT` and `LT`."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "milliseconds" "type" "integer"} {"name" "condition" "type" "oneof" "since" "7.0.0" "flags" ~[+optional] "arguments" [{"name" "nx" "type" "pure-token" "token" "NX"} {"name" "xx" "type" "pure-token" "token" "XX"} {"name" "gt" "type" "pure-token" "token" "GT"} {"name" "lt" "type" "pure-token" "token" "LT"}]}]}"#,
    },
    Doc {
        name: "expireat",
        info: r#"["expireat" -3 ~[+write +fast] 1 1 1 ~[+@keyspace +@write +@fast] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the expiration for a key as a UNIX timestamp" "since" "1.2.0" "group" "generic" "complexity" "O(1)" "history" ~[["7.0.0" "Added options: `NX`, `XX`, `GT` and `LT`."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "unix-time-seconds" "type" "unix-time"} {"name" "condition" "type" "oneof" "since" "7.0.0" "flags" ~[+optional] "arguments" [{"name" "nx" "type" "pure-token" "token" "NX"} {"name" "xx" "type" "pure-token" "token" "XX"} {"name" "gt" "type" "pure-token" "token" "GT"} {"name" "lt" "type" "pure-token" "token" "LT"}]}]}"#,
    },
    Doc {
        name: "pexpireat",
        info: r#"["pexpireat" -3 ~[+write +fast] 1 1 1 ~[+@keyspace +@write +@fast] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the expiration for a key as a UNIX timestamp specified in milliseconds" "since" "2.6.0" "group" "generic" "complexity" "O(1)" "history" ~[["7.0.0" "Added options: `NX`, `XX`, `GT` and `LT`."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "unix-time-milliseconds" "type" "unix-time"} {"name" "condition" "type" "oneof" "since" "7.0.0" "flags" ~[+optional] "arguments" [{"name" "nx" "type" "pure-token" "token" "NX"} {"name" "xx" "type" "pure-token" "token" "XX"} {"name" "gt" "type" "pure-token" "token" "GT"} {"name" "lt" "type" "pure-token" "token" "LT"}]}]}"#,
    },
    Doc {
        name: "ttl",
        info: r#"["ttl" 2 ~[+readonly +fast] 1 1 1 ~[+@keyspace +@read +@fast] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the time to live for a key in seconds" "since" "1.0.0" "group" "generic" "complexity" "O(1)" "history" ~[["2.8.0" "Added the -2 reply."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "pttl",
        info: r#"["pttl" 2 ~[+readonly +fast] 1 1 1 ~[+@keyspace +@read +@fast] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the time to live for a key in milliseconds" "since" "2.6.0" "group" "generic" "complexity" "O(1)" "history" ~[["2.8.0" "Added the -2 reply."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "expiretime",
        info: r#"["expiretime" 2 ~[+readonly +fast] 1 1 1 ~[+@keyspace +@read +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the expiration Unix timestamp for a key" "since" "7.0.0" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "pexpiretime",
        info: r#"["pexpiretime" 2 ~[+readonly +fast] 1 1 1 ~[+@keyspace +@read +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the expiration Unix timestamp for a key in milliseconds" "since" "7.0.0" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "persist",
        info: r#"["persist" 2 ~[+write +fast] 1 1 1 ~[+@keyspace +@write +@fast] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove the expiration from a key" "since" "2.2.0" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "keys",
        info: r#"["keys" 2 ~[+readonly] 0 0 0 ~[+@keyspace +@read +@slow +@dangerous] ~["request_policy:all_shards" "nondeterministic_output_order"] ~[]]"#,
        docs: r#"{"summary" "Find all keys matching the given pattern" "since" "1.0.0" "group" "generic" "complexity" "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length." "arguments" [{"name" "pattern" "type" "pattern"}]}"#,
    },
    Doc {
        name: "scan",
        info: r#"["scan" -2 ~[+readonly] 0 0 0 ~[+@keyspace +@read +@slow] ~["nondeterministic_output" "request_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Incrementally iterate the keys space" "since" "2.8.0" "group" "generic" "complexity" "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection." "history" ~[["6.0.0" "Added the `TYPE` subcommand."]] "arguments" [{"name" "cursor" "type" "integer"} {"name" "pattern" "type" "pattern" "token" "MATCH" "flags" ~[+optional]} {"name" "count" "type" "integer" "token" "COUNT" "flags" ~[+optional]} {"name" "type" "type" "string" "token" "TYPE" "since" "6.0.0" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "randomkey",
        info: r#"["randomkey" 1 ~[+readonly] 0 0 0 ~[+@keyspace +@read +@slow] ~["request_policy:all_shards" "nondeterministic_output"] ~[]]"#,
        docs: r#"{"summary" "Return a random key from the keyspace" "since" "1.0.0" "group" "generic" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "rename",
        info: r#"["rename" 3 ~[+write] 1 2 1 ~[+@keyspace +@write +@slow] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Rename a key" "since" "1.0.0" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "newkey" "type" "key" "key_spec_index" 1}]}"#,
    },
    Doc {
        name: "renamenx",
        info: r#"["renamenx" 3 ~[+write +fast] 1 2 1 ~[+@keyspace +@write +@fast] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+OW +insert] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Rename a key, only if the new key does not exist" "since" "1.0.0" "group" "generic" "complexity" "O(1)" "history" ~[["3.2.0" "The command no longer returns an error when source and destination names are the same."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "newkey" "type" "key" "key_spec_index" 1}]}"#,
    },
    Doc {
        name: "copy",
        info: r#"["copy" -3 ~[+write +denyoom] 1 2 1 ~[+@keyspace +@write +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Copy a key" "since" "6.2.0" "group" "generic" "complexity" "O(N) worst case for collections, where N is the number of nested items. O(1) for string values." "arguments" [{"name" "source" "type" "key" "key_spec_index" 0} {"name" "destination" "type" "key" "key_spec_index" 1} {"name" "destination-db" "type" "integer" "token" "DB" "flags" ~[+optional]} {"name" "replace" "type" "pure-token" "token" "REPLACE" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "move",
        info: r#"["move" 3 ~[+write +fast] 1 1 1 ~[+@keyspace +@write +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Move a key to another database" "since" "1.0.0" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "db" "type" "integer"}]}"#,
    },
    Doc {
        name: "dbsize",
        info: r#"["dbsize" 1 ~[+readonly +fast] 0 0 0 ~[+@keyspace +@read +@fast] ~["request_policy:all_shards" "response_policy:agg_sum"] ~[]]"#,
        docs: r#"{"summary" "Return the number of keys in the selected database" "since" "1.0.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "swapdb",
        info: r#"["swapdb" 3 ~[+write +fast] 0 0 0 ~[+@keyspace +@write +@fast +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Swaps two Redis databases" "since" "4.0.0" "group" "server" "complexity" "O(N) where N is the count of clients watching or blocking on keys from both databases." "arguments" [{"name" "index1" "type" "integer"} {"name" "index2" "type" "integer"}]}"#,
    },
    Doc {
        name: "flushdb",
        info: r#"["flushdb" -1 ~[+write] 0 0 0 ~[+@keyspace +@write +@slow +@dangerous] ~["request_policy:all_shards" "response_policy:all_succeeded"] ~[]]"#,
        docs: r#"{"summary" "Remove all keys from the current database" "since" "1.0.0" "group" "server" "complexity" "O(N) where N is the number of keys in the selected database" "history" ~[["4.0.0" "Added the `ASYNC` flushing mode modifier."] ["6.2.0" "Added the `SYNC` flushing mode modifier."]] "arguments" [{"name" "async" "type" "oneof" "flags" ~[+optional] "arguments" [{"name" "async" "type" "pure-token" "token" "ASYNC" "since" "4.0.0"} {"name" "sync" "type" "pure-token" "token" "SYNC" "since" "6.2.0"}]}]}"#,
    },
    Doc {
        name: "flushall",
        info: r#"["flushall" -1 ~[+write] 0 0 0 ~[+@keyspace +@write +@slow +@dangerous] ~["request_policy:all_shards" "response_policy:all_succeeded"] ~[]]"#,
        docs: r#"{"summary" "Remove all keys from all databases" "since" "1.0.0" "group" "server" "complexity" "O(N) where N is the total number of keys in all databases" "history" ~[["4.0.0" "Added the `ASYNC` flushing mode modifier."] ["6.2.0" "Added the `SYNC` flushing mode modifier."]] "arguments" [{"name" "async" "type" "oneof" "flags" ~[+optional] "arguments" [{"name" "async" "type" "pure-token" "token" "ASYNC" "since" "4.0.0"} {"name" "sync" "type" "pure-token" "token" "SYNC" "since" "6.2.0"}]}]}"#,
    },
    Doc {
        name: "object",
        info: r#"["object" -2 ~[] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "A container for object introspection commands" "since" "2.2.3" "group" "generic" "complexity" "Depends on subcommand."}"#,
    },
    Doc {
        name: "object|encoding",
        info: r#"["object|encoding" 3 ~[+readonly] 2 2 1 ~[+@keyspace +@read +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Inspect the internal encoding of a Redis object" "since" "2.2.3" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "object|freq",
        info: r#"["object|freq" 3 ~[+readonly] 2 2 1 ~[+@keyspace +@read +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the logarithmic access frequency counter of a Redis object" "since" "4.0.0" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "object|help",
        info: r#"["object|help" 2 ~[+loading +stale] 0 0 0 ~[+@keyspace +@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "Show helpful text about the different subcommands" "since" "6.2.0" "group" "generic" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "object|idletime",
        info: r#"["object|idletime" 3 ~[+readonly] 2 2 1 ~[+@keyspace +@read +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the time since a Redis object was last accessed" "since" "2.2.3" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "object|refcount",
        info: r#"["object|refcount" 3 ~[+readonly] 2 2 1 ~[+@keyspace +@read +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the number of references to the value of the key" "since" "2.2.3" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "ping",
        info: r#"["ping" -1 ~[+fast] 0 0 0 ~[+@fast +@connection] ~["request_policy:all_shards" "response_policy:all_succeeded"] ~[]]"#,
        docs: r#"{"summary" "Ping the server" "since" "1.0.0" "group" "connection" "complexity" "O(1)" "arguments" [{"name" "message" "type" "string" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "echo",
        info: r#"["echo" 2 ~[+loading +stale +fast] 0 0 0 ~[+@fast +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Echo the given string" "since" "1.0.0" "group" "connection" "complexity" "O(1)" "arguments" [{"name" "message" "type" "string"}]}"#,
    },
    Doc {
        name: "select",
        info: r#"["select" 2 ~[+loading +stale +fast] 0 0 0 ~[+@fast +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Change the selected database for the current connection" "since" "1.0.0" "group" "connection" "complexity" "O(1)" "arguments" [{"name" "index" "type" "integer"}]}"#,
    },
    Doc {
        name: "auth",
        info: r#"["auth" -2 ~[+noscript +loading +stale +fast +no_auth +allow_busy] 0 0 0 ~[+@fast +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Authenticate to the server" "since" "1.0.0" "group" "connection" "complexity" "O(N) where N is the number of passwords defined for the user" "history" ~[["6.0.0" "Added ACL style (username and password)."]] "arguments" [{"name" "username" "type" "string" "since" "6.0.0" "flags" ~[+optional]} {"name" "password" "type" "string"}]}"#,
    },
    Doc {
        name: "hello",
        info: r#"["hello" -1 ~[+noscript +loading +stale +fast +no_auth +allow_busy] 0 0 0 ~[+@fast +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Handshake with Redis" "since" "6.0.0" "group" "connection" "complexity" "O(1)" "history" ~[["6.2.0" "`protover` made optional; when called without arguments the command reports the current connection's context."]] "arguments" [{"name" "arguments" "type" "block" "flags" ~[+optional] "arguments" [{"name" "protover" "type" "integer"} {"name" "username_password" "type" "block" "token" "AUTH" "flags" ~[+optional] "arguments" [{"name" "username" "type" "string"} {"name" "password" "type" "string"}]} {"name" "clientname" "type" "string" "token" "SETNAME" "flags" ~[+optional]}]}]}"#,
    },
    Doc {
        name: "quit",
        info: r#"["quit" -1 ~[+noscript +loading +stale +fast +no_auth +allow_busy] 0 0 0 ~[+@fast +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Close the connection" "since" "1.0.0" "group" "connection" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "reset",
        info: r#"["reset" 1 ~[+noscript +loading +stale +fast +no_auth +allow_busy] 0 0 0 ~[+@fast +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Reset the connection" "since" "6.2.0" "group" "connection" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "client",
        info: r#"["client" -2 ~[] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "A container for client connection commands" "since" "2.4.0" "group" "connection" "complexity" "Depends on subcommand."}"#,
    },
    Doc {
        name: "client|caching",
        info: r#"["client|caching" 3 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Instruct the server about tracking or not keys in the next request" "since" "6.0.0" "group" "connection" "complexity" "O(1)" "arguments" [{"name" "mode" "type" "oneof" "arguments" [{"name" "yes" "type" "pure-token" "token" "YES"} {"name" "no" "type" "pure-token" "token" "NO"}]}]}"#,
    },
    Doc {
        name: "client|getname",
        info: r#"["client|getname" 2 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Get the current connection name" "since" "2.6.9" "group" "connection" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "client|getredir",
        info: r#"["client|getredir" 2 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Get tracking notifications redirection client ID if any" "since" "6.0.0" "group" "connection" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "client|help",
        info: r#"["client|help" 2 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Show helpful text about the different subcommands" "since" "5.0.0" "group" "connection" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "client|id",
        info: r#"["client|id" 2 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Returns the client ID for the current connection" "since" "5.0.0" "group" "connection" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "client|info",
        info: r#"["client|info" 2 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~["nondeterministic_output"] ~[]]"#,
        docs: r#"{"summary" "Returns information about the current client connection." "since" "6.2.0" "group" "connection" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "client|kill",
        info: r#"["client|kill" -3 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Kill the connection of a client" "since" "2.4.0" "group" "connection" "complexity" "O(N) where N is the number of client connections" "history" ~[["2.8.12" "Added new filter format."] ["2.8.12" "`ID` option."] ["3.2.0" "Added `master` type in for `TYPE` option."] ["5.0.0" "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."] ["6.2.0" "`LADDR` option."]] "arguments" [{"name" "filter" "type" "oneof" "arguments" [{"name" "ip:port" "type" "string" "deprecated_since" "2.8.12"} {"name" "new-format" "type" "oneof" "flags" ~[+multiple] "arguments" [{"name" "client-id" "type" "integer" "token" "ID" "since" "2.8.12" "flags" ~[+optional]} {"name" "normal_master_slave_pubsub" "type" "oneof" "token" "TYPE" "since" "2.8.12" "flags" ~[+optional] "arguments" [{"name" "normal" "type" "pure-token" "token" "NORMAL"} {"name" "master" "type" "pure-token" "token" "MASTER" "since" "3.2.0"} {"name" "slave" "type" "pure-token" "token" "SLAVE"} {"name" "replica" "type" "pure-token" "token" "REPLICA" "since" "5.0.0"} {"name" "pubsub" "type" "pure-token" "token" "PUBSUB"}]} {"name" "username" "type" "string" "token" "USER" "flags" ~[+optional]} {"name" "ip:port" "type" "string" "token" "ADDR" "flags" ~[+optional]} {"name" "ip:port" "type" "string" "token" "LADDR" "since" "6.2.0" "flags" ~[+optional]} {"name" "yes/no" "type" "string" "token" "SKIPME" "flags" ~[+optional]}]}]}]}"#,
    },
    Doc {
        name: "client|list",
        info: r#"["client|list" -2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous +@connection] ~["nondeterministic_output"] ~[]]"#,
        docs: r#"{"summary" "Get the list of client connections" "since" "2.4.0" "group" "connection" "complexity" "O(N) where N is the number of client connections" "history" ~[["2.8.12" "Added unique client `id` field."] ["5.0.0" "Added optional `TYPE` filter."] ["6.0.0" "Added `user` field."] ["6.2.0" "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."] ["7.0.0" "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."] ["7.0.3" "Added `ssub` field."]] "arguments" [{"name" "normal_master_replica_pubsub" "type" "oneof" "token" "TYPE" "since" "5.0.0" "flags" ~[+optional] "arguments" [{"name" "normal" "type" "pure-token" "token" "NORMAL"} {"name" "master" "type" "pure-token" "token" "MASTER"} {"name" "replica" "type" "pure-token" "token" "REPLICA"} {"name" "pubsub" "type" "pure-token" "token" "PUBSUB"}]} {"name" "id" "type" "block" "token" "ID" "since" "6.2.0" "flags" ~[+optional] "arguments" [{"name" "client-id" "type" "integer" "flags" ~[+multiple]}]}]}"#,
    },
    Doc {
        name: "client|no-evict",
        info: r#"["client|no-evict" 3 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Set client eviction mode for the current connection" "since" "7.0.0" "group" "connection" "complexity" "O(1)" "arguments" [{"name" "enabled" "type" "oneof" "arguments" [{"name" "on" "type" "pure-token" "token" "ON"} {"name" "off" "type" "pure-token" "token" "OFF"}]}]}"#,
    },
    Doc {
        name: "client|pause",
        info: r#"["client|pause" -3 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Stop processing commands from clients for some time" "since" "2.9.50" "group" "connection" "complexity" "O(1)" "history" ~[["6.2.0" "`CLIENT PAUSE WRITE` mode added along with the `mode` option."]] "arguments" [{"name" "timeout" "type" "integer"} {"name" "mode" "type" "oneof" "since" "6.2.0" "flags" ~[+optional] "arguments" [{"name" "write" "type" "pure-token" "token" "WRITE"} {"name" "all" "type" "pure-token" "token" "ALL"}]}]}"#,
    },
    Doc {
        name: "client|reply",
        info: r#"["client|reply" 3 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Instruct the server whether to reply to commands" "since" "3.2.0" "group" "connection" "complexity" "O(1)" "arguments" [{"name" "on_off_skip" "type" "oneof" "arguments" [{"name" "on" "type" "pure-token" "token" "ON"} {"name" "off" "type" "pure-token" "token" "OFF"} {"name" "skip" "type" "pure-token" "token" "SKIP"}]}]}"#,
    },
    Doc {
        name: "client|setname",
        info: r#"["client|setname" 3 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Set the current connection name" "since" "2.6.9" "group" "connection" "complexity" "O(1)" "arguments" [{"name" "connection-name" "type" "string"}]}"#,
    },
    Doc {
        name: "client|tracking",
        info: r#"["client|tracking" -3 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Enable or disable server assisted client side caching support" "since" "6.0.0" "group" "connection" "complexity" "O(1). Some options may introduce additional complexity." "arguments" [{"name" "status" "type" "oneof" "arguments" [{"name" "on" "type" "pure-token" "token" "ON"} {"name" "off" "type" "pure-token" "token" "OFF"}]} {"name" "client-id" "type" "integer" "token" "REDIRECT" "flags" ~[+optional]} {"name" "prefix" "type" "string" "token" "PREFIX" "flags" ~[+optional +multiple +multiple_token]} {"name" "bcast" "type" "pure-token" "token" "BCAST" "flags" ~[+optional]} {"name" "optin" "type" "pure-token" "token" "OPTIN" "flags" ~[+optional]} {"name" "optout" "type" "pure-token" "token" "OPTOUT" "flags" ~[+optional]} {"name" "noloop" "type" "pure-token" "token" "NOLOOP" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "client|trackinginfo",
        info: r#"["client|trackinginfo" 2 ~[+noscript +loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Return information about server assisted client side caching for the current connection" "since" "6.2.0" "group" "connection" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "client|unblock",
        info: r#"["client|unblock" -3 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Unblock a client blocked in a blocking command from a different connection" "since" "5.0.0" "group" "connection" "complexity" "O(log N) where N is the number of client connections" "arguments" [{"name" "client-id" "type" "integer"} {"name" "timeout_error" "type" "oneof" "flags" ~[+optional] "arguments" [{"name" "timeout" "type" "pure-token" "token" "TIMEOUT"} {"name" "error" "type" "pure-token" "token" "ERROR"}]}]}"#,
    },
    Doc {
        name: "client|unpause",
        info: r#"["client|unpause" 2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Resume processing of clients that were paused" "since" "6.2.0" "group" "connection" "complexity" "O(N) Where N is the number of paused clients"}"#,
    },
    Doc {
        name: "command",
        info: r#"["command" -1 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~["nondeterministic_output_order"] ~[]]"#,
        docs: r#"{"summary" "Get array of Redis command details" "since" "2.8.13" "group" "server" "complexity" "O(N) where N is the total number of Redis commands"}"#,
    },
    Doc {
        name: "command|count",
        info: r#"["command|count" 2 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Get total number of Redis commands" "since" "2.8.13" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "command|docs",
        info: r#"["command|docs" -2 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~["nondeterministic_output_order"] ~[]]"#,
        docs: r#"{"summary" "Get array of specific Redis command documentation" "since" "7.0.0" "group" "server" "complexity" "O(N) where N is the number of commands to look up" "arguments" [{"name" "command-name" "type" "string" "flags" ~[+optional +multiple]}]}"#,
    },
    Doc {
        name: "command|getkeys",
        info: r#"["command|getkeys" -4 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Extract keys given a full Redis command" "since" "2.8.13" "group" "server" "complexity" "O(N) where N is the number of arguments to the command"}"#,
    },
    Doc {
        name: "command|getkeysandflags",
        info: r#"["command|getkeysandflags" -4 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Extract keys and access flags given a full Redis command" "since" "7.0.0" "group" "server" "complexity" "O(N) where N is the number of arguments to the command"}"#,
    },
    Doc {
        name: "command|help",
        info: r#"["command|help" 2 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~[] ~[]]"#,
        docs: r#"{"summary" "Show helpful text about the different subcommands" "since" "5.0.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "command|info",
        info: r#"["command|info" -2 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~["nondeterministic_output_order"] ~[]]"#,
        docs: r#"{"summary" "Get array of specific Redis command details, or all when no argument is given." "since" "2.8.13" "group" "server" "complexity" "O(N) where N is the number of commands to look up" "history" ~[["7.0.0" "Allowed to be called with no argument to get info on all commands."]] "arguments" [{"name" "command-name" "type" "string" "flags" ~[+optional +multiple]}]}"#,
    },
    Doc {
        name: "command|list",
        info: r#"["command|list" -2 ~[+loading +stale] 0 0 0 ~[+@slow +@connection] ~["nondeterministic_output_order"] ~[]]"#,
        docs: r#"{"summary" "Get an array of Redis command names" "since" "7.0.0" "group" "server" "complexity" "O(N) where N is the total number of Redis commands" "arguments" [{"name" "filterby" "type" "oneof" "token" "FILTERBY" "flags" ~[+optional] "arguments" [{"name" "module-name" "type" "string" "token" "MODULE"} {"name" "category" "type" "string" "token" "ACLCAT"} {"name" "pattern" "type" "pattern" "token" "PATTERN"}]}]}"#,
    },
    Doc {
        name: "config",
        info: r#"["config" -2 ~[] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "A container for server configuration commands" "since" "2.0.0" "group" "server" "complexity" "Depends on subcommand."}"#,
    },
    Doc {
        name: "config|get",
        info: r#"["config|get" -3 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Get the values of configuration parameters" "since" "2.0.0" "group" "server" "complexity" "O(N) when N is the number of configuration parameters provided" "history" ~[["7.0.0" "Added the ability to pass multiple pattern parameters in one call"]] "arguments" [{"name" "parameter" "type" "block" "flags" ~[+multiple] "arguments" [{"name" "parameter" "type" "string"}]}]}"#,
    },
    Doc {
        name: "config|help",
        info: r#"["config|help" 2 ~[+loading +stale] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "Show helpful text about the different subcommands" "since" "5.0.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "config|resetstat",
        info: r#"["config|resetstat" 2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Reset the stats returned by INFO" "since" "2.0.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "config|rewrite",
        info: r#"["config|rewrite" 2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Rewrite the configuration file with the in memory configuration" "since" "2.8.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "config|set",
        info: r#"["config|set" -4 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["request_policy:all_nodes" "response_policy:all_succeeded"] ~[]]"#,
        docs: r#"{"summary" "Set configuration parameters to the given values" "since" "2.0.0" "group" "server" "complexity" "O(N) when N is the number of configuration parameters provided" "history" ~[["7.0.0" "Added the ability to set multiple parameters in one call."]] "arguments" [{"name" "parameter_value" "type" "block" "flags" ~[+multiple] "arguments" [{"name" "parameter" "type" "string"} {"name" "value" "type" "string"}]}]}"#,
    },
    Doc {
        name: "info",
        info: r#"["info" -1 ~[+loading +stale] 0 0 0 ~[+@slow +@dangerous] ~["nondeterministic_output" "request_policy:all_shards" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Get information and statistics about the server" "since" "1.0.0" "group" "server" "complexity" "O(1)" "history" ~[["7.0.0" "Added support for taking multiple section arguments."]] "arguments" [{"name" "section" "type" "string" "flags" ~[+optional +multiple]}]}"#,
    },
    Doc {
        name: "time",
        info: r#"["time" 1 ~[+loading +stale +fast] 0 0 0 ~[+@fast] ~["nondeterministic_output"] ~[]]"#,
        docs: r#"{"summary" "Return the current server time" "since" "2.6.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "lastsave",
        info: r#"["lastsave" 1 ~[+loading +stale +fast] 0 0 0 ~[+@admin +@fast +@dangerous] ~["nondeterministic_output"] ~[]]"#,
        docs: r#"{"summary" "Get the UNIX time stamp of the last successful save to disk" "since" "1.0.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "wait",
        info: r#"["wait" 3 ~[+noscript] 0 0 0 ~[+@slow +@connection] ~["request_policy:all_shards" "response_policy:agg_min"] ~[]]"#,
        docs: r#"{"summary" "Wait for the synchronous replication of all the write commands sent in the context of the current connection" "since" "3.0.0" "group" "generic" "complexity" "O(1)" "arguments" [{"name" "numreplicas" "type" "integer"} {"name" "timeout" "type" "integer"}]}"#,
    },
    Doc {
        name: "role",
        info: r#"["role" 1 ~[+noscript +loading +stale +fast] 0 0 0 ~[+@admin +@fast +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Return the role of the instance in the context of replication" "since" "2.8.12" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "shutdown",
        info: r#"["shutdown" -1 ~[+admin +noscript +loading +stale +no_multi +allow_busy] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Synchronously save the dataset to disk and then shut down the server" "since" "1.0.0" "group" "server" "complexity" "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)" "history" ~[["7.0.0" "Added the `NOW`, `FORCE` and `ABORT` modifiers."]] "arguments" [{"name" "nosave_save" "type" "oneof" "flags" ~[+optional] "arguments" [{"name" "nosave" "type" "pure-token" "token" "NOSAVE"} {"name" "save" "type" "pure-token" "token" "SAVE"}]} {"name" "now" "type" "pure-token" "token" "NOW" "since" "7.0.0" "flags" ~[+optional]} {"name" "force" "type" "pure-token" "token" "FORCE" "since" "7.0.0" "flags" ~[+optional]} {"name" "abort" "type" "pure-token" "token" "ABORT" "since" "7.0.0" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "debug",
        info: r#"["debug" -2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "A container for debugging commands" "since" "1.0.0" "group" "server" "complexity" "Depends on subcommand." "doc_flags" ~[+syscmd]}"#,
    },
    Doc {
        name: "memory",
        info: r#"["memory" -2 ~[] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "A container for memory diagnostics commands" "since" "4.0.0" "group" "server" "complexity" "Depends on subcommand."}"#,
    },
    Doc {
        name: "memory|doctor",
        info: r#"["memory|doctor" 2 ~[] 0 0 0 ~[+@slow] ~["nondeterministic_output" "request_policy:all_shards" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Outputs memory problems report" "since" "4.0.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "memory|help",
        info: r#"["memory|help" 2 ~[+loading +stale] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "Show helpful text about the different subcommands" "since" "4.0.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "memory|malloc-stats",
        info: r#"["memory|malloc-stats" 2 ~[] 0 0 0 ~[+@slow] ~["nondeterministic_output" "request_policy:all_shards" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Show allocator internal stats" "since" "4.0.0" "group" "server" "complexity" "Depends on how much memory is allocated, could be slow"}"#,
    },
    Doc {
        name: "memory|purge",
        info: r#"["memory|purge" 2 ~[] 0 0 0 ~[+@slow] ~["request_policy:all_shards" "response_policy:all_succeeded"] ~[]]"#,
        docs: r#"{"summary" "Ask the allocator to release memory" "since" "4.0.0" "group" "server" "complexity" "Depends on how much memory is allocated, could be slow"}"#,
    },
    Doc {
        name: "memory|stats",
        info: r#"["memory|stats" 2 ~[] 0 0 0 ~[+@slow] ~["nondeterministic_output" "request_policy:all_shards" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Show memory usage details" "since" "4.0.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "memory|usage",
        info: r#"["memory|usage" -3 ~[+readonly] 2 2 1 ~[+@read +@slow] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Estimate the memory usage of a key" "since" "4.0.0" "group" "server" "complexity" "O(N) where N is the number of samples." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "count" "type" "integer" "token" "SAMPLES" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "latency",
        info: r#"["latency" -2 ~[] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "A container for latency diagnostics commands" "since" "2.8.13" "group" "server" "complexity" "Depends on subcommand."}"#,
    },
    Doc {
        name: "latency|doctor",
        info: r#"["latency|doctor" 2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["nondeterministic_output" "request_policy:all_nodes" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Return a human readable latency analysis report." "since" "2.8.13" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "latency|graph",
        info: r#"["latency|graph" 3 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["nondeterministic_output" "request_policy:all_nodes" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Return a latency graph for the event." "since" "2.8.13" "group" "server" "complexity" "O(1)" "arguments" [{"name" "event" "type" "string"}]}"#,
    },
    Doc {
        name: "latency|help",
        info: r#"["latency|help" 2 ~[+loading +stale] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "Show helpful text about the different subcommands." "since" "2.8.13" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "latency|histogram",
        info: r#"["latency|histogram" -2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["nondeterministic_output" "request_policy:all_nodes" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Return the cumulative distribution of latencies of a subset of commands or all." "since" "7.0.0" "group" "server" "complexity" "O(N) where N is the number of commands with latency information being retrieved." "arguments" [{"name" "command" "type" "string" "flags" ~[+optional +multiple]}]}"#,
    },
    Doc {
        name: "latency|history",
        info: r#"["latency|history" 3 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["nondeterministic_output" "request_policy:all_nodes" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Return timestamp-latency samples for the event." "since" "2.8.13" "group" "server" "complexity" "O(1)" "arguments" [{"name" "event" "type" "string"}]}"#,
    },
    Doc {
        name: "latency|latest",
        info: r#"["latency|latest" 2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["nondeterministic_output" "request_policy:all_nodes" "response_policy:special"] ~[]]"#,
        docs: r#"{"summary" "Return the latest latency samples for all events." "since" "2.8.13" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "latency|reset",
        info: r#"["latency|reset" -2 ~[+admin +noscript +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["request_policy:all_nodes" "response_policy:all_succeeded"] ~[]]"#,
        docs: r#"{"summary" "Reset latency data for one or more events." "since" "2.8.13" "group" "server" "complexity" "O(1)" "arguments" [{"name" "event" "type" "string" "flags" ~[+optional +multiple]}]}"#,
    },
    Doc {
        name: "slowlog",
        info: r#"["slowlog" -2 ~[] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "A container for slow log commands" "since" "2.2.12" "group" "server" "complexity" "Depends on subcommand."}"#,
    },
    Doc {
        name: "slowlog|get",
        info: r#"["slowlog|get" -2 ~[+admin +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["request_policy:all_nodes" "nondeterministic_output"] ~[]]"#,
        docs: r#"{"summary" "Get the slow log's entries" "since" "2.2.12" "group" "server" "complexity" "O(N) where N is the number of entries returned" "history" ~[["4.0.0" "Added client IP address, port and name to the reply."]] "arguments" [{"name" "count" "type" "integer" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "slowlog|help",
        info: r#"["slowlog|help" 2 ~[+loading +stale] 0 0 0 ~[+@slow] ~[] ~[]]"#,
        docs: r#"{"summary" "Show helpful text about the different subcommands" "since" "6.2.0" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "slowlog|len",
        info: r#"["slowlog|len" 2 ~[+admin +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["request_policy:all_nodes" "response_policy:agg_sum" "nondeterministic_output"] ~[]]"#,
        docs: r#"{"summary" "Get the slow log's length" "since" "2.2.12" "group" "server" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "slowlog|reset",
        info: r#"["slowlog|reset" 2 ~[+admin +loading +stale] 0 0 0 ~[+@admin +@slow +@dangerous] ~["request_policy:all_nodes" "response_policy:all_succeeded"] ~[]]"#,
        docs: r#"{"summary" "Clear all entries from the slow log" "since" "2.2.12" "group" "server" "complexity" "O(N) where N is the number of entries in the slowlog"}"#,
    },
    Doc {
        name: "dump",
        info: r#"["dump" 2 ~[+readonly] 1 1 1 ~[+@keyspace +@read +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Return a serialized version of the value stored at the specified key." "since" "2.6.0" "group" "generic" "complexity" "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "restore",
        info: r#"["restore" -4 ~[+write +denyoom] 1 1 1 ~[+@keyspace +@write +@slow +@dangerous] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Create a key using the provided serialized value, previously obtained using DUMP." "since" "2.6.0" "group" "generic" "complexity" "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))." "history" ~[["3.0.0" "Added the `REPLACE` modifier."] ["5.0.0" "Added the `ABSTTL` modifier."] ["5.0.0" "Added the `IDLETIME` and `FREQ` options."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "ttl" "type" "integer"} {"name" "serialized-value" "type" "string"} {"name" "replace" "type" "pure-token" "token" "REPLACE" "since" "3.0.0" "flags" ~[+optional]} {"name" "absttl" "type" "pure-token" "token" "ABSTTL" "since" "5.0.0" "flags" ~[+optional]} {"name" "seconds" "type" "integer" "token" "IDLETIME" "since" "5.0.0" "flags" ~[+optional]} {"name" "frequency" "type" "integer" "token" "FREQ" "since" "5.0.0" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "replicaof",
        info: r#"["replicaof" 3 ~[+admin +noscript +stale +no_async_loading] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Make the server a replica of another instance, or promote it as master." "since" "5.0.0" "group" "server" "complexity" "O(1)" "arguments" [{"name" "args" "type" "oneof" "arguments" [{"name" "host-port" "type" "block" "arguments" [{"name" "host" "type" "string"} {"name" "port" "type" "integer"}]} {"name" "no-one" "type" "block" "arguments" [{"name" "no" "type" "pure-token" "token" "NO"} {"name" "one" "type" "pure-token" "token" "ONE"}]}]}]}"#,
    },
    Doc {
        name: "slaveof",
        info: r#"["slaveof" 3 ~[+admin +noscript +stale +no_async_loading] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Make the server a replica of another instance, or promote it as master." "since" "1.0.0" "group" "server" "complexity" "O(1)" "doc_flags" ~[+deprecated] "deprecated_since" "5.0.0" "replaced_by" "`REPLICAOF`" "arguments" [{"name" "args" "type" "oneof" "arguments" [{"name" "host-port" "type" "block" "arguments" [{"name" "host" "type" "string"} {"name" "port" "type" "integer"}]} {"name" "no-one" "type" "block" "arguments" [{"name" "no" "type" "pure-token" "token" "NO"} {"name" "one" "type" "pure-token" "token" "ONE"}]}]}]}"#,
    },
];
