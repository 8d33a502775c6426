package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/switchboard-hub/switchboard/storage"
)

// execer is what *sql.DB and *sql.Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements storage.Queries on the database handle or on one
// transaction. Rows are always read to the end and closed before the next
// statement: pgx runs one statement at a time on a connection.
type queries struct {
	ex execer
	db *DB
	// tx is set inside a transaction.
	tx *txState
}

var _ storage.Queries = (*queries)(nil)

// txState is what a transaction remembers for after its commit.
type txState struct {
	// lastEvent is the newest event id appended in the transaction.
	lastEvent int64
	// events are the events appended, as the log holds them, kept for
	// RecentEventsAfter once the transaction commits.
	events []storage.Event
	// atCommit are the event lists of AppendEventsAtCommit, appended with
	// the commit.
	atCommit [][]storage.Event
	// teamsChanged is set when the transaction wrote teams or memberships:
	// its own reads of them then bypass the cache, and the cache is
	// emptied at commit.
	teamsChanged bool
	// reserved are the ids of ReserveIDs.
	reserved *reserved
}

// atomic runs fn in the current transaction, or in a new one when q is not
// in a transaction, so that multi-statement writes are all or nothing.
func (q *queries) atomic(ctx context.Context, fn func(q *queries) error) error {
	if q.tx != nil {
		return fn(q)
	}
	return q.db.Tx(ctx, func(tx storage.Queries) error {
		return fn(tx.(*queries))
	})
}

// wrap prefixes err with the operation and adds the storage sentinel it
// maps to, keeping the driver's error in the chain for Retryable.
func (s *DB) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var sentinel error
	switch {
	case errors.Is(err, sql.ErrNoRows):
		sentinel = storage.ErrNotFound
	case errors.Is(err, sql.ErrConnDone), errors.Is(err, context.DeadlineExceeded):
		// A deadline that ran out waiting for a connection or an answer:
		// to the caller the database is not answering, worth a 503.
		sentinel = storage.ErrUnavailable
	case s.dialect.Classify != nil:
		sentinel = s.dialect.Classify(err)
	}
	if sentinel == nil || errors.Is(err, sentinel) {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	return fmt.Errorf("sqldb: %s: %w: %w", op, sentinel, err)
}

// wrap is a shorthand for the store's wrap.
func (q *queries) wrap(op string, err error) error { return q.db.wrap(op, err) }

// notFound is the error of an update or delete that matched no row.
func notFound(op string) error {
	return fmt.Errorf("sqldb: %s: %w", op, storage.ErrNotFound)
}

// exec runs a statement, returning rows affected.
func (q *queries) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := q.ex.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, q.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, q.wrap(op, err)
	}
	return n, nil
}

