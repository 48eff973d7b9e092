//! Redis 7.0's command metadata for the collection families (lists, hashes, sets, sorted
//! sets, and their blocking pops), in the notation and with the meaning described in
//! [`super::command_docs`]; kept apart only to keep files small. Derived from Redis
//! 7.0.15's `COMMAND INFO` / `COMMAND DOCS` in RESP3.

use super::command_docs::Doc;

/// Every entry of the collection families.
pub static DOCS: &[Doc] = &[
    Doc {
        name: "lpush",
        info: r#"["lpush" -3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@list +@fast] ~[] ~[{"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Prepend one or multiple elements to a list" "since" "1.0.0" "group" "list" "complexity" "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." "history" ~[["2.4.0" "Accepts multiple `element` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "element" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "rpush",
        info: r#"["rpush" -3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@list +@fast] ~[] ~[{"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Append one or multiple elements to a list" "since" "1.0.0" "group" "list" "complexity" "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." "history" ~[["2.4.0" "Accepts multiple `element` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "element" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "lpushx",
        info: r#"["lpushx" -3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@list +@fast] ~[] ~[{"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Prepend an element to a list, only if the list exists" "since" "2.2.0" "group" "list" "complexity" "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." "history" ~[["4.0.0" "Accepts multiple `element` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "element" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "rpushx",
        info: r#"["rpushx" -3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@list +@fast] ~[] ~[{"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Append an element to a list, only if the list exists" "since" "2.2.0" "group" "list" "complexity" "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." "history" ~[["4.0.0" "Accepts multiple `element` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "element" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "lpop",
        info: r#"["lpop" -2 ~[+write +fast] 1 1 1 ~[+@write +@list +@fast] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and get the first elements in a list" "since" "1.0.0" "group" "list" "complexity" "O(N) where N is the number of elements returned" "history" ~[["6.2.0" "Added the `count` argument."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "count" "type" "integer" "since" "6.2.0" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "rpop",
        info: r#"["rpop" -2 ~[+write +fast] 1 1 1 ~[+@write +@list +@fast] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and get the last elements in a list" "since" "1.0.0" "group" "list" "complexity" "O(N) where N is the number of elements returned" "history" ~[["6.2.0" "Added the `count` argument."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "count" "type" "integer" "since" "6.2.0" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "llen",
        info: r#"["llen" 2 ~[+readonly +fast] 1 1 1 ~[+@read +@list +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the length of a list" "since" "1.0.0" "group" "list" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "lrange",
        info: r#"["lrange" 4 ~[+readonly] 1 1 1 ~[+@read +@list +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get a range of elements from a list" "since" "1.0.0" "group" "list" "complexity" "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "start" "type" "integer"} {"name" "stop" "type" "integer"}]}"#,
    },
    Doc {
        name: "lindex",
        info: r#"["lindex" 3 ~[+readonly] 1 1 1 ~[+@read +@list +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get an element from a list by its index" "since" "1.0.0" "group" "list" "complexity" "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "index" "type" "integer"}]}"#,
    },
    Doc {
        name: "lset",
        info: r#"["lset" 4 ~[+write +denyoom] 1 1 1 ~[+@write +@list +@slow] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the value of an element in a list by its index" "since" "1.0.0" "group" "list" "complexity" "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "index" "type" "integer"} {"name" "element" "type" "string"}]}"#,
    },
    Doc {
        name: "linsert",
        info: r#"["linsert" 5 ~[+write +denyoom] 1 1 1 ~[+@write +@list +@slow] ~[] ~[{"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Insert an element before or after another element in a list" "since" "2.2.0" "group" "list" "complexity" "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "where" "type" "oneof" "arguments" [{"name" "before" "type" "pure-token" "token" "BEFORE"} {"name" "after" "type" "pure-token" "token" "AFTER"}]} {"name" "pivot" "type" "string"} {"name" "element" "type" "string"}]}"#,
    },
    Doc {
        name: "lrem",
        info: r#"["lrem" 4 ~[+write] 1 1 1 ~[+@write +@list +@slow] ~[] ~[{"flags" ~[+RW +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove elements from a list" "since" "1.0.0" "group" "list" "complexity" "O(N+M) where N is the length of the list and M is the number of elements removed." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "count" "type" "integer"} {"name" "element" "type" "string"}]}"#,
    },
    Doc {
        name: "ltrim",
        info: r#"["ltrim" 4 ~[+write] 1 1 1 ~[+@write +@list +@slow] ~[] ~[{"flags" ~[+RW +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Trim a list to the specified range" "since" "1.0.0" "group" "list" "complexity" "O(N) where N is the number of elements to be removed by the operation." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "start" "type" "integer"} {"name" "stop" "type" "integer"}]}"#,
    },
    Doc {
        name: "lpos",
        info: r#"["lpos" -3 ~[+readonly] 1 1 1 ~[+@read +@list +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Return the index of matching elements on a list" "since" "6.0.6" "group" "list" "complexity" "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "element" "type" "string"} {"name" "rank" "type" "integer" "token" "RANK" "flags" ~[+optional]} {"name" "num-matches" "type" "integer" "token" "COUNT" "flags" ~[+optional]} {"name" "len" "type" "integer" "token" "MAXLEN" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "lmove",
        info: r#"["lmove" 5 ~[+write +denyoom] 1 2 1 ~[+@write +@list +@slow] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Pop an element from a list, push it to another list and return it" "since" "6.2.0" "group" "list" "complexity" "O(1)" "arguments" [{"name" "source" "type" "key" "key_spec_index" 0} {"name" "destination" "type" "key" "key_spec_index" 1} {"name" "wherefrom" "type" "oneof" "arguments" [{"name" "left" "type" "pure-token" "token" "LEFT"} {"name" "right" "type" "pure-token" "token" "RIGHT"}]} {"name" "whereto" "type" "oneof" "arguments" [{"name" "left" "type" "pure-token" "token" "LEFT"} {"name" "right" "type" "pure-token" "token" "RIGHT"}]}]}"#,
    },
    Doc {
        name: "rpoplpush",
        info: r#"["rpoplpush" 3 ~[+write +denyoom] 1 2 1 ~[+@write +@list +@slow] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove the last element in a list, prepend it to another list and return it" "since" "1.2.0" "group" "list" "complexity" "O(1)" "doc_flags" ~[+deprecated] "deprecated_since" "6.2.0" "replaced_by" "`LMOVE` with the `RIGHT` and `LEFT` arguments" "arguments" [{"name" "source" "type" "key" "key_spec_index" 0} {"name" "destination" "type" "key" "key_spec_index" 1}]}"#,
    },
    Doc {
        name: "lmpop",
        info: r#"["lmpop" -4 ~[+write +movablekeys] 0 0 0 ~[+@write +@list +@slow] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Pop elements from a list" "since" "7.0.0" "group" "list" "complexity" "O(N+M) where N is the number of provided keys and M is the number of elements returned." "arguments" [{"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "where" "type" "oneof" "arguments" [{"name" "left" "type" "pure-token" "token" "LEFT"} {"name" "right" "type" "pure-token" "token" "RIGHT"}]} {"name" "count" "type" "integer" "token" "COUNT" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "blpop",
        info: r#"["blpop" -3 ~[+write +noscript +blocking] 1 -2 1 ~[+@write +@list +@slow +@blocking] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -2 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and get the first element in a list, or block until one is available" "since" "2.0.0" "group" "list" "complexity" "O(N) where N is the number of provided keys." "history" ~[["6.0.0" "`timeout` is interpreted as a double instead of an integer."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "timeout" "type" "double"}]}"#,
    },
    Doc {
        name: "brpop",
        info: r#"["brpop" -3 ~[+write +noscript +blocking] 1 -2 1 ~[+@write +@list +@slow +@blocking] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -2 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and get the last element in a list, or block until one is available" "since" "2.0.0" "group" "list" "complexity" "O(N) where N is the number of provided keys." "history" ~[["6.0.0" "`timeout` is interpreted as a double instead of an integer."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "timeout" "type" "double"}]}"#,
    },
    Doc {
        name: "blmove",
        info: r#"["blmove" 6 ~[+write +denyoom +noscript +blocking] 1 2 1 ~[+@write +@list +@slow +@blocking] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Pop an element from a list, push it to another list and return it; or block until one is available" "since" "6.2.0" "group" "list" "complexity" "O(1)" "arguments" [{"name" "source" "type" "key" "key_spec_index" 0} {"name" "destination" "type" "key" "key_spec_index" 1} {"name" "wherefrom" "type" "oneof" "arguments" [{"name" "left" "type" "pure-token" "token" "LEFT"} {"name" "right" "type" "pure-token" "token" "RIGHT"}]} {"name" "whereto" "type" "oneof" "arguments" [{"name" "left" "type" "pure-token" "token" "LEFT"} {"name" "right" "type" "pure-token" "token" "RIGHT"}]} {"name" "timeout" "type" "double"}]}"#,
    },
    Doc {
        name: "brpoplpush",
        info: r#"["brpoplpush" 4 ~[+write +denyoom +noscript +blocking] 1 2 1 ~[+@write +@list +@slow +@blocking] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Pop an element from a list, push it to another list and return it; or block until one is available" "since" "2.2.0" "group" "list" "complexity" "O(1)" "doc_flags" ~[+deprecated] "deprecated_since" "6.2.0" "replaced_by" "`BLMOVE` with the `RIGHT` and `LEFT` arguments" "history" ~[["6.0.0" "`timeout` is interpreted as a double instead of an integer."]] "arguments" [{"name" "source" "type" "key" "key_spec_index" 0} {"name" "destination" "type" "key" "key_spec_index" 1} {"name" "timeout" "type" "double"}]}"#,
    },
    Doc {
        name: "blmpop",
        info: r#"["blmpop" -5 ~[+write +blocking +movablekeys] 0 0 0 ~[+@write +@list +@slow +@blocking] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Pop elements from a list, or block until one is available" "since" "7.0.0" "group" "list" "complexity" "O(N+M) where N is the number of provided keys and M is the number of elements returned." "arguments" [{"name" "timeout" "type" "double"} {"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "where" "type" "oneof" "arguments" [{"name" "left" "type" "pure-token" "token" "LEFT"} {"name" "right" "type" "pure-token" "token" "RIGHT"}]} {"name" "count" "type" "integer" "token" "COUNT" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "hset",
        info: r#"["hset" -4 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@hash +@fast] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the string value of a hash field" "since" "2.0.0" "group" "hash" "complexity" "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs." "history" ~[["4.0.0" "Accepts multiple `field` and `value` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field_value" "type" "block" "flags" ~[+multiple] "arguments" [{"name" "field" "type" "string"} {"name" "value" "type" "string"}]}]}"#,
    },
    Doc {
        name: "hsetnx",
        info: r#"["hsetnx" 4 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@hash +@fast] ~[] ~[{"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set the value of a hash field, only if the field does not exist" "since" "2.0.0" "group" "hash" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field" "type" "string"} {"name" "value" "type" "string"}]}"#,
    },
    Doc {
        name: "hget",
        info: r#"["hget" 3 ~[+readonly +fast] 1 1 1 ~[+@read +@hash +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the value of a hash field" "since" "2.0.0" "group" "hash" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field" "type" "string"}]}"#,
    },
    Doc {
        name: "hmget",
        info: r#"["hmget" -3 ~[+readonly +fast] 1 1 1 ~[+@read +@hash +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the values of all the given hash fields" "since" "2.0.0" "group" "hash" "complexity" "O(N) where N is the number of fields being requested." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "hmset",
        info: r#"["hmset" -4 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@hash +@fast] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Set multiple hash fields to multiple values" "since" "2.0.0" "group" "hash" "complexity" "O(N) where N is the number of fields being set." "doc_flags" ~[+deprecated] "deprecated_since" "4.0.0" "replaced_by" "`HSET` with multiple field-value pairs" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field_value" "type" "block" "flags" ~[+multiple] "arguments" [{"name" "field" "type" "string"} {"name" "value" "type" "string"}]}]}"#,
    },
    Doc {
        name: "hdel",
        info: r#"["hdel" -3 ~[+write +fast] 1 1 1 ~[+@write +@hash +@fast] ~[] ~[{"flags" ~[+RW +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Delete one or more hash fields" "since" "2.0.0" "group" "hash" "complexity" "O(N) where N is the number of fields to be removed." "history" ~[["2.4.0" "Accepts multiple `field` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "hlen",
        info: r#"["hlen" 2 ~[+readonly +fast] 1 1 1 ~[+@read +@hash +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the number of fields in a hash" "since" "2.0.0" "group" "hash" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "hexists",
        info: r#"["hexists" 3 ~[+readonly +fast] 1 1 1 ~[+@read +@hash +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Determine if a hash field exists" "since" "2.0.0" "group" "hash" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field" "type" "string"}]}"#,
    },
    Doc {
        name: "hgetall",
        info: r#"["hgetall" 2 ~[+readonly] 1 1 1 ~[+@read +@hash +@slow] ~["nondeterministic_output_order"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get all the fields and values in a hash" "since" "2.0.0" "group" "hash" "complexity" "O(N) where N is the size of the hash." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "hkeys",
        info: r#"["hkeys" 2 ~[+readonly] 1 1 1 ~[+@read +@hash +@slow] ~["nondeterministic_output_order"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get all the fields in a hash" "since" "2.0.0" "group" "hash" "complexity" "O(N) where N is the size of the hash." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "hvals",
        info: r#"["hvals" 2 ~[+readonly] 1 1 1 ~[+@read +@hash +@slow] ~["nondeterministic_output_order"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get all the values in a hash" "since" "2.0.0" "group" "hash" "complexity" "O(N) where N is the size of the hash." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "hincrby",
        info: r#"["hincrby" 4 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@hash +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Increment the integer value of a hash field by the given number" "since" "2.0.0" "group" "hash" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field" "type" "string"} {"name" "increment" "type" "integer"}]}"#,
    },
    Doc {
        name: "hincrbyfloat",
        info: r#"["hincrbyfloat" 4 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@hash +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Increment the float value of a hash field by the given amount" "since" "2.6.0" "group" "hash" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field" "type" "string"} {"name" "increment" "type" "double"}]}"#,
    },
    Doc {
        name: "hstrlen",
        info: r#"["hstrlen" 3 ~[+readonly +fast] 1 1 1 ~[+@read +@hash +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the length of the value of a hash field" "since" "3.2.0" "group" "hash" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "field" "type" "string"}]}"#,
    },
    Doc {
        name: "hrandfield",
        info: r#"["hrandfield" -2 ~[+readonly] 1 1 1 ~[+@read +@hash +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get one or multiple random fields from a hash" "since" "6.2.0" "group" "hash" "complexity" "O(N) where N is the number of fields returned" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "options" "type" "block" "flags" ~[+optional] "arguments" [{"name" "count" "type" "integer"} {"name" "withvalues" "type" "pure-token" "token" "WITHVALUES" "flags" ~[+optional]}]}]}"#,
    },
    Doc {
        name: "hscan",
        info: r#"["hscan" -3 ~[+readonly] 1 1 1 ~[+@read +@hash +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Incrementally iterate hash fields and associated values" "since" "2.8.0" "group" "hash" "complexity" "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "cursor" "type" "integer"} {"name" "pattern" "type" "pattern" "token" "MATCH" "flags" ~[+optional]} {"name" "count" "type" "integer" "token" "COUNT" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "sadd",
        info: r#"["sadd" -3 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@set +@fast] ~[] ~[{"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Add one or more members to a set" "since" "1.0.0" "group" "set" "complexity" "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." "history" ~[["2.4.0" "Accepts multiple `member` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "srem",
        info: r#"["srem" -3 ~[+write +fast] 1 1 1 ~[+@write +@set +@fast] ~[] ~[{"flags" ~[+RW +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove one or more members from a set" "since" "1.0.0" "group" "set" "complexity" "O(N) where N is the number of members to be removed." "history" ~[["2.4.0" "Accepts multiple `member` arguments."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "scard",
        info: r#"["scard" 2 ~[+readonly +fast] 1 1 1 ~[+@read +@set +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the number of members in a set" "since" "1.0.0" "group" "set" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "sismember",
        info: r#"["sismember" 3 ~[+readonly +fast] 1 1 1 ~[+@read +@set +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Determine if a given value is a member of a set" "since" "1.0.0" "group" "set" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string"}]}"#,
    },
    Doc {
        name: "smismember",
        info: r#"["smismember" -3 ~[+readonly +fast] 1 1 1 ~[+@read +@set +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Returns the membership associated with the given elements for a set" "since" "6.2.0" "group" "set" "complexity" "O(N) where N is the number of elements being checked for membership" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "smembers",
        info: r#"["smembers" 2 ~[+readonly] 1 1 1 ~[+@read +@set +@slow] ~["nondeterministic_output_order"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get all the members in a set" "since" "1.0.0" "group" "set" "complexity" "O(N) where N is the set cardinality." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "spop",
        info: r#"["spop" -2 ~[+write +fast] 1 1 1 ~[+@write +@set +@fast] ~["nondeterministic_output"] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and return one or multiple random members from a set" "since" "1.0.0" "group" "set" "complexity" "Without the count argument O(1), otherwise O(N) where N is the value of the passed count." "history" ~[["3.2.0" "Added the `count` argument."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "count" "type" "integer" "since" "3.2.0" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "srandmember",
        info: r#"["srandmember" -2 ~[+readonly] 1 1 1 ~[+@read +@set +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get one or multiple random members from a set" "since" "1.0.0" "group" "set" "complexity" "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count." "history" ~[["2.6.0" "Added the optional `count` argument."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "count" "type" "integer" "since" "2.6.0" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "smove",
        info: r#"["smove" 4 ~[+write +fast] 1 2 1 ~[+@write +@set +@fast] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RW +insert] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Move a member from one set to another" "since" "1.0.0" "group" "set" "complexity" "O(1)" "arguments" [{"name" "source" "type" "key" "key_spec_index" 0} {"name" "destination" "type" "key" "key_spec_index" 1} {"name" "member" "type" "string"}]}"#,
    },
    Doc {
        name: "sinter",
        info: r#"["sinter" -2 ~[+readonly] 1 -1 1 ~[+@read +@set +@slow] ~["nondeterministic_output_order"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Intersect multiple sets" "since" "1.0.0" "group" "set" "complexity" "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "sintercard",
        info: r#"["sintercard" -3 ~[+readonly +movablekeys] 0 0 0 ~[+@read +@set +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Intersect multiple sets and return the cardinality of the result" "since" "7.0.0" "group" "set" "complexity" "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets." "arguments" [{"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "limit" "type" "integer" "token" "LIMIT" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "sunion",
        info: r#"["sunion" -2 ~[+readonly] 1 -1 1 ~[+@read +@set +@slow] ~["nondeterministic_output_order"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Add multiple sets" "since" "1.0.0" "group" "set" "complexity" "O(N) where N is the total number of elements in all given sets." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "sdiff",
        info: r#"["sdiff" -2 ~[+readonly] 1 -1 1 ~[+@read +@set +@slow] ~["nondeterministic_output_order"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Subtract multiple sets" "since" "1.0.0" "group" "set" "complexity" "O(N) where N is the total number of elements in all given sets." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "sinterstore",
        info: r#"["sinterstore" -3 ~[+write +denyoom] 1 -1 1 ~[+@write +@set +@slow] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Intersect multiple sets and store the resulting set in a key" "since" "1.0.0" "group" "set" "complexity" "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets." "arguments" [{"name" "destination" "type" "key" "key_spec_index" 0} {"name" "key" "type" "key" "key_spec_index" 1 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "sunionstore",
        info: r#"["sunionstore" -3 ~[+write +denyoom] 1 -1 1 ~[+@write +@set +@slow] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Add multiple sets and store the resulting set in a key" "since" "1.0.0" "group" "set" "complexity" "O(N) where N is the total number of elements in all given sets." "arguments" [{"name" "destination" "type" "key" "key_spec_index" 0} {"name" "key" "type" "key" "key_spec_index" 1 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "sdiffstore",
        info: r#"["sdiffstore" -3 ~[+write +denyoom] 1 -1 1 ~[+@write +@set +@slow] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Subtract multiple sets and store the resulting set in a key" "since" "1.0.0" "group" "set" "complexity" "O(N) where N is the total number of elements in all given sets." "arguments" [{"name" "destination" "type" "key" "key_spec_index" 0} {"name" "key" "type" "key" "key_spec_index" 1 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "sscan",
        info: r#"["sscan" -3 ~[+readonly] 1 1 1 ~[+@read +@set +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Incrementally iterate Set elements" "since" "2.8.0" "group" "set" "complexity" "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "cursor" "type" "integer"} {"name" "pattern" "type" "pattern" "token" "MATCH" "flags" ~[+optional]} {"name" "count" "type" "integer" "token" "COUNT" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zadd",
        info: r#"["zadd" -4 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@sortedset +@fast] ~[] ~[{"flags" ~[+RW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Add one or more members to a sorted set, or update its score if it already exists" "since" "1.2.0" "group" "sorted-set" "complexity" "O(log(N)) for each item added, where N is the number of elements in the sorted set." "history" ~[["2.4.0" "Accepts multiple elements."] ["3.0.2" "Added the `XX`, `NX`, `CH` and `INCR` options."] ["6.2.0" "Added the `GT` and `LT` options."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "condition" "type" "oneof" "since" "3.0.2" "flags" ~[+optional] "arguments" [{"name" "nx" "type" "pure-token" "token" "NX"} {"name" "xx" "type" "pure-token" "token" "XX"}]} {"name" "comparison" "type" "oneof" "since" "6.2.0" "flags" ~[+optional] "arguments" [{"name" "gt" "type" "pure-token" "token" "GT"} {"name" "lt" "type" "pure-token" "token" "LT"}]} {"name" "change" "type" "pure-token" "token" "CH" "since" "3.0.2" "flags" ~[+optional]} {"name" "increment" "type" "pure-token" "token" "INCR" "since" "3.0.2" "flags" ~[+optional]} {"name" "score_member" "type" "block" "flags" ~[+multiple] "arguments" [{"name" "score" "type" "double"} {"name" "member" "type" "string"}]}]}"#,
    },
    Doc {
        name: "zrem",
        info: r#"["zrem" -3 ~[+write +fast] 1 1 1 ~[+@write +@sortedset +@fast] ~[] ~[{"flags" ~[+RW +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove one or more members from a sorted set" "since" "1.2.0" "group" "sorted-set" "complexity" "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed." "history" ~[["2.4.0" "Accepts multiple elements."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "zcard",
        info: r#"["zcard" 2 ~[+readonly +fast] 1 1 1 ~[+@read +@sortedset +@fast] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the number of members in a sorted set" "since" "1.2.0" "group" "sorted-set" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0}]}"#,
    },
    Doc {
        name: "zscore",
        info: r#"["zscore" 3 ~[+readonly +fast] 1 1 1 ~[+@read +@sortedset +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the score associated with the given member in a sorted set" "since" "1.2.0" "group" "sorted-set" "complexity" "O(1)" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string"}]}"#,
    },
    Doc {
        name: "zmscore",
        info: r#"["zmscore" -3 ~[+readonly +fast] 1 1 1 ~[+@read +@sortedset +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get the score associated with the given members in a sorted set" "since" "6.2.0" "group" "sorted-set" "complexity" "O(N) where N is the number of members being requested." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string" "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "zincrby",
        info: r#"["zincrby" 4 ~[+write +denyoom +fast] 1 1 1 ~[+@write +@sortedset +@fast] ~[] ~[{"flags" ~[+RW +access +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Increment the score of a member in a sorted set" "since" "1.2.0" "group" "sorted-set" "complexity" "O(log(N)) where N is the number of elements in the sorted set." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "increment" "type" "integer"} {"name" "member" "type" "string"}]}"#,
    },
    Doc {
        name: "zrank",
        info: r#"["zrank" 3 ~[+readonly +fast] 1 1 1 ~[+@read +@sortedset +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Determine the index of a member in a sorted set" "since" "2.0.0" "group" "sorted-set" "complexity" "O(log(N))" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string"}]}"#,
    },
    Doc {
        name: "zrevrank",
        info: r#"["zrevrank" 3 ~[+readonly +fast] 1 1 1 ~[+@read +@sortedset +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Determine the index of a member in a sorted set, with scores ordered from high to low" "since" "2.0.0" "group" "sorted-set" "complexity" "O(log(N))" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "member" "type" "string"}]}"#,
    },
    Doc {
        name: "zrange",
        info: r#"["zrange" -4 ~[+readonly] 1 1 1 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Return a range of members in a sorted set" "since" "1.2.0" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned." "history" ~[["6.2.0" "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "start" "type" "string"} {"name" "stop" "type" "string"} {"name" "sortby" "type" "oneof" "since" "6.2.0" "flags" ~[+optional] "arguments" [{"name" "byscore" "type" "pure-token" "token" "BYSCORE"} {"name" "bylex" "type" "pure-token" "token" "BYLEX"}]} {"name" "rev" "type" "pure-token" "token" "REV" "since" "6.2.0" "flags" ~[+optional]} {"name" "offset_count" "type" "block" "token" "LIMIT" "since" "6.2.0" "flags" ~[+optional] "arguments" [{"name" "offset" "type" "integer"} {"name" "count" "type" "integer"}]} {"name" "withscores" "type" "pure-token" "token" "WITHSCORES" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zrangestore",
        info: r#"["zrangestore" -5 ~[+write +denyoom] 1 2 1 ~[+@write +@sortedset +@slow] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Store a range of members from sorted set into another key" "since" "6.2.0" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key." "arguments" [{"name" "dst" "type" "key" "key_spec_index" 0} {"name" "src" "type" "key" "key_spec_index" 1} {"name" "min" "type" "string"} {"name" "max" "type" "string"} {"name" "sortby" "type" "oneof" "flags" ~[+optional] "arguments" [{"name" "byscore" "type" "pure-token" "token" "BYSCORE"} {"name" "bylex" "type" "pure-token" "token" "BYLEX"}]} {"name" "rev" "type" "pure-token" "token" "REV" "flags" ~[+optional]} {"name" "offset_count" "type" "block" "token" "LIMIT" "flags" ~[+optional] "arguments" [{"name" "offset" "type" "integer"} {"name" "count" "type" "integer"}]}]}"#,
    },
    Doc {
        name: "zrevrange",
        info: r#"["zrevrange" -4 ~[+readonly] 1 1 1 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Return a range of members in a sorted set, by index, with scores ordered from high to low" "since" "1.2.0" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned." "doc_flags" ~[+deprecated] "deprecated_since" "6.2.0" "replaced_by" "`ZRANGE` with the `REV` argument" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "start" "type" "integer"} {"name" "stop" "type" "integer"} {"name" "withscores" "type" "pure-token" "token" "WITHSCORES" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zrangebyscore",
        info: r#"["zrangebyscore" -4 ~[+readonly] 1 1 1 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Return a range of members in a sorted set, by score" "since" "1.0.5" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))." "doc_flags" ~[+deprecated] "deprecated_since" "6.2.0" "replaced_by" "`ZRANGE` with the `BYSCORE` argument" "history" ~[["2.0.0" "Added the `WITHSCORES` modifier."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "min" "type" "double"} {"name" "max" "type" "double"} {"name" "withscores" "type" "pure-token" "token" "WITHSCORES" "since" "2.0.0" "flags" ~[+optional]} {"name" "offset_count" "type" "block" "token" "LIMIT" "flags" ~[+optional] "arguments" [{"name" "offset" "type" "integer"} {"name" "count" "type" "integer"}]}]}"#,
    },
    Doc {
        name: "zrevrangebyscore",
        info: r#"["zrevrangebyscore" -4 ~[+readonly] 1 1 1 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Return a range of members in a sorted set, by score, with scores ordered from high to low" "since" "2.2.0" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))." "doc_flags" ~[+deprecated] "deprecated_since" "6.2.0" "replaced_by" "`ZRANGE` with the `REV` and `BYSCORE` arguments" "history" ~[["2.1.6" "`min` and `max` can be exclusive."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "max" "type" "double"} {"name" "min" "type" "double"} {"name" "withscores" "type" "pure-token" "token" "WITHSCORES" "flags" ~[+optional]} {"name" "offset_count" "type" "block" "token" "LIMIT" "flags" ~[+optional] "arguments" [{"name" "offset" "type" "integer"} {"name" "count" "type" "integer"}]}]}"#,
    },
    Doc {
        name: "zrangebylex",
        info: r#"["zrangebylex" -4 ~[+readonly] 1 1 1 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Return a range of members in a sorted set, by lexicographical range" "since" "2.8.9" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))." "doc_flags" ~[+deprecated] "deprecated_since" "6.2.0" "replaced_by" "`ZRANGE` with the `BYLEX` argument" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "min" "type" "string"} {"name" "max" "type" "string"} {"name" "offset_count" "type" "block" "token" "LIMIT" "flags" ~[+optional] "arguments" [{"name" "offset" "type" "integer"} {"name" "count" "type" "integer"}]}]}"#,
    },
    Doc {
        name: "zrevrangebylex",
        info: r#"["zrevrangebylex" -4 ~[+readonly] 1 1 1 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings." "since" "2.8.9" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))." "doc_flags" ~[+deprecated] "deprecated_since" "6.2.0" "replaced_by" "`ZRANGE` with the `REV` and `BYLEX` arguments" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "max" "type" "string"} {"name" "min" "type" "string"} {"name" "offset_count" "type" "block" "token" "LIMIT" "flags" ~[+optional] "arguments" [{"name" "offset" "type" "integer"} {"name" "count" "type" "integer"}]}]}"#,
    },
    Doc {
        name: "zcount",
        info: r#"["zcount" 4 ~[+readonly +fast] 1 1 1 ~[+@read +@sortedset +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Count the members in a sorted set with scores within the given values" "since" "2.0.0" "group" "sorted-set" "complexity" "O(log(N)) with N being the number of elements in the sorted set." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "min" "type" "double"} {"name" "max" "type" "double"}]}"#,
    },
    Doc {
        name: "zlexcount",
        info: r#"["zlexcount" 4 ~[+readonly +fast] 1 1 1 ~[+@read +@sortedset +@fast] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Count the number of members in a sorted set between a given lexicographical range" "since" "2.8.9" "group" "sorted-set" "complexity" "O(log(N)) with N being the number of elements in the sorted set." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "min" "type" "string"} {"name" "max" "type" "string"}]}"#,
    },
    Doc {
        name: "zpopmin",
        info: r#"["zpopmin" -2 ~[+write +fast] 1 1 1 ~[+@write +@sortedset +@fast] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and return members with the lowest scores in a sorted set" "since" "5.0.0" "group" "sorted-set" "complexity" "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "count" "type" "integer" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zpopmax",
        info: r#"["zpopmax" -2 ~[+write +fast] 1 1 1 ~[+@write +@sortedset +@fast] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and return members with the highest scores in a sorted set" "since" "5.0.0" "group" "sorted-set" "complexity" "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "count" "type" "integer" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zmpop",
        info: r#"["zmpop" -4 ~[+write +movablekeys] 0 0 0 ~[+@write +@sortedset +@slow] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Remove and return members with scores in a sorted set" "since" "7.0.0" "group" "sorted-set" "complexity" "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped." "arguments" [{"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "where" "type" "oneof" "arguments" [{"name" "min" "type" "pure-token" "token" "MIN"} {"name" "max" "type" "pure-token" "token" "MAX"}]} {"name" "count" "type" "integer" "token" "COUNT" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zrandmember",
        info: r#"["zrandmember" -2 ~[+readonly] 1 1 1 ~[+@read +@sortedset +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Get one or multiple random elements from a sorted set" "since" "6.2.0" "group" "sorted-set" "complexity" "O(N) where N is the number of elements returned" "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "options" "type" "block" "flags" ~[+optional] "arguments" [{"name" "count" "type" "integer"} {"name" "withscores" "type" "pure-token" "token" "WITHSCORES" "flags" ~[+optional]}]}]}"#,
    },
    Doc {
        name: "zunion",
        info: r#"["zunion" -3 ~[+readonly +movablekeys] 0 0 0 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Add multiple sorted sets" "since" "6.2.0" "group" "sorted-set" "complexity" "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set." "arguments" [{"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "weight" "type" "integer" "token" "WEIGHTS" "flags" ~[+optional +multiple]} {"name" "aggregate" "type" "oneof" "token" "AGGREGATE" "flags" ~[+optional] "arguments" [{"name" "sum" "type" "pure-token" "token" "SUM"} {"name" "min" "type" "pure-token" "token" "MIN"} {"name" "max" "type" "pure-token" "token" "MAX"}]} {"name" "withscores" "type" "pure-token" "token" "WITHSCORES" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zinter",
        info: r#"["zinter" -3 ~[+readonly +movablekeys] 0 0 0 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Intersect multiple sorted sets" "since" "6.2.0" "group" "sorted-set" "complexity" "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set." "arguments" [{"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "weight" "type" "integer" "token" "WEIGHTS" "flags" ~[+optional +multiple]} {"name" "aggregate" "type" "oneof" "token" "AGGREGATE" "flags" ~[+optional] "arguments" [{"name" "sum" "type" "pure-token" "token" "SUM"} {"name" "min" "type" "pure-token" "token" "MIN"} {"name" "max" "type" "pure-token" "token" "MAX"}]} {"name" "withscores" "type" "pure-token" "token" "WITHSCORES" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zdiff",
        info: r#"["zdiff" -3 ~[+readonly +movablekeys] 0 0 0 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Subtract multiple sorted sets" "since" "6.2.0" "group" "sorted-set" "complexity" "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set." "arguments" [{"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "withscores" "type" "pure-token" "token" "WITHSCORES" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zunionstore",
        info: r#"["zunionstore" -4 ~[+write +denyoom +movablekeys] 1 1 1 ~[+@write +@sortedset +@slow] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Add multiple sorted sets and store the resulting sorted set in a new key" "since" "2.0.0" "group" "sorted-set" "complexity" "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set." "arguments" [{"name" "destination" "type" "key" "key_spec_index" 0} {"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 1 "flags" ~[+multiple]} {"name" "weight" "type" "integer" "token" "WEIGHTS" "flags" ~[+optional +multiple]} {"name" "aggregate" "type" "oneof" "token" "AGGREGATE" "flags" ~[+optional] "arguments" [{"name" "sum" "type" "pure-token" "token" "SUM"} {"name" "min" "type" "pure-token" "token" "MIN"} {"name" "max" "type" "pure-token" "token" "MAX"}]}]}"#,
    },
    Doc {
        name: "zinterstore",
        info: r#"["zinterstore" -4 ~[+write +denyoom +movablekeys] 1 1 1 ~[+@write +@sortedset +@slow] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Intersect multiple sorted sets and store the resulting sorted set in a new key" "since" "2.0.0" "group" "sorted-set" "complexity" "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set." "arguments" [{"name" "destination" "type" "key" "key_spec_index" 0} {"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 1 "flags" ~[+multiple]} {"name" "weight" "type" "integer" "token" "WEIGHTS" "flags" ~[+optional +multiple]} {"name" "aggregate" "type" "oneof" "token" "AGGREGATE" "flags" ~[+optional] "arguments" [{"name" "sum" "type" "pure-token" "token" "SUM"} {"name" "min" "type" "pure-token" "token" "MIN"} {"name" "max" "type" "pure-token" "token" "MAX"}]}]}"#,
    },
    Doc {
        name: "zdiffstore",
        info: r#"["zdiffstore" -4 ~[+write +denyoom +movablekeys] 1 1 1 ~[+@write +@sortedset +@slow] ~[] ~[{"flags" ~[+OW +update] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}} {"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Subtract multiple sorted sets and store the resulting sorted set in a new key" "since" "6.2.0" "group" "sorted-set" "complexity" "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set." "arguments" [{"name" "destination" "type" "key" "key_spec_index" 0} {"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 1 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "zintercard",
        info: r#"["zintercard" -3 ~[+readonly +movablekeys] 0 0 0 ~[+@read +@sortedset +@slow] ~[] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Intersect multiple sorted sets and return the cardinality of the result" "since" "7.0.0" "group" "sorted-set" "complexity" "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets." "arguments" [{"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "limit" "type" "integer" "token" "LIMIT" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "zremrangebyrank",
        info: r#"["zremrangebyrank" 4 ~[+write] 1 1 1 ~[+@write +@sortedset +@slow] ~[] ~[{"flags" ~[+RW +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove all members in a sorted set within the given indexes" "since" "2.0.0" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "start" "type" "integer"} {"name" "stop" "type" "integer"}]}"#,
    },
    Doc {
        name: "zremrangebyscore",
        info: r#"["zremrangebyscore" 4 ~[+write] 1 1 1 ~[+@write +@sortedset +@slow] ~[] ~[{"flags" ~[+RW +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove all members in a sorted set within the given scores" "since" "1.2.0" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "min" "type" "double"} {"name" "max" "type" "double"}]}"#,
    },
    Doc {
        name: "zremrangebylex",
        info: r#"["zremrangebylex" 4 ~[+write] 1 1 1 ~[+@write +@sortedset +@slow] ~[] ~[{"flags" ~[+RW +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove all members in a sorted set between the given lexicographical range" "since" "2.8.9" "group" "sorted-set" "complexity" "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "min" "type" "string"} {"name" "max" "type" "string"}]}"#,
    },
    Doc {
        name: "zscan",
        info: r#"["zscan" -3 ~[+readonly] 1 1 1 ~[+@read +@sortedset +@slow] ~["nondeterministic_output"] ~[{"flags" ~[+RO +access] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" 0 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Incrementally iterate sorted sets elements and associated scores" "since" "2.8.0" "group" "sorted-set" "complexity" "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0} {"name" "cursor" "type" "integer"} {"name" "pattern" "type" "pattern" "token" "MATCH" "flags" ~[+optional]} {"name" "count" "type" "integer" "token" "COUNT" "flags" ~[+optional]}]}"#,
    },
    Doc {
        name: "bzpopmin",
        info: r#"["bzpopmin" -3 ~[+write +noscript +blocking +fast] 1 -2 1 ~[+@write +@sortedset +@fast +@blocking] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -2 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available" "since" "5.0.0" "group" "sorted-set" "complexity" "O(log(N)) with N being the number of elements in the sorted set." "history" ~[["6.0.0" "`timeout` is interpreted as a double instead of an integer."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "timeout" "type" "double"}]}"#,
    },
    Doc {
        name: "bzpopmax",
        info: r#"["bzpopmax" -3 ~[+write +noscript +blocking +fast] 1 -2 1 ~[+@write +@sortedset +@fast +@blocking] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -2 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Remove and return the member with the highest score from one or more sorted sets, or block until one is available" "since" "5.0.0" "group" "sorted-set" "complexity" "O(log(N)) with N being the number of elements in the sorted set." "history" ~[["6.0.0" "`timeout` is interpreted as a double instead of an integer."]] "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "timeout" "type" "double"}]}"#,
    },
    Doc {
        name: "bzmpop",
        info: r#"["bzmpop" -5 ~[+write +blocking +movablekeys] 0 0 0 ~[+@write +@sortedset +@slow +@blocking] ~[] ~[{"flags" ~[+RW +access +delete] "begin_search" {"type" "index" "spec" {"index" 2}} "find_keys" {"type" "keynum" "spec" {"keynumidx" 0 "firstkey" 1 "keystep" 1}}}]]"#,
        docs: r#"{"summary" "Remove and return members with scores in a sorted set or block until one is available" "since" "7.0.0" "group" "sorted-set" "complexity" "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped." "arguments" [{"name" "timeout" "type" "double"} {"name" "numkeys" "type" "integer"} {"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]} {"name" "where" "type" "oneof" "arguments" [{"name" "min" "type" "pure-token" "token" "MIN"} {"name" "max" "type" "pure-token" "token" "MAX"}]} {"name" "count" "type" "integer" "token" "COUNT" "flags" ~[+optional]}]}"#,
    },
];
