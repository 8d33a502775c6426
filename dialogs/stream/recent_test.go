package stream

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// recentMem is the in-memory log that also hands out its recent commits,
// as storage/sqldb's store does, while held is set; it counts log reads.
type recentMem struct {
	*memSource
	held atomic.Bool
	// late makes the next RecentEventsAfter miss once, as when an earlier
	// commit reports back just after a later one.
	late  atomic.Bool
	reads atomic.Int64
}

func (s *recentMem) EventsAfter(ctx context.Context, after int64, limit int) ([]storage.Event, error) {
	s.reads.Add(1)
	return s.memSource.EventsAfter(ctx, after, limit)
}

func (s *recentMem) RecentEventsAfter(after int64, n int) ([]storage.Event, bool) {
	if !s.held.Load() || s.late.Swap(false) {
		return nil, false
	}
	es, _ := s.memSource.EventsAfter(context.Background(), after, n)
	return es, true
}

// Woken by a commit its source holds, or holds a moment later, the hub
// sends it without reading the log; what the source does not hold it
// reads.
func TestHubSendsRecentCommitsWithoutReadingTheLog(t *testing.T) {
	t.Parallel()
	src := &recentMem{memSource: &memSource{notify: make(chan int64, 1)}}
	src.held.Store(true)
	// No poll during the test: every read would be the hub's choice.
	env := startHub(t, src, func(c *Config) { c.PollInterval = time.Hour; c.ReplayPage = 2 })
	ws := env.connect(t, "admin", "")
	reads := src.reads.Load()

	var last int64
	for range 5 { // more than a page
		e := storage.Event{Type: "message.created", At: time.Now()}
		if err := src.AppendEvent(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
		last = e.ID
	}
	if ids, _ := readUntil(t, ws, last); len(ids) != 5 {
		t.Fatalf("frames %v, want the 5 events", ids)
	}
	if n := src.reads.Load() - reads; n != 0 {
		t.Errorf("the hub read the log %d times for events its source held", n)
	}
	if v := value(t, env.hub.m.recentSends); v == 0 {
		t.Error("no recent sends counted")
	}

	// Held a moment later: still no read.
	src.late.Store(true)
	e := storage.Event{Type: "message.created", At: time.Now()}
	if err := src.AppendEvent(context.Background(), &e); err != nil {
		t.Fatal(err)
	}
	if ids, _ := readUntil(t, ws, e.ID); len(ids) != 1 {
		t.Fatalf("frames %v, want the one event", ids)
	}
	if n := src.reads.Load() - reads; n != 0 {
		t.Errorf("the hub read the log %d times for an event held a moment late", n)
	}

	src.held.Store(false)
	e = storage.Event{Type: "message.created", At: time.Now()}
	if err := src.AppendEvent(context.Background(), &e); err != nil {
		t.Fatal(err)
	}
	if ids, _ := readUntil(t, ws, e.ID); len(ids) != 1 {
		t.Fatalf("frames %v, want the one event", ids)
	}
	if src.reads.Load() == reads {
		t.Error("an event the source did not hold was not read from the log")
	}
}
