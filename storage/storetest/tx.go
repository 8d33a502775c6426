package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var txTests = []test{
	{"TxCommitAndRollback", testTxCommitAndRollback},
	{"TxMissingRow", testTxMissingRow},
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

// testTxMissingRow: an update of a row that does not exist fails its
// transaction with storage.ErrNotFound, whether it is the transaction's
// last statement or more follow, and nothing of the transaction is kept;
// updates of rows that exist commit with everything else. (PostgreSQL
// may send such updates with the next statement, so the error can come
// back from a later call; it comes back either way.)
func testTxMissingRow(t *testing.T, s storage.Store) {
	c := ctx(t)
	m := newManager(t, s, "kept", 5)
	cl := newClient(t, s, "Ann")
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Status: storage.DialogOpen})
	missing := d.ID + 1000

	ok(t, s.Tx(c, func(tx storage.Queries) error {
		if err := tx.TouchDialog(c, d.ID, at(time.Minute), true); err != nil {
			return err
		}
		if err := tx.MarkDialogRead(c, d.ID); err != nil {
			return err
		}
		if err := tx.TouchDialog(c, d.ID, at(2*time.Minute), true); err != nil {
			return err
		}
		if err := tx.SetDialogStatus(c, d.ID, storage.DialogClosed, at(3*time.Minute)); err != nil {
			return err
		}
		return tx.AppendEventsAtCommit(c, []storage.Event{{Type: "kept", At: t0, Data: json.RawMessage(`{}`)}})
	}))
	got := must(s.GetDialog(c, d.ID))(t)
	eq(t, "updates committed", [3]any{got.Unread, got.Status, got.LastMessageAt.Equal(at(2 * time.Minute))},
		[3]any{1, storage.DialogClosed, true})
	_, newest := must2(s.EventBounds(c))(t)

	last := func(tx storage.Queries) error { return tx.TouchDialog(c, missing, t0, true) }
	notLast := func(tx storage.Queries) error {
		if err := tx.ReleaseCapacity(c, m.ID+1000); err != nil {
			return err
		}
		_, err := tx.GetDialog(c, d.ID)
		return err
	}
	for name, fn := range map[string]func(storage.Queries) error{"last": last, "not last": notLast} {
		err := s.Tx(c, func(tx storage.Queries) error {
			if err := tx.SetState(c, "missing", name, "x"); err != nil {
				return err
			}
			if err := fn(tx); err != nil {
				return err
			}
			return tx.AppendEventsAtCommit(c, []storage.Event{{Type: "lost", At: t0, Data: json.RawMessage(`{}`)}})
		})
		wantErr(t, name+": missing row", err, storage.ErrNotFound)
		_, err = s.GetState(c, "missing", name)
		wantErr(t, name+": nothing kept", err, storage.ErrNotFound)
	}
	_, after := must2(s.EventBounds(c))(t)
	eq(t, "no events from failed transactions", after, newest)
	// The store works on afterwards.
	ok(t, s.Tx(c, func(tx storage.Queries) error { return tx.MarkDialogRead(c, d.ID) }))
	eq(t, "read", must(s.GetDialog(c, d.ID))(t).Unread, 0)
}
