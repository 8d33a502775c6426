package router

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/blob"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// faultStore lets a test hold or fail the insert of chosen messages inside
// the router's transactions.
type faultStore struct {
	storage.Store
	hook func(externalID string) error
}

func (s faultStore) Tx(ctx context.Context, fn func(tx storage.Queries) error) error {
	return s.Store.Tx(ctx, func(tx storage.Queries) error { return fn(faultTx{tx, s.hook}) })
}

type faultTx struct {
	storage.Queries
	hook func(externalID string) error
}

func (t faultTx) InsertMessage(ctx context.Context, m *storage.Message) (bool, error) {
	if err := t.hook(m.ExternalID); err != nil {
		return false, err
	}
	return t.Queries.InsertMessage(ctx, m)
}

// groupEnv runs a router whose first transaction, for event "gate", waits
// until released, so that the events posted meanwhile queue up and are
// committed as one batch.
type groupEnv struct {
	t       *testing.T
	st      storage.Store
	r       *Router
	release chan struct{}
}

func newGroupEnv(t *testing.T, fail map[string]error) *groupEnv {
	t.Helper()
	st := storetest.SQLite(t)
	norm, err := identity.New(identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &groupEnv{t: t, st: st, release: make(chan struct{})}
	var once sync.Once
	hook := func(ext string) error {
		if ext == "gate" {
			once.Do(func() { <-e.release })
		}
		return fail[ext]
	}
	e.r = New(faultStore{st, hook}, norm, blobs, Config{MaxBatch: 32})
	return e
}

type result struct {
	rc  channels.Receipt
	err error
}

// batch ingests "gate" and then ids while the gate holds the first
// transaction, waits until all of ids are queued, releases the gate and
// returns each id's result.
func (e *groupEnv) batch(ids ...string) map[string]result {
	e.t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	out := map[string]result{}
	var wg sync.WaitGroup
	ingest := func(id string) {
		rc, err := e.r.Ingest(ctx, channels.InboundEvent{Channel: "api:test", ExternalID: id, SenderID: "s-" + id,
			From: channels.Contact{Name: "Client " + id}, Text: "hi"})
		mu.Lock()
		out[id] = result{rc, err}
		mu.Unlock()
	}
	wg.Go(func() { ingest("gate") })
	e.waitQueued(0, true)
	for _, id := range ids {
		wg.Go(func() { ingest(id) })
	}
	e.waitQueued(len(ids), false)
	close(e.release)
	wg.Wait()
	if r := out["gate"]; r.err != nil {
		e.t.Fatalf("gate: %v", r.err)
	}
	return out
}

// waitQueued polls until n events wait for the next batch (and, with
// active, a batch is running).
func (e *groupEnv) waitQueued(n int, active bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g := &e.r.group
		g.mu.Lock()
		ok := len(g.queue) == n && (!active || g.active)
		g.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("never saw %d queued events", n)
		}
		time.Sleep(time.Millisecond)
	}
}

func (e *groupEnv) stored(id string) bool {
	e.t.Helper()
	_, err := e.st.GetMessageByExternal(context.Background(), "api:test", id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		e.t.Fatal(err)
	}
	return err == nil
}

func TestGroupCommitSharesATransaction(t *testing.T) {
	t.Parallel()
	e := newGroupEnv(t, nil)
	ids := []string{"a", "b", "c", "d", "e"}
	res := e.batch(append(ids, "a")...) // "a" twice: the second is its replay
	for _, id := range ids {
		if res[id].err != nil || !e.stored(id) {
			t.Errorf("%s: %v, stored %v", id, res[id].err, e.stored(id))
		}
	}
	var ms []storage.Message
	for _, id := range ids {
		m, err := e.st.GetMessageByExternal(context.Background(), "api:test", id)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	if res["a"].rc.MessageID != ms[0].ID {
		t.Errorf("receipt of a names message %d, stored as %d", res["a"].rc.MessageID, ms[0].ID)
	}
}

func TestGroupCommitIsolatesAFailingEvent(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	e := newGroupEnv(t, map[string]error{"bad": boom})
	res := e.batch("a", "bad", "b", "c")
	if !errors.Is(res["bad"].err, boom) {
		t.Errorf("bad event: %v, want its own error", res["bad"].err)
	}
	if e.stored("bad") {
		t.Error("the failing event was stored")
	}
	for _, id := range []string{"a", "b", "c"} {
		if res[id].err != nil || !e.stored(id) {
			t.Errorf("%s shared a batch with a failing event: %v, stored %v", id, res[id].err, e.stored(id))
		}
	}
}

func TestGroupCommitFailsTogetherWhenTheDatabaseIsGone(t *testing.T) {
	t.Parallel()
	down := fmt.Errorf("sqldb: insert message: %w", storage.ErrUnavailable)
	e := newGroupEnv(t, map[string]error{"b": down})
	res := e.batch("a", "b", "c")
	for _, id := range []string{"a", "b", "c"} {
		if !errors.Is(res[id].err, storage.ErrUnavailable) {
			t.Errorf("%s: %v, want unavailable", id, res[id].err)
		}
		if e.stored(id) {
			t.Errorf("%s stored although its batch failed", id)
		}
	}
}
