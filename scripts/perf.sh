#!/usr/bin/env bash
# Measure Switchboard against the storage floor and the targets in
# docs/PERFORMANCE.md, on this machine, in one run:
#
#   PostgreSQL  pgbench (one single-row INSERT per transaction) vs the hub's
#               ingest at the same concurrency, on a throwaway database of the
#               server in PG_SERVER, with consoles closing and answering and
#               with consoles only listening; end-to-end p99 at 1,000 events/s,
#               with the consoles' work and without it.
#               Between them the webhook floor (scripts/webhookfloor): the
#               same signed webhooks from the same load tool, each stored
#               with one INSERT and nothing else, flat out and at 1,000/s.
#   SQLite      a single-row insert loop (scripts/sqlitefloor) vs the hub's
#               ingest; start-up time and idle RSS; commit-to-frame with 500
#               consoles; RSS with 10,000 idle WebSockets.
#   Go benches  identity lookup at 10,000 clients (and 1,000,000 with
#               MILLION=1); round-robin fairness over 10,000 dialogs.
#
# The daemon runs as its own process (the switchboard binary) so that RSS
# and CPU are the daemon's alone; the load tool runs beside it, as pgbench
# runs beside PostgreSQL.
#
# Settings (environment): DURATION seconds per throughput run [20],
# CONCURRENCY [8], PG_SERVER [postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable],
# CONSOLES [500], IDLE [10000], MILLION [0], PORT [18480].
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
CONCURRENCY=${CONCURRENCY:-8}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
CONSOLES=${CONSOLES:-500}
IDLE=${IDLE:-10000}
MILLION=${MILLION:-0}
PORT=${PORT:-18480}
# shellcheck source=scripts/perflib.sh
. scripts/perflib.sh
pgdb=""
cleanup() {
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null || true
  [ -n "$pgdb" ] && psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
  [ -n "$pgdb" ] && psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS ${pgdb}_ingest" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bin=$work

say "building"
go build -o "$work/switchboard" ./cmd/switchboard
go build -o "$work/switchboard-load" ./cmd/switchboard-load
go build -o "$work/sqlitefloor" ./scripts/sqlitefloor
go build -o "$work/webhookfloor" ./scripts/webhookfloor

# ---------------------------------------------------------------- PostgreSQL
pg_tps="" pg_ack_1000="" wh_flat="" wh_rate_1000="" wh_p99_1000="" wh_slot_1000="" pg_slot_1000="" pgi_slot_1000="" pg_hub="" pg_ingest="" pg_p99_1000="" pg_rate_1000="" pg_pool_1000="" pg_cpu_1000="" pg_waited_1000="" pg_machine_1000="" pgi_rate_1000="" pgi_p99_1000="" pgi_ack_1000="" pgi_cpu_1000="" pgi_waited_1000="" pgi_machine_1000=""
if psql "$PG_SERVER" -qAtc "SELECT 1" >/dev/null 2>&1; then
  pgdb="perf_$(date +%s)_$$"
  psql "$PG_SERVER" -qc "CREATE DATABASE $pgdb" >/dev/null
  pgurl=$(dburl "$pgdb")

  say "PostgreSQL floor: pgbench, one single-row INSERT per transaction, $CONCURRENCY clients, ${DURATION}s"
  psql "$pgurl" -qc "CREATE TABLE floor (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, created_at BIGINT NOT NULL)"
  echo "INSERT INTO floor (payload, created_at) VALUES ('Hello, is my order on its way?', 0);" >"$work/insert.sql"
  pgbench -n -f "$work/insert.sql" -c "$CONCURRENCY" -j 2 -T "$DURATION" "$pgurl" >"$work/pgbench.txt" 2>&1
  pg_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | head -n 1)
  echo "pgbench: $pg_tps tps" >&2

  # floor NAME ARGS...: one load-tool run against the webhook floor.
  floor() {
    local name=$1
    shift
    "$work/switchboard-load" --url "http://127.0.0.1:$PORT" --channel load --secret "$SECRET" --consoles 0 \
      --json --quiet "$@" >"$work/$name.json"
    printf '%s: %s events/s accepted, acknowledged p99 %s ms\n' "$name" "$(jget accepted_per_s "$work/$name.json")" \
      "$(ack_p99 "$work/$name.json")" >&2
  }
  say "webhook floor: the load tool's signed webhooks, one INSERT each, $CONCURRENCY senders, ${DURATION}s"
  "$work/webhookfloor" --db "$pgurl" --listen "127.0.0.1:$PORT" --secret "$SECRET" --conns "$CONCURRENCY" 2>"$work/webhookfloor.log" &
  dpid=$!
  for _ in $(seq 500); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.01; done
  floor wh-flat --rate 0 --concurrency "$CONCURRENCY" --duration "${DURATION}s"
  wh_flat=$(jget accepted_per_s "$work/wh-flat.json")
  floor wh-1000 --rate 1000 --concurrency 64 --duration "${DURATION}s"
  wh_rate_1000=$(jget accepted_per_s "$work/wh-1000.json")
  wh_p99_1000=$(ack_p99 "$work/wh-1000.json")
  wh_slot_1000=$(slot_p99 "$work/wh-1000.json" slot_ack_latency)
  stop

  config postgres "$pgurl"
  agents
  start
  prime "$pgurl"
  say "PostgreSQL hub ingest, flat out, $CONCURRENCY senders, ${DURATION}s"
  load pg-flat --rate 0 --concurrency "$CONCURRENCY" --duration "${DURATION}s" --consoles 4
  pg_hub=$(jget accepted_per_s "$work/pg-flat.json")
  say "PostgreSQL hub at 1,000 events/s"
  load pg-1000 --rate 1000 --concurrency 64 --duration "${DURATION}s" --consoles 4
  pg_rate_1000=$(jget accepted_per_s "$work/pg-1000.json")
  pg_p99_1000=$(jget p99_ms "$work/pg-1000.json")
  pg_ack_1000=$(ack_p99 "$work/pg-1000.json")
  pg_slot_1000="$(slot_p99 "$work/pg-1000.json") ms, $(unsent "$work/pg-1000.json") unsent"
  pg_pool_1000=$(pool "$work/pg-1000.json")
  pg_cpu_1000=$(jget cpu_s "$work/pg-1000.json")
  pg_waited_1000=$(jget run_queue_wait_s "$work/pg-1000.json")
  pg_machine_1000=$(machine "$work/pg-1000.json")
  stop

  # The flat-out run without the consoles' own work (closing dialogs,
  # answering): what the ingest path alone sustains, assignment included.
  # On a database of its own: the dialogs earlier runs left open would turn
  # most returning clients' events into cheap ones.
  psql "$PG_SERVER" -qc "CREATE DATABASE ${pgdb}_ingest" >/dev/null
  ingesturl=$(dburl "${pgdb}_ingest")
  config postgres "$ingesturl"
  agents
  start
  prime "$ingesturl" --close=false --answer-ratio 0
  say "PostgreSQL hub ingest alone, flat out, $CONCURRENCY senders, consoles only listening, ${DURATION}s"
  load pg-ingest --rate 0 --concurrency "$CONCURRENCY" --duration "${DURATION}s" --consoles 4 --close=false --answer-ratio 0
  pg_ingest=$(jget accepted_per_s "$work/pg-ingest.json")
  # The 1,000/s run without the consoles' work: how much of the target's
  # latency is ingest and assignment alone. The flat run before it leaves
  # only more clients behind (no dialog is closed either way, and the
  # warm-up makes the returning clients' dialogs open as it would).
  say "PostgreSQL hub ingest alone at 1,000 events/s, consoles only listening"
  load pg-ingest-1000 --rate 1000 --concurrency 64 --duration "${DURATION}s" --consoles 4 --close=false --answer-ratio 0
  pgi_rate_1000=$(jget accepted_per_s "$work/pg-ingest-1000.json")
  pgi_p99_1000=$(jget p99_ms "$work/pg-ingest-1000.json")
  pgi_ack_1000=$(ack_p99 "$work/pg-ingest-1000.json")
  pgi_slot_1000="$(slot_p99 "$work/pg-ingest-1000.json") ms, $(unsent "$work/pg-ingest-1000.json") unsent"
  pgi_cpu_1000=$(jget cpu_s "$work/pg-ingest-1000.json")
  pgi_waited_1000=$(jget run_queue_wait_s "$work/pg-ingest-1000.json")
  pgi_machine_1000=$(machine "$work/pg-ingest-1000.json")
  stop
