package sqldb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// txAttempts bounds how often Tx runs fn when the engine asks to retry.
// Conflicts on the few hot rows (event_seq, a manager's load) clear within
// a transaction's time, so a handful of tries with jitter is plenty.
const txAttempts = 5

// Tx runs fn in one transaction, committing when it returns nil. It runs fn
// again on a serialization failure, a deadlock or SQLite BUSY. After a
// commit that appended events, Notify receives the newest id.
func (s *DB) Tx(ctx context.Context, fn func(tx storage.Queries) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tx(ctx, fn)
		if err == nil || attempt == txAttempts || s.dialect.Retryable == nil || !s.dialect.Retryable(err) {
			return err
		}
		// Back off a little, randomly, so the conflicting transactions do
		// not meet again at once.
		d := time.Duration(attempt) * time.Duration(2+rand.IntN(8)) * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
	}
}

// tx is one attempt of Tx.
func (s *DB) tx(ctx context.Context, fn func(tx storage.Queries) error) (err error) {
	sqlTx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("begin", err)
	}
	q := &queries{ex: sqlTx, db: s, tx: &txState{}}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(q); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if len(q.tx.atCommit) > 0 {
		if err := q.appendAndCommit(ctx); err != nil {
			_ = sqlTx.Rollback()
			return err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return s.wrap("commit", err)
	}
	if q.tx.teamsChanged {
		s.teams.invalidate()
	}
	if q.tx.lastEvent > 0 {
		// Kept before the signal, so a reader woken by it finds them.
		s.recent.add(q.tx.events)
		s.Signal(q.tx.lastEvent)
	}
	return nil
}

// errf builds an error in the package's format without a driver cause.
func errf(op, format string, a ...any) error {
	return fmt.Errorf("sqldb: %s: "+format, append([]any{op}, a...)...)
}

// driverHint is a context key for what the store tells the driver about a
// statement; see CommitAfter and Later.
type driverHint int

const (
	hintCommitAfter driverHint = iota
	hintLater
)

func withHint(ctx context.Context, h driverHint) context.Context {
	return context.WithValue(ctx, h, true)
}

func hinted(ctx context.Context, h driverHint) bool {
	v, _ := ctx.Value(h).(bool)
	return v
}

// WithCommitAfter marks ctx for CommitAfter.
func WithCommitAfter(ctx context.Context) context.Context { return withHint(ctx, hintCommitAfter) }

// CommitAfter reports whether ctx asks the driver to commit the
// transaction right after the query it runs, in the same round trip. It
// is set on the statement that appends the events of AppendEventsAtCommit;
// a driver that ignores it still commits right after, in a round trip of
// its own.
func CommitAfter(ctx context.Context) bool { return hinted(ctx, hintCommitAfter) }

// WithLater marks ctx for Later.
func WithLater(ctx context.Context) context.Context { return withHint(ctx, hintLater) }

// Later reports whether ctx lets the driver hold the statement it runs
// back and send it with the transaction's next statement, or its COMMIT,
// in one round trip. The store marks only statements whose result it does
// not read; their errors then come back from the next statement.
func Later(ctx context.Context) bool { return hinted(ctx, hintLater) }
