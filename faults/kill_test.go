package faults

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage/sqlite"
)

// TestKillDuringIngest posts events from several goroutines, kills the
// daemon with SIGKILL part-way, restarts it on the same data and retries
// what got no 2xx. Every event ends up stored exactly once, every
// acknowledged one as the message its receipt named, and the assignments
// are consistent.
func TestKillDuringIngest(t *testing.T) {
	dir := t.TempDir()
	far := newFarSide(t, nil)
	cfgPath := writeConfig(t, dir, baseConfig(filepath.Join(dir, "data"), far.URL()))
	tokens := []string{addAgent(t, cfgPath, "alice", 12), addAgent(t, cfgPath, "bob", 12)}
	d := startProc(t, cfgPath, procOptions{})
	for _, tok := range tokens {
		agent{d.URL, tok}.online(t)
	}

	const (
		total     = 240
		clients   = 50
		workers   = 4
		killAfter = 80
	)
	evs := make([]event, total)
	for i := range evs {
		c := i % clients
		evs[i] = event{
			ID:   fmt.Sprintf("kill-%04d", i),
			From: eventFrom{Name: fmt.Sprintf("Client %d", c), Phone: phone(4000000+c, i/clients)},
			Text: fmt.Sprintf("message %d from client %d", i, c),
		}
	}

	acked := map[string]int64{}
	var mu sync.Mutex
	var oks atomic.Int64
	var killOnce sync.Once
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				a, err := postEvent(d.URL, evs[i])
				if err != nil || a.Status/100 != 2 {
					if err == nil && a.Status != http.StatusServiceUnavailable {
						t.Errorf("event %s: answered %d %s", evs[i].ID, a.Status, a.Body)
					}
					continue
				}
				mu.Lock()
				acked[evs[i].ID] = a.Receipt.MessageID
				mu.Unlock()
				if oks.Add(1) == killAfter {
					// Other workers have requests in flight right now.
					killOnce.Do(d.Kill)
				}
			}
		})
	}
	for i := range evs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	firstRun := len(acked)
	if firstRun < killAfter || firstRun == total {
		t.Fatalf("%d of %d events acknowledged before the restart; the kill did not land mid-load", firstRun, total)
	}

	d = startProc(t, cfgPath, procOptions{})
	replays := 0
	for _, ev := range evs {
		if _, ok := acked[ev.ID]; ok {
			continue
		}
		var a hookAnswer
		err := poll(20*time.Second, func() bool {
			var err error
			a, err = postEvent(d.URL, ev)
			return err == nil && a.Status/100 == 2
		})
		if err != nil {
			t.Fatalf("event %s not accepted after the restart: %v (last answer %d %s)", ev.ID, err, a.Status, a.Body)
		}
		if a.Receipt.Duplicate {
			replays++ // committed before the kill, its answer lost
		}
		acked[ev.ID] = a.Receipt.MessageID
	}
	t.Logf("%d events acknowledged before the kill, %d retried after it (%d of those had been committed)", firstRun, total-firstRun, replays)

	d.Stop()
	db := openSQLite(t, filepath.Join(dir, "data"))
	want := map[string]bool{}
	for _, ev := range evs {
		want[ev.ID] = true
	}
	checkAcknowledged(t, db, acked, want)
	checkAssignments(t, db)
	checkIntegrity(t, db)
}

// openSQLite opens the daemon's database file after the daemon stopped.
func openSQLite(t *testing.T, dataDir string) *sql.DB {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s.SQL()
}

// TestKillDuringSend kills the daemon while one reply is in flight to a
// far side that holds it. After the restart the far side has every reply
// exactly once by idempotency key, except the one in flight at the kill,
// which arrives once more with the same key; no completed send repeats.
func TestKillDuringSend(t *testing.T) {
	dir := t.TempDir()
	var (
		mu      sync.Mutex
		armed   bool
		hangKey string
	)
	far := newFarSide(t, func(key string, n int) action {
		mu.Lock()
		defer mu.Unlock()
		if armed && hangKey == "" && n == 1 {
			hangKey = key
			return action{Hang: true}
		}
		return action{}
	})
	cfgPath := writeConfig(t, dir, baseConfig(filepath.Join(dir, "data"), far.URL()))
	tok := addAgent(t, cfgPath, "alice", 10)
	d := startProc(t, cfgPath, procOptions{})
	alice := agent{d.URL, tok}
	alice.online(t)

	const dialogs = 8
	dialogIDs := make([]int64, dialogs)
	for i := range dialogIDs {
		a, err := postEvent(d.URL, event{ID: fmt.Sprintf("send-%d", i), From: eventFrom{Phone: phone(5000000+i, i)}, Text: "hello"})
		if err != nil || a.Status != http.StatusAccepted {
			t.Fatalf("event %d: %v %d %s", i, err, a.Status, a.Body)
		}
		dialogIDs[i] = a.Receipt.DialogID
	}

	replies := make([]message, dialogs)
	replyTo := func(i int) {
		t.Helper()
		m, err := alice.reply(dialogIDs[i], fmt.Sprintf("answer %d", i))
		if err != nil {
			t.Fatal(err)
		}
		replies[i] = m
	}
	waitSent := func(is ...int) {
		t.Helper()
		for _, i := range is {
			var st string
			if err := poll(15*time.Second, func() bool {
				st, _ = alice.messageStatus(dialogIDs[i], replies[i].ID)
				return st == "sent"
			}); err != nil {
				t.Fatalf("reply %d: status %q: %v", i, st, err)
			}
		}
	}

	// Five replies complete: delivered and recorded as sent.
	for i := range 5 {
		replyTo(i)
	}
	waitSent(0, 1, 2, 3, 4)

	// The sixth is held by the far side; two more complete beside it.
	mu.Lock()
	armed = true
	mu.Unlock()
	replyTo(5)
	if err := poll(10*time.Second, func() bool { return far.KeyOf(replies[5].ID) != "" }); err != nil {
		t.Fatalf("the held reply never reached the far side: %v", err)
	}
	replyTo(6)
	replyTo(7)
	waitSent(6, 7)
	completed := map[string]bool{}
	for _, i := range []int{0, 1, 2, 3, 4, 6, 7} {
		completed[far.KeyOf(replies[i].ID)] = true
	}
	inFlight := far.KeyOf(replies[5].ID)
	d.Kill()

	d = startProc(t, cfgPath, procOptions{})
	alice.base = d.URL
	// The held row is claimed again once its lease has run out.
	waitSent(0, 1, 2, 3, 4, 5, 6, 7)

	seen, delivered := far.Seen(), far.Delivered()
	if len(seen) != dialogs {
		t.Errorf("far side saw %d distinct keys, want %d (one per reply)", len(seen), dialogs)
	}
	for key := range completed {
		if seen[key] != 1 {
			t.Errorf("completed send %s reached the far side %d times", key, seen[key])
		}
	}
	if seen[inFlight] != 2 || delivered[inFlight] != 1 {
		t.Errorf("send in flight at the kill: seen %d times, delivered %d; want 2 and 1 (retried with its key)", seen[inFlight], delivered[inFlight])
	}
	for key, n := range delivered {
		if n != 1 {
			t.Errorf("key %s delivered %d times", key, n)
		}
	}

	d.Stop()
	db := openSQLite(t, filepath.Join(dir, "data"))
	var notSent int
	if err := db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE status <> 'sent'`).Scan(&notSent); err != nil {
		t.Fatal(err)
	}
	if notSent != 0 {
		t.Errorf("%d outbox rows are not sent", notSent)
	}
	checkAssignments(t, db)
	checkIntegrity(t, db)
}
