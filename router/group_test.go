package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
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
	// race, when set, stores a message of the batch's first (as a
	// concurrent writer would) just before the batch's own insert.
	race *atomic.Bool
}

func (s faultStore) Tx(ctx context.Context, fn func(tx storage.Queries) error) error {
	return s.Store.Tx(ctx, func(tx storage.Queries) error { return fn(faultTx{tx, s.hook, s.race}) })
}

type faultTx struct {
	storage.Queries
	hook func(externalID string) error
	race *atomic.Bool
}

func (t faultTx) InsertMessages(ctx context.Context, ms []*storage.Message) ([]bool, error) {
	if t.race != nil && t.race.CompareAndSwap(true, false) {
		first := *ms[0]
		if _, err := t.Queries.InsertMessage(ctx, &first); err != nil {
			return nil, err
		}
	}
	return t.Queries.InsertMessages(ctx, ms)
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

	mu      sync.Mutex
	slow    map[string]int // InsertMessage calls by external id: events that took the slow path
	race    atomic.Bool
	runners int
	rounds  int
}

func newGroupEnv(t *testing.T, fail map[string]error) *groupEnv {
	t.Helper()
	return newGroupEnvOn(t, storetest.SQLite(t), 1, fail)
}

func newGroupEnvOn(t *testing.T, st storage.Store, runners int, fail map[string]error) *groupEnv {
	t.Helper()
	norm, err := identity.New(identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &groupEnv{t: t, st: st, runners: runners, slow: map[string]int{}}
	hook := func(ext string) error {
		e.mu.Lock()
		e.slow[ext]++
		e.mu.Unlock()
		if strings.HasPrefix(ext, "gate") {
			<-e.release
		}
		return fail[ext]
	}
	e.r = New(faultStore{st, hook, &e.race}, norm, blobs, Config{MaxBatch: 32, BatchRunners: runners})
	// The gates' sender is a known client, so that with several runners
	// its events, too, are batched (see Ingest).
	if _, err := e.r.Ingest(context.Background(), gateEvent("warmup")); err != nil {
		t.Fatal(err)
	}
	return e
}

// gateEvent is an event from the gates' sender.
func gateEvent(id string) channels.InboundEvent {
	return channels.InboundEvent{Channel: "api:test", ExternalID: id, SenderID: "s-gate",
		From: channels.Contact{Name: "Client gate"}, Text: "hi"}
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
	evs := make([]channels.InboundEvent, len(ids))
	for i, id := range ids {
		evs[i] = channels.InboundEvent{Channel: "api:test", ExternalID: id, SenderID: "s-" + id,
			From: channels.Contact{Name: "Client " + id}, Text: "hi"}
	}
	return e.batchEvents(evs...)
}

// batchEvents is batch with whole events; results are by external id, the
// second of an id given twice under id+"#2".
func (e *groupEnv) batchEvents(evs ...channels.InboundEvent) map[string]result {
	e.t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	out := map[string]result{}
	var wg sync.WaitGroup
	ingest := func(ev channels.InboundEvent) {
		rc, err := e.r.Ingest(ctx, ev)
		mu.Lock()
		k := ev.ExternalID
		if _, again := out[k]; again {
			k += "#2"
		}
		out[k] = result{rc, err}
		mu.Unlock()
	}
	// One gate per batch runner, so that every runner is held.
	e.rounds++
	e.release = make(chan struct{})
	var gates []string
	for k := range e.runners {
		gate := fmt.Sprintf("gate%d-%d", e.rounds, k)
		gates = append(gates, gate)
		wg.Go(func() { ingest(gateEvent(gate)) })
		e.waitQueued(0, k+1)
	}
	queued := 0
	for _, ev := range evs {
		if e.batched(ev) {
			queued++
		}
		wg.Go(func() { ingest(ev) })
	}
	e.waitQueued(queued, e.runners)
	close(e.release)
	wg.Wait()
	for _, gate := range gates {
		if r := out[gate]; r.err != nil {
			e.t.Fatalf("%s: %v", gate, r.err)
		}
	}
	return out
}

// batched reports whether Ingest will queue ev for a batch rather than
// give it a transaction of its own at once.
func (e *groupEnv) batched(ev channels.InboundEvent) bool {
	if e.runners == 1 {
		return true
	}
	ids, _ := e.r.normalizeContact(ev)
	return e.r.seenLately(ids)
}

// waitQueued polls until n events wait for the next batch and running
// batches are running.
func (e *groupEnv) waitQueued(n, running int) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g := &e.r.group
		g.mu.Lock()
		ok := len(g.queue) == n && g.running == running
		g.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			close(e.release) // the held transactions end, so cleanup need not wait for them
			e.t.Fatalf("never saw %d queued events and %d batches running", n, running)
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

// TestGroupCommitFastPath: in one batch, returning clients' messages into
// their open dialogs are written together (never through InsertMessage),
// while a new client, a client whose dialog is closed, a replay of a
// stored event and an event given twice take their usual paths; every
// receipt, dialog and log event is what one-at-a-time ingest would give.
// With two batch runners the slow events run in transactions of their own
// after the batch, with the same results.
func TestGroupCommitFastPath(t *testing.T) {
	t.Parallel()
	for name, open := range storetest.Stores() {
		for _, runners := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/runners-%d", name, runners), func(t *testing.T) {
				t.Parallel()
				testFastPath(t, newGroupEnvOn(t, open(t), runners, nil))
			})
		}
	}
}

