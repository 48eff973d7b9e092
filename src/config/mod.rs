//! Start-up configuration, spelled as in redis.conf.
//!
//! `shardis [config-file] [--option value ...]`: the file is read first (redis.conf syntax:
//! one `name arg...` per line, `#` comments, quoted arguments, `include` files), then the
//! command-line options override it, exactly as `redis-server` combines them. Options
//! shardis implements take effect ([`options`]); options Redis 7.0 has that shardis does
//! not implement yet are accepted and named in one warning at start-up ([`redis_names`]);
//! anything else stops start-up with an error naming the option.

pub mod options;
pub mod redis_names;

use std::fmt;

pub use options::{Config, OptionSpec, OPTIONS};

use crate::protocol::parse::split_args;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("Bad directive or wrong number of arguments: '{0}'")]
    Unknown(String),
    #[error("{0}")]
    Invalid(String),
    #[error("Fatal error, can't open config file '{0}': {1}")]
    File(String, String),
}

/// What start-up parsing produced besides the config itself.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Redis options shardis accepts but does not implement yet, in the order seen.
    pub unimplemented: Vec<String>,
    pub config_file: Option<String>,
}

/// One `name args...` directive, before it is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    /// Where it came from, for error messages: `file:line` or `command line`.
    pub origin: String,
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.args.join(" "))
    }
}

/// Parses `redis-server`-style arguments: an optional config file first (or `-` for
/// stdin is not supported), then `--name value...` groups.
pub fn parse_args(args: &[String]) -> Result<(Config, Loaded), ConfigError> {
    let mut directives = Vec::new();
    let mut loaded = Loaded::default();
    let mut rest = args;
    if let Some(first) = rest.first() {
        if !first.starts_with("--") {
            directives.extend(read_file(first)?);
            loaded.config_file = Some(first.clone());
            rest = &rest[1..];
        }
    }
    // `--name a b --other c`: each `--name` starts a directive; following words are its
    // arguments (redis-server joins them the same way).
    let mut current: Option<Directive> = None;
    for word in rest {
        if let Some(name) = word.strip_prefix("--") {
            if let Some(d) = current.take() {
                directives.push(d);
            }
            current = Some(Directive {
                name: name.to_ascii_lowercase(),
                args: Vec::new(),
                origin: "command line".into(),
            });
        } else if let Some(d) = current.as_mut() {
            d.args.push(word.clone());
        } else {
            return Err(ConfigError::Invalid(format!(
                "Invalid argument '{word}': options are given as --name value"
            )));
        }
    }
    directives.extend(current);
    let mut config = Config::default();
    for d in &directives {
        apply_directive(&mut config, d, &mut loaded)?;
    }
    Ok((config, loaded))
}

/// Applies one directive at start-up.
pub fn apply_directive(
    config: &mut Config,
    d: &Directive,
    loaded: &mut Loaded,
) -> Result<(), ConfigError> {
    if let Some(spec) = options::find(&d.name) {
        return (spec.set)(config, &d.args).map_err(|e| {
            ConfigError::Invalid(format!(
                "Bad directive or wrong number of arguments ({}): '{}': {e}",
                d.origin, d
            ))
        });
    }
    if redis_names::is_redis_option(&d.name) {
        if !loaded.unimplemented.contains(&d.name) {
            loaded.unimplemented.push(d.name.clone());
        }
        return Ok(());
    }
    Err(ConfigError::Unknown(format!("{} ({})", d, d.origin)))
}

/// Reads a redis.conf-syntax file into directives, following `include`.
pub fn read_file(path: &str) -> Result<Vec<Directive>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::File(path.to_string(), e.to_string()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let origin = format!("{path}:{}", i + 1);
        let words = split_args(line.as_bytes()).ok_or_else(|| {
            ConfigError::Invalid(format!(
                "Unbalanced quotes in configuration line ({origin})"
            ))
        })?;
        let mut words = words
            .into_iter()
            .map(|w| String::from_utf8_lossy(&w).into_owned());
        let Some(name) = words.next() else { continue };
        let name = name.to_ascii_lowercase();
        let args: Vec<String> = words.collect();
        if name == "include" {
            for inc in &args {
                out.extend(read_file(inc)?);
            }
            continue;
        }
        out.push(Directive { name, args, origin });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn defaults_serve_on_6379_loopback() {
        let (c, l) = parse_args(&[]).unwrap();
        assert_eq!(c.port, 6379);
        assert_eq!(c.bind, vec!["127.0.0.1".to_string()]);
        assert_eq!(c.databases, 16);
        assert!(l.unimplemented.is_empty());
    }

    #[test]
    fn command_line_overrides_and_warns() {
        let (c, l) = parse_args(&args(&[
            "--port",
            "7000",
            "--save",
            "",
            "--shards",
            "3",
            "--lazyfree-lazy-eviction",
            "yes",
        ]))
        .unwrap();
        assert_eq!((c.port, c.shards), (7000, 3));
        assert_eq!(l.unimplemented, vec!["lazyfree-lazy-eviction".to_string()]);
    }

    #[test]
    fn unknown_and_malformed_options_are_errors() {
        let e = parse_args(&args(&["--no-such-thing", "1"])).unwrap_err();
        assert!(e.to_string().contains("no-such-thing"), "{e}");
        let e = parse_args(&args(&["--port", "notanumber"])).unwrap_err();
        assert!(e.to_string().contains("port"), "{e}");
        let e = parse_args(&args(&["--daemonize", "yes"])).unwrap_err();
        assert!(e.to_string().contains("daemonize"), "{e}");
    }

    #[test]
    fn the_example_config_file_loads_without_warnings() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tuning/shardis.conf");
        let (c, loaded) = parse_args(&args(&[path])).unwrap();
        assert!(
            loaded.unimplemented.is_empty(),
            "{:?}",
            loaded.unimplemented
        );
        assert_eq!((c.port, c.databases), (6379, 16));
    }

    #[test]
    fn config_file_with_quotes_and_include() {
        let dir = std::env::temp_dir().join(format!("shardis-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inc = dir.join("inc.conf");
        std::fs::write(&inc, "maxclients 77\n").unwrap();
        let main = dir.join("main.conf");
        std::fs::write(
            &main,
            format!(
                "# comment\nport 7001\nrequirepass \"p w\"\ninclude {}\n",
                inc.display()
            ),
        )
        .unwrap();
        let (c, _) = parse_args(&args(&[main.to_str().unwrap(), "--port", "7002"])).unwrap();
        assert_eq!((c.port, c.maxclients), (7002, 77));
        assert_eq!(c.requirepass.as_deref(), Some("p w"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
