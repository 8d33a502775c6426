package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
// the router's transactions. hook is called for every message inserted,
// with shared set when it is inserted together with others.
type faultStore struct {
	storage.Store
	hook func(externalID string, shared bool) error
	// race, when set, stores a message of the batch's first (as a
	// concurrent writer would) just before the batch's own insert.
	race *atomic.Bool
	// raceID, when set, gives the first of the identities written
	// together to another client just before they are written.
	raceID *atomic.Bool
}

func (s faultStore) Tx(ctx context.Context, fn func(tx storage.Queries) error) error {
	return s.Store.Tx(ctx, func(tx storage.Queries) error { return fn(faultTx{tx, s.hook, s.race, s.raceID}) })
}

type faultTx struct {
	storage.Queries
	hook   func(externalID string, shared bool) error
	race   *atomic.Bool
	raceID *atomic.Bool
}

func (t faultTx) AddIdentities(ctx context.Context, ids []storage.Identity) ([]bool, error) {
	if t.raceID != nil && len(ids) > 0 && t.raceID.CompareAndSwap(true, false) {
		c := storage.Client{Name: "Racer"}
		if err := t.Queries.CreateClient(ctx, &c); err != nil {
			return nil, err
		}
		id := ids[0]
		id.ClientID = c.ID
		if _, err := t.Queries.AddIdentity(ctx, id); err != nil {
			return nil, err
		}
	}
	return t.Queries.AddIdentities(ctx, ids)
}

// AddIdentitiesAhead stages the race of AddIdentities too.
func (t faultTx) AddIdentitiesAhead(ctx context.Context, ids []storage.Identity) func() ([]bool, error) {
	added, err := t.AddIdentities(ctx, ids)
	return func() ([]bool, error) { return added, err }
}

func (t faultTx) InsertMessages(ctx context.Context, ms []*storage.Message) ([]bool, error) {
	for _, m := range ms {
		if err := t.hook(m.ExternalID, true); err != nil {
			return nil, err
		}
	}
	if t.race != nil && t.race.CompareAndSwap(true, false) {
		first := *ms[0]
		if _, err := t.Queries.InsertMessage(ctx, &first); err != nil {
			return nil, err
		}
	}
	return t.Queries.InsertMessages(ctx, ms)
}

