package sqldb

import (
	"context"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

const dialogCols = `id, client_id, channel, thread_key, subject, status, team_id, assignee_id,
	reserved_for, reserved_until, sla_due_at, first_response_at, unread, last_message_at,
	queued_at, closed_at, created_at, updated_at`

func scanDialog(r scanner) (storage.Dialog, error) {
	var d storage.Dialog
	var reserved, sla, first, last, queued, closed, created, updated int64
	err := r.Scan(&d.ID, &d.ClientID, &d.Channel, &d.ThreadKey, &d.Subject, &d.Status, &d.TeamID,
		&d.AssigneeID, &d.ReservedFor, &reserved, &sla, &first, &d.Unread, &last, &queued, &closed,
		&created, &updated)
	d.ReservedUntil, d.SLADueAt, d.FirstResponseAt = tm(reserved), tm(sla), tm(first)
	d.LastMessageAt, d.QueuedAt, d.ClosedAt = tm(last), tm(queued), tm(closed)
	d.CreatedAt, d.UpdatedAt = tm(created), tm(updated)
	return d, err
}

// queuedCond selects dialogs waiting in a queue: open or pending, and
// nobody's.
const queuedCond = `assignee_id = 0 AND status <> 'closed'`

// CreateDialog inserts d and sets its id. Missing times default to the
// creation time, and an unassigned dialog that is not closed enters its
// queue at creation unless QueuedAt says otherwise.
func (q *queries) CreateDialog(ctx context.Context, d *storage.Dialog) error {
	prepareDialog(d)
	return q.insertWithID(ctx, "create dialog", reservedDialog, "dialogs", dialogInsertCols, dialogValues(d), &d.ID)
}

const dialogInsertCols = `client_id, channel, thread_key, subject, status, team_id, assignee_id,
	reserved_for, reserved_until, sla_due_at, first_response_at, unread, last_message_at, queued_at,
	closed_at, created_at, updated_at`

// dialogValues are a dialog's values for dialogInsertCols.
func dialogValues(d *storage.Dialog) []any {
	return []any{d.ClientID, d.Channel, d.ThreadKey, d.Subject, d.Status, d.TeamID, d.AssigneeID, d.ReservedFor,
		ms(d.ReservedUntil), ms(d.SLADueAt), ms(d.FirstResponseAt), d.Unread, ms(d.LastMessageAt),
		ms(d.QueuedAt), ms(d.ClosedAt), ms(d.CreatedAt), ms(d.UpdatedAt)}
}

// prepareDialog fills a new dialog's defaults.
func prepareDialog(d *storage.Dialog) {
	if d.Status == "" {
		d.Status = storage.DialogOpen
	}
	d.CreatedAt = orNow(d.CreatedAt)
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	if d.LastMessageAt.IsZero() {
		d.LastMessageAt = d.CreatedAt
	}
	if d.QueuedAt.IsZero() && d.AssigneeID == 0 && d.Status != storage.DialogClosed {
		d.QueuedAt = d.CreatedAt
	}
	d.ReservedUntil, d.SLADueAt, d.FirstResponseAt = norm(d.ReservedUntil), norm(d.SLADueAt), norm(d.FirstResponseAt)
	d.LastMessageAt, d.QueuedAt, d.ClosedAt = norm(d.LastMessageAt), norm(d.QueuedAt), norm(d.ClosedAt)
	d.UpdatedAt = norm(d.UpdatedAt)
}

// GetDialog returns a dialog by id.
func (q *queries) GetDialog(ctx context.Context, id int64) (storage.Dialog, error) {
	return one(ctx, q, "get dialog", `SELECT `+dialogCols+` FROM dialogs WHERE id = $1`, []any{id}, scanDialog)
}

// FindOpenDialog returns the client's newest non-closed dialog on channel
// with threadKey.
func (q *queries) FindOpenDialog(ctx context.Context, clientID int64, channel, threadKey string) (storage.Dialog, error) {
	return one(ctx, q, "find open dialog", `SELECT `+dialogCols+` FROM dialogs
		WHERE client_id = $1 AND channel = $2 AND thread_key = $3 AND status <> 'closed'
		ORDER BY id DESC LIMIT 1`, []any{clientID, channel, threadKey}, scanDialog)
}

// FindDialogByThread returns the newest dialog on channel with threadKey
// created after since, closed or not. A zero clientID matches any client
// (a reply threaded by its headers may come from a new address).
func (q *queries) FindDialogByThread(ctx context.Context, clientID int64, channel, threadKey string, since time.Time) (storage.Dialog, error) {
	var a args
	conds := []string{"channel = " + a.add(channel), "thread_key = " + a.add(threadKey), "created_at > " + a.add(ms(since))}
	if clientID != 0 {
		conds = append(conds, "client_id = "+a.add(clientID))
	}
	return one(ctx, q, "find dialog by thread", `SELECT `+dialogCols+` FROM dialogs`+where(conds)+
		` ORDER BY id DESC LIMIT 1`, a, scanDialog)
}

// ListDialogs lists dialogs matching every non-zero field of dq, newest
// activity first, paged by (BeforeAt, BeforeID) of the previous page's last
// row.
func (q *queries) ListDialogs(ctx context.Context, dq storage.DialogQuery) ([]storage.Dialog, error) {
	var a args
	var conds []string
	if dq.AssigneeID != 0 {
		conds = append(conds, "assignee_id = "+a.add(dq.AssigneeID))
	}
	if len(dq.TeamIDs) > 0 {
		conds = append(conds, "team_id IN ("+in(&a, dq.TeamIDs)+")")
	}
	if dq.ClientID != 0 {
		conds = append(conds, "client_id = "+a.add(dq.ClientID))
	}
	if len(dq.Status) > 0 {
		conds = append(conds, "status IN ("+in(&a, dq.Status)+")")
	}
	if dq.Queue {
		conds = append(conds, queuedCond)
	}
	switch {
	case dq.BeforeID != 0:
		at := a.add(ms(dq.BeforeAt))
		conds = append(conds, "(last_message_at < "+at+" OR (last_message_at = "+at+" AND id < "+a.add(dq.BeforeID)+"))")
	case !dq.BeforeAt.IsZero():
		conds = append(conds, "last_message_at < "+a.add(ms(dq.BeforeAt)))
	}
	query := `SELECT ` + dialogCols + ` FROM dialogs` + where(conds) +
		` ORDER BY last_message_at DESC, id DESC LIMIT ` + a.add(limit(dq.Limit))
	return list(ctx, q, "list dialogs", query, a, scanDialog)
}

// QueuedDialogs lists a team's queue, oldest queued first.
func (q *queries) QueuedDialogs(ctx context.Context, teamID int64, n int) ([]storage.Dialog, error) {
	return list(ctx, q, "queued dialogs", `SELECT `+dialogCols+` FROM dialogs
		WHERE team_id = $1 AND `+queuedCond+` ORDER BY queued_at, id LIMIT $2`,
		[]any{teamID, limit(n)}, scanDialog)
}

// AssignDialog hands the dialog from "from" to "to" if it is still from's,
// taking it out of the queue and dropping any owner reservation. The
// condition on the current assignee is what keeps two replicas from
// handing one dialog to two managers. A missing dialog is
// storage.ErrNotFound.
func (q *queries) AssignDialog(ctx context.Context, id, from, to int64, slaDue, at time.Time) (bool, error) {
	const op = "assign dialog"
	n, err := q.exec(ctx, op, `UPDATE dialogs SET assignee_id = $3, sla_due_at = $4, queued_at = 0,
		reserved_for = 0, reserved_until = 0, updated_at = $5 WHERE id = $1 AND assignee_id = $2`,
		id, from, to, ms(slaDue), ms(at))
	if err != nil || n == 1 {
		return n == 1, err
	}
	return false, q.exists(ctx, op, "dialogs", id)
}

// AssignNewDialog assigns a dialog this transaction created: see
// storage.Queries.
func (q *queries) AssignNewDialog(ctx context.Context, id, to int64, slaDue, at time.Time) error {
	return q.execOneLater(ctx, "assign new dialog", `UPDATE dialogs SET assignee_id = $2, sla_due_at = $3, queued_at = 0,
		reserved_for = 0, reserved_until = 0, updated_at = $4 WHERE id = $1`, id, to, ms(slaDue), ms(at))
}

// UnassignDialog puts the dialog back into its team's queue at "at" if it
// is still from's; the SLA deadline goes with the assignee.
func (q *queries) UnassignDialog(ctx context.Context, id, from int64, at time.Time) (bool, error) {
	const op = "unassign dialog"
	n, err := q.exec(ctx, op, `UPDATE dialogs SET assignee_id = 0, queued_at = $3, sla_due_at = 0,
		updated_at = $3 WHERE id = $1 AND assignee_id = $2`, id, from, ms(at))
	if err != nil || n == 1 {
		return n == 1, err
	}
	return false, q.exists(ctx, op, "dialogs", id)
}

// exists returns storage.ErrNotFound unless table has a row with id; a
// conditional update that matched nothing uses it to tell "lost the race"
// from "no such row".
func (q *queries) exists(ctx context.Context, op, table string, id int64) error {
	var n int
	if err := q.ex.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1`, id).Scan(&n); err != nil {
		return q.wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// SetDialogTeam moves a dialog to a team. A dialog waiting in a queue
// enters the new team's queue at "at".
func (q *queries) SetDialogTeam(ctx context.Context, id, teamID int64, at time.Time) error {
	return q.execOne(ctx, "set dialog team", `UPDATE dialogs SET team_id = $2, updated_at = $3,
		queued_at = CASE WHEN `+queuedCond+` THEN $3 ELSE queued_at END WHERE id = $1`, id, teamID, ms(at))
}

// SetDialogStatus changes a dialog's status. Closing records closed_at and
// drops the SLA deadline and reservation; reopening clears closed_at and
// puts an unassigned dialog back into its queue at "at".
func (q *queries) SetDialogStatus(ctx context.Context, id int64, s storage.DialogStatus, at time.Time) error {
	const op = "set dialog status"
	if s == storage.DialogClosed {
		return q.execOneLater(ctx, op, `UPDATE dialogs SET status = $2, closed_at = $3, updated_at = $3,
			sla_due_at = 0, reserved_for = 0, reserved_until = 0, queued_at = 0 WHERE id = $1`, id, s, ms(at))
	}
	return q.execOneLater(ctx, op, `UPDATE dialogs SET
		queued_at = CASE WHEN status = 'closed' AND assignee_id = 0 THEN $3 ELSE queued_at END,
		status = $2, closed_at = 0, updated_at = $3 WHERE id = $1`, id, s, ms(at))
}

// SetDialogReservation holds a queued dialog for a manager (the client's
// owner) until "until"; managerID 0 drops the hold.
func (q *queries) SetDialogReservation(ctx context.Context, id, managerID int64, until time.Time) error {
	return q.execOneLater(ctx, "set dialog reservation", `UPDATE dialogs SET reserved_for = $2, reserved_until = $3
		WHERE id = $1`, id, managerID, ms(until))
}

// TouchDialog records activity at "at"; last_message_at never moves back,
// so a late-delivered old message does not reorder the list.
func (q *queries) TouchDialog(ctx context.Context, id int64, at time.Time, inbound bool) error {
	unread := 0
	if inbound {
		unread = 1
	}
	return q.execOneLater(ctx, "touch dialog", `UPDATE dialogs SET
		last_message_at = CASE WHEN last_message_at < $2 THEN $2 ELSE last_message_at END,
		updated_at = $2, unread = unread + $3 WHERE id = $1`, id, ms(at), unread)
}

// MarkFirstResponse records the first reply time once and clears unread
// and the SLA deadline.
func (q *queries) MarkFirstResponse(ctx context.Context, id int64, at time.Time) error {
	return q.execOneLater(ctx, "mark first response", `UPDATE dialogs SET
		first_response_at = CASE WHEN first_response_at = 0 THEN $2 ELSE first_response_at END,
		unread = 0, sla_due_at = 0, updated_at = $2 WHERE id = $1`, id, ms(at))
}

// MarkDialogRead clears unread.
func (q *queries) MarkDialogRead(ctx context.Context, id int64) error {
	return q.execOneLater(ctx, "mark dialog read", `UPDATE dialogs SET unread = 0 WHERE id = $1`, id)
}

// SLABreached lists open assigned dialogs without a first response whose
// deadline is before now, most overdue first.
func (q *queries) SLABreached(ctx context.Context, now time.Time, n int) ([]storage.Dialog, error) {
	return list(ctx, q, "sla breached", `SELECT `+dialogCols+` FROM dialogs
		WHERE status = 'open' AND assignee_id <> 0 AND first_response_at = 0
		AND sla_due_at > 0 AND sla_due_at < $1 ORDER BY sla_due_at, id LIMIT $2`,
		[]any{ms(now), limit(n)}, scanDialog)
}

// ReservationsExpired lists queued dialogs whose reservation ran out
// before now, oldest first.
func (q *queries) ReservationsExpired(ctx context.Context, now time.Time, n int) ([]storage.Dialog, error) {
	return list(ctx, q, "reservations expired", `SELECT `+dialogCols+` FROM dialogs
		WHERE `+queuedCond+` AND reserved_for <> 0 AND reserved_until < $1
		ORDER BY reserved_until, id LIMIT $2`, []any{ms(now), limit(n)}, scanDialog)
}

// QueueStats returns each team's queue length and oldest queued time,
// ordered by team id; teams with an empty queue are absent.
func (q *queries) QueueStats(ctx context.Context) ([]storage.QueueStat, error) {
	return list(ctx, q, "queue stats", `SELECT team_id, COUNT(*), MIN(queued_at) FROM dialogs
		WHERE `+queuedCond+` GROUP BY team_id ORDER BY team_id`, nil,
		func(r scanner) (storage.QueueStat, error) {
			var s storage.QueueStat
			var oldest int64
			err := r.Scan(&s.TeamID, &s.Length, &oldest)
			s.OldestAt = tm(oldest)
			return s, err
		})
}
