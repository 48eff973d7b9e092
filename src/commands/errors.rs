//! Redis 7.0's error replies, word for word (`server.c` `createSharedObjects`, `t_string.c`,
//! `db.c`, `expire.c`). One place, so every command family says the same thing.

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const SYNTAX: &str = "ERR syntax error";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const NO_SUCH_KEY: &str = "ERR no such key";
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
pub const INVALID_DB: &str = "ERR DB index is out of range";
pub const NOAUTH: &str = "NOAUTH Authentication required.";
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
pub const MAX_CLIENTS: &str = "ERR max number of clients reached";
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

/// `-ERR wrong number of arguments for '<name>' command`.
pub fn arity(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
}

/// `-ERR unknown command '<name>', with args beginning with: '<a>' '<b>' ` (Redis 7.0
/// quotes at most the first 128 bytes of the name and of each argument).
pub fn unknown_command(args: &[bytes::Bytes]) -> String {
    let show = |b: &[u8]| {
        let b = &b[..b.len().min(128)];
        String::from_utf8_lossy(b).replace(['\r', '\n'], " ")
    };
    let mut msg = format!(
        "ERR unknown command '{}', with args beginning with: ",
        show(args.first().map(|a| &a[..]).unwrap_or(b""))
    );
    // Redis (`processCommand`) lists arguments while the list is shorter than 128
    // bytes, each cut to what is left of those 128.
    let mut listed = String::new();
    for a in args.iter().skip(1) {
        if listed.len() >= 128 {
            break;
        }
        let room = 128 - listed.len();
        listed.push('\'');
        listed.push_str(&show(&a[..a.len().min(room)]));
        listed.push_str("' ");
    }
    msg.push_str(&listed);
    msg
}

/// `-ERR unknown subcommand '<sub>'. Try <CMD> HELP.`
pub fn unknown_subcommand(cmd: &str, sub: &[u8]) -> String {
    format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        String::from_utf8_lossy(&sub[..sub.len().min(128)]),
        cmd.to_ascii_uppercase()
    )
}
pub const DEBUG_NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
/// `getPositiveLongFromObjectOrReply` without a custom message.
pub const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
/// A command without the `loading` flag while the dataset loads.
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
/// `min-replicas-to-write` not met (Redis's `shared.noreplicaserr`).
pub const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";
pub const READONLY: &str = "READONLY You can't write against a read only replica.";
pub const MASTERDOWN: &str =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
