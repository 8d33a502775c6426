package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"

	"github.com/switchboard-hub/switchboard/storage"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the embedded migrations folder of an engine
// ("sqlite" or "postgres"), holding files named NNNN_name.sql.
func Migrations(engine string) (fs.FS, error) {
	return fs.Sub(migrations, "migrations/"+engine)
}

// Dialect is everything that differs between the engines. The SQL itself is
// shared; only these few points are not, and they are kept here so that the
// differences stay small and visible.
type Dialect struct {
	// Name is the engine name reported by Store.Engine.
	Name string
	// Migrations is the engine's migrations folder (see Migrations).
	Migrations fs.FS
	// Classify maps a driver error to storage.ErrConflict,
	// storage.ErrNotFound (a foreign key pointing nowhere) or
	// storage.ErrUnavailable, or returns nil when the error is none of them.
	Classify func(err error) error
	// Retryable reports whether a failed transaction may simply be run again
	// (PostgreSQL serialization failure or deadlock, SQLite BUSY).
	Retryable func(err error) bool
	// LockRows is appended to SELECTs that must lock the rows they read
	// (" FOR UPDATE" on PostgreSQL). SQLite has one writer and needs none.
	LockRows string
	// SkipLocked is appended to the inner SELECT of ClaimOutbox
	// (" FOR UPDATE SKIP LOCKED" on PostgreSQL) so parallel workers pass
	// each other's rows by instead of queueing on them.
	SkipLocked string
	// NotifyChannel, when set, makes AppendEvent call
	// pg_notify(NotifyChannel, id) inside the transaction, so the
	// notification is delivered to every replica exactly at commit.
	NotifyChannel string
	// Announce, when set, reports whether a commit's events must be
	// announced on NotifyChannel now: false while no other replica
	// listens (package postgres's listener knows). Unset, they always are.
	Announce func() bool
	// MustMatch, when set, wraps an UPDATE or DELETE (its text and the
	// placeholder of the operation's name) into a statement that fails
	// with an error Classify maps to storage.ErrNotFound when no row
	// matches. Such a statement needs no look at its row count, so the
	// driver may send it later (see Later). Without it, execOneLater runs
	// the statement at once and counts.
	MustMatch func(query, opParam string) string
	// ReadsLater says the driver also holds back a query marked Later in a
	// transaction, sending it with the next statement and handing its rows
	// over when they are read (package postgres's driver does). The store
	// then issues a read whose rows it needs only after its next statement
	// that way (listAhead); without it, it reads at once.
	ReadsLater bool
	// NewIDs, with ReadsLater, is a query returning one row: a fresh id
	// for a client and one for a dialog, from the sequences their inserts
	// would take them from (ReserveIDs). Empty on an engine without
	// sequences.
	NewIDs string
	// MigrateLock is run first in each migration transaction to keep two
	// processes from migrating at once (a transaction-scoped advisory lock
	// on PostgreSQL); empty when the engine's write lock already does it.
	MigrateLock string
	// Counters, when set, is where NextTeamTurn counts when called inside
	// a transaction: outside it, so the counter's row lock is held for one
	// statement instead of until the caller commits. It is a pool of its
	// own, so a counter never waits for a connection held by the very
	// transactions that ask for it. SQLite has one connection and one
	// writer: there the count runs in the transaction.
	Counters *sql.DB
	// HasTable is a query taking a table name as $1 and returning whether
	// the table exists in the current schema.
	HasTable string
	// PoolStats, when set, reports the connection pool the driver keeps
	// behind database/sql (pgxpool on PostgreSQL); without it the store
	// reports database/sql's own.
	PoolStats func() storage.PoolStats
	// TryLock takes a named cross-process lock. When nil the store grants
	// locks within this process only, which is right for an embedded
	// database that one process owns.
	TryLock func(ctx context.Context, name string) (release func(), ok bool, err error)
}
