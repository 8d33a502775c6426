package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// openRaw opens a store file and returns its handle with a scratch table.
func openRaw(t *testing.T) *sql.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	db := s.SQL()
	// A script: two statements in one Exec.
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);
		CREATE INDEX t_v ON t (v);`); err != nil {
		t.Fatal(err)
	}
	return db
}

// kept returns the number of statements the connection keeps.
func kept(t *testing.T, db *sql.DB) int {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := -1
	if err := c.Raw(func(dc any) error {
		n = len(dc.(*cachingConn).stmts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStmtCache(t *testing.T) {
	db := openRaw(t)
	if n := kept(t, db); n != 0 {
		t.Fatalf("a script left %d statements kept, want 0", n)
	}

	const ins = `INSERT INTO t (v) VALUES ($1)`
	for i := 0; i < 3; i++ {
		if _, err := db.Exec(ins, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ins, "in-tx"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := kept(t, db); n != 1 {
		t.Fatalf("one statement run five times: %d kept, want 1", n)
	}

	// A unique violation fails the run; the statement is dropped and the
	// next run prepares it again.
	if _, err := db.Exec(ins, "v1"); err == nil {
		t.Fatal("duplicate insert succeeded")
	}
	if n := kept(t, db); n != 0 {
		t.Fatalf("after a failed run: %d kept, want 0", n)
	}
	if _, err := db.Exec(ins, "v3"); err != nil {
		t.Fatal(err)
	}

	// The same query again while its rows are open, in a transaction (one
	// connection): the second run gets a statement of its own, and both
	// read correctly.
	const sel = `SELECT v FROM t WHERE id >= $1 ORDER BY id`
	tx, err = db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.Query(sel, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var a string
		if err := outer.Scan(&a); err != nil {
			t.Fatal(err)
		}
		var first string
		if err := tx.QueryRow(sel, 1).Scan(&first); err != nil {
			t.Fatal(err)
		}
		got = append(got, a+"/"+first)
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "[v0/v0 v1/v0 v2/v0 v3/v0]"; fmt.Sprint(got) != want {
		t.Fatalf("nested reads %v, want %s", got, want)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := kept(t, db); n != 2 {
		t.Fatalf("%d statements kept, want 2 (the insert and the select)", n)
	}
}

// TestStmtCacheBounded: past stmtCacheSize distinct queries, the least
// recently used are finalized.
func TestStmtCacheBounded(t *testing.T) {
	db := openRaw(t)
	const hot = `SELECT COUNT(*) FROM t WHERE id > $1`
	for i := 0; i < stmtCacheSize+50; i++ {
		var n int
		if err := db.QueryRow(hot, 0).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(fmt.Sprintf(`SELECT %d + $1`, i), 1).Scan(&n); err != nil || n != i+1 {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if n := kept(t, db); n != stmtCacheSize {
		t.Fatalf("%d statements kept, want %d", n, stmtCacheSize)
	}
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Raw(func(dc any) error {
		if _, ok := dc.(*cachingConn).stmts[hot]; !ok {
			t.Error("the query run every time was evicted")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
