package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/postgres"
	"github.com/switchboard-hub/switchboard/storage/sqlite"
)

// EnvDatabaseURL names the environment variable holding the PostgreSQL
// server used by tests, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvDatabaseURL = "SWITCHBOARD_TEST_DATABASE_URL"

// SQLite returns a fresh migrated SQLite store in t.TempDir(), closed when
// the test ends.
func SQLite(t testing.TB) storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "switchboard.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return s
}

// Postgres returns a fresh migrated PostgreSQL store in a schema of its
// own, dropped when the test ends (see PostgresURL).
func Postgres(t testing.TB) storage.Store {
	t.Helper()
	return OpenPostgres(t, PostgresURL(t))
}

// OpenPostgres opens and migrates a store at url, closed when the test
// ends. Tests of several replicas open one PostgresURL twice.
func OpenPostgres(t testing.TB, url string) storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return s
}

// PostgresURL creates an empty schema t_<random> on the test server and
// returns the server's URL with search_path set to it; the schema is
// dropped when the test ends. Without the server's URL in
// SWITCHBOARD_TEST_DATABASE_URL the test is skipped, or fails when the CI
// environment variable is set, so CI cannot pass by skipping.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set; CI must run the PostgreSQL tests", EnvDatabaseURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvDatabaseURL)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("connect postgres: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	admin("CREATE SCHEMA " + schema)
	// Registered before the store's own cleanup, so it runs after the
	// store is closed.
	t.Cleanup(func() { admin("DROP SCHEMA " + schema + " CASCADE") })
	return withSearchPath(base, schema)
}

// withSearchPath adds search_path to a URL or key=value connection string;
// pgx sends unknown parameters to the server as run-time settings.
func withSearchPath(conn, schema string) string {
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		u, err := url.Parse(conn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return conn + " search_path=" + schema
}

// Stores returns an opener per engine, for table-driven tests that run
// against both: for name, open := range storetest.Stores() { t.Run(name,
// func(t *testing.T) { s := open(t); ... }) }.
func Stores() map[string]func(testing.TB) storage.Store {
	return map[string]func(testing.TB) storage.Store{
		"sqlite":   SQLite,
		"postgres": Postgres,
	}
}
