// Package sqldb is the one body of SQL behind both storage engines. It runs
// through database/sql; the engine packages (storage/sqlite and
// storage/postgres) open a *sql.DB on their driver and hand it here with a
// Dialect describing the few points where the engines differ.
//
// Conventions shared by every query:
//   - times are unix milliseconds in BIGINT columns, 0 meaning unset; the
//     store uses the times callers pass and never the database clock, and
//     reads them back as UTC;
//   - a limit of zero or less means defaultLimit, and no page is longer
//     than maxLimit;
//   - updates of a missing row return storage.ErrNotFound;
//   - errors are prefixed "sqldb: <op>: " and wrap both the storage sentinel
//     (when one applies) and the driver's error.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/switchboard-hub/switchboard/storage"
)

// DB is a storage.Store on a database/sql handle.
type DB struct {
	*queries
	sql     *sql.DB
	dialect Dialect

	// notify carries the newest committed event id; see Signal.
	notify   chan int64
	notifyMu sync.Mutex
	newest   int64

	// teams caches teams and memberships; see teamCache.
	teams *teamCache
	// turns holds round-robin turns taken ahead; see turnBlock.
	turns turnBlocks
	// recent keeps the events this process committed last; see
	// RecentEventsAfter.
	recent recentEvents

	// locks holds the names taken through the in-process Locker.
	locksMu sync.Mutex
	locks   map[string]struct{}

	closeOnce sync.Once
	closers   []func() error
}

var (
	_ storage.Store        = (*DB)(nil)
	_ storage.Locker       = (*DB)(nil)
	_ storage.PoolReporter = (*DB)(nil)
)

// New wraps db, which must already be configured for its engine. closers run
// after db is closed, in order (a listener, a connection pool).
func New(db *sql.DB, d Dialect, closers ...func() error) *DB {
	s := &DB{
		sql:     db,
		dialect: d,
		notify:  make(chan int64, 1),
		teams:   newTeamCache(),
		locks:   map[string]struct{}{},
		closers: closers,
	}
	s.queries = &queries{ex: db, db: s}
	return s
}

// SQL returns the underlying handle, for engine-specific tests and tools.
func (s *DB) SQL() *sql.DB { return s.sql }

// Engine names the engine.
func (s *DB) Engine() string { return s.dialect.Name }

// PoolStats reports the store's connection pool.
func (s *DB) PoolStats() storage.PoolStats {
	if s.dialect.PoolStats != nil {
		return s.dialect.PoolStats()
	}
	st := s.sql.Stats()
	return storage.PoolStats{MaxConns: st.MaxOpenConnections, InUse: st.InUse, Idle: st.Idle,
		Waits: st.WaitCount, WaitTime: st.WaitDuration}
}

// Ping checks the database answers.
func (s *DB) Ping(ctx context.Context) error {
	return s.wrap("ping", s.sql.PingContext(ctx))
}

// Close closes the handle and then the engine's own resources.
func (s *DB) Close() error {
	var errs []error
	s.closeOnce.Do(func() {
		errs = append(errs, s.sql.Close())
		for _, c := range s.closers {
			errs = append(errs, c())
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqldb: close: %w", err)
	}
	return nil
}

// Notify returns the channel receiving the newest committed event id.
func (s *DB) Notify() <-chan int64 { return s.notify }

// Signal reports that events up to id are committed. The store calls it
// after its own commits; an engine's cross-replica listener calls it for
// commits of other processes. The send never blocks: an unread older id in
// the channel is replaced by the newest one, which is all a reader needs to
// know to poll EventsAfter.
func (s *DB) Signal(id int64) {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	// An id already announced is not news: the PostgreSQL listener hears
	// this process's own commits again, after the local signal.
	if id <= s.newest {
		return
	}
	s.newest = id
	select {
	case <-s.notify:
	default:
	}
	s.notify <- s.newest
}

// TeamsChangedPayload is the notification payload, on the event channel,
// of a committed change to teams or memberships.
const TeamsChangedPayload = "teams"

// TeamsChanged reports that teams or memberships may have changed outside
// this process: the store forgets what it cached of them. An engine's
// cross-replica listener calls it when it hears TeamsChangedPayload and
// when it reconnects, since it may have missed one meanwhile.
func (s *DB) TeamsChanged() { s.teams.invalidate() }

// TryLock takes a named lock. PostgreSQL uses an advisory lock held by a
// dedicated session, so it is exclusive across replicas; the embedded
// engine has one process and grants a name to one holder at a time.
func (s *DB) TryLock(ctx context.Context, name string) (func(), bool, error) {
	if s.dialect.TryLock != nil {
		return s.dialect.TryLock(ctx, name)
	}
	s.locksMu.Lock()
	defer s.locksMu.Unlock()
	if _, held := s.locks[name]; held {
		return nil, false, nil
	}
	s.locks[name] = struct{}{}
	done := make(chan struct{})
	var once sync.Once
	release := func() {
		once.Do(func() {
			close(done)
			s.locksMu.Lock()
			delete(s.locks, name)
			s.locksMu.Unlock()
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			release()
		case <-done:
		}
	}()
	return release, true, nil
}
