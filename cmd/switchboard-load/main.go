// Command switchboard-load drives a Switchboard daemon with synthetic
// traffic and reports how it held up.
//
// N synthetic clients post API-channel events (a mix of new and returning
// clients, phone numbers written the messy ways people write them, and
// replays of events already sent), at a target rate or flat out, for a
// duration, while M manager consoles follow the WebSocket stream and some
// answer through the agent API. A progress line is printed every second
// and a report at the end: accepted events/s, end-to-end latency from the
// webhook's send to the frame at a console, errors by kind, assignments
// per manager, outbox throughput and the daemon's RSS and CPU.
//
// At a target rate every event has a slot, due at a fixed interval from
// the start whether or not a sender is free, and the report also counts
// both latencies from the slot: a hub that falls behind shows as slots
// sent late or not at all and as latency, not only as fewer events sent.
//
// Against a running daemon:
//
//	switchboard-load --url http://127.0.0.1:8080 --channel shop --secret S --token sbt_… --duration 30s
//
// or with the daemon run in this process on a throwaway database, which
// creates its own managers, team, channel and tokens:
//
//	switchboard-load --inprocess sqlite --rate 0 --duration 20s --consoles 10
//	switchboard-load --inprocess postgres://postgres@127.0.0.1:5432/perf?sslmode=disable
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "switchboard-load:", err)
		os.Exit(1)
	}
}
