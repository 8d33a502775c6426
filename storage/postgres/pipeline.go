package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard-hub/switchboard/storage/sqldb"
)

// A transaction's BEGIN travels with its first statement, its COMMIT with
// its last when the store asks, and statements whose result the store does
// not read with the next one.
//
// database/sql sends BEGIN and COMMIT as round trips of their own, and the
// hub's transactions are short: an ingest is a handful of statements, so
// the two are one round trip in five, and on a small server round trips,
// not the statements' execution, are what the CPU is spent on (see
// docs/PERFORMANCE.md). This driver wrapper defers BEGIN and sends it
// pipelined with the first statement; a transaction that ends before
// sending anything costs none. A statement whose context carries
// sqldb.Later is queued and sent with the next statement, or with COMMIT.
// A query whose context carries sqldb.CommitAfter is sent pipelined with
// COMMIT, which the transaction's Commit then only reports. Everything
// outside a transaction goes to pgx's stdlib driver unchanged.

// openDB is stdlib.OpenDBFromPool with BEGIN pipelined.
func openDB(pool *pgxpool.Pool) *sql.DB {
	db := sql.OpenDB(newConnector(pool))
	// Idle connections are the pool's to keep.
	db.SetMaxIdleConns(0)
	return db
}

// connector hands out connections of pgx's pool wrapped in pipelineConn.
type connector struct{ driver.Connector }

func newConnector(pool *pgxpool.Pool) connector {
	return connector{stdlib.GetPoolConnector(pool)}
}

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		return dc, nil
	}
	return &pipelineConn{Conn: sc}, nil
}

// pipelineConn is a stdlib connection whose BEGIN may be pending.
type pipelineConn struct {
	*stdlib.Conn
	// inTx: in a transaction begun here.
	inTx bool
	// begin: BEGIN is not sent yet.
	begin bool
	// ended: COMMIT went with a statement; the transaction is over.
	ended bool
	// later are statements queued by sqldb.Later, sent with the next.
	later []queued
}

// queued is a statement waiting for the next one's round trip.
type queued struct {
	query string
	args  []any
	// rows, for a query, takes its result when the batch is sent.
	rows *heldRows
}

// laterResult is the result of a queued statement: it has none to give,
// since it is not sent yet. The store only queues statements whose result
// it does not read.
type laterResult struct{}

var errQueued = errors.New("postgres: the statement is queued; it has no result yet")

func (laterResult) LastInsertId() (int64, error) { return 0, errQueued }
func (laterResult) RowsAffected() (int64, error) { return 0, errQueued }

// pending reports whether the next statement must go in a batch.
func (c *pipelineConn) pending() bool { return c.begin || len(c.later) > 0 }

// BeginTx notes the transaction; BEGIN goes with the first statement.
// Transactions with options are begun at once, by pgx.
func (c *pipelineConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.Isolation != 0 || opts.ReadOnly {
		return c.Conn.BeginTx(ctx, opts)
	}
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	c.inTx, c.begin, c.ended = true, true, false
	return &pipelineTx{c: c, ctx: ctx}, nil
}

// send sends, in one batch: BEGIN when it is pending, the queued
// statements, query unless it is empty, and COMMIT when commit is set. It
// returns the batch's results positioned after the queued statements. A
// queued statement's error is returned as the batch's: the transaction is
// aborted on the server by then, and the rest of the batch was skipped.
func (c *pipelineConn) send(ctx context.Context, query string, argsV []driver.NamedValue, commit bool) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	begin, later := c.begin, c.later
	c.later = nil
	if begin {
		b.Queue("begin")
	}
	for _, q := range later {
		b.Queue(q.query, q.args...)
	}
	if query != "" {
		b.Queue(query, values(argsV)...)
	}
	if commit {
		b.Queue("commit")
	}
	br := c.Conn.Conn().SendBatch(ctx, b)
	if begin {
		// BEGIN's own result says whether it ran: a batch can fail
		// before anything ran (a statement that does not parse, a
		// connection that is gone). The connection's transaction status
		// would not tell yet: it comes at the end of the batch.
		if _, err := br.Exec(); err != nil {
			failHeld(later, err)
			_ = br.Close()
			return nil, err
		}
		c.begin = false
	}
	for i, q := range later {
		var err error
		if q.rows != nil {
			err = q.rows.fill(br, c.Conn.Conn().TypeMap())
		} else {
			_, err = br.Exec()
		}
		if err != nil {
			failHeld(later[i:], err)
			_ = br.Close()
			return nil, err
		}
	}
	return br, nil
}

func values(argsV []driver.NamedValue) []any {
	args := make([]any, len(argsV))
	for i, v := range argsV {
		args[i] = v.Value
	}
	return args
}

