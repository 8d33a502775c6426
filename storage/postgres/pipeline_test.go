package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/postgres"
	"github.com/switchboard-hub/switchboard/storage/sqldb"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// proxied returns a one-connection pool on url's schema, through a trip
// counter.
func proxied(t *testing.T, rawURL string) (*pgxpool.Pool, *storetest.TripCounter) {
	t.Helper()
	raw, p := storetest.Proxied(t, rawURL)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "1")
	u.RawQuery = q.Encode()
	pool, err := pgxpool.New(testCtx(t), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, p
}

// A transaction's BEGIN goes with its first statement and, when the store
// appends events at commit, its COMMIT with the append: each costs no
// round trip of its own.
func TestTransactionRoundTrips(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	rawURL := storetest.PostgresURL(t)
	pool, trips := proxied(t, rawURL)
	migs, err := sqldb.Migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	s := sqldb.New(postgres.OpenDB(pool), postgres.Dialect(migs, "trips"))
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(c); err != nil {
		t.Fatal(err)
	}
	client := storage.Client{Name: "Ann", CreatedAt: time.Now()}
	if err := s.CreateClient(c, &client); err != nil {
		t.Fatal(err)
	}
	d := storage.Dialog{ClientID: client.ID, Channel: "telegram", Status: storage.DialogOpen, CreatedAt: time.Now()}
	if err := s.CreateDialog(c, &d); err != nil {
		t.Fatal(err)
	}
	event := func() []storage.Event {
		return []storage.Event{{Type: "x", At: time.Now(), Data: json.RawMessage(`{}`)}}
	}
	cases := []struct {
		name  string
		fn    func(tx storage.Queries) error
		trips int64
	}{
		{"empty", func(storage.Queries) error { return nil }, 0},
		{"one statement", func(tx storage.Queries) error { return tx.SetState(c, "s", "k", "v") }, 2},
		{"two statements", func(tx storage.Queries) error {
			if err := tx.SetState(c, "s", "k", "v"); err != nil {
				return err
			}
			return tx.SetState(c, "s", "k2", "v")
		}, 3},
		{"a statement and events at commit", func(tx storage.Queries) error {
			if err := tx.SetState(c, "s", "k", "v"); err != nil {
				return err
			}
			return tx.AppendEventsAtCommit(c, event())
		}, 2},
		{"events at commit alone", func(tx storage.Queries) error { return tx.AppendEventsAtCommit(c, event()) }, 1},
		{"a read and a rollback", func(tx storage.Queries) error {
			if _, err := tx.GetState(c, "s", "k"); err != nil {
				return err
			}
			return errRollback
		}, 2},
		// Updates whose result the store does not read wait for the next
		// statement or the COMMIT.
		{"updates and events at commit", func(tx storage.Queries) error {
			if err := tx.TouchDialog(c, d.ID, time.Now(), true); err != nil {
				return err
			}
			if err := tx.MarkDialogRead(c, d.ID); err != nil {
				return err
			}
			return tx.AppendEventsAtCommit(c, event())
		}, 1},
		{"an update alone", func(tx storage.Queries) error { return tx.MarkDialogRead(c, d.ID) }, 1},
		// A read whose rows are needed only after the next statement goes
		// with it.
		{"a lookup of inbound events", func(tx storage.Queries) error {
			_, _, err := tx.LookupInbound(c, []storage.MessageKey{{Channel: "telegram", ExternalID: "e1"}},
				[]storage.Identity{{Kind: "phone", Value: "+79990001122"}})
			return err
		}, 2},
		{"an update, then a read", func(tx storage.Queries) error {
			if err := tx.MarkDialogRead(c, d.ID); err != nil {
				return err
			}
			_, err := tx.GetState(c, "s", "k")
			return err
		}, 2},
	}
	for _, tc := range cases {
		run := func() error { return s.Tx(c, tc.fn) }
		expected := func(err error) bool { return err == nil || errors.Is(err, errRollback) }
		// The first run prepares the statements on the connection.
		if err := run(); !expected(err) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		before := trips.Trips()
		if err := run(); !expected(err) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := trips.Trips() - before; got != tc.trips {
			t.Errorf("%s: %d round trips, want %d", tc.name, got, tc.trips)
		}
	}
	n, err := s.CountEvents(c, "x", time.Time{})
	if err != nil || n != 6 {
		t.Fatalf("events committed: %d, %v; want 6", n, err)
	}

	// A missing row fails the batch that carries COMMIT: the transaction
	// fails with storage.ErrNotFound and the connection serves the next.
	err = s.Tx(c, func(tx storage.Queries) error {
		if err := tx.MarkDialogRead(c, d.ID+1000); err != nil {
			t.Errorf("a queued update failed at once: %v", err)
		}
		return nil
	})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("update of a missing row: %v, want storage.ErrNotFound", err)
	}
	if err := s.Tx(c, func(tx storage.Queries) error { return tx.MarkDialogRead(c, d.ID) }); err != nil {
		t.Fatalf("the next transaction: %v", err)
	}
}

var errRollback = errors.New("roll back")

// pipelinedDB opens the store's database/sql handle on a fresh schema.
func pipelinedDB(t *testing.T) (*sql.DB, *pgxpool.Pool) {
	t.Helper()
	pool, _ := proxied(t, storetest.PostgresURL(t))
	db := postgres.OpenDB(pool)
	t.Cleanup(func() { _ = db.Close() })
	return db, pool
}

