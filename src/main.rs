//! `shardis [config-file] [--option value ...]`, started the way `redis-server` is.

use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(args.first().map(String::as_str), Some("-v" | "--version")) {
        println!("shardis v={} bits=64", env!("CARGO_PKG_VERSION"));
        return;
    }
    let (config, loaded) = match shardis::config::parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "\n*** FATAL CONFIG FILE ERROR (shardis {}) ***",
                env!("CARGO_PKG_VERSION")
            );
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    // Like redis-server, work inside `dir`: the RDB file and relative paths live there.
    if let Err(e) = std::env::set_current_dir(&config.dir) {
        eprintln!("Can't chdir to '{}': {e}", config.dir);
        std::process::exit(1);
    }
    std::process::exit(shardis::server::run(config, loaded));
}
