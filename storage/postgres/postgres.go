// Package postgres opens the production store: PostgreSQL through pgx,
// running the shared SQL of package sqldb via pgx's database/sql driver
// (wrapped to pipeline a transaction's statements, see pipeline.go), plus
// the two things only PostgreSQL gives several replicas: LISTEN/NOTIFY for
// the event stream and advisory locks for pollers that must run once.
package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/sqldb"
)

// BaseChannel is the LISTEN/NOTIFY channel announcing committed event ids.
// A non-default search_path is appended to it (see Channel), so that
// several hubs, or parallel test schemas, in one database do not wake
// each other.
const BaseChannel = "switchboard_events"

// Open connects to the database at url (a postgres:// URL or key=value
// string; a search_path parameter selects the schema, and pgxpool's
// pool_max_conns and friends size the pool) and starts the notification
// listener. It does not migrate; call Migrate. An unreachable server is
// storage.ErrUnavailable.
//
// The pool keeps pgxpool's size, 4 or the number of CPUs if more: group
// commit already shares transactions among concurrent ingests, and more
// connections only add transactions queueing on the same rows (managers'
// capacity, the log's sequence) inside the server. With the database on
// the same two cores, 16 connections took 30-45% off the load tool's rate
// against 4 (docs/PERFORMANCE.md, change 26). A database across a network
// may want more, set in the URL.
func Open(ctx context.Context, url string) (*sqldb.DB, error) {
	return open(ctx, url, defaultPeerTimes)
}

// open is Open with the replicas' hellos paced by times.
func open(ctx context.Context, url string, times peerTimes) (*sqldb.DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	migs, err := sqldb.Migrations("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		if c := classify(err); c != nil {
			return nil, fmt.Errorf("postgres: open: %w: %w", c, err)
		}
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	counterCfg := cfg.Copy()
	counterCfg.MaxConns, counterCfg.MinConns = 2, 0
	// A turn lost in a server crash is only a skipped turn: counters need
	// not wait for their commit's flush.
	counterCfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	counterPool, err := pgxpool.NewWithConfig(ctx, counterCfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	searchPath := cfg.ConnConfig.RuntimeParams["search_path"]
	channel := Channel(searchPath)
	d := Dialect(migs, channel)
	counters := stdlib.OpenDBFromPool(counterPool)
	d.Counters = counters
	d.PoolStats = func() storage.PoolStats { return poolStats(pool.Stat()) }
	locks := &locker{cfg: cfg.ConnConfig, ns: searchPath}
	d.TryLock = locks.TryLock
	d.MigrateLock = fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, lockKey(searchPath, "switchboard:migrate"))

	lctx, stop := context.WithCancel(context.Background())
	l := &listener{cfg: cfg.ConnConfig, channel: channel, times: times, done: make(chan struct{})}
	d.Announce = l.othersListen
	db := sqldb.New(openDB(pool), d,
		func() error { stop(); <-l.done; return nil },
		func() error { pool.Close(); return nil },
		func() error { counters.Close(); counterPool.Close(); return nil },
	)
	l.signal, l.teamsChanged = db.Signal, db.TeamsChanged
	go l.run(lctx)
	return db, nil
}

// Dialect describes PostgreSQL to package sqldb. TryLock and MigrateLock
// are set by Open, which knows the connection settings.
func Dialect(migrations fs.FS, channel string) sqldb.Dialect {
	return sqldb.Dialect{
		Name:          "postgres",
		Migrations:    migrations,
		Classify:      classify,
		Retryable:     retryable,
		LockRows:      " FOR UPDATE",
		SkipLocked:    " FOR UPDATE SKIP LOCKED",
		NotifyChannel: channel,
		HasTable:      `SELECT to_regclass($1) IS NOT NULL`,
		MustMatch:     mustMatch,
		ReadsLater:    true,
		// The sequences the BIGSERIAL columns of migration 0001 made.
		NewIDs: `SELECT nextval('clients_id_seq'), nextval('dialogs_id_seq')`,
	}
}

// mustMatch wraps an UPDATE or DELETE so that matching no row fails it
// (see sqldb.Dialect.MustMatch and migration 0006).
func mustMatch(query, opParam string) string {
	return `WITH m AS (` + query + ` RETURNING 1) SELECT sb_must_match(count(*), ` + opParam + `::text) FROM m`
}

var notIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// Channel returns the notification channel for a search_path: the base
// name, suffixed with the schema unless it is empty or public.
func Channel(searchPath string) string {
	sp := notIdent.ReplaceAllString(strings.ToLower(searchPath), "_")
	sp = strings.Trim(sp, "_")
	if sp == "" || sp == "public" {
		return BaseChannel
	}
	ch := BaseChannel + "_" + sp
	if len(ch) > 63 { // PostgreSQL truncates identifiers to 63 bytes
		ch = ch[:63]
	}
	return ch
}

// lockKey hashes a lock name, within a namespace (the search_path), to
// the 64-bit key of an advisory lock.
func lockKey(ns, name string) int64 {
	h := fnv.New64a()
	_, _ = io.WriteString(h, ns)
	_, _ = h.Write([]byte{0})
	_, _ = io.WriteString(h, name)
	return int64(h.Sum64())
}

// SQLSTATE codes the store reacts to.
const (
	uniqueViolation      = "23505"
	foreignKeyViolation  = "23503"
	noDataFound          = "P0002" // raised by sb_must_match
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
	tooManyConnections   = "53300"
	adminShutdown        = "57P01"
	crashShutdown        = "57P02"
	cannotConnectNow     = "57P03"
)

// classify maps PostgreSQL and connection errors to the storage errors.
func classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == uniqueViolation:
			return storage.ErrConflict
		case pe.Code == foreignKeyViolation, pe.Code == noDataFound:
			return storage.ErrNotFound
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == tooManyConnections, pe.Code == adminShutdown,
			pe.Code == crashShutdown, pe.Code == cannotConnectNow:
			return storage.ErrUnavailable
		}
		return nil
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF),
		// A deadline that ran out while talking to the server: as far as
		// the caller can tell the database is not answering.
		pgconn.Timeout(err):
		return storage.ErrUnavailable
	}
	return nil
}

// retryable reports errors after which the whole transaction may be run
// again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == serializationFailure || pe.Code == deadlockDetected)
}

// poolStats reads pgxpool's figures. database/sql's own pool only passes
// connections through to pgxpool's (openDB keeps none idle), so the waits
// that tell are pgxpool's.
func poolStats(st *pgxpool.Stat) storage.PoolStats {
	return storage.PoolStats{
		MaxConns: int(st.MaxConns()),
		InUse:    int(st.AcquiredConns()),
		Idle:     int(st.IdleConns()),
		Waits:    st.EmptyAcquireCount(),
		WaitTime: st.EmptyAcquireWaitTime(),
	}
}
