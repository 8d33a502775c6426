package stream

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// The store satisfies what the suite needs, so a store can stand in for the
// in-memory log.
var _ Source = storage.Store(nil)

func sqliteSource(tb testing.TB) Source   { return storetest.SQLite(tb) }
func postgresSource(tb testing.TB) Source { return storetest.Postgres(tb) }

// TestSQLiteSource runs the stream's behaviour suite on the SQLite store:
// the in-memory fake only models the store contract, this checks the real
// one keeps it (ids in commit order, Notify, trimming).
func TestSQLiteSource(t *testing.T) {
	t.Parallel()
	runSuite(t, sqliteSource)
}

// TestPostgresSource runs the suite on the PostgreSQL store, where Notify is
// fed by LISTEN/NOTIFY and ids are handed out under a row lock.
func TestPostgresSource(t *testing.T) {
	t.Parallel()
	runSuite(t, postgresSource)
}

// TestCrossReplica runs two hubs, each on its own PostgreSQL store opened on
// one schema, as two daemon replicas would. Clients on hub B receive what
// concurrent writers append through store A, every visible event exactly
// once and in order, and a client that drops and resumes on the other
// replica loses nothing either: the log is shared, only the push is local.
func TestCrossReplica(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	storeA := storetest.OpenPostgres(t, url)
	storeB := storetest.OpenPostgres(t, url)
	// A fallback poll slower than the whole test, so a pass shows that
	// LISTEN/NOTIFY carried the events across, not the poll.
	slowPoll := func(c *Config) { c.PollInterval = time.Minute }
	hubA := startHub(t, storeA, slowPoll)
	hubB := startHub(t, storeB, slowPoll)

	admin := hubB.connect(t, "admin", "")
	agent := hubB.connect(t, "agent3", "")

	scopes := [][2]int64{{10, 3}, {10, 0}, {20, 4}, {0, 0}}
	const writers, perWriter = 4, 50
	var mu sync.Mutex
	var appended []int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				s := scopes[(w+i)%len(scopes)]
				id := appendEvent(t, storeA, "message.created", s[0], s[1])
				mu.Lock()
				appended = append(appended, id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(appended)
	last := appended[len(appended)-1]

	// The ids are exactly 1..last, so "every event" is seq(1, last).
	if want := seq(1, last); !slices.Equal(appended, want) {
		t.Fatalf("appended ids %v are not 1..%d", appended, last)
	}
	got, _ := readUntil(t, admin, last)
	if !slices.Equal(got, seq(1, last)) {
		t.Fatalf("admin on replica B got %d events (first difference at %d), want 1..%d", len(got), firstDiff(got, seq(1, last)), last)
	}
	wantAgent := visibleIDs(t, storeB, testViewers["agent3"])
	gotAgent, _ := readUntil(t, agent, wantAgent[len(wantAgent)-1])
	if !slices.Equal(gotAgent, wantAgent) {
		t.Fatalf("agent3 on replica B got %v, want %v", gotAgent, wantAgent)
	}

	// Replica A's own clients see the same log: an agent who was connected
	// to B resumes on A from the middle and gets the rest, then live
	// events written through B.
	mid := wantAgent[len(wantAgent)/2]
	resumed := hubA.connect(t, "agent3", "since="+strconv.FormatInt(mid, 10))
	live := appendEvent(t, storeB, "message.created", 10, 3)
	rest, _ := readUntil(t, resumed, live)
	want := append(slices.Clone(wantAgent[len(wantAgent)/2+1:]), live)
	if !slices.Equal(rest, want) {
		t.Fatalf("resumed on replica A got %v, want %v", rest, want)
	}
}

// TestCrossReplicaNotify checks the notification itself: a commit through
// store A shows up on store B's Notify with the new id, which is what wakes
// replica B's hub.
func TestCrossReplicaNotify(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	storeA := storetest.OpenPostgres(t, url)
	storeB := storetest.OpenPostgres(t, url)
	id := appendEvent(t, storeA, "presence.changed", 0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case got := <-storeB.Notify():
			if got >= id {
				return
			}
		case <-ctx.Done():
			t.Fatalf("store B was not notified of event %d", id)
		}
	}
}
