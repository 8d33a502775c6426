package storetest

import (
	"testing"

	"github.com/switchboard-hub/switchboard/storage"
)

var txTests = []test{
	{"TxCommitAndRollback", testTxCommitAndRollback},
	{"Migrations", testMigrations},
	{"Engine", testEngine},
}

func testTxCommitAndRollback(t *testing.T, s storage.Store) {
	c := ctx(t)
	var m storage.Manager
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		m = storage.Manager{Login: "in-tx", CreatedAt: t0}
		if err := tx.CreateManager(c, &m); err != nil {
			return err
		}
		// Reads in the transaction see its writes.
		_, err := tx.GetManager(c, m.ID)
		return err
	}))
	eq(t, "committed", must(s.GetManagerByLogin(c, "in-tx"))(t).ID, m.ID)

	boom := errorString("boom")
	err := s.Tx(c, func(tx storage.Queries) error {
		x := storage.Manager{Login: "rolled-back", CreatedAt: t0}
		ok(t, tx.CreateManager(c, &x))
		ok(t, tx.SetState(c, "a", "b", "c"))
		return boom
	})
	wantErr(t, "fn's error returned", err, boom)
	_, err = s.GetManagerByLogin(c, "rolled-back")
	wantErr(t, "rolled back", err, storage.ErrNotFound)
	_, err = s.GetState(c, "a", "b")
	wantErr(t, "state rolled back", err, storage.ErrNotFound)

	// A store error inside the transaction comes out with its sentinel.
	err = s.Tx(c, func(tx storage.Queries) error {
		dup := storage.Manager{Login: "in-tx", CreatedAt: t0}
		return tx.CreateManager(c, &dup)
	})
	wantErr(t, "conflict through Tx", err, storage.ErrConflict)
	eq(t, "count", must(s.CountManagers(c))(t), 1)

	// A panic rolls back and propagates.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic swallowed")
			}
		}()
		_ = s.Tx(c, func(tx storage.Queries) error {
			x := storage.Manager{Login: "panicked", CreatedAt: t0}
			ok(t, tx.CreateManager(c, &x))
			panic("boom")
		})
	}()
	_, err = s.GetManagerByLogin(c, "panicked")
	wantErr(t, "panic rolled back", err, storage.ErrNotFound)
	ok(t, s.Ping(c))
}

func testMigrations(t *testing.T, s storage.Store) {
	c := ctx(t)
	eq(t, "nothing pending", must(s.MigrationsPending(c))(t), false)
	ok(t, s.Migrate(c)) // again: a no-op
	eq(t, "still nothing pending", must(s.MigrationsPending(c))(t), false)
	newManager(t, s, "after-migrate", 1)
}

func testEngine(t *testing.T, s storage.Store) {
	switch e := s.Engine(); e {
	case "sqlite", "postgres":
	default:
		t.Fatalf("engine %q", e)
	}
}
