package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var concurrencyTests = []test{
	{"ConcurrentReserveCapacity", testConcurrentReserveCapacity},
	{"ConcurrentAssign", testConcurrentAssign},
	{"ConcurrentClaimOutbox", testConcurrentClaimOutbox},
	{"ConcurrentEventsInOrder", testConcurrentEventsInOrder},
	{"ConcurrentAddIdentity", testConcurrentAddIdentity},
}

// workers is how many goroutines race in each concurrency test.
const workers = 32

// race runs fn on n goroutines released at once and waits for them.
func race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func testConcurrentReserveCapacity(t *testing.T, s storage.Store) {
	c := ctx(t)
	const capacity = 5
	m := newManager(t, s, "busy", capacity)
	var won atomic.Int32
	race(workers, func(i int) {
		// In a transaction, as the router does it, with the dialog write
		// that follows the reservation.
		err := s.Tx(c, func(tx storage.Queries) error {
			got, err := tx.ReserveCapacity(c, m.ID, at(time.Duration(i)*time.Millisecond))
			if err != nil || !got {
				return err
			}
			won.Add(1)
			return tx.SetState(c, "reserve", fmt.Sprint(i), "1")
		})
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
	})
	eq(t, "reservations granted", int(won.Load()), capacity)
	eq(t, "load equals capacity", must(s.GetManager(c, m.ID))(t).Load, capacity)
}

func testConcurrentAssign(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	managers := make([]storage.Manager, workers)
	for i := range managers {
		managers[i] = newManager(t, s, fmt.Sprintf("m%d", i), 1)
	}
	var winners []int64
	var mu sync.Mutex
	race(workers, func(i int) {
		var won bool
		err := s.Tx(c, func(tx storage.Queries) error {
			reserved, err := tx.ReserveCapacity(c, managers[i].ID, t0)
			if err != nil || !reserved {
				return err
			}
			won, err = tx.AssignDialog(c, d.ID, 0, managers[i].ID, time.Time{}, t0)
			if err != nil {
				return err
			}
			if !won {
				// Lost the dialog: give the capacity back with the rest.
				return tx.ReleaseCapacity(c, managers[i].ID)
			}
			return nil
		})
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
			return
		}
		if won {
			mu.Lock()
			winners = append(winners, managers[i].ID)
			mu.Unlock()
		}
	})
	if len(winners) != 1 {
		t.Fatalf("dialog assigned %d times: %v", len(winners), winners)
	}
	eq(t, "stored assignee", must(s.GetDialog(c, d.ID))(t).AssigneeID, winners[0])
	for _, m := range managers {
		want := 0
		if m.ID == winners[0] {
			want = 1
		}
		eq(t, "load of "+m.Login, must(s.GetManager(c, m.ID))(t).Load, want)
	}
}

func testConcurrentClaimOutbox(t *testing.T, s storage.Store) {
	c := ctx(t)
	const rows = 200
	for i := range rows {
		it := storage.OutboxItem{Channel: "sms", IdempotencyKey: fmt.Sprint("k", i), Payload: json.RawMessage(`{}`),
			NextAttemptAt: at(time.Duration(i) * time.Millisecond), CreatedAt: t0}
		ok(t, s.EnqueueOutbox(c, &it))
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	race(workers, func(i int) {
		for {
			got, err := s.ClaimOutbox(c, at(time.Hour), time.Minute, 3)
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
				return
			}
			if len(got) == 0 {
				return
			}
			mu.Lock()
			for _, it := range got {
				seen[it.ID]++
			}
			mu.Unlock()
		}
	})
	eq(t, "rows claimed", len(seen), rows)
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("row %d claimed %d times", id, n)
		}
	}
	backlog := must(s.OutboxBacklog(c))(t)
	eq(t, "all sending", backlog[storage.OutboxSending], rows)
}

func testConcurrentEventsInOrder(t *testing.T, s storage.Store) {
	c := ctx(t)
	const perWorker = 10
	total := workers * perWorker
	done := make(chan struct{})
	readerErr := make(chan error, 1)
	go func() {
		// The reader follows "id > last seen" as the event stream does, and
		// must never see an id skip ahead: a skipped id that committed
		// later would be lost to it.
		var last int64
		seen := 0
		for seen < total {
			// Whether the writers were all done before this query: if so
			// it must see every event.
			finished := false
			select {
			case <-done:
				finished = true
			default:
			}
			evs, err := s.EventsAfter(c, last, 50)
			if err != nil {
				readerErr <- err
				return
			}
			for _, e := range evs {
				if last != 0 && e.ID != last+1 {
					readerErr <- fmt.Errorf("saw event %d right after %d", e.ID, last)
					return
				}
				last = e.ID
				seen++
			}
			if finished && len(evs) == 0 {
				readerErr <- fmt.Errorf("writers done but reader saw %d of %d", seen, total)
				return
			}
		}
		readerErr <- nil
	}()
	cl := newClient(t, s, "C")
	race(workers, func(i int) {
		for j := range perWorker {
			err := s.Tx(c, func(tx storage.Queries) error {
				d := storage.Dialog{ClientID: cl.ID, Channel: "webchat", CreatedAt: t0}
				if err := tx.CreateDialog(c, &d); err != nil {
					return err
				}
				// Events last, as AppendEvent asks.
				e := storage.Event{Type: "dialog.created", At: t0, DialogID: d.ID, Data: json.RawMessage(fmt.Sprintf(`{"w":%d,"n":%d}`, i, j))}
				return tx.AppendEvent(c, &e)
			})
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
				return
			}
		}
	})
	close(done)
	select {
	case err := <-readerErr:
		ok(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("reader did not finish")
	}
	o, n := must2(s.EventBounds(c))(t)
	eq(t, "contiguous log", n-o+1, int64(total))
	waitNotify(t, s, n)
}

func testConcurrentAddIdentity(t *testing.T, s storage.Store) {
	c := ctx(t)
	clients := make([]storage.Client, workers)
	for i := range clients {
		clients[i] = newClient(t, s, fmt.Sprint("C", i))
	}
	var won atomic.Int32
	race(workers, func(i int) {
		added, err := s.AddIdentity(c, storage.Identity{ClientID: clients[i].ID, Kind: "phone", Value: "+79000000000", CreatedAt: t0})
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
		if added {
			won.Add(1)
		}
	})
	eq(t, "one owner", int(won.Load()), 1)
}
