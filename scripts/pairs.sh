#!/usr/bin/env bash
# Compare two builds of the daemon on PostgreSQL in interleaved runs, the
# way docs/PERFORMANCE.md measures a change: on a shared machine the same
# run repeated minutes apart varies more than most changes do, so each
# figure is only compared with its neighbour.
#
#   scripts/pairs.sh REV_A REV_B [LOAD ARGS...]
#
# REV_A and REV_B are git revisions, or "." for the working tree as it is.
# Each pair runs both builds, the first of them alternating, each on a
# throwaway database of its own: four agents, a 1 s unmeasured run and
# ANALYZE (as perf.sh does), then one measured run of the load tool (built
# from the working tree, the same for both) at RATE events/s from 64
# senders with 4 consoles and the LOAD ARGS, e.g. --close=false
# --answer-ratio 0 for the ingest path alone, or --new-ratio 0.1.
# It prints a line per run and the medians of each build. A line has,
# besides the load tool's figures, the database's transactions, inserts
# and updates per accepted event, and the WAL the server wrote per
# accepted event; then how busy the machine's cores were, and the CPU
# milliseconds per accepted event of the load tool and of the rest of the
# machine besides it and the daemon. The WAL and the rest count the whole
# machine, PostgreSQL's cluster and all: run it where nothing else runs.
#
# Settings (environment): PAIRS [3], RATE [1000], DURATION [10],
# TEAM [0; 1 routes events to a round-robin team of the four agents],
# PEER [0; 1 runs a second replica of the same build beside each daemon,
# with no load of its own, so that the measured one announces its commits],
# PG_SERVER [postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable],
# PG_SERVER_B [PG_SERVER; the same cluster reached another way by B's daemon,
# e.g. postgres://postgres@/postgres?host=/var/run/postgresql for its Unix
# socket, to compare the two with REV_A and REV_B the same], ENV_B [settings
# added to the environment of B's daemon, e.g. GOMAXPROCS=4], NICE_B [0;
# the load tool's nice(1) priority in B's runs, e.g. 10 to see whether its
# share of the cores moves B's latency], PORT [18490].
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 2 ] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
rev_a=$1 rev_b=$2
shift 2
PAIRS=${PAIRS:-3}
RATE=${RATE:-1000}
DURATION=${DURATION:-10}
TEAM=${TEAM:-0}
PEER=${PEER:-0}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
PG_SERVER_B=${PG_SERVER_B:-$PG_SERVER}
PORT=${PORT:-18490}
# shellcheck source=scripts/perflib.sh
. scripts/perflib.sh
pgdb=""
trees=()
peer=""
cleanup() {
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null || true
  [ -n "$peer" ] && kill "$peer" 2>/dev/null && wait "$peer" 2>/dev/null || true
  [ -n "$pgdb" ] && psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
  for t in "${trees[@]}"; do git worktree remove --force "$t" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# build REV DIR: the daemon of REV in DIR.
build() {
  local src=.
  if [ "$1" != . ]; then
    src="$work/tree-$(basename "$2")"
    git worktree add --detach --quiet "$src" "$1"
    trees+=("$src")
  fi
  mkdir -p "$2"
  (cd "$src" && go build -o "$2/switchboard" ./cmd/switchboard)
}
say "building $rev_a (A) and $rev_b (B)"
build "$rev_a" "$work/a"
build "$rev_b" "$work/b"
go build -o "$work/switchboard-load" ./cmd/switchboard-load

# dbstats URL: transactions, inserts and updates so far in the database,
# and the server's WAL position in bytes.
dbstats() {
  psql "$1" -qAtc "SELECT xact_commit + xact_rollback, tup_inserted, tup_updated,
      pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint
    FROM pg_stat_database WHERE datname = current_database()" | tr '|' ' '
}

# ms SECONDS: the same in milliseconds.
ms() { awk -v s="$1" 'BEGIN { print s * 1000 }'; }

# run LABEL DIR [LOAD ARGS...]: one measured run of the daemon in DIR; appends its line to
# $work/LABEL.runs.
run() {
  local label=$1 before after url
  bin=$2
  shift 2
  pgdb="pairs_$(date +%s)_$$"
  psql "$PG_SERVER" -qc "CREATE DATABASE $pgdb" >/dev/null
  url=$(dburl "$pgdb")
  DAEMON_ENV="" LOAD_NICE=0
  if [ "${label:0:1}" = B ]; then
    config postgres "$(PG_SERVER=$PG_SERVER_B dburl "$pgdb")"
    DAEMON_ENV=${ENV_B:-} LOAD_NICE=${NICE_B:-0}
  else
    config postgres "$url"
  fi
  agents
  if [ "$TEAM" = 1 ]; then
    psql "$url" -qc "INSERT INTO teams (name, strategy, created_at) VALUES ('load', 'round_robin', 0);
      INSERT INTO team_members SELECT t.id, m.id FROM teams t, managers m WHERE t.name = 'load' AND m.login LIKE 'load%'" >/dev/null
    printf 'router: {default_team: load}\n' >>"$work/config.yaml"
  fi
  start
  if [ "$PEER" = 1 ]; then
    sed "s/127.0.0.1:$PORT\"/127.0.0.1:$((PORT + 2))\"/" "$work/config.yaml" >"$work/peer.yaml"
    serve "$work/peer.yaml" $((PORT + 2)) "$work/peer.log"
    peer=$served
  fi
  prime "$url" "$@"
  before=$(dbstats "$url")
  load "$label" --rate "$RATE" --concurrency 64 --duration "${DURATION}s" --consoles 4 "$@" 2>/dev/null
  after=$(dbstats "$url")
  stop
  if [ -n "$peer" ]; then
    kill "$peer"
    wait "$peer" 2>/dev/null || true
    peer=""
  fi
  psql "$PG_SERVER" -qc "DROP DATABASE $pgdb" >/dev/null
  pgdb=""
  local f="$work/$label.json" n
  n=$(jget accepted "$f")
  # shellcheck disable=SC2086
  set -- $before $after
  printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$(jget accepted_per_s "$f")" "$(jget p50_ms "$f")" "$(jget p99_ms "$f")" \
    "$(ack_p99 "$f")" "$(jget cpu_s "$f")" "$(jget run_queue_wait_s "$f")" \
    "$(ratio "$(($5 - $1))" "$n")" "$(ratio "$(($6 - $2))" "$n")" "$(ratio "$(($7 - $3))" "$n")" \
    "$(ratio "$(($8 - $4))" "$n" %.0f)" "$(jget busy_percent "$f")" \
    "$(ratio "$(ms "$(jget load_tool_cpu_s "$f")")" "$n")" "$(ratio "$(ms "$(jget other_cpu_s "$f")")" "$n")" \
    "$(slot_p99 "$f")" "$(unsent "$f")" >>"$work/${label%%[0-9]*}.runs"
  printf '%-3s %s\n' "$label" "$(tail -n 1 "$work/${label%%[0-9]*}.runs")"
}

say "$PAIRS pairs at $RATE/s for ${DURATION}s, load args: ${*:-none}, team: $TEAM"
echo "run accepted/s p50_ms p99_ms ack_p99_ms daemon_cpu_s cpu_wait_s tx/event inserts/event updates/event wal_bytes/event busy_% load_cpu_ms/event other_cpu_ms/event slot_p99_ms unsent"
for pair in $(seq "$PAIRS"); do
  if [ $((pair % 2)) = 1 ]; then
    run "A$pair" "$work/a" "$@"
    run "B$pair" "$work/b" "$@"
  else
    run "B$pair" "$work/b" "$@"
    run "A$pair" "$work/a" "$@"
  fi
done

# median COLUMN FILE
median() { cut -d' ' -f"$1" "$2" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
say "medians"
for s in A B; do
  printf '%s  ' "$s"
  for c in $(seq 15); do printf '%s ' "$(median "$c" "$work/$s.runs")"; done
  echo
done
