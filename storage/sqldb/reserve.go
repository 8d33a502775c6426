package sqldb

import (
	"context"
)

// reserved is a transaction's ids taken ahead (ReserveIDs): a new client's
// and a new dialog's, each handed out once.
type reserved struct {
	read func() ([][2]int64, error)
	// ids are read's answer once read; 0 once handed out.
	ids  [2]int64
	done bool
}

// ReserveIDs takes a client's and a dialog's ids with the transaction's
// next statement (Dialect.NewIDs), so that CreateClient and CreateDialog
// need not wait for their inserts' answers.
func (q *queries) ReserveIDs(ctx context.Context) {
	if q.tx == nil || !q.db.dialect.ReadsLater || q.db.dialect.NewIDs == "" || q.tx.reserved != nil {
		return
	}
	q.tx.reserved = &reserved{read: listAhead(ctx, q, "reserve ids", q.db.dialect.NewIDs, nil,
		func(r scanner) ([2]int64, error) {
			var ids [2]int64
			return ids, r.Scan(&ids[0], &ids[1])
		})}
}

// The kinds of reserved id, indexes of reserved.ids.
const (
	reservedClient = 0
	reservedDialog = 1
)

// reservedID hands out the reserved id of a kind (reservedClient or
// reservedDialog), or 0 when none is left.
func (q *queries) reservedID(kind int) (int64, error) {
	if q.tx == nil || q.tx.reserved == nil {
		return 0, nil
	}
	r := q.tx.reserved
	if !r.done {
		got, err := r.read()
		if err != nil {
			return 0, err
		}
		if len(got) != 1 {
			return 0, errf("reserve ids", "%d rows", len(got))
		}
		r.ids, r.done = got[0], true
	}
	id := r.ids[kind]
	r.ids[kind] = 0
	return id, nil
}

// insertWithID inserts a row of cols into table and sets *id to its id:
// the reserved one of kind, when there is one, with the insert sent later
// (execLater), else the one the insert returns.
func (q *queries) insertWithID(ctx context.Context, op string, kind int, table, cols string, values []any, id *int64) error {
	reservedID, err := q.reservedID(kind)
	if err != nil {
		return err
	}
	var a args
	if reservedID != 0 {
		*id = reservedID
		return q.execLater(ctx, op, `INSERT INTO `+table+` (id, `+cols+`) VALUES `+
			a.row(append([]any{reservedID}, values...)...), a...)
	}
	err = q.ex.QueryRowContext(ctx, `INSERT INTO `+table+` (`+cols+`) VALUES `+a.row(values...)+` RETURNING id`,
		a...).Scan(id)
	return q.wrap(op, err)
}