func testFastPath(t *testing.T, e *groupEnv) {
	ctx := context.Background()
	m := storage.Manager{Login: "m", Name: "M", Role: storage.RoleAgent, Capacity: 100, Presence: storage.Online}
	if err := e.st.CreateManager(ctx, &m); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetPresence(ctx, m.ID, storage.Online, time.Now()); err != nil {
		t.Fatal(err)
	}
	ev := func(ext, phone, name string) channels.InboundEvent {
		return channels.InboundEvent{Channel: "api:test", ExternalID: ext, SenderID: phone, Text: "text " + ext,
			From: channels.Contact{Name: name, Identities: []channels.Identity{{Kind: channels.Phone, Value: phone}}}}
	}
	ingest := func(x channels.InboundEvent) channels.Receipt {
		t.Helper()
		rc, err := e.r.Ingest(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	a := ingest(ev("a0", "+79000000001", "Анна Смирнова"))
	b := ingest(ev("b0", "+79000000002", "Борис Петров"))
	c := ingest(ev("c0", "+79000000003", "Вера Орлова"))
	if _, err := e.r.Close(ctx, c.DialogID); err != nil {
		t.Fatal(err)
	}
	_, before, err := e.st.EventBounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clear(e.slow)

	res := e.batchEvents(
		ev("a1", "+79000000001", "Анна Смирнова"),
		ev("a2", "8 900 000-00-01", ""),
		ev("b1", "+79000000002", "Борис Петров"),
		ev("n1", "+79000000009", "Новый Клиент"),
		ev("c1", "+79000000003", "Вера Орлова"),
		ev("a0", "+79000000001", "Анна Смирнова"),
		ev("b1", "+79000000002", "Борис Петров"),
	)
	for id, r := range res {
		if r.err != nil {
			t.Fatalf("%s: %v", id, r.err)
		}
	}
	e.mu.Lock()
	for _, id := range []string{"a1", "a2"} {
		if e.slow[id] != 0 {
			t.Errorf("%s took the slow path", id)
		}
	}
	for _, id := range []string{"n1", "c1"} {
		if e.slow[id] == 0 {
			t.Errorf("%s did not take the slow path", id)
		}
	}
	e.mu.Unlock()

	for id, want := range map[string]int64{"a1": a.DialogID, "a2": a.DialogID} {
		if got := res[id].rc; got.DialogID != want || got.Duplicate || got.MessageID == 0 {
			t.Errorf("%s: receipt %+v, want dialog %d", id, got, want)
		}
	}
	b1, b1again := res["b1"].rc, res["b1#2"].rc
	if b1.Duplicate {
		b1, b1again = b1again, b1
	}
	if b1.Duplicate || !b1again.Duplicate || b1.MessageID != b1again.MessageID || b1.DialogID != b.DialogID {
		t.Errorf("b1 twice: %+v and %+v, want one stored in dialog %d and its duplicate", b1, b1again, b.DialogID)
	}
	res["b1"] = result{rc: b1}
	// The closed dialog stays closed: the API channel names no
	// dialog, so the client's next message opens a new one.
	if c1 := res["c1"].rc; c1.ClientID != c.ClientID || c1.DialogID == c.DialogID || c1.Duplicate {
		t.Errorf("c1: %+v, want a new dialog of client %d", c1, c.ClientID)
	}
	if !res["a0"].rc.Duplicate || res["a0"].rc.MessageID != a.MessageID {
		t.Errorf("replay of a stored event: %+v, want duplicate of %+v", res["a0"].rc, a)
	}
	if n := res["n1"].rc; n.ClientID == a.ClientID || n.ClientID == b.ClientID || n.DialogID == 0 {
		t.Errorf("new client: %+v", n)
	}
	for id, rc := range map[string]channels.Receipt{"a1": res["a1"].rc, "a2": res["a2"].rc, "b1": res["b1"].rc} {
		got, err := e.st.GetMessageByExternal(ctx, "api:test", id)
		if err != nil || got.ID != rc.MessageID || got.DialogID != rc.DialogID || got.Text != "text "+id ||
			got.Meta["sender"] == "" {
			t.Errorf("%s stored as %+v, %v; receipt %+v", id, got, err, rc)
		}
	}
	da, err := e.st.GetDialog(ctx, a.DialogID)
	if err != nil || da.Unread != 3 {
		t.Errorf("dialog a: unread %d, want 3 (%v)", da.Unread, err)
	}

	evs, err := e.st.EventsAfter(ctx, before, 100)
	if err != nil {
		t.Fatal(err)
	}
	created := map[int64]int{}
	for _, x := range evs {
		if x.Type == "message.created" {
			var data struct {
				Message storage.Message `json:"message"`
			}
			if err := json.Unmarshal(x.Data, &data); err != nil {
				t.Fatal(err)
			}
			created[data.Message.ID]++
			if x.DialogID != data.Message.DialogID || x.ManagerID != m.ID {
				t.Errorf("message.created for %d: dialog %d manager %d", data.Message.ID, x.DialogID, x.ManagerID)
			}
		}
	}
	for _, id := range []string{"a1", "a2", "b1", "n1", "c1"} {
		if created[res[id].rc.MessageID] != 1 {
			t.Errorf("%s: %d message.created events", id, created[res[id].rc.MessageID])
		}
	}

	// A fast message stored meanwhile by another writer: its event
	// runs again alone, the rest of the batch is unharmed.
	e.race.Store(true)
	res = e.batchEvents(ev("a3", "+79000000001", ""), ev("b3", "+79000000002", ""))
	for _, id := range []string{"a3", "b3"} {
		got, err := e.st.GetMessageByExternal(ctx, "api:test", id)
		if res[id].err != nil || err != nil || got.ID != res[id].rc.MessageID {
			t.Errorf("%s after a lost race: %+v %v; stored %+v %v", id, res[id].rc, res[id].err, got, err)
		}
	}
	if e.race.Load() {
		t.Error("the race was never staged")
	}
}
