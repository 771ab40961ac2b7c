#!/usr/bin/env bash
# Engines for the distributed-engine tests and for local runs (docs/engines.md):
#   - Apache Kafka, one node in KRaft mode (broker + controller), on 127.0.0.1:9092 (controller 9093)
#   - a Kafka Connect worker (standalone) with the Debezium PostgreSQL connector, REST on 127.0.0.1:8083
#   - the machine's PostgreSQL on 127.0.0.1:5432, switched to wal_level=logical (once; never reverted)
#   - the machine's Redis on 127.0.0.1:6379 (started here only if nothing answers)
#   - a schema registry (Apicurio Registry, Confluent-compatible API, H2 file storage) on 127.0.0.1:8081
# and, only when asked for (`up druid`), Apache Druid 33.0.0 as separate JVMs: ZooKeeper on 127.0.0.1:12181,
# a coordinator that is also the overlord (and runs Derby, the metadata store, on 11527) on 18081, a
# broker on 18082 (DRUID_URL), a historical on 18083 and an indexer (tasks as threads, 3 slots) on 18091.
# Jars come from Maven Central through Maven (deploy/engines/pom.xml, deploy/engines/registry/pom.xml,
# deploy/engines/druid/pom.xml); Druid also loads the project's own input format (druid-specs/extension,
# built here with Maven when its sources change); state lives in .engines/.
#
#   scripts/engines.sh up           fetch once, start what is not running, wait until each engine is ready
#                                   (not Druid: it is opt-in)
#   scripts/engines.sh up druid     fetch Druid once, build the tributary-avro input format when its sources
#                                   changed, start only ZooKeeper and Druid, wait until the broker answers SQL
#                                   and the overlord sees the indexer
#   scripts/engines.sh down         stop what `up` and `up druid` started (and only that), wait for the processes to exit
#   scripts/engines.sh down druid   stop only ZooKeeper and Druid (if started here)
#   scripts/engines.sh status       each engine and whether it runs (exit 0 only if all are ready); Druid's
#                                   processes only when they run
#   scripts/engines.sh status druid ZooKeeper and Druid only (exit 0 only if all are ready)
#   scripts/engines.sh env          the environment variables that point the application at the engines
#                                   (DRUID_URL and DRUID_OVERLORD_URL only while Druid runs)
#
# Settings (environment): ENGINES_DIR (default <repo>/.engines), ENGINES_JAVA (a java binary, 17+),
# ENGINES_KAFKA_HEAP / ENGINES_CONNECT_HEAP (default "-Xms128m -Xmx512m"), ENGINES_REGISTRY_HEAP
# ("-Xms64m -Xmx384m"), ENGINES_REGISTRY_PORT (8081), ENGINES_REGISTRY_JAVA (a java binary, 21+: Apicurio
# Registry 3 is Java 21 bytecode; by default the first 21+ java found), ENGINES_PG_PORT (5432),
# ENGINES_PG_USER (postgres), ENGINES_PG_DB (database named in the printed DATABASE_URL, tributary),
# ENGINES_REDIS_PORT (6379), ENGINES_PG_RESTART=force (restart PostgreSQL for wal_level even while
# other sessions are connected; by default up waits up to 60 s for them to end, then gives up).
# Druid: ENGINES_ZOOKEEPER_HEAP ("-Xms16m -Xmx128m"), ENGINES_DRUID_COORDINATOR_HEAP ("-Xms64m -Xmx384m"),
# ENGINES_DRUID_BROKER_HEAP ("-Xms64m -Xmx384m"), ENGINES_DRUID_HISTORICAL_HEAP ("-Xms64m -Xmx256m"),
# ENGINES_DRUID_INDEXER_HEAP ("-Xms64m -Xmx512m"); Druid runs on the Java ENGINES_JAVA names (17+).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPLOY="$ROOT/deploy/engines"
ENGINES_DIR=${ENGINES_DIR:-"$ROOT/.engines"}
LIB="$ENGINES_DIR/lib/kafka"
REGISTRY_LIB="$ENGINES_DIR/lib/registry"
DRUID_LIB="$ENGINES_DIR/lib/druid"
DRUID_EXT="$ENGINES_DIR/lib/druid-extensions"
AVRO_EXT_SRC="$ROOT/druid-specs/extension"
AVRO_EXT="$DRUID_EXT/tributary-druid-avro"
ZK_LIB="$ENGINES_DIR/lib/zookeeper"
PLUGINS="$ENGINES_DIR/plugins"
CONF="$ENGINES_DIR/conf"
DATA="$ENGINES_DIR/data"
LOGS="$ENGINES_DIR/logs"
RUN="$ENGINES_DIR/run"
STATE="$ENGINES_DIR/state"

