package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var eventTests = []test{
	{"EventLog", testEventLog},
	{"EventTrim", testEventTrim},
	{"EventNotify", testEventNotify},
	{"CountEvents", testCountEvents},
	{"AppendEvents", testAppendEvents},
	{"AppendEventsAtCommit", testAppendEventsAtCommit},
	{"RecentEvents", testRecentEvents},
}

// recentSource is what a store offers the event stream besides the log:
// the events its own process committed last (see stream.RecentSource).
type recentSource interface {
	RecentEventsAfter(after int64, n int) ([]storage.Event, bool)
	Signal(id int64)
}

// testRecentEvents: the events a store's own transactions committed are
// handed out exactly as the log holds them, never those of a rolled-back
// transaction, and only when they cover everything up to the newest event
// the store has heard of.
func testRecentEvents(t *testing.T, s storage.Store) {
	rs, isRecent := s.(recentSource)
	if !isRecent {
		t.Fatalf("%T keeps no recent events", s)
	}
	c := ctx(t)
	first := storage.Event{Type: "presence.changed", At: t0.Add(123456 * time.Nanosecond), Data: json.RawMessage(`{"x":1}`)}
	ok(t, s.AppendEvent(c, &first))
	errRollback := errors.New("roll back")
	err := s.Tx(c, func(tx storage.Queries) error {
		if err := tx.AppendEvents(c, []storage.Event{{Type: "lost", At: t0, Data: json.RawMessage(`{}`)}}); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "rolled back", err, errRollback)
	got, held := rs.RecentEventsAfter(first.ID, 10)
	eq(t, "after a rollback", [2]any{len(got), held}, [2]any{0, true})
	batch := []storage.Event{
		{Type: "dialog.created", At: at(time.Second), Data: json.RawMessage(`{"b":"два"}`), DialogID: 3, ClientID: 7, TeamID: 2},
		{Type: "dialog.assigned", At: at(2 * time.Second), DialogID: 3, ManagerID: 5},
		{Type: "message.created", At: at(3 * time.Second), Data: json.RawMessage(`{}`), DialogID: 3},
	}
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		if err := tx.AppendEvents(c, batch[:2]); err != nil {
			return err
		}
		return tx.AppendEvent(c, &batch[2])
	}))
	waitNotify(t, s, batch[2].ID)

	before := first.ID - 1
	fromLog := must(s.EventsAfter(c, before, 10))(t)
	eq(t, "log", len(fromLog), 4)
	got, held = rs.RecentEventsAfter(before, 10)
	eq(t, "held", held, true)
	eq(t, "as the log holds them", got, fromLog)
	got, held = rs.RecentEventsAfter(before, 2)
	eq(t, "a page", [2]any{got, held}, [2]any{fromLog[:2], true})
	got, held = rs.RecentEventsAfter(batch[2].ID, 10)
	eq(t, "nothing newer", [2]any{len(got), held}, [2]any{0, true})

	// Committed elsewhere (another replica): not held, so read the log.
	rs.Signal(batch[2].ID + 1)
	_, held = rs.RecentEventsAfter(before, 10)
	eq(t, "with a newer event from elsewhere", held, false)
	_, held = rs.RecentEventsAfter(batch[2].ID, 10)
	eq(t, "only the one from elsewhere", held, false)
}

// testAppendEvents: several events in one call get consecutive ids in
// order, read back exactly, inside a transaction and on their own, and
// interleave correctly with single appends.
func testAppendEvents(t *testing.T, s storage.Store) {
	c := ctx(t)
	solo := storage.Event{Type: "presence.changed", At: t0, Data: json.RawMessage(`{}`)}
	ok(t, s.AppendEvent(c, &solo))
	batch := []storage.Event{
		{Type: "client.updated", At: at(time.Second), Data: json.RawMessage(`{"a":1}`), ClientID: 7},
		{Type: "dialog.created", At: at(2 * time.Second), Data: json.RawMessage(`{"b":"два"}`), DialogID: 3, ClientID: 7, TeamID: 2},
		{Type: "dialog.assigned", At: at(3 * time.Second), Data: json.RawMessage(`{}`), DialogID: 3, ClientID: 7, TeamID: 2, ManagerID: 5},
	}
	ok(t, s.Tx(c, func(tx storage.Queries) error { return tx.AppendEvents(c, batch) }))
	for i, e := range batch {
		eq(t, "batch id", e.ID, solo.ID+1+int64(i))
	}
	eq(t, "read back", must(s.EventsAfter(c, solo.ID, 10))(t), batch)
	more := []storage.Event{{Type: "x", At: t0, Data: json.RawMessage(`{}`)}, {Type: "y", At: t0, Data: json.RawMessage(`{}`)}}
	ok(t, s.AppendEvents(c, more))
	eq(t, "outside a transaction", [2]int64{more[0].ID, more[1].ID}, [2]int64{batch[2].ID + 1, batch[2].ID + 2})
	waitNotify(t, s, more[1].ID)
	ok(t, s.AppendEvents(c, nil))
}