func (c *pipelineConn) ExecContext(ctx context.Context, query string, argsV []driver.NamedValue) (driver.Result, error) {
	if c.inTx && sqldb.Later(ctx) {
		c.later = append(c.later, queued{query: query, args: values(argsV)})
		return laterResult{}, nil
	}
	if !c.pending() {
		return c.Conn.ExecContext(ctx, query, argsV)
	}
	if len(argsV) == 0 {
		// Perhaps several statements (a migration), which only the simple
		// protocol runs and a batch cannot carry: what is pending goes
		// first, on its own.
		br, err := c.send(ctx, "", nil, false)
		if err != nil {
			return nil, err
		}
		if err := br.Close(); err != nil {
			return nil, err
		}
		return c.Conn.ExecContext(ctx, query, argsV)
	}
	br, err := c.send(ctx, query, argsV, false)
	if err != nil {
		return nil, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (c *pipelineConn) QueryContext(ctx context.Context, query string, argsV []driver.NamedValue) (driver.Rows, error) {
	if c.inTx && sqldb.Later(ctx) {
		r := &heldRows{c: c, ctx: ctx}
		c.later = append(c.later, queued{query: query, args: values(argsV), rows: r})
		return r, nil
	}
	commit := c.inTx && sqldb.CommitAfter(ctx)
	if !c.pending() && !commit {
		return c.Conn.QueryContext(ctx, query, argsV)
	}
	br, err := c.send(ctx, query, argsV, commit)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	r := &batchRows{rows: rows, br: br, typeMap: c.Conn.Conn().TypeMap()}
	if commit {
		return c.commitAfter(r)
	}
	// The first row is read now, as the stdlib driver does, so that an
	// error comes back from the query and not from the first Next.
	r.more = rows.Next()
	if err := rows.Err(); err != nil {
		_ = r.Close()
		return nil, err
	}
	r.first = true
	return r, nil
}

// commitAfter reads the query's rows, then COMMIT's result, and returns
// the rows. The query's error is the statement's; once it succeeded the
// server ran COMMIT too, so the transaction is over whatever COMMIT said.
func (c *pipelineConn) commitAfter(r *batchRows) (driver.Rows, error) {
	names := r.Columns()
	var got [][]driver.Value
	for {
		row := make([]driver.Value, len(names))
		err := r.Next(row)
		if err == io.EOF {
			break
		}
		if err != nil {
			_ = r.Close()
			return nil, err
		}
		got = append(got, row)
	}
	r.rows.Close()
	if err := r.rows.Err(); err != nil {
		_ = r.br.Close()
		return nil, err
	}
	c.ended = true
	if err := batchCommitted(r.br); err != nil {
		if c.Conn.Conn().PgConn().TxStatus() != 'I' {
			_ = c.Conn.Conn().Close(context.Background())
		}
		return nil, err
	}
	return &readRows{names: names, rows: got}, nil
}

// pipelineTx ends a transaction begun by pipelineConn.
type pipelineTx struct {
	c   *pipelineConn
	ctx context.Context
}

func (tx *pipelineTx) Commit() error   { return tx.end("commit") }
func (tx *pipelineTx) Rollback() error { return tx.end("rollback") }

// end sends stmt, COMMIT or ROLLBACK, unless the server has no
// transaction to end: BEGIN was never sent, or COMMIT went already.
// Queued statements go with COMMIT and are dropped by ROLLBACK.
func (tx *pipelineTx) end(stmt string) error {
	c := tx.c
	defer func() {
		failHeld(c.later, errDropped)
		c.inTx, c.begin, c.ended, c.later = false, false, false, nil
	}()
	if c.ended {
		return nil
	}
	if stmt == "commit" && len(c.later) > 0 {
		return tx.commitQueued()
	}
	if c.begin {
		return nil
	}
	conn := c.Conn.Conn()
	tag, err := conn.Exec(tx.ctx, stmt)
	if err == nil && stmt == "commit" {
		err = committed(tag)
	}
	if err != nil {
		if conn.PgConn().TxStatus() != 'I' {
			// Left inside a transaction, the connection must not be reused.
			_ = conn.Close(context.Background())
		}
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// commitQueued sends the queued statements with COMMIT. When one of them
// fails, COMMIT is skipped with the rest of the batch, and the aborted
// transaction is rolled back here: database/sql ends it with this call.
func (tx *pipelineTx) commitQueued() error {
	c := tx.c
	br, err := c.send(tx.ctx, "", nil, true)
	if err == nil {
		err = batchCommitted(br)
	}
	if err == nil {
		return nil
	}
	conn := c.Conn.Conn()
	if !c.begin && conn.PgConn().TxStatus() != 'I' {
		if _, rerr := conn.Exec(context.Background(), "rollback"); rerr != nil {
			_ = conn.Close(context.Background())
		}
	}
	return fmt.Errorf("commit: %w", err)
}

// batchCommitted reads COMMIT's result, the batch's last, and closes the
// batch.
func batchCommitted(br pgx.BatchResults) error {
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = committed(tag)
	}
	return err
}

// committed is the error of a COMMIT the server answered with ROLLBACK:
// the transaction had failed before.
func committed(tag pgconn.CommandTag) error {
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// batchRows is a batch's query result as driver.Rows.
type batchRows struct {
	rows    pgx.Rows
	br      pgx.BatchResults
	typeMap *pgtype.Map
	// first: Next has not returned the row read ahead; more says
	// whether there is one.
	first, more bool
	decode      []func(src []byte) (driver.Value, error)
	names       []string
}

func (r *batchRows) Columns() []string {
	if r.names == nil {
		fds := r.rows.FieldDescriptions()
		r.names = make([]string, len(fds))
		for i, fd := range fds {
			r.names[i] = fd.Name
		}
	}
	return r.names
}

func (r *batchRows) Close() error {
	r.rows.Close()
	err := r.rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *batchRows) Next(dest []driver.Value) error {
	more := r.more
	if r.first {
		r.first = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	if r.decode == nil {
		fds := r.rows.FieldDescriptions()
		r.decode = make([]func([]byte) (driver.Value, error), len(fds))
		for i, fd := range fds {
			r.decode[i] = decoder(r.typeMap, fd)
		}
	}
	return decodeRow(r.decode, r.rows.RawValues(), dest)
}

// decodeRow decodes a row's raw values into dest.
func decodeRow(decode []func([]byte) (driver.Value, error), raw [][]byte, dest []driver.Value) error {
	for i, v := range raw {
		if v == nil {
			dest[i] = nil
			continue
		}
		d, err := decode[i](v)
		if err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
		dest[i] = d
	}
	return nil
}

// heldRows are the rows of a query held back (sqldb.Later): sent with the
// transaction's next statement, or on their own when read first.
type heldRows struct {
	c   *pipelineConn
	ctx context.Context
	// sent: the batch carrying the query has been read (or failed, err).
	sent bool
	err  error
	readRows
}

var errDropped = errors.New("postgres: the transaction ended before the held query was sent")

// failHeld marks the held queries among qs as failed with err: the
// server skipped them with the rest of their batch, or never got them.
func failHeld(qs []queued, err error) {
	for _, q := range qs {
		if q.rows != nil && !q.rows.sent {
			q.rows.sent, q.rows.err = true, err
		}
	}
}

// fill reads the query's result, the batch's next.
func (r *heldRows) fill(br pgx.BatchResults, m *pgtype.Map) error {
	r.sent = true
	rows, err := br.Query()
	if err != nil {
		r.err = err
		return err
	}
	fds := rows.FieldDescriptions()
	r.names = make([]string, len(fds))
	decode := make([]func([]byte) (driver.Value, error), len(fds))
	for i, fd := range fds {
		r.names[i], decode[i] = fd.Name, decoder(m, fd)
	}
	for rows.Next() {
		row := make([]driver.Value, len(fds))
		if err := decodeRow(decode, rows.RawValues(), row); err != nil {
			rows.Close()
			r.err = err
			return err
		}
		r.rows = append(r.rows, row)
	}
	rows.Close()
	r.err = rows.Err()
	return r.err
}

// wait sends the query, and whatever else is queued, if nothing has
// carried it yet.
func (r *heldRows) wait() error {
	if !r.sent {
		br, err := r.c.send(r.ctx, "", nil, false)
		if err == nil {
			err = br.Close()
		}
		if err != nil && r.err == nil {
			r.sent, r.err = true, err
		}
	}
	return r.err
}

func (r *heldRows) Columns() []string {
	_ = r.wait()
	return r.names
}

func (r *heldRows) Next(dest []driver.Value) error {
	if err := r.wait(); err != nil {
		return err
	}
	return r.readRows.Next(dest)
}

// readRows are rows already read.
type readRows struct {
	names []string
	rows  [][]driver.Value
}

func (r *readRows) Columns() []string { return r.names }
func (r *readRows) Close() error      { return nil }

func (r *readRows) Next(dest []driver.Value) error {
	if len(r.rows) == 0 {
		return io.EOF
	}
	copy(dest, r.rows[0])
	r.rows = r.rows[1:]
	return nil
}

// decoder turns a column's raw values into the driver.Value the stdlib
// driver gives for its type: integers as int64, floats as float64, bytea
// and JSON as bytes, everything else as its text.
func decoder(m *pgtype.Map, fd pgconn.FieldDescription) func([]byte) (driver.Value, error) {
	switch fd.DataTypeOID {
	case pgtype.BoolOID:
		return scanAs[bool](m, fd)
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return scanAs[int64](m, fd)
	case pgtype.Float4OID, pgtype.Float8OID:
		return scanAs[float64](m, fd)
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID:
		return scanAs[[]byte](m, fd)
	default:
		return scanAs[string](m, fd)
	}
}

// scanAs decodes a column's raw values as T.
func scanAs[T any](m *pgtype.Map, fd pgconn.FieldDescription) func([]byte) (driver.Value, error) {
	var v T
	plan := m.PlanScan(fd.DataTypeOID, fd.Format, &v)
	return func(src []byte) (driver.Value, error) {
		if err := plan.Scan(src, &v); err != nil {
			return nil, err
		}
		return v, nil
	}
}
