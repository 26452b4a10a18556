#!/usr/bin/env bash
# Regenerates the clients from the committed openapi/openapi.json.
#   clients/generate.sh          rewrite clients/python/homestream_client
#   clients/generate.sh --check  fail when the committed client is stale
# The generator runs from the contract venv (HS_CONTRACT_VENV, default
# target/contract-venv; .ci/run makes it from clients/python/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${HS_CONTRACT_VENV:-target/contract-venv}"
if [[ ! -x "$venv/bin/openapi-python-client" ]]; then
  echo "no $venv: python3 -m venv $venv && $venv/bin/pip install -r clients/python/requirements.txt" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# ruff on PATH formats the output, so it is the same on every machine.
PATH="$PWD/$venv/bin:$PATH" openapi-python-client generate \
  --path openapi/openapi.json --config clients/python/config.yml --meta none \
  --output-path "$work/homestream_client" 2>&1 | tee "$work/log"
rm -rf "$work/homestream_client/.ruff_cache"
# Every operation must come out whole: the generator warns when it drops or cuts one.
if grep -qiE "warning|unable|cannot" "$work/log"; then
  echo "openapi-python-client warned; the contract must generate cleanly" >&2
  exit 1
fi
target=clients/python/homestream_client
if [[ "${1:-}" == "--check" ]]; then
  if ! diff -r "$target" "$work/homestream_client" >/dev/null; then
    diff -ru "$target" "$work/homestream_client" | head -40 >&2
    echo "clients/python is stale: run clients/generate.sh" >&2
    exit 1
  fi
  echo "clients/python matches openapi/openapi.json"
else
  rm -rf "$target"
  cp -r "$work/homestream_client" "$target"
  echo "wrote $target"
fi