HOST=127.0.0.1
KAFKA_PORT=9092
CONTROLLER_PORT=9093
CONNECT_PORT=8083
REGISTRY_PORT=${ENGINES_REGISTRY_PORT:-8081}
REGISTRY_URL="http://$HOST:$REGISTRY_PORT/apis/ccompat/v7"
REDIS_PORT=${ENGINES_REDIS_PORT:-6379}
PG_PORT=${ENGINES_PG_PORT:-5432}
PG_USER=${ENGINES_PG_USER:-postgres}
PG_DB=${ENGINES_PG_DB:-tributary}
KAFKA_HEAP=${ENGINES_KAFKA_HEAP:-"-Xms128m -Xmx512m"}
CONNECT_HEAP=${ENGINES_CONNECT_HEAP:-"-Xms128m -Xmx512m"}
REGISTRY_HEAP=${ENGINES_REGISTRY_HEAP:-"-Xms64m -Xmx384m"}
DEBEZIUM_CONNECTOR=io.debezium.connector.postgresql.PostgresConnector
# Druid (opt-in): ports apart from the ones above and from Druid's defaults (8081-8091, 2181, 1527);
# the same numbers are in deploy/engines/druid/*.properties and zookeeper.cfg.
ZK_PORT=12181
DERBY_PORT=11527
DRUID_COORDINATOR_PORT=18081
DRUID_BROKER_PORT=18082
DRUID_HISTORICAL_PORT=18083
DRUID_INDEXER_PORT=18091
DRUID_URL="http://$HOST:$DRUID_BROKER_PORT"
DRUID_SERVICES=(coordinator broker historical indexer) # start order; down stops them in reverse
ZK_HEAP=${ENGINES_ZOOKEEPER_HEAP:-"-Xms16m -Xmx128m"}
DRUID_COORDINATOR_HEAP=${ENGINES_DRUID_COORDINATOR_HEAP:-"-Xms64m -Xmx384m"}
DRUID_BROKER_HEAP=${ENGINES_DRUID_BROKER_HEAP:-"-Xms64m -Xmx512m"}
DRUID_HISTORICAL_HEAP=${ENGINES_DRUID_HISTORICAL_HEAP:-"-Xms64m -Xmx512m"}
DRUID_INDEXER_HEAP=${ENGINES_DRUID_INDEXER_HEAP:-"-Xms64m -Xmx512m"}

