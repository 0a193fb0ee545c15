#!/usr/bin/env bash
# Runs callcoach (installing what it needs first). Arguments go to the program:
#   ./run.sh                       — the desktop trainer
#   ./run.sh play storyteller --text --seed 7
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-deps.sh
exec cargo run --quiet --release -- "$@"