// execOne runs an update or delete that must match a row.
func (q *queries) execOne(ctx context.Context, op, query string, args ...any) error {
	n, err := q.exec(ctx, op, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// execLater runs a statement whose result is not needed: in a transaction
// the driver may send it with the next statement (see Later), and its
// error, if any, then comes back from that one.
func (q *queries) execLater(ctx context.Context, op, query string, args ...any) error {
	if q.tx == nil {
		_, err := q.exec(ctx, op, query, args...)
		return err
	}
	_, err := q.ex.ExecContext(WithLater(ctx), query, args...)
	return q.wrap(op, err)
}

// execOneLater is execOne that the driver may send later: the check that a
// row matched runs on the server (Dialect.MustMatch), so a missing row
// still fails the transaction, from the next statement or the commit. The
// caller must not treat storage.ErrNotFound as anything but a failure.
func (q *queries) execOneLater(ctx context.Context, op, query string, args ...any) error {
	must := q.db.dialect.MustMatch
	if q.tx == nil || must == nil {
		return q.execOne(ctx, op, query, args...)
	}
	args = append(args, op)
	return q.execLater(ctx, op, must(query, "$"+strconv.Itoa(len(args))), args...)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// pair is a row of two records, as scanPair reads it.
type pair[A, B any] struct {
	a A
	b B
}

// scanPair reads a row holding a's columns followed by b's with their
// own scan functions. Each scan function runs twice: once to learn its
// destinations, then, after the row is read into them, again on a
// scanner that copies the values into its fresh ones, so that what a scan
// function does after Scan (times from milliseconds, JSON) sees them.
func scanPair[A, B any](sa func(scanner) (A, error), sb func(scanner) (B, error)) func(scanner) (pair[A, B], error) {
	return func(r scanner) (pair[A, B], error) {
		var rec recorder
		_, _ = sa(&rec)
		n := len(rec.dest)
		_, _ = sb(&rec)
		if err := r.Scan(rec.dest...); err != nil {
			return pair[A, B]{}, err
		}
		a, err := sa(replay(rec.dest[:n]))
		if err != nil {
			return pair[A, B]{}, err
		}
		b, err := sb(replay(rec.dest[n:]))
		return pair[A, B]{a, b}, err
	}
}

// errRecorded ends a scan function's first, recording run.
var errRecorded = errors.New("sqldb: destinations recorded")

// recorder is a scanner that only notes the destinations.
type recorder struct{ dest []any }

func (r *recorder) Scan(dest ...any) error {
	r.dest = append(r.dest, dest...)
	return errRecorded
}

// replay is a scanner that copies already scanned values into the
// destinations, which match them in number and type.
type replay []any

func (r replay) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("sqldb: scan pair: %d destinations for %d values", len(dest), len(r))
	}
	for i, d := range dest {
		reflect.ValueOf(d).Elem().Set(reflect.ValueOf(r[i]).Elem())
	}
	return nil
}

// list runs query and scans every row with scan.
func list[T any](ctx context.Context, q *queries, op, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := q.ex.QueryContext(ctx, query, args...)
	return collect(q, op, rows, err, scan)
}

// listAhead is list for a read whose rows the caller needs only after its
// next statement: in a transaction, on a driver that holds such reads
// back (Dialect.ReadsLater), the read goes in that statement's round trip.
// The returned function reads the rows; call it after that statement.
func listAhead[T any](ctx context.Context, q *queries, op, query string, args []any, scan func(scanner) (T, error)) func() ([]T, error) {
	if q.tx == nil || !q.db.dialect.ReadsLater {
		out, err := list(ctx, q, op, query, args, scan)
		return func() ([]T, error) { return out, err }
	}
	rows, err := q.ex.QueryContext(WithLater(ctx), query, args...)
	return func() ([]T, error) { return collect(q, op, rows, err, scan) }
}

// collect scans and closes the rows of a query that returned err.
func collect[T any](q *queries, op string, rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, q.wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, q.wrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, q.wrap(op, err)
	}
	return out, nil
}

// one runs query and scans its single row; no row is storage.ErrNotFound.
func one[T any](ctx context.Context, q *queries, op, query string, args []any, scan func(scanner) (T, error)) (T, error) {
	v, err := scan(q.ex.QueryRowContext(ctx, query, args...))
	if err != nil {
		var zero T
		return zero, q.wrap(op, err)
	}
	return v, nil
}

// args collects the arguments of a query built at run time and hands out
// their "$n" placeholders, which both engines understand.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// in appends vs and returns their placeholders for an IN list.
func in[T any](a *args, vs []T) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = a.add(v)
	}
	return strings.Join(ph, ", ")
}

// row appends vs and returns their placeholders as one parenthesized row
// of a VALUES list.
func (a *args) row(vs ...any) string { return "(" + in(a, vs) + ")" }

// caseByID appends ids and their values and returns an expression giving,
// for a row's id, its value as sqlType: "(CASE id WHEN $1 THEN CAST($2 AS
// BIGINT) ... END)". A CASE rather than UPDATE ... FROM (VALUES ...) is one
// form both engines run; the casts give PostgreSQL the parameters' types.
func caseByID[V any](a *args, ids []int64, vals []V, sqlType string) string {
	var b strings.Builder
	b.WriteString("(CASE id")
	for i, id := range ids {
		b.WriteString(" WHEN " + a.add(id) + " THEN CAST(" + a.add(vals[i]) + " AS " + sqlType + ")")
	}
	b.WriteString(" END)")
	return b.String()
}

// where joins conditions into a WHERE clause ("" when there are none).
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// prefixed qualifies every column of a comma-separated list with a table
// alias, for joins.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// noRows reports whether a query returned no row. It is not the same as
// errors.Is(err, storage.ErrNotFound), which a foreign key pointing nowhere
// also satisfies: "INSERT ... ON CONFLICT DO NOTHING RETURNING" tells a
// duplicate by the missing row, and a bad reference must stay an error.
func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
