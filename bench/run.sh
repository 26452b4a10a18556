#!/usr/bin/env bash
# File-serving benchmark against nginx and static-web-server (see bench/serve.rs).
# Needs ffmpeg and nginx (apt-get install ffmpeg nginx-light) and, for the Rust peer,
# `cargo install static-web-server`. Prints a Markdown table of medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
cargo build --release --quiet
cargo bench --bench serve --quiet
