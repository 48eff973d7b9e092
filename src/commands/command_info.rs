//! COMMAND: the command table as clients discover it (Redis 7.0's `COMMAND`, `COUNT`,
//! `INFO`, `DOCS`, `LIST`, `GETKEYS`, `GETKEYSANDFLAGS`, `HELP`).
//!
//! Name, arity, flags and legacy key range of a top-level command come from the command
//! table ([`super::all`]), so COMMAND lists exactly what this server runs. The rest (ACL
//! categories, tips, key specs, docs, and whole subcommand entries) comes from the data in
//! [`super::command_docs`], parsed once into [`Meta`] trees that keep RESP3's types, so a
//! reply is written by walking the tree (sets and maps flatten to arrays in RESP2).

use std::collections::HashMap;
use std::sync::LazyLock;

use bytes::Bytes;

use super::command_docs::Doc;
use super::flag::*;
use super::{args, errors, flag, glob, CommandSpec, ExecCtx, KeyRange, Run};
use crate::protocol::Reply;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "command",
    arity: -1,
    flags: LOADING | STALE,
    keys: KeyRange::NONE,
    run: Run::Shard(command),
}];

/// A reply value with RESP3's type, from the notation of [`super::command_docs`].
#[derive(Debug, Clone, PartialEq)]
pub enum Meta {
    Simple(String),
    Bulk(String),
    Int(i64),
    Array(Vec<Meta>),
    Set(Vec<Meta>),
    Map(Vec<(Meta, Meta)>),
}

impl Meta {
    /// Parses one value of the notation; panics on malformed data (it is static and
    /// checked by a unit test).
    pub fn parse(text: &str) -> Meta {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value();
        p.skip_ws();
        assert_eq!(p.i, p.s.len(), "trailing data in {text}");
        v
    }

    pub fn write(&self, out: &mut Reply) {
        match self {
            Meta::Simple(s) => out.simple(s),
            Meta::Bulk(s) => out.bulk(s.as_bytes()),
            Meta::Int(n) => out.int(*n),
            Meta::Array(v) | Meta::Set(v) => {
                if matches!(self, Meta::Set(_)) {
                    out.set(v.len());
                } else {
                    out.array(v.len());
                }
                v.iter().for_each(|m| m.write(out));
            }
            Meta::Map(v) => {
                out.map(v.len());
                for (k, m) in v {
                    k.write(out);
                    m.write(out);
                }
            }
        }
    }

    fn text(&self) -> &str {
        match self {
            Meta::Simple(s) | Meta::Bulk(s) => s,
            _ => "",
        }
    }

    fn int(&self) -> i64 {
        match self {
            Meta::Int(n) => *n,
            _ => 0,
        }
    }

    fn items(&self) -> &[Meta] {
        match self {
            Meta::Array(v) | Meta::Set(v) => v,
            _ => &[],
        }
    }

    /// The value under `key` in a map.
    fn get(&self, key: &str) -> Option<&Meta> {
        match self {
            Meta::Map(v) => v.iter().find(|(k, _)| k.text() == key).map(|(_, m)| m),
            _ => None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Meta {
        self.skip_ws();
        match self.s[self.i] {
            b'[' => {
                self.i += 1;
                Meta::Array(self.seq(b']'))
            }
            b'~' => {
                self.i += 2;
                Meta::Set(self.seq(b']'))
            }
            b'{' => {
                self.i += 1;
                let flat = self.seq(b'}');
                let mut it = flat.into_iter();
                let mut pairs = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                Meta::Map(pairs)
            }
            b'"' => {
                self.i += 1;
                let mut s = Vec::new();
                while self.s[self.i] != b'"' {
                    if self.s[self.i] == b'\\' {
                        self.i += 1;
                    }
                    s.push(self.s[self.i]);
                    self.i += 1;
                }
                self.i += 1;
                Meta::Bulk(String::from_utf8(s).expect("utf-8 data"))
            }
            b'+' => {
                self.i += 1;
                Meta::Simple(self.word().to_string())
            }
            _ => Meta::Int(self.word().parse().expect("integer in data")),
        }
    }

    fn word(&mut self) -> &str {
        let start = self.i;
        while self.i < self.s.len()
            && !self.s[self.i].is_ascii_whitespace()
            && !b"]}".contains(&self.s[self.i])
        {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i]).expect("utf-8 data")
    }

    fn seq(&mut self, close: u8) -> Vec<Meta> {
        let mut v = Vec::new();
        loop {
            self.skip_ws();
            if self.s[self.i] == close {
                self.i += 1;
                return v;
            }
            v.push(self.value());
        }
    }
}

/// One parsed entry of the data table.
pub struct Parsed {
    /// Name, arity, flags, first, last, step, ACL categories, tips, key specs.
    pub info: Vec<Meta>,
    pub docs: Meta,
    /// Full names of the subcommands, in table order.
    pub subs: Vec<&'static str>,
}

impl Parsed {
    pub fn arity(&self) -> i64 {
        self.info[1].int()
    }

