#!/usr/bin/env bash
# Installs the Debian packages Sequex needs to build and test, and nothing else.
# Idempotent: a package already installed is left alone, so `make` on a ready machine costs ~0.1 s here.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev           # libFuzzer and the sanitizer runtimes
  clang-format clang-tidy            # the style gates (scripts/lint.sh)
  libgtest-dev libgmock-dev libbenchmark-dev
  libxxhash-dev libcli11-dev libfmt-dev
  libboost-dev libssl-dev libsimdjson-dev libtomlplusplus-dev   # sequexd: Asio/Beast, HMAC, JSON, config
  python3                            # bench/outside_flows.py, whose flows the bench tests run
)

# The API test suite runs CCXT under Node.js; machines of this kind ship node and npm, others get Debian's.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
