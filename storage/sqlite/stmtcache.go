package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
)

// stmtCacheSize bounds the prepared statements a connection keeps. The
// store's working set, batch variants included, is a few hundred.
const stmtCacheSize = 512

// cachingConnector opens driver connections that keep their prepared
// statements. The driver compiles every query it is given afresh, and on
// the one connection the store uses that compilation is a fifth of an
// ingest's time, all of it spent holding the connection.
type cachingConnector struct {
	driver.Connector
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if !implements[driver.QueryerContext](conn) || !implements[driver.ExecerContext](conn) ||
		!implements[driver.ConnBeginTx](conn) || !implements[driver.ConnPrepareContext](conn) {
		_ = conn.Close()
		return nil, errors.New("sqlite: the driver's connection lacks a context method")
	}
	return &cachingConn{Conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func implements[T any](v any) bool { _, ok := v.(T); return ok }

// cachedStmt is a prepared statement and whether a result set of it is
// still open: SQLite runs a statement once at a time, so a second use
// while the first one's rows are read gets a statement of its own.
type cachedStmt struct {
	stmt preparedStmt
	busy bool
	used uint64
}

// preparedStmt is what the driver's statements offer.
type preparedStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

// cachingConn is a driver connection that runs queries through prepared
// statements kept by query text. database/sql makes one call at a time on
// a connection (rows closed on a cancelled context included), so it needs
// no lock of its own.
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
	clock uint64
}

var (
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

// take returns the statement for query, prepared now if it is not kept,
// marked busy; nil means run query uncached (a script of several
// statements, or the kept statement is in use).
func (c *cachingConn) take(ctx context.Context, query string) (*cachedStmt, error) {
	c.clock++
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		s.busy, s.used = true, c.clock
		return s, nil
	}
	// A script (migrations) is prepared one statement at a time by the
	// driver; only single statements are worth keeping.
	if strings.Contains(strings.TrimRight(query, "; \t\r\n"), ";") {
		return nil, nil
	}
	ds, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(preparedStmt)
	if !ok {
		_ = ds.Close()
		return nil, nil
	}
	if len(c.stmts) >= stmtCacheSize {
		c.evict()
	}
	s := &cachedStmt{stmt: st, busy: true, used: c.clock}
	c.stmts[query] = s
	return s, nil
}

// evict closes the least recently used statement not in use.
func (c *cachingConn) evict() {
	var oldest string
	var found *cachedStmt
	for q, s := range c.stmts {
		if !s.busy && (found == nil || s.used < found.used) {
			oldest, found = q, s
		}
	}
	if found != nil {
		_ = found.stmt.Close()
		delete(c.stmts, oldest)
	}
}

// drop forgets a statement whose run failed, so that a statement left in
// an unknown state is not run again.
func (c *cachingConn) drop(query string, s *cachedStmt) {
	_ = s.stmt.Close()
	if c.stmts[query] == s {
		delete(c.stmts, query)
	}
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		c.drop(query, s)
		return nil, err
	}
	return &cachedRows{Rows: rows, conn: c, query: query, s: s}, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	res, err := s.stmt.ExecContext(ctx, args)
	if err != nil {
		c.drop(query, s)
		return nil, err
	}
	s.busy = false
	return res, nil
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Close finalizes the kept statements before the connection: SQLite does
// not close a connection with statements left open.
func (c *cachingConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.Conn.Close())
	return errors.Join(errs...)
}

// cachedRows gives its statement back when closed; the driver's rows reset
// the statement for its next run instead of finalizing it.
type cachedRows struct {
	driver.Rows
	conn  *cachingConn
	query string
	s     *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.s == nil {
		return err
	}
	if err != nil {
		r.conn.drop(r.query, r.s)
	} else {
		r.s.busy = false
	}
	r.s = nil
	return err
}
