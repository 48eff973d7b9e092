#!/usr/bin/env bash
# The test command: installs what the tests need (Redis 7.0's redis-server, redis-cli and
# redis-benchmark from Debian's packages) when missing, then runs the lints and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
  # The package may start a system redis on 6379; tests use their own ports, and 6379 is
  # left free for shardis.
  $SUDO service redis-server stop >/dev/null 2>&1 || true
fi
redis-server --version

if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi
cargo fmt --all -- --check
cargo clippy --all-targets --release -- -D warnings
cargo test --release -- --test-threads 2
