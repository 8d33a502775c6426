package stream

import (
	"context"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// Source is what the stream's behaviour tests need from a store: the
// EventSource the hub reads, and the writes that feed it. storage.Store
// satisfies it, so the same tests can run on the SQLite and PostgreSQL
// stores once they exist: call runSuite with a constructor for each.
type Source interface {
	EventSource
	AppendEvent(ctx context.Context, e *storage.Event) error
	TrimEvents(ctx context.Context, before time.Time) (int64, error)
}

// memSource is an in-memory event log keeping the store contract: ids grow
// in commit order, Notify gets the newest id without ever blocking, bounds
// report the kept range and trimming keeps the newest event.
type memSource struct {
	mu     sync.Mutex
	events []storage.Event
	next   int64
	notify chan int64
}

var _ Source = (*memSource)(nil)

func newMemSource(testing.TB) Source {
	return &memSource{notify: make(chan int64, 1)}
}

func (s *memSource) AppendEvent(_ context.Context, e *storage.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	e.ID = s.next
	if e.At.IsZero() {
		e.At = time.Now()
	}
	s.events = append(s.events, *e)
	// Signal under the lock so notifications leave in commit order; the
	// channel holds only the newest id, as the contract says.
	select {
	case <-s.notify:
	default:
	}
	s.notify <- e.ID
	return nil
}

func (s *memSource) EventsAfter(_ context.Context, after int64, limit int) ([]storage.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.events), func(i int) bool { return s.events[i].ID > after })
	j := min(i+limit, len(s.events))
	return slices.Clone(s.events[i:j]), nil
}

func (s *memSource) EventBounds(context.Context) (int64, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.events) == 0 {
		return 0, 0, nil
	}
	return s.events[0].ID, s.events[len(s.events)-1].ID, nil
}

func (s *memSource) TrimEvents(_ context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.events) == 0 {
		return 0, nil
	}
	newest := s.events[len(s.events)-1]
	kept := s.events[:0:0]
	for _, e := range s.events {
		if !e.At.Before(before) || e.ID == newest.ID {
			kept = append(kept, e)
		}
	}
	n := int64(len(s.events) - len(kept))
	s.events = kept
	return n, nil
}

func (s *memSource) Notify() <-chan int64 { return s.notify }

// TestMemSource runs the stream's behaviour suite on the in-memory log.
func TestMemSource(t *testing.T) {
	t.Parallel()
	runSuite(t, newMemSource)
}

// TestMemSourceContract checks the fake keeps the parts of the store
// contract the suite relies on, so a pass means something.
func TestMemSourceContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMemSource(t)
	if o, n, _ := s.EventBounds(ctx); o != 0 || n != 0 {
		t.Fatalf("empty bounds = %d, %d", o, n)
	}
	old := time.Now().Add(-time.Hour)
	for i := range 5 {
		at := time.Now()
		if i < 3 {
			at = old
		}
		if err := s.AppendEvent(ctx, &storage.Event{Type: "x", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if got := <-s.Notify(); got != 5 {
		t.Fatalf("notify = %d, want newest 5", got)
	}
	if n, _ := s.TrimEvents(ctx, time.Now().Add(-time.Minute)); n != 3 {
		t.Fatalf("trimmed %d, want 3", n)
	}
	if o, n, _ := s.EventBounds(ctx); o != 4 || n != 5 {
		t.Fatalf("bounds = %d, %d, want 4, 5", o, n)
	}
	if n, _ := s.TrimEvents(ctx, time.Now().Add(time.Minute)); n != 1 {
		t.Fatalf("trim all removed %d, want 1 (the newest stays)", n)
	}
	evs, _ := s.EventsAfter(ctx, 0, 10)
	if len(evs) != 1 || evs[0].ID != 5 {
		t.Fatalf("after trim = %+v", evs)
	}
}
