//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the options of
//! [`crate::config::options`].
//!
//! The configuration lives in `Global::config`; SET changes it through
//! `Global::update_config` (all pairs applied to a copy, installed only if every one
//! succeeds, so a failed SET changes nothing) and every shard picks up the new version on
//! its next `ShardCtx::config()`.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::client::subcommand;
use super::{errors, CommandSpec, KeyRange, Run};
use crate::config::{options, Config, OptionSpec, OPTIONS};
use crate::protocol::parse::split_args;
use crate::server::client::Client;
use crate::server::log;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "config",
    arity: -2,
    flags: 0,
    keys: KeyRange::NONE,
    run: Run::Coord(config),
}];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

const HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
];

const SUBCOMMANDS: &[(&str, i32)] = &[
    ("get", -3),
    ("set", -4),
    ("resetstat", 2),
    ("rewrite", 2),
    ("help", 2),
];

fn config(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let sub = match subcommand("config", SUBCOMMANDS, &a) {
            Ok(s) => s,
            Err(e) => return c.reply().error(&e),
        };
        c.handle.info.borrow_mut().last_cmd = format!("config|{sub}");
        match sub {
            "get" => get(c, &a),
            "set" => set(c, &a),
            "resetstat" => {
                // Redis's resetServerStats: the counters INFO stats reports.
                let g = c.shard.global.clone();
                g.total_connections.store(0, Ordering::Relaxed);
                g.rejected_connections.store(0, Ordering::Relaxed);
                c.shard
                    .fanout(|s| {
                        let mut ks = s.keyspace.borrow_mut();
                        ks.hits = 0;
                        ks.misses = 0;
                        for db in ks.dbs.iter_mut() {
                            db.expired_total = 0;
                        }
                        s.metrics.reset();
                    })
                    .await;
                c.reply().ok()
            }
            "rewrite" => rewrite(c),
            _ => {
                let mut r = c.reply();
                r.array(HELP.len());
                for line in HELP {
                    r.simple(line);
                }
            }
        }
    })
}

/// Whether a CONFIG GET argument is a pattern (Redis looks plain names up directly).
fn is_pattern(p: &[u8]) -> bool {
    p.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// CONFIG GET's pairs for `patterns`: each option once, named as the first argument that
/// selected it (a plain name as given, a pattern's matches by their own names).
pub fn get_pairs(config: &Config, patterns: &[Bytes]) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in patterns {
        if !is_pattern(p) {
            let name = String::from_utf8_lossy(p).into_owned();
            if let Some(spec) = options::find(&name) {
                if seen.insert(spec.name) {
                    out.push((name, (spec.get)(config)));
                }
            }
            continue;
        }
        for spec in OPTIONS {
            if super::glob::matches(p, spec.name.as_bytes(), true) && seen.insert(spec.name) {
                out.push((spec.name.to_string(), (spec.get)(config)));
            }
        }
    }
    out
}

fn get(c: &mut Client, a: &[Bytes]) {
    let pairs = get_pairs(&c.shard.config(), &a[2..]);
    let mut r = c.reply();
    r.map(pairs.len());
    for (name, value) in pairs {
        r.bulk(name.as_bytes());
        r.bulk(value.as_bytes());
    }
}

/// Checks CONFIG SET's arguments as Redis does before applying anything: the first
/// unknown name, immutable option or repeated option is the error.
pub fn check_set(a: &[Bytes]) -> Result<Vec<(&'static OptionSpec, String, String)>, String> {
    let mut changes: Vec<(&'static OptionSpec, String, String)> = Vec::new();
    for pair in a[2..].chunks(2) {
        let name = String::from_utf8_lossy(&pair[0]).into_owned();
        let Some(spec) = options::find(&name) else {
            return Err(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
            ));
        };
        let failed = |why: &str| {
            format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")
        };
        if !spec.mutable {
            return Err(failed("can't set immutable config"));
        }
        if changes.iter().any(|(s, _, _)| std::ptr::eq(*s, spec)) {
            return Err(failed("duplicate parameter"));
        }
        let value = String::from_utf8_lossy(&pair[1]).into_owned();
        changes.push((spec, name, value));
    }
    Ok(changes)
}

