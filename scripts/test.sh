#!/usr/bin/env bash
# Runs every Pulsegrid test on a fresh machine: installs the real services the tests start
# (Debian packages) when they are missing, then runs the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if ((${#need_apt[@]})); then
  echo "installing test services: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

cargo test --workspace --locked --no-fail-fast "$@"