log() { printf '[engines] %s\n' "$*" >&2; }
die() { printf '[engines] error: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }

# --- helpers ----------------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# A pid file names a live process of ours only if the process still runs the expected command line
# (guards against a recycled pid).
pid_of() { # name marker
  local f="$RUN/$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
  echo "$pid"
}

KAFKA_MARK="$CONF/kafka.properties"
CONNECT_MARK="$CONF/connect-standalone.properties"
REGISTRY_MARK="$REGISTRY_LIB/quarkus-run.jar"
ZK_MARK="$CONF/zookeeper.cfg"
druid_mark() { echo "$CONF/druid/$1:"; } # the service's own conf folder on its classpath

java_bin() { # minimum-version preferred-binary-or-empty what
  local min=$1 preferred=$2 what=$3 candidates=() j v
  [[ -n $preferred ]] && candidates+=("$preferred")
  command -v java >/dev/null && candidates+=("$(command -v java)")
  for j in /usr/lib/jvm/*/bin/java; do [[ -x $j ]] && candidates+=("$j"); done
  for j in "${candidates[@]}"; do
    v=$("$j" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
    [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} >= min)) && { echo "$j"; return; }
  done
  die "$what needs Java $min or newer; none found (set ENGINES_JAVA / ENGINES_REGISTRY_JAVA to a java binary)"
}

kafka_tool() { # main-class args... (quiet logging, stdout only)
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="file:$DEPLOY/log4j2-tools.properties" \
    -cp "$LIB/*" "$@"
}

render() { # template -> conf file
  sed "s|@ENGINES_DIR@|$ENGINES_DIR|g" "$1" >"$2.tmp" && mv "$2.tmp" "$2"
}

wait_for() { # description timeout-seconds pid-or-empty logfile command...
  local what=$1 timeout=$2 pid=$3 logfile=$4 start
  shift 4
  start=$(now)
  until "$@" >/dev/null 2>&1; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      [[ -n $logfile ]] && tail -n 40 "$logfile" >&2
      die "$what exited during start-up (log: $logfile)"
    fi
    if (($(now) - start >= timeout)); then
      [[ -n $logfile ]] && tail -n 40 "$logfile" >&2
      die "$what not ready after ${timeout}s (log: $logfile)"
    fi
    sleep 0.5
  done
}

# Starts a detached process (own session, survives the calling shell) and records its pid.
start_detached() { # name command...
  local name=$1
  shift
  mkdir -p "$LOGS" "$RUN"
  printf '\n===== %s start %s =====\n' "$name" "$(date -u +%FT%TZ)" >>"$LOGS/$name.log"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 50); do [[ -s $RUN/$name.pid ]] && break; sleep 0.1; done
  cat "$RUN/$name.pid"
}

start_java() { # name heap-opts main args...
  local name=$1 heap=$2
  shift 2
  # shellcheck disable=SC2086
  start_detached "$name" "$JAVA" $heap -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="file:$DEPLOY/log4j2.properties" -cp "$LIB/*" "$@"
}

stop_pid() { # name pid
  local name=$1 pid=$2 i
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  log "$name did not exit after 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  die "$name (pid $pid) is still running"
}

# --- fetch ------------------------------------------------------------------------------------------

fetch() {
  local want have=""
  want=$(sha256sum "$DEPLOY/pom.xml" | cut -d' ' -f1)
  [[ -f $ENGINES_DIR/lib/.fetched ]] && have=$(<"$ENGINES_DIR/lib/.fetched")
  [[ $want == "$have" && -d $LIB && -d $PLUGINS/debezium ]] && return 0
  if pid_of kafka "$KAFKA_MARK" >/dev/null || pid_of connect "$CONNECT_MARK" >/dev/null; then
    die "deploy/engines/pom.xml changed while engines run from the old jars: run 'scripts/engines.sh down' first"
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the engine jars from Maven Central"
  log "fetching Kafka, Kafka Connect and Debezium jars from Maven Central (once)"
  rm -rf "$LIB" "$PLUGINS/debezium" "$ENGINES_DIR/lib/.fetched"
  local profile
  mkdir -p "$LOGS"
  for profile in kafka debezium; do
    mvn -B -ntp -f "$DEPLOY/pom.xml" -P "$profile" dependency:copy-dependencies -Dengines.dir="$ENGINES_DIR" \
      >>"$LOGS/fetch.log" 2>&1 || { tail -n 40 "$LOGS/fetch.log" >&2; die "Maven could not fetch the $profile jars (log: $LOGS/fetch.log)"; }
  done
  echo "$want" >"$ENGINES_DIR/lib/.fetched"
}

# The registry has a pom (and a fetched marker) of its own: changing it never refetches Kafka.
fetch_registry() {
  local pom="$DEPLOY/registry/pom.xml" want have=""
  want=$(sha256sum "$pom" | cut -d' ' -f1)
  [[ -f $ENGINES_DIR/lib/.fetched-registry ]] && have=$(<"$ENGINES_DIR/lib/.fetched-registry")
  [[ $want == "$have" && -f $REGISTRY_MARK ]] && return 0
  pid_of registry "$REGISTRY_MARK" >/dev/null &&
    die "deploy/engines/registry/pom.xml changed while the registry runs from the old jars: run 'scripts/engines.sh down' first"
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the schema registry from Maven Central"
  log "fetching Apicurio Registry from Maven Central (once)"
  rm -rf "$REGISTRY_LIB" "$ENGINES_DIR/lib/.registry-markers" "$ENGINES_DIR/lib/.fetched-registry"
  mkdir -p "$LOGS"
  mvn -B -ntp -f "$pom" dependency:unpack -Dengines.dir="$ENGINES_DIR" >>"$LOGS/fetch.log" 2>&1 ||
    { tail -n 40 "$LOGS/fetch.log" >&2; die "Maven could not fetch the schema registry (log: $LOGS/fetch.log)"; }
  echo "$want" >"$ENGINES_DIR/lib/.fetched-registry"
}

# Druid and ZooKeeper have a pom (and a fetched marker) of their own too. Druid's parent POM names
# repositories that cannot be reached, so Maven runs with settings that mirror every repository to
# Maven Central (deploy/engines/druid/maven-settings.xml).
fetch_druid() {
  local pom="$DEPLOY/druid/pom.xml" want have="" profile
  want=$(sha256sum "$pom" | cut -d' ' -f1)
  [[ -f $ENGINES_DIR/lib/.fetched-druid ]] && have=$(<"$ENGINES_DIR/lib/.fetched-druid")
  [[ $want == "$have" && -d $DRUID_LIB && -d $DRUID_EXT/druid-kafka-indexing-service && -d $ZK_LIB ]] && return 0
  druid_any_running &&
    die "deploy/engines/druid/pom.xml changed while Druid runs from the old jars: run 'scripts/engines.sh down druid' first"
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Druid and ZooKeeper from Maven Central"
  log "fetching Druid 33.0.0, its Kafka indexing extension and ZooKeeper from Maven Central (once, about 210 MB)"
  rm -rf "$DRUID_LIB" "$DRUID_EXT" "$ZK_LIB" "$ENGINES_DIR/lib/.fetched-druid"
  mkdir -p "$LOGS"
  for profile in druid druid-kafka zookeeper; do
    mvn -B -ntp -s "$DEPLOY/druid/maven-settings.xml" -f "$pom" -P "$profile" dependency:copy-dependencies \
      -Dengines.dir="$ENGINES_DIR" >>"$LOGS/fetch.log" 2>&1 ||
      { tail -n 40 "$LOGS/fetch.log" >&2; die "Maven could not fetch the $profile jars (log: $LOGS/fetch.log)"; }
  done
  echo "$want" >"$ENGINES_DIR/lib/.fetched-druid"
}

# The project's input format (druid-specs/extension) is built from source, not fetched: it is rebuilt
# (tests included) when what goes into its jar changed, i.e. its pom, its main sources, or the schema
# catalogue the jar bundles, and installed as one more extension folder: its jar and Avro, the one
# dependency Druid does not provide (target/extension/).
build_druid_extension() {
  local want have="" jar
  want=$(cd "$ROOT" && find druid-specs/extension/pom.xml druid-specs/extension/src/main libs/contracts/src/schemas/published.json \
    -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  [[ -f $ENGINES_DIR/lib/.built-druid-extension ]] && have=$(<"$ENGINES_DIR/lib/.built-druid-extension")
  [[ $want == "$have" && -d $AVRO_EXT ]] && return 0
  druid_any_running &&
    die "druid-specs/extension changed while Druid runs the old build: run 'scripts/engines.sh down druid' first"
  log "building the tributary-avro input format (druid-specs/extension)"
  rm -rf "$AVRO_EXT" "$ENGINES_DIR/lib/.built-druid-extension"
  mkdir -p "$LOGS"
  mvn -B -ntp -s "$DEPLOY/druid/maven-settings.xml" -f "$AVRO_EXT_SRC/pom.xml" package >>"$LOGS/druid-extension-build.log" 2>&1 ||
    { tail -n 40 "$LOGS/druid-extension-build.log" >&2; die "Maven could not build druid-specs/extension (log: $LOGS/druid-extension-build.log)"; }
  mkdir -p "$AVRO_EXT"
  for jar in "$AVRO_EXT_SRC"/target/tributary-druid-avro-*.jar "$AVRO_EXT_SRC"/target/extension/*.jar; do cp "$jar" "$AVRO_EXT/"; done
  echo "$want" >"$ENGINES_DIR/lib/.built-druid-extension"
}

# --- Kafka ------------------------------------------------------------------------------------------

kafka_metadata_ok() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" --list >/dev/null
}

kafka_up() {
  local pid
  if pid=$(pid_of kafka "$KAFKA_MARK"); then
    log "kafka already running (pid $pid)"
  else
    rm -f "$RUN/kafka.pid"
    port_open $HOST $KAFKA_PORT && die "port $KAFKA_PORT is taken by a process engines.sh did not start (another Kafka? see docs/engines.md for KAFKA_BROKERS)"
    port_open $HOST $CONTROLLER_PORT && die "port $CONTROLLER_PORT (KRaft controller) is taken by another process"
    mkdir -p "$CONF" "$DATA"
    render "$DEPLOY/kafka.properties" "$KAFKA_MARK"
    if [[ ! -f $DATA/kafka/meta.properties ]]; then
      local id
      id=$(kafka_tool kafka.tools.StorageTool random-uuid | tail -n 1)
      log "formatting KRaft storage (cluster id $id)"
      kafka_tool kafka.tools.StorageTool format --cluster-id "$id" --config "$KAFKA_MARK" >/dev/null
    fi
    log "starting kafka"
    pid=$(start_java kafka "$KAFKA_HEAP" kafka.Kafka "$KAFKA_MARK")
  fi
  wait_for "kafka" 90 "$pid" "$LOGS/kafka.log" port_open $HOST $KAFKA_PORT
  wait_for "kafka metadata" 90 "$pid" "$LOGS/kafka.log" kafka_metadata_ok
  log "kafka ready on $HOST:$KAFKA_PORT"
}

# --- Kafka Connect ----------------------------------------------------------------------------------

connect_ready() {
  curl -fsS --max-time 5 "http://$HOST:$CONNECT_PORT/connector-plugins" | grep -qF "\"$DEBEZIUM_CONNECTOR\""
}

connect_up() {
  local pid
  if pid=$(pid_of connect "$CONNECT_MARK"); then
    log "kafka connect already running (pid $pid)"
  else
    rm -f "$RUN/connect.pid"
    port_open $HOST $CONNECT_PORT && die "port $CONNECT_PORT is taken by a process engines.sh did not start (see docs/engines.md for KAFKA_CONNECT_URL)"
    mkdir -p "$CONF" "$DATA"
    render "$DEPLOY/connect-standalone.properties" "$CONNECT_MARK"
    log "starting kafka connect (standalone) with the Debezium plugin"
    pid=$(start_java connect "$CONNECT_HEAP" org.apache.kafka.connect.cli.ConnectStandalone "$CONNECT_MARK")
  fi
  wait_for "kafka connect" 120 "$pid" "$LOGS/connect.log" connect_ready
  log "kafka connect ready on http://$HOST:$CONNECT_PORT (plugin $DEBEZIUM_CONNECTOR)"
}

# --- schema registry --------------------------------------------------------------------------------

registry_ready() { curl -fsS --max-time 5 "$REGISTRY_URL/subjects" >/dev/null; }

registry_up() {
  local pid java
  if pid=$(pid_of registry "$REGISTRY_MARK"); then
    log "schema registry already running (pid $pid)"
  else
    rm -f "$RUN/registry.pid"
    port_open $HOST "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by a process engines.sh did not start (see docs/engines.md for SCHEMA_REGISTRY_URL)"
    java=$(java_bin 21 "${ENGINES_REGISTRY_JAVA:-}" "Apicurio Registry 3")
    mkdir -p "$DATA/registry"
    log "starting the schema registry (Apicurio Registry) with $java"
    # Quarkus settings as system properties: loopback only; the management interface (health, metrics)
    # is built in, so it gets a free loopback port instead of its default 0.0.0.0:9000. Storage is an
    # H2 file beside Kafka's data (not the default in-memory H2): the schema ids inside the messages
    # that Kafka keeps across down/up must keep meaning the same schemas.
    # shellcheck disable=SC2086
    pid=$(cd "$DATA/registry" && start_detached registry "$java" $REGISTRY_HEAP -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1 \
      -Dquarkus.http.host=$HOST -Dquarkus.http.port="$REGISTRY_PORT" -Dquarkus.management.host=$HOST -Dquarkus.management.port=0 \
      -Dapicurio.datasource.url="jdbc:h2:file:$DATA/registry/registry" \
      -jar "$REGISTRY_MARK")
  fi
  wait_for "schema registry" 120 "$pid" "$LOGS/registry.log" registry_ready
  log "schema registry ready at $REGISTRY_URL"
}

# --- PostgreSQL -------------------------------------------------------------------------------------

pg() { psql -h $HOST -p "$PG_PORT" -U "$PG_USER" -d postgres -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
pg_ready() { pg 'SELECT 1' >/dev/null 2>&1; }
pg_others() { pg "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"; }
pg_alone() { [[ $(pg_others) == 0 ]]; }

# The local cluster (Debian postgresql-common) listening on PG_PORT: "<version> <name>".
pg_cluster() {
  command -v pg_lsclusters >/dev/null || return 1
  pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p {print $1, $2; exit}' | grep .
}

pg_ctl_cluster() { # action
  local c
  c=$(pg_cluster) || die "no local PostgreSQL cluster on port $PG_PORT to $1; set wal_level=logical on your server yourself (docs/engines.md)"
  # shellcheck disable=SC2086
  pg_ctlcluster --skip-systemctl-redirect $c "$1"
}

postgres_up() {
  command -v psql >/dev/null || die "psql is needed to check PostgreSQL"
  if ! pg_ready; then
    log "postgresql does not answer on $HOST:$PG_PORT; starting the local cluster"
    pg_ctl_cluster start
    mkdir -p "$RUN" && touch "$RUN/postgres.started"
    wait_for "postgresql" 60 "" "" pg_ready
  fi
  local wal slots senders changes=()
  wal=$(pg 'SHOW wal_level')
  slots=$(pg 'SHOW max_replication_slots')
  senders=$(pg 'SHOW max_wal_senders')
  [[ $wal == logical ]] || changes+=("wal_level = logical")
  ((slots >= 10)) || changes+=("max_replication_slots = 10")
  ((senders >= 10)) || changes+=("max_wal_senders = 10")
  if ((${#changes[@]} > 0)); then
    local others
    others=$(pg_others)
    if ((others > 0)) && [[ ${ENGINES_PG_RESTART:-} != force ]]; then
      log "postgresql needs a restart for: ${changes[*]}; waiting for its $others other session(s) to end"
      wait_for "postgresql sessions to end (or set ENGINES_PG_RESTART=force)" 60 "" "" pg_alone
    fi
    local c
    for c in "${changes[@]}"; do pg "ALTER SYSTEM SET ${c% = *} = '${c#* = }'"; done
    log "restarting postgresql for: ${changes[*]}"
    pg_ctl_cluster restart
    wait_for "postgresql" 60 "" "" pg_ready
    [[ $(pg 'SHOW wal_level') == logical ]] || die "wal_level is still $(pg 'SHOW wal_level') after the restart"
    mkdir -p "$STATE"
    printf '%s port %s: was wal_level=%s max_replication_slots=%s max_wal_senders=%s; set %s (ALTER SYSTEM, not reverted by down)\n' \
      "$(date -u +%FT%TZ)" "$PG_PORT" "$wal" "$slots" "$senders" "${changes[*]}" >>"$STATE/postgres-settings.changed"
    log "postgresql settings changed by this script (recorded in $STATE/postgres-settings.changed)"
  fi
  if [[ -z $(pg "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ]]; then
    pg "CREATE DATABASE \"$PG_DB\""
    log "created database $PG_DB (the one DATABASE_URL names; down keeps it)"
  fi
  log "postgresql ready on $HOST:$PG_PORT (wal_level=logical)"
}

# --- Redis ------------------------------------------------------------------------------------------

redis_ping() {
  if command -v redis-cli >/dev/null; then
    [[ $(redis-cli -h $HOST -p $REDIS_PORT ping 2>/dev/null) == PONG ]]
  else
    (exec 3<>"/dev/tcp/$HOST/$REDIS_PORT" && printf 'PING\r\n' >&3 && IFS= read -r -t 2 line <&3 && [[ $line == +PONG* ]]) 2>/dev/null
  fi
}

redis_up() {
  if redis_ping; then
    if [[ -f $RUN/redis.started ]]; then log "redis already running (started by engines.sh)"; else log "redis answers on $HOST:$REDIS_PORT (the machine's)"; fi
    return 0
  fi
  rm -f "$RUN/redis.started" "$RUN/redis.pid"
  port_open $HOST $REDIS_PORT && die "port $REDIS_PORT is taken but does not answer PING"
  command -v redis-server >/dev/null || die "no Redis answers on $HOST:$REDIS_PORT and redis-server is not installed"
  mkdir -p "$RUN" "$LOGS" "$DATA/redis"
  log "no redis on $HOST:$REDIS_PORT; starting redis-server"
  redis-server --daemonize yes --bind $HOST --port $REDIS_PORT --save '' --appendonly no \
    --dir "$DATA/redis" --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log"
  touch "$RUN/redis.started"
  wait_for "redis" 20 "" "$LOGS/redis.log" redis_ping
  log "redis ready on $HOST:$REDIS_PORT (started by engines.sh)"
}

# --- ZooKeeper and Druid (opt-in: up druid) -----------------------------------------------------------

# `srvr` names the server's mode only once it serves requests (`ruok` answers imok even before).
zookeeper_ready() {
  (exec 3<>"/dev/tcp/$HOST/$ZK_PORT" && printf 'srvr' >&3 && timeout 2 cat <&3 | grep -q '^Mode: standalone') 2>/dev/null
}

zookeeper_up() {
  local pid
  if pid=$(pid_of zookeeper "$ZK_MARK"); then
    log "zookeeper already running (pid $pid)"
  else
    rm -f "$RUN/zookeeper.pid"
    port_open $HOST $ZK_PORT && die "port $ZK_PORT is taken by a process engines.sh did not start (another ZooKeeper?)"
    mkdir -p "$CONF" "$DATA/zookeeper"
    render "$DEPLOY/druid/zookeeper.cfg" "$ZK_MARK"
    log "starting zookeeper"
    # shellcheck disable=SC2086
    pid=$(start_detached zookeeper "$JAVA" $ZK_HEAP -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dzookeeper.jmx.log4j.disable=true \
      -Dlog4j2.configurationFile="file:$DEPLOY/druid/log4j2.properties" \
      -cp "$ZK_LIB/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZK_MARK")
  fi
  wait_for "zookeeper" 60 "$pid" "$LOGS/zookeeper.log" zookeeper_ready
  log "zookeeper ready on $HOST:$ZK_PORT"
}

druid_port() { # service
  case $1 in
    coordinator) echo $DRUID_COORDINATOR_PORT ;; broker) echo $DRUID_BROKER_PORT ;;
    historical) echo $DRUID_HISTORICAL_PORT ;; indexer) echo $DRUID_INDEXER_PORT ;;
  esac
}

druid_heap() { # service
  case $1 in
    coordinator) echo "$DRUID_COORDINATOR_HEAP" ;; broker) echo "$DRUID_BROKER_HEAP" ;;
    historical) echo "$DRUID_HISTORICAL_HEAP" ;; indexer) echo "$DRUID_INDEXER_HEAP" ;;
  esac
}

# Direct memory: the processing buffers (sizeBytes x (numThreads + numMergeBuffers + 1), see the
# runtime properties) plus some room; the coordinator/overlord processes no queries.
druid_direct() { # service
  case $1 in
    coordinator) echo 64m ;; broker) echo 600m ;; historical) echo 700m ;; indexer) echo 192m ;;
  esac
}

# The query path (historical, broker) gets the optimizing JIT; the others start faster with C1 only.
druid_jit() { # service
  case $1 in
    historical|broker) ;; *) echo -XX:TieredStopAtLevel=1 ;;
  esac
}

druid_healthy() { # service
  [[ $(curl -fsS --max-time 5 "http://$HOST:$(druid_port "$1")/status/health" 2>/dev/null) == true ]]
}

druid_sql() { # query -> JSON rows
  curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' \
    --data "{\"query\": \"$1\"}" "$DRUID_URL/druid/v2/sql"
}

druid_sql_ok() { [[ $(druid_sql 'SELECT 1' 2>/dev/null) == '[{"EXPR$0":1}]' ]]; }

# The overlord (inside the coordinator) leads and lists the indexer as a worker: tasks can be assigned.
druid_worker_ok() {
  curl -fsS --max-time 5 "http://$HOST:$DRUID_COORDINATOR_PORT/druid/indexer/v1/workers" 2>/dev/null |
    grep -qF "\"host\":\"$HOST:$DRUID_INDEXER_PORT\""
}

druid_any_running() {
  local s
  pid_of zookeeper "$ZK_MARK" >/dev/null && return 0
  for s in "${DRUID_SERVICES[@]}"; do pid_of "druid-$s" "$(druid_mark "$s")" >/dev/null && return 0; done
  return 1
}

druid_start() { # service
  local svc=$1 port heap
  port=$(druid_port "$svc")
  heap=$(druid_heap "$svc")
  port_open $HOST "$port" && die "port $port (druid $svc) is taken by a process engines.sh did not start"
  mkdir -p "$CONF/druid/$svc" "$DATA/druid/tmp/$svc"
  render "$DEPLOY/druid/$svc.runtime.properties" "$CONF/druid/$svc/runtime.properties"
  local extra=()
  if [[ $svc == coordinator ]]; then
    port_open $HOST $DERBY_PORT && die "port $DERBY_PORT (Derby, Druid's metadata store) is taken by a process engines.sh did not start"
    mkdir -p "$DATA/druid/derby"
    extra+=(-Dderby.system.home="$DATA/druid/derby" -Dderby.stream.error.file="$LOGS/druid-derby.log")
  fi
  log "starting druid $svc"
  # Druid's own launcher adds these --add-exports/--add-opens on Java 17 (docs: operations/java).
  # shellcheck disable=SC2086
  start_detached "druid-$svc" "$JAVA" $heap -XX:MaxDirectMemorySize="$(druid_direct "$svc")" $(druid_jit "$svc") \
    -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Duser.timezone=UTC -Dfile.encoding=UTF-8 -Djava.io.tmpdir="$DATA/druid/tmp/$svc" \
    -Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager \
    -Dlog4j2.configurationFile="file:$DEPLOY/druid/log4j2.properties" \
    --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED \
    "${extra[@]}" -cp "$CONF/druid/_common:$(druid_mark "$svc")$DRUID_LIB/*" org.apache.druid.cli.Main server "$svc"
}

druid_up() {
  local svc pid
  local -A pids=()
  mkdir -p "$CONF/druid/_common" "$DATA/druid"
  render "$DEPLOY/druid/common.runtime.properties" "$CONF/druid/_common/common.runtime.properties"
  # All four start together (they find each other through ZooKeeper); the coordinator first, since it
  # runs the metadata store.
  for svc in "${DRUID_SERVICES[@]}"; do
    if pid=$(pid_of "druid-$svc" "$(druid_mark "$svc")"); then
      log "druid $svc already running (pid $pid)"
    else
      rm -f "$RUN/druid-$svc.pid"
      pid=$(druid_start "$svc")
    fi
    pids[$svc]=$pid
  done
  for svc in "${DRUID_SERVICES[@]}"; do
    wait_for "druid $svc" 180 "${pids[$svc]}" "$LOGS/druid-$svc.log" druid_healthy "$svc"
    log "druid $svc healthy on http://$HOST:$(druid_port "$svc")"
  done
  wait_for "druid SQL (SELECT 1 through the broker)" 120 "${pids[broker]}" "$LOGS/druid-broker.log" druid_sql_ok
  wait_for "the overlord to list the indexer as a worker" 120 "${pids[coordinator]}" "$LOGS/druid-coordinator.log" druid_worker_ok
  log "druid ready: SQL at $DRUID_URL/druid/v2/sql, overlord at http://$HOST:$DRUID_COORDINATOR_PORT"
}

druid_down() {
  local svc pid i
  local order=()
  for ((i = ${#DRUID_SERVICES[@]} - 1; i >= 0; i--)); do order+=("${DRUID_SERVICES[i]}"); done
  for svc in "${order[@]}"; do
    if pid=$(pid_of "druid-$svc" "$(druid_mark "$svc")"); then stop_pid "druid $svc" "$pid"; else log "druid $svc not running (not started here)"; fi
    rm -f "$RUN/druid-$svc.pid"
  done
  if pid=$(pid_of zookeeper "$ZK_MARK"); then stop_pid zookeeper "$pid"; else log "zookeeper not running (not started here)"; fi
  rm -f "$RUN/zookeeper.pid"
}

# One line per process; returns 1 unless all are ready.
druid_status() {
  local svc pid port ok=0
  if pid=$(pid_of zookeeper "$ZK_MARK"); then
    if zookeeper_ready; then printf '%-17s %s\n' zookeeper "running (pid $pid) on $HOST:$ZK_PORT"; else printf '%-17s %s\n' zookeeper "starting (pid $pid)"; ok=1; fi
  elif port_open $HOST $ZK_PORT; then printf '%-17s %s\n' zookeeper "something else listens on $HOST:$ZK_PORT (not started here)"; ok=1
  else printf '%-17s %s\n' zookeeper "not running"; ok=1; fi
  for svc in "${DRUID_SERVICES[@]}"; do
    port=$(druid_port "$svc")
    if pid=$(pid_of "druid-$svc" "$(druid_mark "$svc")"); then
      if druid_healthy "$svc"; then printf '%-17s running (pid %s) on http://%s:%s\n' "druid-$svc" "$pid" $HOST "$port"
      else printf '%-17s starting (pid %s)\n' "druid-$svc" "$pid"; ok=1; fi
    elif port_open $HOST "$port"; then printf '%-17s something else listens on %s:%s (not started here)\n' "druid-$svc" $HOST "$port"; ok=1
    else printf '%-17s not running\n' "druid-$svc"; ok=1; fi
  done
  return $ok
}

# --- commands ---------------------------------------------------------------------------------------

print_env() {
  cat <<EOF
export KAFKA_BROKERS=$HOST:$KAFKA_PORT
export KAFKA_CONNECT_URL=http://$HOST:$CONNECT_PORT
export DATABASE_URL=postgres://$PG_USER@$HOST:$PG_PORT/$PG_DB
export REDIS_URL=redis://$HOST:$REDIS_PORT
export SCHEMA_REGISTRY_URL=$REGISTRY_URL
EOF
  print_druid_env
}

# Only while Druid runs (its broker, started by up druid).
print_druid_env() {
  pid_of druid-broker "$(druid_mark broker)" >/dev/null && echo "export DRUID_URL=$DRUID_URL"
  pid_of druid-coordinator "$(druid_mark coordinator)" >/dev/null && echo "export DRUID_OVERLORD_URL=http://$HOST:$DRUID_COORDINATOR_PORT"
  return 0
}

cmd_up() {
  local t0
  t0=$(now)
  mkdir -p "$ENGINES_DIR" "$LOGS" "$RUN" "$DATA" "$CONF"
  JAVA=$(java_bin 17 "${ENGINES_JAVA:-}" "Kafka 4")
  fetch
  fetch_registry
  postgres_up
  redis_up
  kafka_up
  connect_up
  registry_up
  log "all engines ready in $(($(now) - t0)) s; to use them:"
  print_env
}

cmd_up_druid() {
  local t0
  t0=$(now)
  mkdir -p "$ENGINES_DIR" "$LOGS" "$RUN" "$DATA" "$CONF"
  JAVA=$(java_bin 17 "${ENGINES_JAVA:-}" "Druid 33")
  command -v curl >/dev/null || die "curl is needed to check Druid"
  fetch_druid
  build_druid_extension
  zookeeper_up
  druid_up
  log "zookeeper and druid ready in $(($(now) - t0)) s; to use them:"
  print_druid_env
}

cmd_down() {
  local pid f
  # Druid first, and only if up druid left pid files (it is opt-in: otherwise nothing is said about it).
  for f in "$RUN"/druid-*.pid "$RUN/zookeeper.pid"; do [[ -e $f ]] && { druid_down; break; }; done
  if pid=$(pid_of registry "$REGISTRY_MARK"); then stop_pid registry "$pid"; else log "schema registry not running (not started here)"; fi
  rm -f "$RUN/registry.pid"
  if pid=$(pid_of connect "$CONNECT_MARK"); then stop_pid connect "$pid"; else log "kafka connect not running (not started here)"; fi
  rm -f "$RUN/connect.pid"
  if pid=$(pid_of kafka "$KAFKA_MARK"); then stop_pid kafka "$pid"; else log "kafka not running (not started here)"; fi
  rm -f "$RUN/kafka.pid"
  if [[ -f $RUN/redis.started ]]; then
    if [[ -f $RUN/redis.pid ]] && pid=$(<"$RUN/redis.pid") && kill -0 "$pid" 2>/dev/null &&
      tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q redis-server; then
      stop_pid redis "$pid"
    fi
    rm -f "$RUN/redis.started" "$RUN/redis.pid"
  else
    log "redis left alone (not started here)"
  fi
  if [[ -f $RUN/postgres.started ]]; then
    log "stopping postgresql (started by engines.sh)"
    pg_ctl_cluster stop || true
    rm -f "$RUN/postgres.started"
  else
    log "postgresql left running (not started here; wal_level stays logical)"
  fi
}

cmd_status() {
  local pid ok=0
  if pid=$(pid_of kafka "$KAFKA_MARK"); then
    if port_open $HOST $KAFKA_PORT; then echo "kafka      running (pid $pid) on $HOST:$KAFKA_PORT"; else echo "kafka      starting (pid $pid)"; ok=1; fi
  elif port_open $HOST $KAFKA_PORT; then echo "kafka      something else listens on $HOST:$KAFKA_PORT (not started here)"; ok=1
  else echo "kafka      not running"; ok=1; fi
  if pid=$(pid_of connect "$CONNECT_MARK"); then
    if connect_ready; then echo "connect    running (pid $pid) on http://$HOST:$CONNECT_PORT, Debezium plugin loaded"; else echo "connect    starting (pid $pid)"; ok=1; fi
  elif port_open $HOST $CONNECT_PORT; then echo "connect    something else listens on $HOST:$CONNECT_PORT (not started here)"; ok=1
  else echo "connect    not running"; ok=1; fi
  if pid=$(pid_of registry "$REGISTRY_MARK"); then
    if registry_ready; then echo "registry   running (pid $pid) at $REGISTRY_URL"; else echo "registry   starting (pid $pid)"; ok=1; fi
  elif port_open $HOST "$REGISTRY_PORT"; then echo "registry   something else listens on $HOST:$REGISTRY_PORT (not started here)"; ok=1
  else echo "registry   not running"; ok=1; fi
  if command -v psql >/dev/null && pg_ready; then
    echo "postgresql running on $HOST:$PG_PORT, wal_level=$(pg 'SHOW wal_level')$([[ -f $RUN/postgres.started ]] && echo ' (started here)')"
    [[ $(pg 'SHOW wal_level') == logical ]] || ok=1
  else echo "postgresql not answering on $HOST:$PG_PORT"; ok=1; fi
  if redis_ping; then echo "redis      running on $HOST:$REDIS_PORT$([[ -f $RUN/redis.started ]] && echo ' (started here)' || echo " (the machine's)")"
  else echo "redis      not answering on $HOST:$REDIS_PORT"; ok=1; fi
  # Druid is opt-in: listed (and counted) only while one of its processes runs.
  if druid_any_running; then druid_status || ok=1; fi
  return $ok
}

usage() { echo "usage: $0 up|down|status [druid] | env" >&2; exit 2; }

case ${1:-}:${2:-} in
  up:) cmd_up ;;
  up:druid) cmd_up_druid ;;
  down:) cmd_down ;;
  down:druid) druid_down ;;
  status:) cmd_status ;;
  status:druid) druid_status ;;
  env:) print_env ;;
  *) usage ;;
esac
