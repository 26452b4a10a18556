#!/usr/bin/env bash
# File-serving benchmark against nginx given every advantage homestream takes (see
# bench/serve.rs): requests per second, CPU per GB at a fixed load with its system calls
# and wake-ups per request, 1,000 slow clients, the household phase (serving beside a
# transcode that keeps every core busy) and idle memory. Needs ffmpeg, nginx and perf
# (apt-get install ffmpeg nginx-light linux-perf). Prints the rounds, a Markdown table
# of medians with ratios, and the goals.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
cargo build --release --quiet
cargo bench --bench serve --quiet