    fn acl(&self) -> &[Meta] {
        self.info[6].items()
    }
}

/// Every data entry: the base families, then the collection families.
fn docs() -> impl Iterator<Item = &'static Doc> {
    super::command_docs::DOCS
        .iter()
        .chain(super::command_docs_types::DOCS)
        .chain(super::multi::DOCS)
        .chain(super::persistence::DOCS)
        .chain(super::replication::DOCS)
}

static PARSED: LazyLock<HashMap<&'static str, Parsed>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, Parsed> = docs()
        .map(|d| {
            let info = match Meta::parse(d.info) {
                Meta::Array(v) => v,
                other => panic!("info of {} is not an array: {other:?}", d.name),
            };
            let parsed = Parsed {
                info,
                docs: Meta::parse(d.docs),
                subs: Vec::new(),
            };
            (d.name, parsed)
        })
        .collect();
    for d in docs() {
        if let Some((parent, _)) = d.name.split_once('|') {
            if let Some(p) = map.get_mut(parent) {
                p.subs.push(d.name);
            }
        }
    }
    map
});

/// The data entry for a command or `parent|sub` name (lower case).
pub fn parsed(name: &str) -> Option<&'static Parsed> {
    PARSED.get(name)
}

/// The flags of `parent|sub` (Redis's `processCommand` checks the subcommand's own:
/// CONFIG SET is `loading stale` while CONFIG has none), `None` when `parent` has no
/// such subcommand. `sub` in any case.
pub fn subcommand_flags(parent: &str, sub: &[u8]) -> Option<u32> {
    static FLAGS: LazyLock<HashMap<&'static str, u32>> = LazyLock::new(|| {
        PARSED
            .iter()
            .filter(|(name, _)| name.contains('|'))
            .map(|(name, p)| {
                let bits = p.info[2]
                    .items()
                    .iter()
                    .filter_map(|f| flag::NAMES.iter().find(|(_, n)| *n == f.text()))
                    .fold(0, |acc, (bit, _)| acc | bit);
                (*name, bits)
            })
            .collect()
    });
    let sub = std::str::from_utf8(sub).ok()?.to_ascii_lowercase();
    FLAGS.get(format!("{parent}|{sub}").as_str()).copied()
}

/// Checks the subcommand of a container command (`a[1]`) as Redis's dispatcher does:
/// unknown subcommand, then its arity. Returns its lower-case name, or writes the error.
pub fn subcommand(out: &mut Reply, parent: &str, a: &[Bytes]) -> Option<String> {
    let sub = String::from_utf8_lossy(&a[1]).to_ascii_lowercase();
    let full = format!("{parent}|{sub}");
    let Some(p) = parsed(&full) else {
        out.error(&errors::unknown_subcommand(parent, &a[1]));
        return None;
    };
    let (arity, argc) = (p.arity(), a.len() as i64);
    if (arity >= 0 && argc != arity) || argc < -arity {
        out.error(&errors::arity(&full));
        return None;
    }
    Some(sub)
}

