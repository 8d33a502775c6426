package storetest

import (
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var managerTests = []test{
	{"ManagerRoundTrip", testManagerRoundTrip},
	{"ManagerUpdates", testManagerUpdates},
	{"ManagerCapacity", testManagerCapacity},
	{"LockManagers", testLockManagers},
	{"AddManagerLoads", testAddManagerLoads},
}

// testLockManagers: locking managers in a transaction changes nothing,
// takes any ids, known or not, in any order, and returns the known ones in
// id order. That the locks prevent deadlocks is shown by the router's
// crossing-transfer tests.
func testLockManagers(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b := newManager(t, s, "a", 2), newManager(t, s, "b", 2)
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		got, err := tx.LockManagers(c, []int64{b.ID, 0, a.ID, b.ID + 100, a.ID})
		if err != nil {
			return err
		}
		eq(t, "locked rows", got, []storage.Manager{a, b})
		none, err := tx.LockManagers(c, nil)
		eq(t, "none", len(none), 0)
		return err
	}))
	eq(t, "unchanged", must(s.GetManager(c, a.ID))(t).Load, 0)
}

// testAddManagerLoads: loads rise by the counts given, past capacity if
// told so (the caller checked it under lock), and a missing manager fails.
func testAddManagerLoads(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b, x := newManager(t, s, "a", 2), newManager(t, s, "b", 2), newManager(t, s, "x", 2)
	ok(t, s.AddManagerLoads(c, map[int64]int{a.ID: 1, b.ID: 3}, at(time.Minute)))
	ga, gb, gx := must(s.GetManager(c, a.ID))(t), must(s.GetManager(c, b.ID))(t), must(s.GetManager(c, x.ID))(t)
	eq(t, "a load", ga.Load, 1)
	eq(t, "b load", gb.Load, 3)
	eq(t, "a assigned at", ga.LastAssignedAt, at(time.Minute))
	eq(t, "x untouched", gx, x)
	wantErr(t, "missing manager", s.AddManagerLoads(c, map[int64]int{x.ID + 100: 1}, at(time.Minute)), storage.ErrNotFound)
	ok(t, s.AddManagerLoads(c, nil, at(time.Minute)))
}

func testManagerRoundTrip(t *testing.T, s storage.Store) {
	c := ctx(t)
	eq(t, "count empty", must(s.CountManagers(c))(t), 0)
	m := storage.Manager{
		Login: "anna", Name: "Анна Смирнова", PasswordHash: "$argon2id$x", Role: storage.RoleSupervisor,
		Presence: storage.Online, PresenceAt: at(time.Minute), Capacity: 4, Load: 1, Phone: "101",
		Mailbox: "anna@example.com", Disabled: true, CreatedAt: t0, LastAssignedAt: at(2 * time.Minute),
	}
	ok(t, s.CreateManager(c, &m))
	if m.ID == 0 {
		t.Fatal("CreateManager did not set the id")
	}
	eq(t, "get", must(s.GetManager(c, m.ID))(t), m)
	eq(t, "get by login", must(s.GetManagerByLogin(c, "anna"))(t), m)

	dup := storage.Manager{Login: "anna", CreatedAt: t0}
	wantErr(t, "duplicate login", s.CreateManager(c, &dup), storage.ErrConflict)
	_, err := s.GetManager(c, m.ID+1000)
	wantErr(t, "missing id", err, storage.ErrNotFound)
	_, err = s.GetManagerByLogin(c, "nobody")
	wantErr(t, "missing login", err, storage.ErrNotFound)

	// Defaults for an empty role and presence.
	b := storage.Manager{Login: "boris", CreatedAt: t0}
	ok(t, s.CreateManager(c, &b))
	got := must(s.GetManager(c, b.ID))(t)
	eq(t, "default role", got.Role, storage.RoleAgent)
	eq(t, "default presence", got.Presence, storage.Offline)

	eq(t, "list", ids(must(s.ListManagers(c))(t), managerID), []int64{m.ID, b.ID})
	eq(t, "count", must(s.CountManagers(c))(t), 2)
}

func testManagerUpdates(t *testing.T, s storage.Store) {
	c := ctx(t)
	m := newManager(t, s, "vera", 2)

	upd := m
	upd.Name, upd.Role, upd.Capacity, upd.Phone, upd.Mailbox, upd.Disabled = "Vera", storage.RoleAdmin, 7, "102", "v@example.com", true
	// Fields UpdateManager does not write must be left alone.
	upd.Login, upd.Load, upd.Presence = "changed", 3, storage.Online
	ok(t, s.UpdateManager(c, upd))
	want := m
	want.Name, want.Role, want.Capacity, want.Phone, want.Mailbox, want.Disabled = "Vera", storage.RoleAdmin, 7, "102", "v@example.com", true
	eq(t, "after update", must(s.GetManager(c, m.ID))(t), want)
	wantErr(t, "update missing", s.UpdateManager(c, storage.Manager{ID: m.ID + 1000}), storage.ErrNotFound)

	ok(t, s.SetPassword(c, m.ID, "hash2"))
	eq(t, "password", must(s.GetManager(c, m.ID))(t).PasswordHash, "hash2")
	wantErr(t, "password missing", s.SetPassword(c, m.ID+1000, "x"), storage.ErrNotFound)

	ok(t, s.SetPresence(c, m.ID, storage.Away, at(time.Hour)))
	got := must(s.GetManager(c, m.ID))(t)
	eq(t, "presence", got.Presence, storage.Away)
	eq(t, "presence at", got.PresenceAt, at(time.Hour))
	wantErr(t, "presence missing", s.SetPresence(c, m.ID+1000, storage.Away, t0), storage.ErrNotFound)
}

func testManagerCapacity(t *testing.T, s storage.Store) {
	c := ctx(t)
	m := newManager(t, s, "gleb", 2)
	for i, want := range []bool{true, true, false, false} {
		eq(t, "reserve", must(s.ReserveCapacity(c, m.ID, at(time.Duration(i)*time.Second)))(t), want)
	}
	got := must(s.GetManager(c, m.ID))(t)
	eq(t, "load at capacity", got.Load, 2)
	eq(t, "last assigned is the last successful reserve", got.LastAssignedAt, at(time.Second))
	eq(t, "reserve missing", must(s.ReserveCapacity(c, m.ID+1000, t0))(t), false)

	for range 3 {
		ok(t, s.ReleaseCapacity(c, m.ID))
	}
	eq(t, "load never below zero", must(s.GetManager(c, m.ID))(t).Load, 0)
	wantErr(t, "release missing", s.ReleaseCapacity(c, m.ID+1000), storage.ErrNotFound)

	zero := newManager(t, s, "zero", 0)
	eq(t, "zero capacity takes nothing", must(s.ReserveCapacity(c, zero.ID, t0))(t), false)
}
