#!/usr/bin/env bash
# The Debezium outbox connectors of one Tributary database, on a Kafka Connect worker.
#
#   deploy/debezium/connector.sh config   pooled|per-tenant   print the filled configuration
#   deploy/debezium/connector.sh register pooled|per-tenant   create or update the connector, wait until its task runs
#   deploy/debezium/connector.sh restart  pooled|per-tenant   restart the connector's task (new tenants need none: provisioning
#                                                             adds their outbox tables to the per-tenant publication)
#   deploy/debezium/connector.sh remove   pooled|per-tenant   delete the connector, then drop its slot and publication
#
# pooled      tenant_pooled.change_events               -> <prefix>.pooled.changes.v1
#             tenant_pooled.incident_facts              -> <prefix>.pooled.incident-facts.v1
# per-tenant  tenant_<id>.change_events (schema tenants),
#             tributary_data.change_events (a dedicated
#             tenant's database)                        -> <prefix>.<tenant>.changes.v1
#             the same schemas' incident_facts          -> <prefix>.<tenant>.incident-facts.v1
# (one connector and slot per kind; an Outbox Event Router per table, chosen by a TopicNameMatches predicate)
#
# Reads DATABASE_URL (the database to capture), KAFKA_CONNECT_URL (default http://127.0.0.1:8083) and
# KAFKA_TOPIC_PREFIX (default tributary). Names are derived so that several databases and deployments can
# share one PostgreSQL server and one Connect cluster: connector `<prefix>-outbox-<kind>-<database>`,
# replication slot and publication `outbox_<kind>_<database>` (a slot belongs to the whole server).
# Needs curl, jq, psql and node (to parse the URL).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "connector.sh: $*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: connector.sh config|register|restart|remove pooled|per-tenant"
action="$1" kind="$2"
[[ "$kind" == pooled || "$kind" == per-tenant ]] || die "unknown connector '$kind' (pooled or per-tenant)"
[[ -n "${DATABASE_URL:-}" ]] || die "set DATABASE_URL to the database whose outbox the connector reads"
connect="${KAFKA_CONNECT_URL:-http://127.0.0.1:8083}"
prefix="${KAFKA_TOPIC_PREFIX:-tributary}"

# host, port, user, password, database of DATABASE_URL, one per line (percent-decoded)
mapfile -t db < <(node -e '
  const u = new URL(process.argv[1]);
  for (const v of [u.hostname, u.port || "5432", u.username, u.password, u.pathname.slice(1)]) console.log(decodeURIComponent(v));
' "$DATABASE_URL")
database="${db[4]}"
name="${prefix}-outbox-${kind}-${database}"
slot="outbox_${kind//-/_}_${database}"
[[ "$slot" =~ ^[a-z0-9_]{1,63}$ ]] || die "slot name '$slot' is not a PostgreSQL slot name ([a-z0-9_], at most 63): use a shorter database name"

filled() {
  jq --arg host "${db[0]}" --arg port "${db[1]}" --arg user "${db[2]}" --arg password "${db[3]}" --arg database "$database" \
     --arg name "$name" --arg slot "$slot" --arg topicPrefix "$prefix" '
    {host: $host, port: $port, user: $user, password: $password, database: $database, name: $name, slot: $slot, topicPrefix: $topicPrefix} as $v
    | map_values(reduce ($v | to_entries[]) as $e (.; split("{{" + $e.key + "}}") | join($e.value)))' \
    "$here/outbox-$kind.json"
}

status() { curl -fsS "$connect/connectors/$name/status" 2>/dev/null || echo '{}'; }

case "$action" in
  config)
    filled
    ;;
  register|restart)
    if [[ "$action" == register ]]; then
      filled | curl -fsS -X PUT -H 'Content-Type: application/json' --data @- "$connect/connectors/$name/config" >/dev/null \
        || die "Connect at $connect refused the configuration of $name"
    else
      # answers once the connector and its task are marked RESTARTING, so the wait below sees the new task
      curl -fsS -X POST "$connect/connectors/$name/restart?includeTasks=true" >/dev/null || die "Connect at $connect could not restart $name"
    fi
    # The task starts asynchronously: it creates (or updates) the slot and the publication, then snapshots.
    for _ in $(seq 1 120); do
      s="$(status)"
      if [[ "$(jq -r '[.connector.state, (.tasks[0].state // "none")] | join(" ")' <<<"$s" 2>/dev/null)" == "RUNNING RUNNING" ]]; then
        echo "$name RUNNING (slot and publication $slot)"
        exit 0
      fi
      if jq -e '.connector.state == "FAILED" or any(.tasks[]; .state == "FAILED")' <<<"$s" >/dev/null 2>&1; then
        die "$name failed: $(jq -r '[.connector.trace, .tasks[].trace] | map(select(.)) | first' <<<"$s" | head -5)"
      fi
      sleep 0.5
    done
    die "$name did not reach RUNNING within 60 s: $(status)"
    ;;
  remove)
    code="$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$connect/connectors/$name")"
    [[ "$code" == 204 || "$code" == 404 ]] || die "DELETE $connect/connectors/$name answered $code"
    # A slot still held by the stopping task cannot be dropped; an undropped slot keeps WAL forever.
    for _ in $(seq 1 60); do
      active="$(psql "$DATABASE_URL" -XAtqc "SELECT active FROM pg_replication_slots WHERE slot_name = '$slot'")"
      [[ "$active" == t ]] || break
      sleep 0.5
    done
    [[ "$active" != t ]] || die "slot $slot is still in use after 30 s; drop it later with SELECT pg_drop_replication_slot('$slot')"
    psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 \
      -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'" \
      -c "DROP PUBLICATION IF EXISTS $slot" >/dev/null
    echo "$name removed, slot and publication $slot dropped"
    ;;
  *)
    die "unknown action '$action' (config, register, restart or remove)"
    ;;
esac
