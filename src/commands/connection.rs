//! Connection commands: PING, ECHO, SELECT, AUTH, HELLO, QUIT, RESET (CLIENT is in
//! [`super::client`]).
//!
//! Authentication follows Redis 7.0 with only the `default` user: `requirepass` is its
//! password; without one the user is `nopass` and any password authenticates it.

use bytes::Bytes;

use super::client::{set_name, valid_name, NAME_ERROR};
use super::flag::*;
use super::{args, errors, CommandSpec, ExecCtx, KeyRange, Run};
use crate::server::client::{Client, ReplyMode};

/// The Redis version shardis answers as (HELLO, INFO): clients gate features on it.
pub const REDIS_VERSION: &str = "7.0.15";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "ping",
        arity: -1,
        flags: FAST,
        keys: KeyRange::NONE,
        run: Run::Shard(ping),
    },
    CommandSpec {
        name: "echo",
        arity: 2,
        flags: LOADING | STALE | FAST,
        keys: KeyRange::NONE,
        run: Run::Shard(echo),
    },
    CommandSpec {
        name: "select",
        arity: 2,
        flags: LOADING | STALE | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(select),
    },
    CommandSpec {
        name: "quit",
        arity: -1,
        flags: NOSCRIPT | NO_AUTH | ALLOW_BUSY | LOADING | STALE | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(quit),
    },
    CommandSpec {
        name: "auth",
        arity: -2,
        flags: NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(auth),
    },
    CommandSpec {
        name: "hello",
        arity: -1,
        flags: NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(hello),
    },
    CommandSpec {
        name: "reset",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(reset),
    },
];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

const AUTH_NO_PASSWORD: &str = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
const HELLO_NOAUTH: &str = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";

fn ping(ctx: &mut ExecCtx, a: &[Bytes]) {
    match a.len() {
        1 => ctx.out.simple("PONG"),
        2 => ctx.out.bulk(&a[1]),
        _ => ctx.out.error(&errors::arity("ping")),
    }
}

fn echo(ctx: &mut ExecCtx, a: &[Bytes]) {
    ctx.out.bulk(&a[1]);
}

fn select(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let dbs = c.shard.config().databases;
        match args::int(&a[1]) {
            None => c.reply().error(errors::NOT_INTEGER),
            Some(n) if n < 0 || n as usize >= dbs => c.reply().error(errors::INVALID_DB),
            Some(n) => {
                c.db = n as usize;
                c.handle.info.borrow_mut().db = c.db;
                c.reply().ok();
            }
        }
    })
}

fn quit(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        c.reply().ok();
        c.close_after_reply = true;
    })
}

/// Checks a user/password pair against the default user (Redis's `ACLAuthenticateUser`
/// with only `default`): a `nopass` user accepts any password.
fn check_password(c: &Client, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match &c.shard.config().requirepass {
        None => true,
        Some(p) => p.as_bytes() == pass,
    }
}

fn auth(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let (user, pass): (&[u8], &[u8]) = match a.len() {
            2 => {
                if c.shard.config().requirepass.is_none() {
                    return c.reply().error(AUTH_NO_PASSWORD);
                }
                (b"default", &a[1])
            }
            3 => (&a[1], &a[2]),
            _ => return c.reply().error(errors::SYNTAX),
        };
        if check_password(c, user, pass) {
            c.authenticated = true;
            c.reply().ok();
        } else {
            c.reply().error(errors::WRONGPASS);
        }
    })
}

fn hello(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let mut next = 1;
        let mut version = None;
        if a.len() >= 2 {
            next = 2;
            match args::int(&a[1]) {
                None => {
                    return c
                        .reply()
                        .error("ERR Protocol version is not an integer or out of range")
                }
                Some(v) if !(2..=3).contains(&v) => {
                    return c.reply().error("NOPROTO unsupported protocol version")
                }
                Some(v) => version = Some(v),
            }
        }
        let mut credentials = None;
        let mut name = None;
        let mut j = next;
        while j < a.len() {
            let more = a.len() - 1 - j;
            if args::eq(&a[j], "auth") && more >= 2 {
                credentials = Some((a[j + 1].clone(), a[j + 2].clone()));
                j += 3;
            } else if args::eq(&a[j], "setname") && more >= 1 {
                name = Some(a[j + 1].clone());
                j += 2;
            } else {
                let opt = String::from_utf8_lossy(&a[j]).into_owned();
                return c
                    .reply()
                    .error(&format!("ERR Syntax error in HELLO option '{opt}'"));
            }
        }
        if let Some((user, pass)) = credentials {
            if !check_password(c, &user, &pass) {
                return c.reply().error(errors::WRONGPASS);
            }
            c.authenticated = true;
        }
        if !c.authenticated {
            return c.reply().error(HELLO_NOAUTH);
        }
        if let Some(name) = name {
            if !valid_name(&name) {
                return c.reply().error(NAME_ERROR);
            }
            set_name(c, &name);
        }
        if let Some(v) = version {
            c.resp3 = v == 3;
            c.handle.info.borrow_mut().resp = v as u8;
        }
        let id = c.id as i64;
        let proto = if c.resp3 { 3 } else { 2 };
        let mut r = c.reply();
        r.map(7);
        // "redis", not "shardis": client libraries (and redis-cli) only recognise Redis.
        r.bulk(b"server");
        r.bulk(b"redis");
        r.bulk(b"version");
        r.bulk(REDIS_VERSION.as_bytes());
        r.bulk(b"proto");
        r.int(proto);
        r.bulk(b"id");
        r.int(id);
        r.bulk(b"mode");
        r.bulk(b"standalone");
        r.bulk(b"role");
        r.bulk(b"master");
        r.bulk(b"modules");
        r.array(0);
    })
}

/// RESET: the connection as new (Redis's `clearClientConnectionState`): db 0, RESP2,
/// replies on, no name, and unauthenticated when the default user has a password.
fn reset(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        c.db = 0;
        c.resp3 = false;
        c.reply_mode = ReplyMode::On;
        c.authenticated = c.shard.config().requirepass.is_none();
        {
            let mut info = c.handle.info.borrow_mut();
            info.db = 0;
            info.resp = 2;
            info.name = None;
        }
        c.reply().simple("RESET");
    })
}
