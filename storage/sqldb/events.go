package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

const eventCols = `id, type, at, data, dialog_id, client_id, team_id, manager_id`

func scanEvent(r scanner) (storage.Event, error) {
	var e storage.Event
	var at int64
	var data string
	err := r.Scan(&e.ID, &e.Type, &at, &data, &e.DialogID, &e.ClientID, &e.TeamID, &e.ManagerID)
	e.At, e.Data = tm(at), rawJSON(data)
	return e, err
}

// AppendEvent adds e to the log and sets its id.
//
// The id comes from the single event_seq row, incremented inside the
// writing transaction. On PostgreSQL that row lock is held until commit,
// so the next writer gets the next id only after this one committed: ids
// become visible in order and a reader following "id > last seen" never
// misses a late commit. SQLite has one writer, which gives the same order.
// The price is that writers appending events serialize from their
// AppendEvent to their commit, so callers append events last in their
// transaction, after every other statement.
//
// Outside Store.Tx the append runs in a transaction of its own, so that
// Notify fires for it too.
func (q *queries) AppendEvent(ctx context.Context, e *storage.Event) error {
	es := []storage.Event{*e}
	err := q.AppendEvents(ctx, es)
	e.At = es[0].At
	if err == nil {
		e.ID = es[0].ID
	}
	return err
}

// noteAppended notes an appended event in the transaction.
func (q *queries) noteAppended(e storage.Event) {
	q.tx.lastEvent = max(q.tx.lastEvent, e.ID)
	q.tx.events = append(q.tx.events, asLogged(e))
}

// AppendEvents appends es in order in one round trip (two on SQLite):
// the ids are taken from event_seq at once and the rows inserted with one
// multi-row statement, so a transaction that logs several events holds the
// sequence row no longer than one that logs one.
func (q *queries) AppendEvents(ctx context.Context, es []storage.Event) error {
	const op = "append events"
	if len(es) == 0 {
		return nil
	}
	return q.atomic(ctx, func(q *queries) error {
		var last int64
		if ch := q.db.dialect.NotifyChannel; ch != "" {
			var err error
			if last, err = q.appendEventsPG(ctx, es, ch); err != nil {
				return q.wrap(op, err)
			}
		} else {
			args := []any{int64(len(es))}
			rows := eventRows(es, &args, false)
			if err := q.ex.QueryRowContext(ctx, `UPDATE event_seq SET last = last + $1 RETURNING last`, len(es)).Scan(&last); err != nil {
				return q.wrap(op, err)
			}
			args[0] = last - int64(len(es))
			// SQLite names a VALUES list's columns column1, column2, ….
			if _, err := q.exec(ctx, op, `INSERT INTO events (id, type, at, data, dialog_id, client_id, team_id, manager_id)
				SELECT $1 + column1, column2, column3, column4, column5, column6, column7, column8
				FROM (VALUES `+rows+`)`, args...); err != nil {
				return err
			}
		}
		q.numberAppended(es, last)
		return nil
	})
}

// AppendEventsAtCommit appends es on PostgreSQL with the commit, in one
// round trip when the driver supports CommitAfter (package postgres's
// does; another runs the append, then COMMIT), and on SQLite at once.
func (q *queries) AppendEventsAtCommit(ctx context.Context, es []storage.Event) error {
	if len(es) == 0 {
		return nil
	}
	if q.tx == nil || q.db.dialect.NotifyChannel == "" {
		return q.AppendEvents(ctx, es)
	}
	q.tx.atCommit = append(q.tx.atCommit, es)
	return nil
}

// appendAndCommit appends the transaction's events of
// AppendEventsAtCommit and commits, in one round trip. The sequence row is
// locked only between the two, on the server.
func (q *queries) appendAndCommit(ctx context.Context) error {
	lists := q.tx.atCommit
	q.tx.atCommit = nil
	var all []storage.Event
	for _, es := range lists {
		all = append(all, es...)
	}
	last, err := q.appendEventsPG(WithCommitAfter(ctx), all, q.db.dialect.NotifyChannel)
	if err != nil {
		return q.wrap("append events and commit", err)
	}
	first := last - int64(len(all)) + 1
	for _, es := range lists {
		q.numberAppended(es, first+int64(len(es))-1)
		first += int64(len(es))
	}
	return nil
}