else
  echo "PostgreSQL at $PG_SERVER does not answer; skipping its part" >&2
fi

# -------------------------------------------------------------------- SQLite
say "SQLite floor: single-row insert transactions, $CONCURRENCY goroutines, ${DURATION}s"
"$work/sqlitefloor" --concurrency "$CONCURRENCY" --duration "${DURATION}s" --dir "$work" --json >"$work/floor.json"
sq_floor=$(sed -n 's/.*"inserts_per_s":\([0-9.]*\).*/\1/p' "$work/floor.json")
echo "floor: $sq_floor inserts/s" >&2

config sqlite ""
agents
start
sleep 3 # let start-up garbage be collected: this is the idle figure
sq_startup=$startup_ms
sq_idle_rss=$(rss_mb "$dpid")
echo "start-up to ready: ${sq_startup} ms, idle RSS ${sq_idle_rss} MB" >&2
say "SQLite hub ingest, flat out, $CONCURRENCY senders, ${DURATION}s"
load sq-flat --rate 0 --concurrency "$CONCURRENCY" --duration "${DURATION}s" --consoles 4
sq_hub=$(jget accepted_per_s "$work/sq-flat.json")
say "SQLite hub, $CONSOLES consoles at 100 events/s"
load sq-consoles --rate 100 --concurrency 16 --duration "${DURATION}s" --consoles "$CONSOLES"
sq_cons_p99=$(jget p99_ms "$work/sq-consoles.json")
stop