/// Redis's `addReplyHelp`: a header, the lines, and the HELP entry, as simple strings.
pub fn help(out: &mut Reply, cmd: &str, lines: &[&str]) {
    out.array(lines.len() + 3);
    out.simple(&format!(
        "{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        cmd.to_ascii_uppercase()
    ));
    lines.iter().for_each(|l| out.simple(l));
    out.simple("HELP");
    out.simple("    Prints this help.");
}

/// Resolves a name as `COMMAND INFO`/`DOCS` do: a top-level command of the table, or
/// `parent|sub` when the parent is in the table. Returns the full lower-case name.
fn resolve(name: &[u8]) -> Option<(String, Option<&'static CommandSpec>)> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    match lower.split_once('|') {
        None => super::lookup(lower.as_bytes()).map(|s| (lower, Some(s))),
        Some((parent, _)) => {
            super::lookup(parent.as_bytes())?;
            parsed(&lower).map(|_| (lower, None))
        }
    }
}

fn flag_names(flags: u32) -> impl Iterator<Item = &'static str> {
    flag::NAMES
        .iter()
        .filter(move |(bit, name)| flags & bit != 0 && *name != "may_replicate")
        .map(|(_, name)| *name)
}

/// ACL categories Redis implies from the flags, for a command the data table lacks.
fn implied_acl(flags: u32) -> Vec<Meta> {
    let mut v = Vec::new();
    for (bit, cat) in [(WRITE, "@write"), (READONLY, "@read"), (ADMIN, "@admin")] {
        if flags & bit != 0 {
            v.push(Meta::Simple(cat.into()));
        }
    }
    if flags & ADMIN != 0 {
        v.push(Meta::Simple("@dangerous".into()));
    }
    let speed = if flags & FAST != 0 { "@fast" } else { "@slow" };
    v.push(Meta::Simple(speed.into()));
    v
}

/// The first/last/step triple COMMAND reports. A container command (one with
/// subcommands, like OBJECT) reports 0 0 0 as Redis does, even where our table gives it a
/// key position for routing; its subcommands carry the real key specs.
fn legacy_key_range(spec: &CommandSpec, container: bool) -> [i32; 3] {
    if container {
        [0, 0, 0]
    } else {
        [spec.keys.first, spec.keys.last, spec.keys.step]
    }
}

/// One `COMMAND INFO` entry (10 elements), or nil.
fn write_info(out: &mut Reply, name: &[u8]) {
    let Some((full, spec)) = resolve(name) else {
        return out.null();
    };
    let data = parsed(&full);
    out.array(10);
    match spec {
        Some(spec) => {
            out.bulk(spec.name.as_bytes());
            out.int(spec.arity as i64);
            let names: Vec<_> = flag_names(spec.flags).collect();
            out.set(names.len());
            names.iter().for_each(|n| out.simple(n));
            for n in legacy_key_range(spec, data.is_some_and(|d| !d.subs.is_empty())) {
                out.int(n as i64);
            }
            match data {
                Some(d) => d.info[6..9].iter().for_each(|m| m.write(out)),
                None => {
                    Meta::Set(implied_acl(spec.flags)).write(out);
                    out.set(0);
                    out.set(0);
                }
            }
        }
        None => {
            let d = data.expect("resolved subcommands have data");
            d.info.iter().for_each(|m| m.write(out));
        }
    }
    match data.filter(|d| !d.subs.is_empty()) {
        None => out.set(0),
        Some(d) => {
            out.array(d.subs.len());
            d.subs.iter().for_each(|s| write_info(out, s.as_bytes()));
        }
    }
}

/// One `COMMAND DOCS` value: the documentation map, with its subcommands' maps.
fn write_docs(out: &mut Reply, full: &str) {
    let Some(d) = parsed(full) else {
        out.map(1);
        out.bulk(b"group");
        return out.bulk(b"generic");
    };
    let Meta::Map(fields) = &d.docs else {
        unreachable!("docs are maps")
    };
    out.map(fields.len() + usize::from(!d.subs.is_empty()));
    for (k, v) in fields {
        k.write(out);
        v.write(out);
    }
    if !d.subs.is_empty() {
        out.bulk(b"subcommands");
        out.map(d.subs.len());
        for s in &d.subs {
            out.bulk(s.as_bytes());
            write_docs(out, s);
        }
    }
}

