#!/usr/bin/env bash
# npm run test:distributed [-- jest arguments]: the Druid input format's JUnit tests; then start the
# engines the selected specs need, run the distributed-engine suite against them, stop what was
# started. Kafka, Connect with Debezium, PostgreSQL with wal_level=logical and Redis for the specs in
# general; Druid (about 2 GiB and 20 s to start) only when a selected spec is a
# `*.druid.distributed.spec.ts`, and the others only when a selected spec is not (or is a
# `*.kafka.druid.distributed.spec.ts`, which needs both).
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/ensure-installed.js
# the Druid input format's own tests (JUnit under Maven; Java and Maven are what the engines need too)
mvn -B -ntp -q -s deploy/engines/druid/maven-settings.xml -f druid-specs/extension/pom.xml test
specs=$(npx jest -c jest.distributed.config.js --listTests "$@")
# a spec marked `@engines none` (the OpenLineage Java client's: embedded platform, Java and Maven only) needs no engine
engine_specs=$(for s in $specs; do grep -q '@engines none' "$s" || echo "$s"; done)
if [ -z "$engine_specs" ]; then npx jest -c jest.distributed.config.js --runInBand "$@"; exit; fi
specs=$engine_specs
trap 'bash scripts/engines.sh down' EXIT
# a `*.kafka.druid.distributed.spec.ts` needs both (Kafka feeds its Druid)
if grep -qv '\.druid\.distributed\.spec\.ts$' <<<"$specs" || grep -q '\.kafka\.druid\.distributed\.spec\.ts$' <<<"$specs"; then bash scripts/engines.sh up; fi
if grep -q '\.druid\.distributed\.spec\.ts$' <<<"$specs"; then bash scripts/engines.sh up druid; fi
eval "$(bash scripts/engines.sh env)"
# the suite creates its own databases and topics; DATABASE_URL is only for the app, not for jest's harness
unset DATABASE_URL
npx jest -c jest.distributed.config.js --runInBand "$@"