config sqlite ""
agents
start
say "SQLite hub with $IDLE idle consoles"
# No warm-up: with no console connected, its dialogs would wait in the
# queue and be handed out in one burst when the idle consoles connect.
load sq-idle --rate 5 --concurrency 2 --duration 10s --consoles 0 --idle "$IDLE" --warm=false
sq_idle_conns=$(jget idle_consoles "$work/sq-idle.json")
sq_idle_conn_rss=$(jget rss_max_mb "$work/sq-idle.json")
stop

# ---------------------------------------------------------------- Go benches
say "identity lookup benchmarks"
export SWITCHBOARD_TEST_DATABASE_URL="${SWITCHBOARD_TEST_DATABASE_URL:-$PG_SERVER}"
lookup() {
  SWITCHBOARD_BENCH_CLIENTS=$1 go test ./storage/sqldb -run '^$' -bench 'IdentityLookup' -benchtime 20000x -timeout 60m 2>&1 |
    grep '^Benchmark' | sed "s/^/$1 clients: /" >&2
}
lookup 10000
[ "$MILLION" = 1 ] && lookup 1000000
say "round-robin fairness over 10,000 dialogs, 10 managers (SQLite)"
go test ./router -run '^$' -bench 'RoundRobinFairness/sqlite' -benchtime 10000x -timeout 30m 2>&1 | grep '^Benchmark' >&2

# ------------------------------------------------------------------- summary
say "summary ($(nproc) cores, concurrency $CONCURRENCY, ${DURATION}s runs)"
{
  if [ -n "$pg_tps" ]; then
    printf 'postgres  pgbench single-row INSERT tps   %10s\n' "$pg_tps"
    printf 'postgres  webhook floor events/s         %10s   ratio %s; at 1,000/s: %s/s, acknowledged p99 %s ms (from the slot %s ms)\n' \
      "$wh_flat" "$(ratio "$wh_flat" "$pg_tps")" "$wh_rate_1000" "$wh_p99_1000" "$wh_slot_1000"
    printf 'postgres  hub ingest events/s            %10s   ratio %s (target >= 1.0), %s of the webhook floor\n' \
      "$pg_hub" "$(ratio "$pg_hub" "$pg_tps")" "$(ratio "$pg_hub" "$wh_flat")"
    printf 'postgres  ingest alone (no console work) %10s   ratio %s, %s of the webhook floor\n' \
      "$pg_ingest" "$(ratio "$pg_ingest" "$pg_tps")" "$(ratio "$pg_ingest" "$wh_flat")"
    printf 'postgres  at 1,000/s offered: accepted   %10s/s, p99 %s ms (target < 50 ms), acknowledged p99 %s ms; from the slot p99 %s\n' \
      "$pg_rate_1000" "$pg_p99_1000" "$pg_ack_1000" "$pg_slot_1000"
    printf 'postgres  at 1,000/s: waits for a store connection %s; the daemon ran %s s and waited %s s for a core; %s\n' \
      "$pg_pool_1000" "$pg_cpu_1000" "$pg_waited_1000" "$pg_machine_1000"
    printf 'postgres  ingest alone at 1,000/s: accepted %s/s, p99 %s ms, acknowledged p99 %s ms, from the slot p99 %s; the daemon ran %s s and waited %s s for a core; %s\n' \
      "$pgi_rate_1000" "$pgi_p99_1000" "$pgi_ack_1000" "$pgi_slot_1000" "$pgi_cpu_1000" "$pgi_waited_1000" "$pgi_machine_1000"
  fi
  printf 'sqlite    single-row insert loop /s      %10s\n' "$sq_floor"
  printf 'sqlite    hub ingest events/s            %10s   ratio %s\n' "$sq_hub" "$(ratio "$sq_hub" "$sq_floor")"
  printf 'sqlite    %s consoles, 100/s: p99         %10s ms (target < 20 ms commit-to-frame)\n' "$CONSOLES" "$sq_cons_p99"
  printf 'sqlite    %s idle WebSockets: RSS       %10s MB (target < 250 MB)\n' "$sq_idle_conns" "$sq_idle_conn_rss"
  printf 'sqlite    idle RSS                       %10s MB (target < 50 MB)\n' "$sq_idle_rss"
  printf 'sqlite    start-up to ready              %10s ms (target < 1000 ms)\n' "$sq_startup"
}
