#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, from Debian's packages, whatever of meterkit's build and test tools is missing.
#   tools/install-deps.sh --app    what the meterkit program needs
#   tools/install-deps.sh --test   everything the test suite needs
set -euo pipefail
want=(cmake ninja-build g++ pkg-config nlohmann-json3-dev libcli11-dev)
if [ "${1:-}" = "--test" ]; then
  want+=(clang libclang-rt-14-dev clang-format libboost-test-dev libbenchmark-dev meson libcurl4-openssl-dev)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v python3 >/dev/null || missing+=(python3)
# node and npm may come from elsewhere than Debian (a newer build); only install Debian's when absent.
if [ "${1:-}" = "--test" ]; then
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "all build and test packages are installed"
  exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