func (t faultTx) InsertMessage(ctx context.Context, m *storage.Message) (bool, error) {
	if err := t.hook(m.ExternalID, false); err != nil {
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
	shared  map[string]int // messages inserted with others, by external id
	race    atomic.Bool
	raceID  atomic.Bool
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
	e := &groupEnv{t: t, st: st, runners: runners, slow: map[string]int{}, shared: map[string]int{}}
	hook := func(ext string, shared bool) error {
		e.mu.Lock()
		if shared {
			e.shared[ext]++
		} else {
			e.slow[ext]++
		}
		e.mu.Unlock()
		if strings.HasPrefix(ext, "gate") {
			<-e.release
		}
		return fail[ext]
	}
	e.r = New(faultStore{st, hook, &e.race, &e.raceID}, norm, blobs, Config{MaxBatch: 32, BatchRunners: runners})
	// The gates' sender is a known client, so that with several runners
	// its events, too, are batched (see Ingest).
	if _, err := e.r.Ingest(context.Background(), gateEvent("warmup")); err != nil {
		t.Fatal(err)
	}
	return e
}

// onlineManager creates the one manager the env's dialogs go to, online
// and with room for all of them.
func (e *groupEnv) onlineManager(ctx context.Context) storage.Manager {
	e.t.Helper()
	m := storage.Manager{Login: "m", Name: "M", Role: storage.RoleAgent, Capacity: 100, Presence: storage.Online}
	if err := e.st.CreateManager(ctx, &m); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.SetPresence(ctx, m.ID, storage.Online, time.Now()); err != nil {
		e.t.Fatal(err)
	}
	return m
}

// phoneEvent is an event from the client with this phone.
func phoneEvent(ext, phone, name string) channels.InboundEvent {
	return channels.InboundEvent{Channel: "api:test", ExternalID: ext, SenderID: phone, Text: "text " + ext,
		From: channels.Contact{Name: name, Identities: []channels.Identity{{Kind: channels.Phone, Value: phone}}}}
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
	m := e.onlineManager(ctx)
	ev := phoneEvent
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
	if _, err := e.r.Close(ctx, c.DialogID, nil); err != nil {
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
		ev("n2", "+79000000010", "Нина Новикова"),
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
	if e.slow["c1"] == 0 {
		t.Errorf("c1 did not take the slow path")
	}
	for _, id := range []string{"n1", "n2"} {
		// With one runner new clients are written together; with
		// several, each in a transaction of its own.
		together := e.slow[id] == 0 && e.shared[id] != 0
		if together != (e.runners == 1) {
			t.Errorf("%s: %d inserts alone, %d with others, with %d runners", id, e.slow[id], e.shared[id], e.runners)
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
	n1, n2 := res["n1"].rc, res["n2"].rc
	for _, n := range []channels.Receipt{n1, n2} {
		if n.ClientID == a.ClientID || n.ClientID == b.ClientID || n.DialogID == 0 || n.Duplicate {
			t.Errorf("new client: %+v", n)
		}
	}
	if n1.ClientID == n2.ClientID || n1.DialogID == n2.DialogID {
		t.Errorf("two new clients share a record: %+v, %+v", n1, n2)
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
	for _, id := range []string{"a1", "a2", "b1", "n1", "n2", "c1"} {
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

// TestGroupCommitNewClients: new clients in one batch (with one runner)
// are written together (never through InsertMessage) with what
// one-at-a-time ingest gives each:
// its own client, identities, namesake and same-domain candidates (among
// the batch's clients too), a dialog assigned round-robin within capacity
// or queued, the client's owner, the SLA deadline, and the log events in
// order. An auto-reply opens a closed dialog. An identity another writer
// takes meanwhile sends its event alone, onto that writer's client.
func TestGroupCommitNewClients(t *testing.T) {
	t.Parallel()
	for name, open := range storetest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testNewClients(t, newGroupEnvOn(t, open(t), 1, nil))
		})
	}
}

func testNewClients(t *testing.T, e *groupEnv) {
	ctx := context.Background()
	team := storage.Team{Name: "sales", Strategy: storage.RoundRobin, SLA: 10 * time.Minute}
	if err := e.st.CreateTeam(ctx, &team); err != nil {
		t.Fatal(err)
	}
	var ms []storage.Manager
	for _, login := range []string{"m1", "m2"} {
		m := storage.Manager{Login: login, Name: login, Role: storage.RoleAgent, Capacity: 2, Presence: storage.Online}
		if err := e.st.CreateManager(ctx, &m); err != nil {
			t.Fatal(err)
		}
		if err := e.st.AddTeamMember(ctx, team.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	ev := func(ext, phone, name, email string) channels.InboundEvent {
		x := channels.InboundEvent{Channel: "api:test", ExternalID: ext, SenderID: phone, Team: "sales", Text: "text " + ext,
			From: channels.Contact{Name: name, Identities: []channels.Identity{{Kind: channels.Phone, Value: phone}}}}
		if email != "" {
			x.From.Identities = append(x.From.Identities, channels.Identity{Kind: channels.Email, Value: email})
		}
		return x
	}
	old, err := e.r.Ingest(ctx, ev("old", "+79001000001", "Иван Петров", "ivan@romashka.ru"))
	if err != nil {
		t.Fatal(err)
	}
	_, before, err := e.st.EventBounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clear(e.slow)

	auto := ev("n4", "+79001000004", "Автоответ", "")
	auto.Automated = true
	news := []string{"n1", "n2", "n3", "n4", "n5"}
	res := e.batchEvents(
		ev("n1", "+79001000011", "Иван Петров", ""), // namesake of old
		ev("n2", "+79001000012", "Петров Иван", ""), // of old and n1
		ev("n3", "+79001000013", "Ольга", "olga@romashka.ru"),
		auto,
		ev("n5", "+79001000015", "Дарья Смирнова", ""),
	)
	client := map[int64]string{old.ClientID: "old"}
	for _, id := range news {
		rc := res[id].rc
		if res[id].err != nil || rc.Duplicate || rc.ClientID == 0 {
			t.Fatalf("%s: %+v, %v", id, rc, res[id].err)
		}
		if e.slow[id] != 0 {
			t.Errorf("%s took the slow path", id)
		}
		if other, taken := client[rc.ClientID]; taken {
			t.Errorf("%s and %s share client %d", id, other, rc.ClientID)
		}
		client[rc.ClientID] = id
	}
	found, err := e.st.FindIdentities(ctx, []storage.Identity{
		{Kind: "phone", Value: "+79001000011"}, {Kind: "phone", Value: "+79001000013"}, {Kind: "email", Value: "olga@romashka.ru"}})
	if err != nil || len(found) != 3 {
		t.Fatalf("identities: %+v, %v", found, err)
	}
	for _, f := range found {
		if want := map[string]string{"+79001000011": "n1"}[f.Value]; want == "" && client[f.ClientID] != "n3" || want != "" && client[f.ClientID] != want {
			t.Errorf("identity %s held by %s", f.Value, client[f.ClientID])
		}
	}

	// Three free places for four dialogs: round robin fills them, the
	// fourth waits; the auto-reply's dialog is closed and nobody's.
	load := map[int64]int{}
	var queuedDialogs []string
	for _, id := range news {
		d, err := e.st.GetDialog(ctx, res[id].rc.DialogID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.st.GetClient(ctx, d.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case id == "n4":
			if d.Status != storage.DialogClosed || d.AssigneeID != 0 || c.OwnerID != 0 {
				t.Errorf("auto-reply: dialog %+v, owner %d", d, c.OwnerID)
			}
		case d.AssigneeID == 0:
			queuedDialogs = append(queuedDialogs, id)
			if d.QueuedAt.IsZero() || c.OwnerID != 0 || d.TeamID != team.ID {
				t.Errorf("%s queued: %+v, owner %d", id, d, c.OwnerID)
			}
		default:
			load[d.AssigneeID]++
			if c.OwnerID != d.AssigneeID || d.SLADueAt.IsZero() || !d.QueuedAt.IsZero() || d.Unread != 1 {
				t.Errorf("%s assigned: %+v, owner %d", id, d, c.OwnerID)
			}
		}
	}
	if len(queuedDialogs) != 1 {
		t.Errorf("queued %v, want one dialog", queuedDialogs)
	}
	od, err := e.st.GetDialog(ctx, old.DialogID)
	if err != nil {
		t.Fatal(err)
	}
	load[od.AssigneeID]++
	for _, m := range ms {
		got, err := e.st.GetManager(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Load != 2 || load[m.ID] != 2 {
			t.Errorf("%s: load %d, %d open dialogs; want 2 (capacity)", m.Login, got.Load, load[m.ID])
		}
	}

	cands, err := e.st.ListCandidates(ctx, 0, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]string{}
	for _, c := range cands {
		a, b := client[c.ClientA], client[c.ClientB]
		if a > b {
			a, b = b, a
		}
		pairs[a+"~"+b] = c.Reason
	}
	want := []string{"n1~old", "n2~old", "n1~n2", "n3~old"}
	if len(pairs) != len(want) {
		t.Errorf("candidates %v, want %v", pairs, want)
	}
	for _, p := range want {
		if pairs[p] == "" {
			t.Errorf("no candidate %s among %v", p, pairs)
		}
	}
	if !strings.HasPrefix(pairs["n3~old"], "email domain:") {
		t.Errorf("n3~old: %q, want the shared domain", pairs["n3~old"])
	}

	// Each new client's log events come in ingestEvent's order.
	evs, err := e.st.EventsAfter(ctx, before, 200)
	if err != nil {
		t.Fatal(err)
	}
	seq := map[string][]string{}
	count := map[string]int{}
	for _, x := range evs {
		count[x.Type]++
		if id := client[x.ClientID]; id != "" && x.Type != "duplicate.found" {
			seq[id] = append(seq[id], x.Type)
		}
	}
	for _, id := range news {
		want := "client.updated dialog.created dialog.assigned message.created"
		switch {
		case id == "n4":
			want = "client.updated dialog.created message.created"
		case slices.Contains(queuedDialogs, id):
			want = "client.updated dialog.created dialog.queued message.created"
		}
		if got := strings.Join(seq[id], " "); got != want {
			t.Errorf("%s: events %q, want %q", id, got, want)
		}
	}
	if count["duplicate.found"] != 4 {
		t.Errorf("%d duplicate.found events, want 4", count["duplicate.found"])
	}

	// Another writer takes a new client's phone meanwhile: that event
	// lands on the other client's record, alone; the rest are unharmed.
	e.raceID.Store(true)
	res = e.batchEvents(ev("r1", "+79001000021", "Роман Первый", ""), ev("r2", "+79001000022", "Роза Вторая", ""),
		ev("r3", "+79001000023", "Рита Третья", ""))
	if e.raceID.Load() {
		t.Fatal("the race was never staged")
	}
	seen := map[int64]bool{}
	for _, id := range []string{"r1", "r2", "r3"} {
		got, err := e.st.GetMessageByExternal(ctx, "api:test", id)
		if res[id].err != nil || err != nil || got.ID != res[id].rc.MessageID || seen[got.ClientID] {
			t.Errorf("%s after a lost race: %+v %v; stored %+v %v", id, res[id].rc, res[id].err, got, err)
		}
		seen[got.ClientID] = true
	}
}

// A new client's event in a transaction of its own finds, when it writes
// its identities, that another writer took its phone meanwhile: it runs
// again and lands on one client holding every identity it brought.
func TestLoneEventLosesItsIdentity(t *testing.T) {
	t.Parallel()
	for name, open := range storetest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newGroupEnvOn(t, open(t), 2, nil)
			e.raceID.Store(true)
			ev := channels.InboundEvent{Channel: "api:test", ExternalID: "lone", SenderID: "lone", Text: "hi",
				From: channels.Contact{Name: "Лена Одна", Identities: []channels.Identity{
					{Kind: channels.Phone, Value: "+79001000031"}, {Kind: channels.Email, Value: "lena@example.org"}},
					Weak: []channels.Identity{{Kind: channels.Phone, Value: "+79001000032"}}}}
			rc, err := e.r.Ingest(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			if e.raceID.Load() {
				t.Fatal("the race was never staged")
			}
			ids, err := e.st.ClientIdentities(ctx, rc.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, id := range ids {
				got = append(got, fmt.Sprintf("%s=%s weak=%t", id.Kind, id.Value, id.Weak))
			}
			slices.Sort(got)
			want := []string{"email=lena@example.org weak=false", "phone=+79001000031 weak=false", "phone=+79001000032 weak=true"}
			if !slices.Equal(got, want) {
				t.Errorf("client %d holds %q, want %q", rc.ClientID, got, want)
			}
		})
	}
}
