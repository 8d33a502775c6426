package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/sqlite"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store { return storetest.SQLite(t) })
}

// TestOpenOddPath opens a database in a directory whose name holds the
// characters a file: URI treats specially, then again, and finds the
// first open's data: the path names one file.
func TestOpenOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%20d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "switchboard.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if pending, err := s.MigrationsPending(ctx); err != nil || pending {
		t.Fatalf("reopened database: pending %v, err %v; want the migrated one", pending, err)
	}
}