func testEventLog(t *testing.T, s storage.Store) {
	c := ctx(t)
	o, n := must2(s.EventBounds(c))(t)
	eq(t, "empty bounds", [2]int64{o, n}, [2]int64{0, 0})
	eq(t, "empty log", len(must(s.EventsAfter(c, 0, 10))(t)), 0)

	var evs []storage.Event
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		for i, typ := range []string{"dialog.created", "message.created", "dialog.assigned"} {
			e := storage.Event{Type: typ, At: at(time.Duration(i) * time.Second), Data: json.RawMessage(`{"n":1}`),
				DialogID: 1, ClientID: 2, TeamID: 3, ManagerID: int64(i)}
			if err := tx.AppendEvent(c, &e); err != nil {
				return err
			}
			evs = append(evs, e)
		}
		return nil
	}))
	for i, e := range evs {
		if e.ID != evs[0].ID+int64(i) {
			t.Fatalf("ids not consecutive: %d", ids(evs, func(e storage.Event) int64 { return e.ID }))
		}
	}
	eq(t, "after 0", must(s.EventsAfter(c, 0, 10))(t), evs)
	eq(t, "after first", must(s.EventsAfter(c, evs[0].ID, 10))(t), evs[1:])
	eq(t, "limit", must(s.EventsAfter(c, 0, 2))(t), evs[:2])
	eq(t, "after newest", len(must(s.EventsAfter(c, evs[2].ID, 10))(t)), 0)

	// Outside Tx an append is its own transaction; no data is allowed.
	solo := storage.Event{Type: "presence", At: at(time.Minute)}
	ok(t, s.AppendEvent(c, &solo))
	eq(t, "next id", solo.ID, evs[2].ID+1)
	eq(t, "stored without data", must(s.EventsAfter(c, evs[2].ID, 10))(t), []storage.Event{solo})
	o, n = must2(s.EventBounds(c))(t)
	eq(t, "bounds", [2]int64{o, n}, [2]int64{evs[0].ID, solo.ID})

	// A rolled-back append leaves no trace and its id is handed out again.
	boom := errors.New("boom")
	err := s.Tx(c, func(tx storage.Queries) error {
		e := storage.Event{Type: "lost", At: t0}
		if err := tx.AppendEvent(c, &e); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, "rollback", err, boom)
	next := storage.Event{Type: "kept", At: t0}
	ok(t, s.AppendEvent(c, &next))
	eq(t, "no gap after rollback", next.ID, solo.ID+1)
}

func testEventTrim(t *testing.T, s storage.Store) {
	c := ctx(t)
	eq(t, "trim empty", must(s.TrimEvents(c, at(time.Hour)))(t), int64(0))
	var last storage.Event
	for i := range 4 {
		last = storage.Event{Type: "x", At: at(time.Duration(i) * time.Minute)}
		ok(t, s.AppendEvent(c, &last))
	}
	eq(t, "trim the two oldest", must(s.TrimEvents(c, at(2*time.Minute)))(t), int64(2))
	o, n := must2(s.EventBounds(c))(t)
	eq(t, "bounds after trim", [2]int64{o, n}, [2]int64{last.ID - 1, last.ID})
	eq(t, "trim all keeps the newest", must(s.TrimEvents(c, at(time.Hour)))(t), int64(1))
	o, n = must2(s.EventBounds(c))(t)
	eq(t, "only the newest left", [2]int64{o, n}, [2]int64{last.ID, last.ID})
	next := storage.Event{Type: "y", At: at(time.Hour)}
	ok(t, s.AppendEvent(c, &next))
	eq(t, "ids never restart", next.ID, last.ID+1)
}

func testEventNotify(t *testing.T, s storage.Store) {
	c := ctx(t)
	select {
	case id := <-s.Notify():
		t.Fatalf("notification %d before any event", id)
	default:
	}
	var e storage.Event
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		e = storage.Event{Type: "x", At: t0}
		if err := tx.AppendEvent(c, &e); err != nil {
			return err
		}
		select {
		case id := <-s.Notify():
			t.Errorf("notification %d before commit", id)
		default:
		}
		return nil
	}))
	waitNotify(t, s, e.ID)

	// A transaction without events, and a rolled-back one, notify nothing.
	ok(t, s.Tx(c, func(tx storage.Queries) error { return tx.SetState(c, "s", "k", "v") }))
	_ = s.Tx(c, func(tx storage.Queries) error {
		x := storage.Event{Type: "lost", At: t0}
		if err := tx.AppendEvent(c, &x); err != nil {
			return err
		}
		return errors.New("rollback")
	})
	select {
	case id := <-s.Notify():
		t.Fatalf("notification %d without a commit of events", id)
	case <-time.After(200 * time.Millisecond):
	}

	// Several commits before the reader looks: it sees the newest.
	var newest storage.Event
	for range 3 {
		newest = storage.Event{Type: "y", At: t0}
		ok(t, s.AppendEvent(c, &newest))
	}
	waitNotify(t, s, newest.ID)
}

