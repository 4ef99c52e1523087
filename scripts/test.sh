#!/usr/bin/env bash
# Runs every Pulsegrid test on a fresh machine: installs the real services the tests start
# (Debian packages) when they are missing, then runs the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
[ -x /usr/bin/prometheus ] || need_apt+=(prometheus)
[ -x /usr/bin/victoria-metrics ] || need_apt+=(victoria-metrics)
[ -x /usr/bin/influxd ] || need_apt+=(influxdb)
if ((${#need_apt[@]})); then
  echo "installing test services: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# The official Influx client, to prove ingest works with it unchanged.
python3 -c "import influxdb_client" 2>/dev/null || python3 -m pip install -q influxdb-client

cargo test --workspace --locked --no-fail-fast "$@"
