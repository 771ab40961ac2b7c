#!/usr/bin/env bash
# npm run test:distributed: the Druid input format's JUnit tests; then start the engines (Kafka,
# Connect with Debezium, PostgreSQL with wal_level=logical, Redis), run the distributed-engine suite
# against them, stop what was started.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/ensure-installed.js
# the Druid input format's own tests (JUnit under Maven; Java and Maven are what the engines need too)
mvn -B -ntp -q -s deploy/engines/druid/maven-settings.xml -f druid-specs/extension/pom.xml test
bash scripts/engines.sh up
trap 'bash scripts/engines.sh down' EXIT
eval "$(bash scripts/engines.sh env)"
# the suite creates its own databases and topics; DATABASE_URL is only for the app, not for jest's harness
unset DATABASE_URL
npx jest -c jest.distributed.config.js --runInBand
