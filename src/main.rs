//! `shardis [config-file] [--option value ...]`, started the way `redis-server` is.

use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() {
    // Transparent huge pages off, as Redis's `disable-thp yes` (its default) does: mimalloc
    // asks for huge pages on its arenas, which makes RSS grow in 2 MiB steps (a 16 MB list
    // measured 15 or 17 MB by chance) and makes memory freed in small pieces harder to
    // return.
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
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