// A COMMIT sent with a statement can still fail; the caller then gets its
// error from the statement, nothing is committed, and the connection is
// fit for the next transaction. So is it after a failing first statement.
func TestPipelinedFailures(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	db, _ := pipelinedDB(t)
	if _, err := db.ExecContext(c, `CREATE TABLE u (v INT UNIQUE DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := db.QueryRowContext(c, `SELECT count(*) FROM u`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	tx, err := db.BeginTx(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(c, `INSERT INTO u VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	var v int
	err = tx.QueryRowContext(sqldb.WithCommitAfter(c), `INSERT INTO u VALUES (1) RETURNING v`).Scan(&v)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("commit of a duplicate: %v, want a unique violation", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback after a failed commit: %v", err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d rows after a failed commit", n)
	}

	tx, err = db.BeginTx(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(c, `INSERT INTO nowhere VALUES (1)`); err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback after a failed first statement: %v", err)
	}

	tx, err = db.BeginTx(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRowContext(sqldb.WithCommitAfter(c), `INSERT INTO u VALUES (2) RETURNING v`).Scan(&v); err != nil || v != 2 {
		t.Fatalf("insert and commit: %d, %v", v, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit already sent: %v", err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d rows after a commit, want 1", n)
	}
}

// Values read through a pipelined batch are the ones the stdlib driver
// gives for the same query.
func TestPipelinedValues(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	db, pool := pipelinedDB(t)
	plain := stdlib.OpenDBFromPool(pool)
	const query = `SELECT true, 2::int2, 3::int4, 4::int8, 1.5::float4, 2.5::float8, '\x01ff'::bytea,
		'{"a": [1, "два"]}'::jsonb, '{"b":2}'::json, 'текст'::text, NULL::text, 12.345::numeric, 'x'::varchar
		FROM generate_series(1, $1::int)`
	// scanAll reads every row of the query.
	scanAll := func(rows *sql.Rows) [][]any {
		defer rows.Close()
		var out [][]any
		for rows.Next() {
			vs := make([]any, 13)
			ps := make([]any, len(vs))
			for i := range vs {
				ps[i] = &vs[i]
			}
			if err := rows.Scan(ps...); err != nil {
				t.Fatal(err)
			}
			out = append(out, vs)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	read := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) [][]any {
		rows, err := q.QueryContext(c, query, 3)
		if err != nil {
			t.Fatal(err)
		}
		return scanAll(rows)
	}
	want := read(plain)
	tx, err := db.BeginTx(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := read(tx) // the transaction's first statement, sent with BEGIN
	// The same held back (sqldb.Later) and sent with the next statement.
	held, err := tx.QueryContext(sqldb.WithLater(c), query, 3)
	if err != nil {
		t.Fatal(err)
	}
	var one int
	if err := tx.QueryRowContext(c, `SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("the statement carrying a held query: %d, %v", one, err)
	}
	heldGot := scanAll(held)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(heldGot) != 3 {
		t.Fatalf("%d and %d rows, want 3", len(got), len(heldGot))
	}
	got = append(got, heldGot...)
	want = append(want, want...)
	for i := range want {
		for j := range want[i] {
			w, g := want[i][j], got[i][j]
			if wb, ok := w.([]byte); ok {
				if gb, ok := g.([]byte); !ok || string(gb) != string(wb) {
					t.Errorf("row %d column %d: %#v, want %#v", i, j, g, w)
				}
				continue
			}
			if g != w {
				t.Errorf("row %d column %d: %#v, want %#v", i, j, g, w)
			}
		}
	}
}

// A held query (sqldb.Later) read before any other statement is sent on
// its own; one that fails fails the statement that carried it, and its
// transaction, and the connection serves the next.
func TestHeldQueries(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	db, _ := pipelinedDB(t)

	tx, err := db.BeginTx(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := tx.QueryRowContext(sqldb.WithLater(c), `SELECT 41 + $1::int`, 1).Scan(&v); err != nil || v != 42 {
		t.Fatalf("a held query read at once: %d, %v", v, err)
	}
	if err := tx.QueryRowContext(c, `SELECT 7`).Scan(&v); err != nil || v != 7 {
		t.Fatalf("the next statement: %d, %v", v, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	tx, err = db.BeginTx(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	held, err := tx.QueryContext(sqldb.WithLater(c), `SELECT 1 / $1::int`, 0)
	if err != nil {
		t.Fatalf("held query: %v", err)
	}
	var pgErr *pgconn.PgError
	if err := tx.QueryRowContext(c, `SELECT 7`).Scan(&v); !errors.As(err, &pgErr) || pgErr.Code != "22012" {
		t.Fatalf("the statement carrying a failing held query: %v, want division by zero", err)
	}
	if held.Next() {
		t.Fatal("a failed held query has a row")
	}
	if err := held.Err(); !errors.As(err, &pgErr) || pgErr.Code != "22012" {
		t.Fatalf("the failed held query's error: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if err := db.QueryRowContext(c, `SELECT 8`).Scan(&v); err != nil || v != 8 {
		t.Fatalf("after the failed transaction: %d, %v", v, err)
	}
}