/// Every name COMMAND LIST reports: each command of the table, then its subcommands.
fn list_names() -> Vec<&'static str> {
    let mut names = Vec::new();
    for spec in super::all() {
        names.push(spec.name);
        if let Some(d) = parsed(spec.name) {
            names.extend(d.subs.iter().copied());
        }
    }
    names
}

fn acl_of(name: &str) -> Vec<String> {
    match (parsed(name), super::lookup(name.as_bytes())) {
        (Some(d), _) => d.acl().iter().map(|m| m.text().to_string()).collect(),
        (None, Some(spec)) => implied_acl(spec.flags)
            .iter()
            .map(|m| m.text().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

const HELP: &[&str] = &[
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
];

fn command(ctx: &mut ExecCtx, a: &[Bytes]) {
    let out = &mut ctx.out;
    if a.len() == 1 {
        let names: Vec<_> = super::all().map(|s| s.name).collect();
        out.array(names.len());
        return names.iter().for_each(|n| write_info(out, n.as_bytes()));
    }
    let Some(sub) = subcommand(out, "command", a) else {
        return;
    };
    match sub.as_str() {
        "count" => out.int(super::all().count() as i64),
        "info" if a.len() == 2 => command(ctx, &a[..1]),
        "info" => {
            out.array(a.len() - 2);
            a[2..].iter().for_each(|n| write_info(out, n));
        }
        "docs" => {
            let names: Vec<String> = if a.len() == 2 {
                super::all().map(|s| s.name.to_string()).collect()
            } else {
                a[2..]
                    .iter()
                    .filter_map(|n| resolve(n))
                    .map(|r| r.0)
                    .collect()
            };
            out.map(names.len());
            for n in &names {
                out.bulk(n.as_bytes());
                write_docs(out, n);
            }
        }
        "list" => list(out, a),
        "getkeys" => getkeys(out, &a[2..], false),
        "getkeysandflags" => getkeys(out, &a[2..], true),
        "help" => help(out, "command", HELP),
        _ => out.error(&errors::unknown_subcommand("command", &a[1])),
    }
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN glob].
fn list(out: &mut Reply, a: &[Bytes]) {
    let mut filter: Option<(String, &Bytes)> = None;
    let mut i = 2;
    while i < a.len() {
        let more = a.len() - 1 - i;
        if !(args::eq(&a[i], "filterby") && more == 2) {
            return out.error(errors::SYNTAX);
        }
        let kind = String::from_utf8_lossy(&a[i + 1]).to_ascii_lowercase();
        if !["module", "aclcat", "pattern"].contains(&kind.as_str()) {
            return out.error(errors::SYNTAX);
        }
        filter = Some((kind, &a[i + 2]));
        i += 3;
    }
    let names: Vec<_> = list_names()
        .into_iter()
        .filter(|n| match &filter {
            None => true,
            // No modules: no command belongs to one.
            Some((kind, _)) if kind == "module" => false,
            Some((kind, cat)) if kind == "aclcat" => acl_of(n)
                .iter()
                .any(|c| c.as_bytes()[1..].eq_ignore_ascii_case(cat)),
            Some((_, pat)) => glob::matches(pat, n.as_bytes(), true),
        })
        .collect();
    out.array(names.len());
    names.iter().for_each(|n| out.bulk(n.as_bytes()));
}

/// Indexes of a command's key arguments: its key range, or for commands whose keys
/// move with their arguments (`numkeys` forms) its key specs. Empty when the arguments
/// are malformed (the command then fails before touching a key).
pub fn key_indexes(spec: &'static CommandSpec, argv: &[Bytes]) -> Vec<usize> {
    if spec.flags & super::flag::MOVABLEKEYS == 0 {
        return spec.keys.positions(argv.len()).collect();
    }
    find_keys(spec, argv)
        .map(|keys| keys.into_iter().map(|(i, _)| i).collect())
        .unwrap_or_default()
}

/// The key arguments of a command (`argv[0]` is its name) by its key specs, with each
/// key's flags; errors are COMMAND GETKEYS's.
fn find_keys(
    spec: &'static CommandSpec,
    argv: &[Bytes],
) -> Result<Vec<(usize, Option<Meta>)>, &'static str> {
    let mut data = parsed(spec.name);
    let mut arity = spec.arity as i64;
    if let Some(d) = data.filter(|d| !d.subs.is_empty()) {
        // A container command: the keys are those of its subcommand.
        let sub = argv.get(1).map(|s| {
            format!(
                "{}|{}",
                spec.name,
                String::from_utf8_lossy(s).to_lowercase()
            )
        });
        match sub.as_deref().and_then(parsed) {
            Some(s) => {
                data = Some(s);
                arity = s.arity();
            }
            None if argv.len() >= 2 || d.info[8].items().is_empty() => {
                return Err("ERR Invalid command specified");
            }
            None => {}
        }
    }
    // (key index, flags) by key spec, or from the legacy range when there is no data.
    let mut keys: Vec<(usize, Option<Meta>)> = Vec::new();
    let argc = argv.len() as i64;
    match data {
        Some(d) => {
            let specs = d.info[8].items();
            if specs.is_empty() {
                return Err("ERR The command has no key arguments");
            }
            if (arity > 0 && arity != argc) || argc < -arity {
                return Err("ERR Invalid number of arguments specified for command");
            }
            for ks in specs {
                let find = |path: [&str; 3]| {
                    ks.get(path[0])
                        .and_then(|m| m.get(path[1]))
                        .and_then(|m| m.get(path[2]))
                        .map(Meta::int)
                        .unwrap_or(0)
                };
                let begin = find(["begin_search", "spec", "index"]);
                let step = find(["find_keys", "spec", "keystep"]).max(1);
                let keynum = ks
                    .get("find_keys")
                    .and_then(|m| m.get("type"))
                    .is_some_and(|t| t.text() == "keynum");
                let (first, last) = if keynum {
                    // `numkeys key [key ...]`: the count sits at keynumidx after the start.
                    let count = argv
                        .get((begin + find(["find_keys", "spec", "keynumidx"])) as usize)
                        .and_then(|a| args::int(a))
                        .filter(|&n| n > 0);
                    let start = begin + find(["find_keys", "spec", "firstkey"]);
                    match count {
                        Some(n) => (start, start.saturating_add((n - 1).saturating_mul(step))),
                        None => (argc, argc),
                    }
                } else {
                    let lastkey = find(["find_keys", "spec", "lastkey"]);
                    let limit = find(["find_keys", "spec", "limit"]);
                    let last = if lastkey >= 0 {
                        begin + lastkey
                    } else if limit == 0 {
                        argc + lastkey
                    } else {
                        begin + ((argc - begin) / limit + lastkey)
                    };
                    (begin, last)
                };
                if last >= argc || last < first || first >= argc {
                    return Err("ERR Invalid arguments specified for command");
                }
                let flags = ks.get("flags");
                let flags = match flags {
                    Some(f) if f.items().iter().any(|m| m.text() == "variable_flags") => {
                        variable_key_flags(spec.name, argv).or(Some(f))
                    }
                    other => other,
                };
                let mut i = first;
                while i <= last {
                    keys.push((i as usize, flags.cloned()));
                    i += step;
                }
            }
        }
        None => {
            if spec.keys.first == 0 {
                return Err("ERR The command has no key arguments");
            }
            if !spec.arity_ok(argv.len()) {
                return Err("ERR Invalid number of arguments specified for command");
            }
            keys.extend(spec.keys.positions(argv.len()).map(|i| (i, None)));
        }
    }
    Ok(keys)
}

/// COMMAND GETKEYS / GETKEYSANDFLAGS over the key specs of the named command.
fn getkeys(out: &mut Reply, argv: &[Bytes], with_flags: bool) {
    let Some(spec) = super::lookup(&argv[0]) else {
        return out.error("ERR Invalid command specified");
    };
    let keys = match find_keys(spec, argv) {
        Ok(keys) => keys,
        Err(e) => return out.error(e),
    };
    out.array(keys.len());
    for (i, flags) in keys {
        if with_flags {
            out.array(2);
            out.bulk(&argv[i]);
            match flags {
                Some(f) => f.write(out),
                None => out.set(0),
            }
        } else {
            out.bulk(&argv[i]);
        }
    }
}

/// Key flags of a command whose spec says `variable_flags`: they depend on the arguments
/// (Redis's `setGetKeys`: SET with GET reads the old value, otherwise only overwrites).
fn variable_key_flags(name: &str, argv: &[Bytes]) -> Option<&'static Meta> {
    static SET_GET: LazyLock<Meta> = LazyLock::new(|| Meta::parse("~[+RW +access +update]"));
    static SET_PLAIN: LazyLock<Meta> = LazyLock::new(|| Meta::parse("~[+OW +update]"));
    match name {
        "set" if argv.iter().skip(3).any(|a| args::eq(a, "get")) => Some(&SET_GET),
        "set" => Some(&SET_PLAIN),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_matches_the_table() {
        for d in docs() {
            let p = parsed(d.name).expect("parsed");
            assert_eq!(p.info.len(), 9, "{}", d.name);
            assert_eq!(p.info[0].text(), d.name);
            assert!(matches!(p.docs, Meta::Map(_)), "{}", d.name);
        }
        // Where a command is implemented, its table entry agrees with Redis's metadata.
        let mut wrong = Vec::new();
        for spec in super::super::all() {
            let Some(p) = parsed(spec.name) else { continue };
            let ours: Vec<_> = flag_names(spec.flags).collect();
            let theirs: Vec<_> = p.info[2].items().iter().map(Meta::text).collect();
            let range = legacy_key_range(spec, !p.subs.is_empty()).map(i64::from);
            let data = [p.info[3].int(), p.info[4].int(), p.info[5].int()];
            if p.arity() != spec.arity as i64 || ours != theirs || range != data {
                wrong.push(format!(
                    "{}: table {} {ours:?} {range:?}, redis {} {theirs:?} {data:?}",
                    spec.name,
                    spec.arity,
                    p.arity()
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// Runs COMMAND with `args` on an empty keyspace and returns the encoded reply.
    fn run(args: &[&str], resp3: bool) -> Vec<u8> {
        let mut ks = crate::storage::Keyspace::new(1, 7);
        let mut buf = bytes::BytesMut::new();
        let mut ctx = ExecCtx {
            ks: &mut ks,
            db: 0,
            now_ms: 0,
            out: Reply::new(&mut buf, resp3),
            prop: &mut Default::default(),
        };
        let a: Vec<Bytes> = args
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect();
        command(&mut ctx, &a);
        buf.to_vec()
    }

    #[test]
    fn resp3_bytes_equal_redis() {
        // Captured from redis-server 7.0.15 after HELLO 3.
        let info = b"*2\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n_\r\n";
        assert_eq!(
            run(&["command", "info", "get", "nope"], true),
            info.to_vec()
        );
        let docs = b"%1\r\n$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n";
        assert_eq!(run(&["command", "docs", "get"], true), docs.to_vec());
    }

    #[test]
    fn notation() {
        let m = Meta::parse(r#"[+a "b \"c\"" -3 ~[] {"k" [1 2]}]"#);
        assert_eq!(
            m,
            Meta::Array(vec![
                Meta::Simple("a".into()),
                Meta::Bulk("b \"c\"".into()),
                Meta::Int(-3),
                Meta::Set(vec![]),
                Meta::Map(vec![(
                    Meta::Bulk("k".into()),
                    Meta::Array(vec![Meta::Int(1), Meta::Int(2)])
                )]),
            ])
        );
    }
}