// appendEventsPG appends es on PostgreSQL in one statement, ids, rows and,
// when another replica listens (Dialect.Announce), the commit-time
// notification, and returns the last id.
func (q *queries) appendEventsPG(ctx context.Context, es []storage.Event, channel string) (int64, error) {
	// $1 is the count; the rows' values follow from $2.
	args := []any{int64(len(es))}
	rows := eventRows(es, &args, true)
	last := `SELECT m FROM (SELECT MAX(id) AS m FROM i) x`
	if a := q.db.dialect.Announce; a == nil || a() {
		args = append(args, channel)
		last = `SELECT m FROM (SELECT MAX(id) AS m FROM i) x, pg_notify($` + strconv.Itoa(len(args)) + `::text, m::text)`
	}
	query := `WITH s AS (UPDATE event_seq SET last = last + $1::bigint RETURNING last),
		v(n, type, at, data, dialog_id, client_id, team_id, manager_id) AS (VALUES ` + rows + `),
		i AS (INSERT INTO events (id, type, at, data, dialog_id, client_id, team_id, manager_id)
			SELECT s.last - $1::bigint + v.n, v.type, v.at, v.data, v.dialog_id, v.client_id, v.team_id, v.manager_id
			FROM s, v RETURNING id)
		` + last
	var id int64
	err := q.ex.QueryRowContext(ctx, query, args...).Scan(&id)
	return id, err
}

// eventRows adds es's values to args and returns them as a VALUES list,
// each row led by its position from 1. typed casts the parameters, which
// PostgreSQL's VALUES cannot type from the columns they end up in.
func eventRows(es []storage.Event, args *[]any, typed bool) string {
	var rows strings.Builder
	for i := range es {
		e := &es[i]
		e.At = orNow(e.At)
		if i > 0 {
			rows.WriteString(", ")
		}
		fmt.Fprintf(&rows, "(%d", i+1)
		for j, typ := range []string{"text", "bigint", "text", "bigint", "bigint", "bigint", "bigint"} {
			fmt.Fprintf(&rows, ", $%d", len(*args)+1+j)
			if typed {
				rows.WriteString("::" + typ)
			}
		}
		rows.WriteString(")")
		*args = append(*args, e.Type, ms(e.At), string(e.Data), e.DialogID, e.ClientID, e.TeamID, e.ManagerID)
	}
	return rows.String()
}

// numberAppended sets the ids of es, appended in order up to last, and
// notes them in the transaction.
func (q *queries) numberAppended(es []storage.Event, last int64) {
	first := last - int64(len(es)) + 1
	for i := range es {
		es[i].ID = first + int64(i)
		q.noteAppended(es[i])
	}
}

// EventsAfter lists up to n events with id > after, in id order.
func (q *queries) EventsAfter(ctx context.Context, after int64, n int) ([]storage.Event, error) {
	return list(ctx, q, "events after", `SELECT `+eventCols+` FROM events WHERE id > $1 ORDER BY id LIMIT $2`,
		[]any{after, limit(n)}, scanEvent)
}

// EventBounds returns the oldest and newest event ids kept, (0, 0) for an
// empty log.
func (q *queries) EventBounds(ctx context.Context) (oldest, newest int64, err error) {
	err = q.ex.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM events`).Scan(&oldest, &newest)
	return oldest, newest, q.wrap("event bounds", err)
}

// TrimEvents deletes events older than before except the newest one, whose
// id a restarted reader compares its cursor against.
func (q *queries) TrimEvents(ctx context.Context, before time.Time) (int64, error) {
	return q.exec(ctx, "trim events", `DELETE FROM events WHERE at < $1 AND id < (SELECT MAX(id) FROM events)`, ms(before))
}

// CountEvents counts events of one type at or after since; events_at keeps
// it to today's slice of the log.
func (q *queries) CountEvents(ctx context.Context, typ string, since time.Time) (int, error) {
	var n int
	err := q.ex.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE at >= $1 AND type = $2`, ms(since), typ).Scan(&n)
	return n, q.wrap("count events", err)
}
