// Package sqlite opens the embedded store: a SQLite file through the pure-Go
// modernc.org/sqlite driver, running the shared SQL of package sqldb.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/sqldb"
)

// Open opens (creating if needed) the database file at path. It does not
// migrate; call Migrate.
//
// The store uses exactly one connection. SQLite allows one writer at a
// time anyway, and with a single connection every transaction runs alone,
// so the conditional updates, ClaimOutbox and the event sequence need no
// locking and never see SQLITE_BUSY from this process. The cost is that
// reads wait for a running transaction; the hub's transactions are short.
// Because of that, code inside Store.Tx must use the tx it is given: a
// call on the Store itself would wait for the connection the transaction
// holds.
//
// WAL lets other processes (a backup, the CLI) read while the daemon
// writes; busy_timeout makes this process wait for them instead of failing;
// transactions begin IMMEDIATE so one that reads first and writes later
// cannot fail to upgrade its lock. synchronous stays at its default (FULL):
// a message acknowledged to a sender must survive a power cut.
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	migs, err := sqldb.Migrations("sqlite")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	// A file: URI, so the path is escaped: a '?' or '#' in it must not
	// start the parameters.
	conn, err := msqlite.NewConnector("file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db := sql.OpenDB(cachingConnector{conn})
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return sqldb.New(db, Dialect(migs)), nil
}

// Dialect describes SQLite to package sqldb.
func Dialect(migrations fs.FS) sqldb.Dialect {
	return sqldb.Dialect{
		Name:       "sqlite",
		Migrations: migrations,
		Classify:   classify,
		Retryable:  retryable,
		HasTable:   `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1)`,
	}
}

// code returns the SQLite result code in err's chain, or 0.
func code(err error) int {
	var se *msqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// classify maps SQLite result codes to the storage errors.
func classify(err error) error {
	c := code(err)
	switch c {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return storage.ErrConflict
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return storage.ErrNotFound
	}
	switch c & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
		sqlite3.SQLITE_READONLY:
		// Another process holds the file past busy_timeout, the disk is
		// gone or full, or the file cannot be written (permissions, a
		// read-only mount): worth a 503 and a retry once the operator
		// fixed it, not a 500 that senders may take as final.
		return storage.ErrUnavailable
	}
	return nil
}

// retryable reports a lock another process held past busy_timeout.
func retryable(err error) bool {
	c := code(err) & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}
