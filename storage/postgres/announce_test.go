package postgres_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/postgres"
	"github.com/switchboard-hub/switchboard/storage/sqldb"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// A store announces its commits while another replica listens, and only
// then: a hub running alone would wake nobody. An outside LISTEN, which
// is no replica, sees which commits were announced.
func TestAnnouncesWhileReplicasListen(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	url := storetest.PostgresURL(t)
	const beat, ttl, grace = 200 * time.Millisecond, 2 * time.Second, 500 * time.Millisecond
	open := func() *sqldb.DB {
		t.Helper()
		s, err := postgres.OpenPaced(c, url, beat, ttl, grace)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(c); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := open()
	defer a.Close()
	w := watch(t, url)

	var quiet []int64 // appended while a was alone
	// announced appends one event on a and reports whether the watcher
	// heard of it within a few beats.
	announced := func() bool {
		t.Helper()
		e := storage.Event{Type: "x", At: time.Now()}
		if err := a.AppendEvent(c, &e); err != nil {
			t.Fatal(err)
		}
		if w.heard(e.ID, 3*beat) {
			return true
		}
		quiet = append(quiet, e.ID)
		return false
	}
	waitFor(t, "a alone stops announcing", func() bool { return !announced() })

	b := open()
	waitFor(t, "a announces once b listens", announced)
	for i := range 5 {
		if !announced() {
			t.Fatalf("append %d while b listens was not announced", i)
		}
	}
	e := storage.Event{Type: "to b", At: time.Now()}
	if err := a.AppendEvent(c, &e); err != nil {
		t.Fatal(err)
	}
	waitNotify(t, b, e.ID)
	// And b, which came second, announces its commits to a.
	var fromB int64
	waitFor(t, "b announces", func() bool {
		e := storage.Event{Type: "from b", At: time.Now()}
		if err := b.AppendEvent(c, &e); err != nil {
			t.Fatal(err)
		}
		fromB = e.ID
		return w.heard(e.ID, 3*beat)
	})
	waitNotify(t, a, fromB)

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a stops announcing once b is gone", func() bool { return !announced() })

	// An unannounced commit stays so: none of them reached the watcher
	// late.
	time.Sleep(3 * beat)
	for _, id := range quiet {
		if w.heard(id, 0) {
			t.Errorf("event %d was announced after all", id)
		}
	}
}

// watcher collects the event ids announced on a store's channel.
type watcher struct {
	mu   sync.Mutex
	ids  map[int64]bool
	news chan struct{}
}

// watch LISTENs on the channel of the schema url selects until the test
// ends.
func watch(t *testing.T, url string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{postgres.Channel(schema)}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	w := &watcher{ids: map[int64]bool{}, news: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				return
			}
			// The replicas' own hellos carry no number.
			id, err := strconv.ParseInt(n.Payload, 10, 64)
			if err != nil {
				continue
			}
			w.mu.Lock()
			w.ids[id] = true
			w.mu.Unlock()
			select {
			case w.news <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = conn.Close(context.Background())
	})
	return w
}

// heard reports whether id was announced, waiting up to d for it.
func (w *watcher) heard(id int64, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		ok := w.ids[id]
		w.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-w.news:
		case <-deadline.C:
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.ids[id]
		}
	}
}