fn set(c: &mut Client, a: &[Bytes]) {
    // Past the subcommand's arity check, an odd count is a syntax error in Redis 7.0.
    if !a.len().is_multiple_of(2) {
        return c.reply().error(errors::SYNTAX);
    }
    let changes = match check_set(a) {
        Ok(ch) => ch,
        Err(e) => return c.reply().error(&e),
    };
    let applied = c.shard.global.update_config(|cfg| {
        for (spec, name, value) in &changes {
            (spec.set)(cfg, std::slice::from_ref(value)).map_err(|why| {
                format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")
            })?;
        }
        Ok(())
    });
    match applied {
        Ok(()) => {
            if changes.iter().any(|(s, _, _)| s.name == "loglevel") {
                log::set_level(&c.shard.config().loglevel);
            }
            c.reply().ok()
        }
        Err(e) => c.reply().error(&e),
    }
}

fn rewrite(c: &mut Client) {
    let Some(path) = c.shard.global.config_file.clone() else {
        return c
            .reply()
            .error("ERR The server is running without a config file");
    };
    let config = c.shard.config().clone();
    let result = std::fs::read_to_string(&path)
        .map(|old| rewritten(&old, &config))
        .and_then(|text| write_atomically(&path, &text));
    match result {
        Ok(()) => {
            log::notice("CONFIG REWRITE executed with success.");
            c.reply().ok()
        }
        Err(e) => {
            log::warning(&format!("CONFIG REWRITE failed: {e}"));
            c.reply().error(&format!("ERR Rewriting config file: {e}"))
        }
    }
}

fn write_atomically(path: &str, text: &str) -> std::io::Result<()> {
    let tmp = format!("{path}.shardis-rewrite-{}", std::process::id());
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Marks the lines CONFIG REWRITE appends, as Redis does.
const SIGNATURE: &str = "# Generated by CONFIG REWRITE";

/// A value as a config-file argument: bare when it is one plain word, otherwise quoted
/// with escapes that `split_args` reads back.
fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\'));
    if plain {
        return value.to_string();
    }
    let mut q = String::from("\"");
    for ch in value.chars() {
        match ch {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                q.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// The new text of a config file (Redis's `rewriteConfig`): comments, blank lines and
/// lines of options shardis does not know stay as they are; the first line of each known
/// option gets its current value and its later lines go; options not in the file are
/// appended under [`SIGNATURE`] when they differ from their default.
pub fn rewritten(old: &str, config: &Config) -> String {
    let defaults = Config::default();
    let mut done: HashSet<&'static str> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for line in old.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            out.push(line.to_string());
            continue;
        }
        let name = split_args(trimmed.as_bytes())
            .and_then(|w| w.into_iter().next())
            .map(|w| String::from_utf8_lossy(&w).to_ascii_lowercase());
        match name.as_deref().and_then(options::find) {
            Some(spec) => {
                if done.insert(spec.name) {
                    out.push(format!("{} {}", spec.name, quote(&(spec.get)(config))));
                }
            }
            None => out.push(line.to_string()),
        }
    }
    let mut appended = false;
    for spec in OPTIONS {
        if done.contains(spec.name) {
            continue;
        }
        let value = (spec.get)(config);
        if value == (spec.get)(&defaults) {
            continue;
        }
        if !appended {
            appended = true;
            if !out.iter().any(|l| l == SIGNATURE) {
                out.push(SIGNATURE.to_string());
            }
        }
        out.push(format!("{} {}", spec.name, quote(&value)));
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_dedups_and_keeps_given_names() {
        let c = Config::default();
        let p = |v: &[&str]| {
            v.iter()
                .map(|s| Bytes::from(s.to_string()))
                .collect::<Vec<_>>()
        };
        let pairs = get_pairs(&c, &p(&["PORT", "port", "po*"]));
        assert_eq!(pairs, vec![("PORT".to_string(), "6379".to_string())]);
        let pairs = get_pairs(&c, &p(&["maxmemory*"]));
        let names: Vec<_> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["maxmemory", "maxmemory-policy"]);
        assert!(get_pairs(&c, &p(&["nope"])).is_empty());
    }

    #[test]
    fn rewrite_keeps_comments_and_unknown_lines() {
        let c = Config {
            maxclients: 50,
            hz: 20,
            requirepass: Some("a b".into()),
            ..Config::default()
        };
        let old = "# top\nport 7000\nhz 10\nhz 11\nlazyfree-lazy-eviction yes\n";
        let new = rewritten(old, &c);
        assert_eq!(
            new,
            format!(
                "# top\nport 6379\nhz 20\nlazyfree-lazy-eviction yes\n{SIGNATURE}\n\
                 requirepass \"a b\"\nmaxclients 50\n"
            )
        );
        // Reading it back gives the same values.
        let words = split_args(b"requirepass \"a b\"").unwrap();
        assert_eq!(words[1], b"a b".to_vec());
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
    }
}
