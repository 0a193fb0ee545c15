#!/usr/bin/env bash
# Rebuilds assets/lexicon/navec-lemmas.bin from the navec news embeddings in the `natasha` wheel
# (PyPI, MIT). The result is committed, so the customer understands the same way on every desktop;
# run this only to change how the file is built.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$work" natasha==1.6.0
python3 - "$work" <<'EOF'
import glob, sys, zipfile
work = sys.argv[1]
wheel = glob.glob(f"{work}/natasha-*.whl")[0]
with zipfile.ZipFile(wheel) as archive:
    data = archive.read("natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar")
open(f"{work}/navec.tar", "wb").write(data)
EOF
cargo run --quiet -p callcoach-core --example navec_lemmas -- \
    "$work/navec.tar" assets/lexicon/navec-lemmas.bin
