package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/sqlite"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store { return storetest.SQLite(t) })
}

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// A new file reports pending migrations; data survives closing and
// reopening.
func TestMigrateAndReopen(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	// Characters that mean something in a URI are part of the name.
	path := filepath.Join(t.TempDir(), "my hub?#%.db")
	s, err := sqlite.Open(c, path)
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := s.MigrationsPending(c); err != nil || !pending {
		t.Fatalf("new file: pending=%v err=%v", pending, err)
	}
	if err := s.Migrate(c); err != nil {
		t.Fatal(err)
	}
	m := storage.Manager{Login: "admin", Role: storage.RoleAdmin, CreatedAt: time.Now()}
	if err := s.CreateManager(c, &m); err != nil {
		t.Fatal(err)
	}
	e := storage.Event{Type: "x", At: time.Now()}
	if err := s.AppendEvent(c, &e); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at its path: %v", err)
	}

	s, err = sqlite.Open(c, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if pending, err := s.MigrationsPending(c); err != nil || pending {
		t.Fatalf("reopened: pending=%v err=%v", pending, err)
	}
	if got, err := s.GetManagerByLogin(c, "admin"); err != nil || got.ID != m.ID {
		t.Fatalf("reopened: %+v %v", got, err)
	}
	next := storage.Event{Type: "y", At: time.Now()}
	if err := s.AppendEvent(c, &next); err != nil || next.ID != e.ID+1 {
		t.Fatalf("event ids continue: %d after %d, %v", next.ID, e.ID, err)
	}
}

// A second process on the same file (the CLI beside the daemon) reads
// while the first holds a write transaction: that is what WAL buys.
func TestReadWhileWriting(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	path := filepath.Join(t.TempDir(), "hub.db")
	daemon, err := sqlite.Open(c, path)
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	if err := daemon.Migrate(c); err != nil {
		t.Fatal(err)
	}
	cli, err := sqlite.Open(c, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	err = daemon.Tx(c, func(tx storage.Queries) error {
		m := storage.Manager{Login: "uncommitted", CreatedAt: time.Now()}
		if err := tx.CreateManager(c, &m); err != nil {
			return err
		}
		n, err := cli.CountManagers(c)
		if err != nil {
			t.Errorf("read during a write: %v", err)
		}
		if n != 0 {
			t.Errorf("read an uncommitted row: %d", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := cli.CountManagers(c); err != nil || n != 1 {
		t.Fatalf("after commit: %d %v", n, err)
	}
}

// Opening a path in a missing directory fails at Open, not later.
func TestOpenBadPath(t *testing.T) {
	t.Parallel()
	if s, err := sqlite.Open(testCtx(t), filepath.Join(t.TempDir(), "missing", "hub.db")); err == nil {
		s.Close()
		t.Fatal("opened a file in a missing directory")
	}
}

// The store reports its one connection and the requests that waited for it.
func TestPoolStats(t *testing.T) {
	t.Parallel()
	storetest.PoolWaits(t, storetest.SQLite(t))
}
