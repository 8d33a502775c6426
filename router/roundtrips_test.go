package router_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// TestIngestRoundTrips counts the round trips to PostgreSQL that each kind
// of ingest costs, as a budget: on a saturated machine they are much of
// the CPU an event takes (a context switch on both sides of each), and
// across a network the latency. A change that adds one shows up here
// before it shows in a load run's noise.
func TestIngestRoundTrips(t *testing.T) {
	t.Parallel()
	st, trips := storetest.PostgresCounted(t)
	// One event at a time, each in a transaction of its own: the path
	// that every event not sharing a batch takes.
	e := newEnv(t, st, router.Config{MaxBatch: 1})
	ctx, r := e.ctx, e.r
	e.team("sales", storage.RoundRobin, 10*time.Minute, e.manager("m1", 1000, storage.Online))

	// Distinct names raise no namesakes, except where a kind asks for one.
	surnames := []string{"Иванова", "Смирнова", "Кузнецова", "Попова", "Соколова", "Лебедева", "Козлова", "Новикова",
		"Морозова", "Петрова", "Волкова", "Соловьёва", "Васильева", "Зайцева", "Павлова", "Семёнова", "Голубева",
		"Виноградова", "Богданова", "Воробьёва"}
	name := func(k int) string { return "Вера " + surnames[k%len(surnames)] }
	ev := func(id, tel, mail string, k int) channels.InboundEvent {
		in := msg("api:shop", id, name(k), phone(tel))
		if mail != "" {
			in.From.Identities = append(in.From.Identities, email(mail))
		}
		in.Team = "sales"
		return in
	}
	n := 0
	cost := func(in channels.InboundEvent) int64 {
		t.Helper()
		before := trips.Trips()
		if _, err := r.Ingest(ctx, in); err != nil {
			t.Fatal(err)
		}
		return trips.Trips() - before
	}
	// kind counts the round trips of the event that prepare(k) returns,
	// after the events prepare ingests itself to set the scene. It runs
	// three times: the first run prepares the statements on its
	// connection; of the other two the cheaper count is taken, in case the
	// pool handed a counted run a connection that had not prepared them.
	kind := func(what string, want int64, prepare func(k int) channels.InboundEvent) {
		t.Helper()
		got := int64(-1)
		for i := range 3 {
			n++
			c := cost(prepare(n))
			if i > 0 && (got < 0 || c < got) {
				got = c
			}
		}
		if got != want {
			t.Errorf("%s: %d round trips, want %d", what, got, want)
		}
	}
	number := func(k int) string { return fmt.Sprintf("+7 912 000-%02d-%02d", k/100, k%100) }

	// Three namesakes of name(1) and three clients at a corporate domain,
	// so that every counted event of the kinds below that meets them
	// raises the same number of candidates (the best three) and sends
	// statements of the same shape.
	for i := range 3 {
		cost(ev(fmt.Sprint("seed-namesake-", i), number(900+i), "", 1))
		cost(ev(fmt.Sprint("seed-corp-", i), number(950+i), fmt.Sprintf("seed%d@krug.example", i), 17+i))
	}

	// A new client: the duplicate check and identity lookup, with its
	// client's and dialog's ids taken from the sequences; then its client,
	// name keys, identities, namesakes, dialog, its team's members and
	// message in one flight; capacity; and the assignment, owner and log
	// sent with the COMMIT. The round-robin turn comes from the process's
	// block of turns: a statement on a connection of its own once a
	// block, which the cheaper of two counted runs leaves out.
	kind("new client", 4, func(k int) channels.InboundEvent {
		return ev(fmt.Sprint("new-", k), number(k), "", k)
	})
	// The shared queue's members, every manager, are read likewise.
	kind("new client in the shared queue", 4, func(k int) channels.InboundEvent {
		in := ev(fmt.Sprint("shared-", k), number(k), "", k)
		in.Team = ""
		return in
	})
	// With a corporate address: the clients at its domain are read in
	// the same flight, and the candidates they make go with the capacity.
	kind("new client with a corporate address", 4, func(k int) channels.InboundEvent {
		return ev(fmt.Sprint("corp-", k), number(k), fmt.Sprintf("v%d@krug.example", k), k)
	})
	// Namesakes of an earlier client: their candidates likewise.
	kind("new client with namesakes", 4, func(k int) channels.InboundEvent {
		return ev(fmt.Sprint("namesake-", k), number(k), "", 1)
	})
	// A returning client writing into the open dialog: duplicate check and
	// identity lookup, client and open dialog, and the message, whose
	// activity update and log go with the COMMIT.
	kind("returning client", 4, func(k int) channels.InboundEvent {
		e.ingest(ev(fmt.Sprint("first-", k), number(k), "", k))
		return ev(fmt.Sprint("again-", k), number(k), "", k)
	})
	// A returning client whose dialog was closed: the two looks, then a
	// new dialog with its team's members, message, the owner's capacity
	// (the owner comes first: no round-robin turn), and the COMMIT.
	kind("returning client, dialog closed", 6, func(k int) channels.InboundEvent {
		rc := e.ingest(ev(fmt.Sprint("before-", k), number(k), "", k))
		if err := st.SetDialogStatus(ctx, rc.DialogID, storage.DialogClosed, e.clock.now()); err != nil {
			t.Fatal(err)
		}
		return ev(fmt.Sprint("after-", k), number(k), "", k)
	})
	// A replay is answered from the first look, and an empty COMMIT.
	kind("replay", 2, func(k int) channels.InboundEvent {
		in := ev(fmt.Sprint("replayed-", k), number(k), "", k)
		e.ingest(in)
		return in
	})
}
