package sqldb

import (
	"context"
	"slices"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

const outboxCols = `id, message_id, dialog_id, channel, idempotency_key, payload, status, attempts,
	next_attempt_at, locked_until, last_error, external_id, created_at, sent_at, failed_at`

func scanOutbox(r scanner) (storage.OutboxItem, error) {
	var it storage.OutboxItem
	var payload string
	var next, locked, created, sent, failed int64
	err := r.Scan(&it.ID, &it.MessageID, &it.DialogID, &it.Channel, &it.IdempotencyKey, &payload, &it.Status,
		&it.Attempts, &next, &locked, &it.LastError, &it.ExternalID, &created, &sent, &failed)
	it.Payload, it.NextAttemptAt, it.LockedUntil = rawJSON(payload), tm(next), tm(locked)
	it.CreatedAt, it.SentAt, it.FailedAt = tm(created), tm(sent), tm(failed)
	return it, err
}

// EnqueueOutbox stores a pending send and sets its id. A row with no next
// attempt time is due at creation. A reused idempotency key is
// storage.ErrConflict.
func (q *queries) EnqueueOutbox(ctx context.Context, it *storage.OutboxItem) error {
	it.Status = storage.OutboxPending
	it.CreatedAt = orNow(it.CreatedAt)
	if it.NextAttemptAt.IsZero() {
		it.NextAttemptAt = it.CreatedAt
	}
	it.NextAttemptAt = norm(it.NextAttemptAt)
	err := q.ex.QueryRowContext(ctx, `INSERT INTO outbox (message_id, dialog_id, channel, idempotency_key,
		payload, status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		RETURNING id`, it.MessageID, it.DialogID, it.Channel, it.IdempotencyKey, string(it.Payload), it.Status,
		it.Attempts, ms(it.NextAttemptAt), ms(it.CreatedAt)).Scan(&it.ID)
	return q.wrap("enqueue outbox", err)
}

// ClaimOutbox leases up to n due rows, oldest due first. It is a single
// UPDATE over a sub-select: on PostgreSQL the sub-select locks with SKIP
// LOCKED so parallel workers take disjoint rows without waiting, and a row
// another worker just leased fails the re-checked WHERE; SQLite's single
// writer runs the statement alone. The status IN term, implied by the rest,
// is what lets SQLite read the partial index outbox_due instead of every
// reply ever sent.
func (q *queries) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, n int) ([]storage.OutboxItem, error) {
	out, err := list(ctx, q, "claim outbox", `UPDATE outbox SET status = 'sending', locked_until = $2,
		attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox
			WHERE status IN ('pending', 'sending')
				AND ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND locked_until <= $1))
			ORDER BY next_attempt_at, id LIMIT $3`+q.db.dialect.SkipLocked+`)
		RETURNING `+outboxCols, []any{ms(now), ms(now.Add(lease)), limit(n)}, scanOutbox)
	// RETURNING follows no ORDER BY; give the worker the rows in due order.
	slices.SortFunc(out, func(a, b storage.OutboxItem) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, err
}

// MarkOutboxSent records a completed send, which is never repeated.
func (q *queries) MarkOutboxSent(ctx context.Context, id int64, externalID string, at time.Time) error {
	return q.execOneLater(ctx, "mark outbox sent", `UPDATE outbox SET status = 'sent', external_id = $2, sent_at = $3,
		locked_until = 0, last_error = '' WHERE id = $1`, id, externalID, ms(at))
}

// MarkOutboxRetry returns a row to pending, due at next.
func (q *queries) MarkOutboxRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	return q.execOne(ctx, "mark outbox retry", `UPDATE outbox SET status = 'pending', next_attempt_at = $2,
		last_error = $3, locked_until = 0 WHERE id = $1`, id, ms(next), errText)
}

// MarkOutboxFailed gives up on a row for good.
func (q *queries) MarkOutboxFailed(ctx context.Context, id int64, errText string, at time.Time) error {
	return q.execOne(ctx, "mark outbox failed", `UPDATE outbox SET status = 'failed', last_error = $2,
		failed_at = $3, locked_until = 0 WHERE id = $1`, id, errText, ms(at))
}

// GetOutbox returns an outbox row by id.
func (q *queries) GetOutbox(ctx context.Context, id int64) (storage.OutboxItem, error) {
	return one(ctx, q, "get outbox", `SELECT `+outboxCols+` FROM outbox WHERE id = $1`, []any{id}, scanOutbox)
}

// OutboxBacklog counts pending and sending rows; both keys are always
// present so a metrics gauge drops to zero instead of going stale.
func (q *queries) OutboxBacklog(ctx context.Context) (map[storage.OutboxStatus]int, error) {
	type row struct {
		status storage.OutboxStatus
		n      int
	}
	rows, err := list(ctx, q, "outbox backlog", `SELECT status, COUNT(*) FROM outbox
		WHERE status IN ('pending', 'sending') GROUP BY status`, nil, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.status, &x.n)
	})
	if err != nil {
		return nil, err
	}
	out := map[storage.OutboxStatus]int{storage.OutboxPending: 0, storage.OutboxSending: 0}
	for _, r := range rows {
		out[r.status] = r.n
	}
	return out, nil
}