// waitNotify waits for Notify to report id or a newer one.
func waitNotify(t *testing.T, s storage.Store, id int64) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-s.Notify():
			if got >= id {
				return
			}
		case <-deadline:
			t.Fatalf("no notification of event %d", id)
		}
	}
}

// must2 is must for calls returning two values and an error.
func must2[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func testCountEvents(t *testing.T, s storage.Store) {
	c := ctx(t)
	eq(t, "empty log", must(s.CountEvents(c, "sla.breached", time.Time{}))(t), 0)
	for _, e := range []storage.Event{
		{Type: "sla.breached", At: at(-time.Hour)},
		{Type: "sla.breached", At: t0},
		{Type: "sla.breached", At: at(time.Minute)},
		{Type: "dialog.created", At: at(time.Minute)},
	} {
		e.Data = json.RawMessage(`{}`)
		ok(t, s.AppendEvent(c, &e))
	}
	eq(t, "since is inclusive", must(s.CountEvents(c, "sla.breached", t0))(t), 2)
	eq(t, "whole log", must(s.CountEvents(c, "sla.breached", time.Time{}))(t), 3)
	eq(t, "other type", must(s.CountEvents(c, "dialog.created", t0))(t), 1)
	eq(t, "after the last", must(s.CountEvents(c, "sla.breached", at(time.Hour)))(t), 0)
}

// testAppendEventsAtCommit: events appended at commit, by one call or
// several, are logged after the transaction's other events, in order,
// numbered once it committed, and
// notified and kept for the stream like any others; a transaction that
// fails afterwards leaves none of them.
func testAppendEventsAtCommit(t *testing.T, s storage.Store) {
	c := ctx(t)
	solo := storage.Event{Type: "presence.changed", At: t0, Data: json.RawMessage(`{}`)}
	ok(t, s.AppendEvent(c, &solo))

	first := []storage.Event{
		{Type: "dialog.created", At: at(time.Second), Data: json.RawMessage(`{"b":"два"}`), DialogID: 3, ClientID: 7, TeamID: 2},
		{Type: "dialog.assigned", At: at(2 * time.Second), DialogID: 3, ManagerID: 5},
	}
	second := []storage.Event{{Type: "message.created", At: at(3 * time.Second), Data: json.RawMessage(`{}`), DialogID: 3}}
	direct := storage.Event{Type: "client.updated", At: at(4 * time.Second), Data: json.RawMessage(`{}`), ClientID: 7}
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		if err := tx.AppendEvent(c, &direct); err != nil {
			return err
		}
		if err := tx.AppendEventsAtCommit(c, first); err != nil {
			return err
		}
		if err := tx.AppendEventsAtCommit(c, nil); err != nil {
			return err
		}
		return tx.AppendEventsAtCommit(c, second)
	}))
	eq(t, "ids", [4]int64{direct.ID, first[0].ID, first[1].ID, second[0].ID},
		[4]int64{solo.ID + 1, solo.ID + 2, solo.ID + 3, solo.ID + 4})
	waitNotify(t, s, second[0].ID)
	eq(t, "read back", must(s.EventsAfter(c, solo.ID, 10))(t), []storage.Event{direct, first[0], first[1], second[0]})
	if rs, isRecent := s.(recentSource); isRecent {
		got, held := rs.RecentEventsAfter(solo.ID, 10)
		eq(t, "kept for the stream", [2]any{got, held}, [2]any{must(s.EventsAfter(c, solo.ID, 10))(t), true})
	}

	// Outside a transaction they are appended at once.
	alone := []storage.Event{{Type: "x", At: t0, Data: json.RawMessage(`{}`)}}
	ok(t, s.AppendEventsAtCommit(c, alone))
	eq(t, "outside a transaction", alone[0].ID, second[0].ID+1)

	// A transaction that fails after asking leaves nothing.
	errRollback := errors.New("roll back")
	lost := []storage.Event{{Type: "lost", At: t0, Data: json.RawMessage(`{}`)}}
	wantErr(t, "rolled back", s.Tx(c, func(tx storage.Queries) error {
		if err := tx.AppendEventsAtCommit(c, lost); err != nil {
			return err
		}
		return errRollback
	}), errRollback)

	_, newest := must2(s.EventBounds(c))(t)
	eq(t, "nothing logged by a failed transaction", newest, alone[0].ID)
}
