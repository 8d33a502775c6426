# Shell functions shared by perf.sh and pairs.sh. The caller sets PORT and
# sources this file, which makes work (a temporary directory for the load
# tool's binary and reports, removed by the caller); before starting a
# daemon the caller sets bin, the directory of the switchboard binary.

CBPORT=$((PORT + 1))
SECRET=perf-secret-0123456789abcdef
work=$(mktemp -d)
dpid=""

say() { printf '\n== %s\n' "$*" >&2; }
# jget KEY FILE: the first numeric value of "KEY": in an indented JSON report.
jget() { sed -n "s/.*\"$1\": \\(-\\{0,1\\}[0-9.e+]*\\).*/\\1/p" "$2" | head -n 1; }
# ratio A B [FORMAT]: A / B, printed with FORMAT (%.3f), or n/a when B is 0.
ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.3f}" 'BEGIN { if (b > 0) printf f, a / b; else print "n/a" }'; }
# sget SECTION KEY FILE: the first numeric value of KEY inside SECTION's
# object of a load report.
sget() { sed -n "/\"$1\"/,/}/p" "$3" | jget "$2" /dev/stdin; }
# ack_p99 FILE: the p99 of the time to the 2xx in a load report.
ack_p99() { sget ack_latency p99_ms "$1"; }
# slot_p99 FILE [SECTION]: at a fixed rate, the p99 counted from each
# event's slot, to the frame (slot_latency) or to the 2xx (slot_ack_latency).
slot_p99() { sget "${2:-slot_latency}" p99_ms "$1"; }
# unsent FILE: at a fixed rate, the slots no sender reached in time.
unsent() { sget schedule unsent "$1"; }
# pool FILE: the daemon's waits for a store connection in a load report.
pool() {
  printf '%s per event, mean %s ms' "$(sget store_pool waits_per_event "$1")" "$(sget store_pool mean_wait_ms "$1")"
}
# machine FILE: how busy the machine's cores were in a load report, and the
# CPU seconds of the load tool and of the rest besides it and the daemon.
machine() {
  printf 'the cores %s%% busy, the load tool ran %s s and the rest %s s' "$(sget machine busy_percent "$1")" \
    "$(sget machine load_tool_cpu_s "$1")" "$(sget machine other_cpu_s "$1")"
}
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

# dburl NAME: PG_SERVER's URL with the database NAME instead of its own.
dburl() { echo "$PG_SERVER" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$1#"; }

# config DRIVER URL: writes the daemon's configuration for this run.
config() {
  cat >"$work/config.yaml" <<YAML
data_dir: $work/data
http: {addr: "127.0.0.1:$PORT"}
log: {level: warn}
storage: {driver: $1, url: "$2"}
channels:
  api:
    - {name: load, secret: $SECRET, callback_url: "http://127.0.0.1:$CBPORT/callback"}
YAML
  rm -rf "$work/data"
}

# agents: four agents with room for the whole run, and their tokens.
agents() {
  local i t
  tokens=""
  for i in 1 2 3 4; do
    "$bin/switchboard" --config "$work/config.yaml" agent add "load$i" --capacity 100000 >/dev/null
    t=$("$bin/switchboard" --config "$work/config.yaml" token create "load$i" | awk '{print $NF}')
    tokens="${tokens:+$tokens,}$t"
  done
}

# serve CONFIG HTTP_PORT LOG: runs a daemon on CONFIG, with the settings in
# DAEMON_ENV (e.g. GOGC=200) added to its environment, and waits for its
# /readyz; sets served to its process id.
serve() {
  # shellcheck disable=SC2086
  env ${DAEMON_ENV:-} "$bin/switchboard" --config "$1" serve >"$3" 2>&1 &
  served=$!
  for _ in $(seq 3000); do
    curl -sf "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && break
    sleep 0.01
  done
  curl -sf "http://127.0.0.1:$2/readyz" >/dev/null || { kill "$served" 2>/dev/null; cat "$3" >&2; exit 1; }
}

# start: runs the daemon (see serve); sets dpid and startup_ms.
start() {
  local t0
  t0=$(now_ms)
  serve "$work/config.yaml" "$PORT" "$work/daemon.log"
  dpid=$served
  startup_ms=$(($(now_ms) - t0))
}

stop() { kill "$dpid"; wait "$dpid" 2>/dev/null || true; dpid=""; }

# load NAME ARGS...: one load-tool run against the daemon, report in $work/NAME.json,
# the load tool at the scheduling priority LOAD_NICE (nice(1)'s; 0 when unset).
load() {
  local name=$1
  shift
  nice -n "${LOAD_NICE:-0}" "$work/switchboard-load" --url "http://127.0.0.1:$PORT" --channel load --secret "$SECRET" --token "$tokens" \
    --callback-listen "127.0.0.1:$CBPORT" --pid "$dpid" --json --quiet "$@" >"$work/$name.json"
  printf '%s: %s events/s accepted, p99 %s ms, errors: %s\n' "$name" "$(jget accepted_per_s "$work/$name.json")" \
    "$(jget p99_ms "$work/$name.json")" "$(sed -n '/"errors"/,/}/p' "$work/$name.json" | tr -d ' \n')" >&2
}

# prime DBURL [LOAD ARGS...]: a short unmeasured run, then ANALYZE. A hub in service has
# its tables analyzed by autovacuum; a throwaway database a few seconds old
# has not, and on a server with autovacuum off never would be, so its
# plans would be made for empty tables.
prime() {
  local url=$1
  shift
  "$work/switchboard-load" --url "http://127.0.0.1:$PORT" --channel load --secret "$SECRET" --token "$tokens" \
    --json --quiet --rate 1000 --concurrency 64 --duration 1s --consoles 4 "$@" >/dev/null
  psql "$url" -qc ANALYZE
}

