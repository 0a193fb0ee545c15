#!/usr/bin/env bash
# Runs every check and test of callcoach (installing what it needs first).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-deps.sh --tests
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
