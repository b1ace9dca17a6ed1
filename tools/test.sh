#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, on a fresh Debian 12 machine or a developer's: installs what is missing, then
# runs every leg and ends with ctest. This is the README's test command and what .ci/run calls.
#
#   tools/test.sh            everything
#   JOBS=1 tools/test.sh     fewer parallel jobs
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
start=$SECONDS
step() { printf '\n==== %s  [%ds]\n' "$*" "$((SECONDS - start))"; }

step "packages"
tools/install-deps.sh --test

step "clang-format (config .clang-format, everything but single_include/)"
mapfile -t sources < <(find include tests benchmarks apps examples -type f \( -name '*.hpp' -o -name '*.cpp' \) \
  -not -path '*/fixtures/*' | sort)
clang-format --dry-run -Werror "${sources[@]}"
echo "${#sources[@]} files formatted"

step "single header in sync (tools/amalgamate.py --check)"
python3 tools/amalgamate.py --check
echo "single_include/ is in sync with include/"

# The unit suite is compiled twice, not three times: here by meson, with g++ under the address and
# undefined-behaviour sanitizers, and through the single header in the clang leg. The CMake sanitizer
# leg below builds everything else (the program, end-to-end tests, README snippets, threads, sdk).
# -O0: the sanitizers need no optimizer, and the suite's heaviest files compile in half the time
# (billing/cancellations.cpp: 106 s at -O1, 56 s at -O0) while its tests still run in seconds;
# the clang leg compiles the same tests at -O2 with -Werror, for the optimizer's warnings.
sanitize_flags="-O0 -g1 -fno-omit-frame-pointer -fno-sanitize-recover=all -Wno-maybe-uninitialized"
step "meson: unit suite, g++ -Werror with address and undefined-behaviour sanitizers, TZ=America/St_Johns"
rm -rf build/meson
meson setup build/meson -Dbenchmarks=disabled -Dbuildtype=plain -Dwerror=true -Db_sanitize=address,undefined \
  -Db_lundef=false -Dcpp_args="$sanitize_flags" >/dev/null
meson compile -C build/meson -j "$JOBS" >/dev/null
TZ=America/St_Johns meson test -C build/meson --num-processes "$JOBS" --print-errorlogs | tail -n 8

step "g++ Debug, address and undefined-behaviour sanitizers, TZ=America/St_Johns"
cmake --preset gcc-asan >/dev/null
cmake --build --preset gcc-asan -j "$JOBS"
TZ=America/St_Johns ctest --preset gcc-asan -j "$JOBS"

step "clang++ Release -Werror: unit suite through the single header, consumers, compile-fail, benchmark smoke"
cmake --preset clang-release >/dev/null
cmake --build --preset clang-release -j "$JOBS"
ctest --preset clang-release -j "$JOBS"
