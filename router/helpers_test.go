package router_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/blob"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	ctx   context.Context
	store storage.Store
	r     *router.Router
	clock *clock
}

// forEachStore runs fn against a fresh SQLite and a fresh PostgreSQL store.
func forEachStore(t *testing.T, cfg router.Config, fn func(e *env)) {
	t.Helper()
	for name, open := range storetest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(newEnv(t, open(t), cfg))
		})
	}
}

// newEnv runs a router with cfg on st, on a test clock.
func newEnv(t *testing.T, st storage.Store, cfg router.Config) *env {
	t.Helper()
	norm, err := identity.New(identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	r := router.New(st, norm, blobs, cfg, router.WithClock(c.now))
	return &env{t: t, ctx: context.Background(), store: st, r: r, clock: c}
}

func (e *env) manager(login string, capacity int, p storage.Presence) storage.Manager {
	e.t.Helper()
	m := storage.Manager{Login: login, Name: login, Role: storage.RoleAgent, Capacity: capacity, Presence: p, CreatedAt: e.clock.now()}
	if err := e.store.CreateManager(e.ctx, &m); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.SetPresence(e.ctx, m.ID, p, e.clock.now()); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) team(name string, strategy storage.Strategy, sla time.Duration, members ...storage.Manager) storage.Team {
	e.t.Helper()
	tm := storage.Team{Name: name, Strategy: strategy, SLA: sla, CreatedAt: e.clock.now()}
	if err := e.store.CreateTeam(e.ctx, &tm); err != nil {
		e.t.Fatal(err)
	}
	for _, m := range members {
		if err := e.store.AddTeamMember(e.ctx, tm.ID, m.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	return tm
}

func (e *env) ingest(ev channels.InboundEvent) channels.Receipt {
	e.t.Helper()
	rc, err := e.r.Ingest(e.ctx, ev)
	if err != nil {
		e.t.Fatalf("ingest %s: %v", ev.ExternalID, err)
	}
	return rc
}

func (e *env) dialog(id int64) storage.Dialog {
	e.t.Helper()
	d, err := e.store.GetDialog(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *env) load(id int64) int {
	e.t.Helper()
	m, err := e.store.GetManager(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m.Load
}

func phone(v string) channels.Identity { return channels.Identity{Kind: channels.Phone, Value: v} }
func email(v string) channels.Identity { return channels.Identity{Kind: channels.Email, Value: v} }

func msg(channel, id, name string, ids ...channels.Identity) channels.InboundEvent {
	return channels.InboundEvent{Channel: channel, ExternalID: id, SenderID: id, From: channels.Contact{Name: name, Identities: ids}, Text: "hello " + id}
}

// eventTypes lists the types of all logged events, in order.
func (e *env) eventTypes() []string {
	e.t.Helper()
	evs, err := e.store.EventsAfter(e.ctx, 0, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}
