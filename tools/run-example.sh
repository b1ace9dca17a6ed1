#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on a fresh Debian 12 machine: installs what the program needs, builds `meterkit`, and
# runs `meterkit simulate` on the example plan and usage in examples/. Extra arguments go to simulate
# (for example --format json, or --until 2025-03-01T00:00:00Z).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --app >&2
cmake -S . -B build/example -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETERKIT_BUILD_TESTS=OFF \
  -DMETERKIT_BUILD_BENCHMARKS=OFF -DMETERKIT_BUILD_APPS=ON >/dev/null
cmake --build build/example --target meterkit_app >&2
format=(--format table)
for arg in "$@"; do
  case "$arg" in --format|--format=*) format=() ;; esac
done
exec build/example/apps/meterkit/meterkit simulate --plan examples/plan.json \
  --input examples/usage/api_requests.csv \
  --input examples/usage/initech_api.json \
  --input examples/usage/storage_hourly.jsonl \
  --input examples/usage/app_server.requests.jsonl \
  --input examples/usage/subscription_changes.requests.jsonl \
  "${format[@]}" "$@"
