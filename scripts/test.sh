#!/usr/bin/env bash
# Runs every Pulsegrid test on a fresh machine: installs the real services the tests start
# (Debian packages) when they are missing, runs the whole workspace's tests, then the UI's
# unit tests and its end-to-end tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
[ -x /usr/bin/prometheus ] || need_apt+=(prometheus)
[ -x /usr/bin/amtool ] || need_apt+=(prometheus-alertmanager)
/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null || need_apt+=(python3-aiosmtpd)
[ -x /usr/bin/victoria-metrics ] || need_apt+=(victoria-metrics)
[ -x /usr/bin/influxd ] || need_apt+=(influxdb)
[ -x /usr/sbin/nats-server ] || need_apt+=(nats-server)
[ -x /usr/bin/redis-server ] || need_apt+=(redis-server)
[ -x /usr/bin/redis-cli ] || need_apt+=(redis-tools)
[ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
[ -x /usr/bin/mosquitto_pub ] || need_apt+=(mosquitto-clients)
command -v openssl >/dev/null || need_apt+=(openssl)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need_apt+=(rabbitmq-server)
command -v npm >/dev/null || need_apt+=(npm)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if ((${#need_apt[@]})); then
  echo "installing test services: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# The official Influx client, to prove ingest works with it unchanged.
python3 -c "import influxdb_client" 2>/dev/null || python3 -m pip install -q influxdb-client
# nats-py publishes to NATS (core and JetStream) in the NATS tests, as an independent client.
python3 -c "import nats" 2>/dev/null || python3 -m pip install -q nats-py
# pika publishes to RabbitMQ, and boto3 (the AWS SDK) to kinesalite, as independent clients.
python3 -c "import pika" 2>/dev/null || python3 -m pip install -q pika
python3 -c "import boto3" 2>/dev/null || python3 -m pip install -q boto3
# kinesalite: a local Amazon Kinesis API server for the Kinesis tests.
[ -f .test-tools/node_modules/kinesalite/cli.js ] || npm install -q --prefix .test-tools kinesalite
# kafka-python publishes to Kafka in the Kafka tests, as an independent client.
python3 -c "import kafka" 2>/dev/null || python3 -m pip install -q kafka-python
# tansu: an Apache Kafka compatible broker for the Kafka tests (not packaged; about 7 minutes
# to build on 2 cores, once).
[ -x .test-tools/cargo/bin/tansu ] || cargo install --locked --root .test-tools/cargo tansu --features dynostore

status=0
cargo test --workspace --locked --no-fail-fast "$@" || status=$?

# The browser UI: unit tests (Vitest), then end-to-end tests in headless Chromium against the
# `pulsegrid` binary that `cargo test` just built (build.rs has run `npm ci` in web/).
cargo build --locked --bin pulsegrid
(cd web && npm run typecheck --silent && npx vitest run) || status=$?
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/pulsegrid"
(cd web && PULSEGRID_BIN="$bin" node e2e/run.mjs) || status=$?
exit "$status"
