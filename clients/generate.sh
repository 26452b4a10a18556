#!/usr/bin/env bash
# Regenerates the clients from the committed openapi/openapi.json.
#   clients/generate.sh          rewrite clients/python/homestream_client and
#                                clients/typescript/src/schema.d.ts
#   clients/generate.sh --check  fail when a committed client is stale
# The Python generator runs from the contract venv (HS_CONTRACT_VENV, default
# target/contract-venv; .ci/run makes it from clients/python/requirements.txt), the
# TypeScript one from clients/typescript/node_modules (npm ci there).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${HS_CONTRACT_VENV:-target/contract-venv}"
# Absolute, so PATH below finds it whether the variable was given absolute or relative.
[[ "$venv" = /* ]] || venv="$PWD/$venv"
if [[ ! -x "$venv/bin/openapi-python-client" ]]; then
  echo "no $venv: python3 -m venv $venv && $venv/bin/pip install -r clients/python/requirements.txt" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# ruff on PATH formats the output, so it is the same on every machine.
PATH="$venv/bin:$PATH" openapi-python-client generate \
  --path openapi/openapi.json --config clients/python/config.yml --meta none \
  --output-path "$work/homestream_client" 2>&1 | tee "$work/log"
rm -rf "$work/homestream_client/.ruff_cache"
# Every operation must come out whole: the generator warns when it drops or cuts one.
if grep -qiE "warning|unable|cannot" "$work/log"; then
  echo "openapi-python-client warned; the contract must generate cleanly" >&2
  exit 1
fi
(cd clients/typescript && node_modules/.bin/openapi-typescript ../../openapi/openapi.json \
  --default-non-nullable false -o "$work/schema.d.ts")

python_client=clients/python/homestream_client
ts_schema=clients/typescript/src/schema.d.ts
if [[ "${1:-}" == "--check" ]]; then
  stale=0
  if ! diff -r "$python_client" "$work/homestream_client" >/dev/null; then
    diff -ru "$python_client" "$work/homestream_client" | head -40 >&2
    stale=1
  fi
  if ! diff -u "$ts_schema" "$work/schema.d.ts" >&2; then
    stale=1
  fi
  if ((stale)); then
    echo "a generated client is stale: run clients/generate.sh" >&2
    exit 1
  fi
  echo "clients/python and clients/typescript match openapi/openapi.json"
else
  rm -rf "$python_client"
  cp -r "$work/homestream_client" "$python_client"
  cp "$work/schema.d.ts" "$ts_schema"
  echo "wrote $python_client and $ts_schema"
fi
