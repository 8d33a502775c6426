package sqldb

import (
	"context"
	"slices"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// Timeline lists a client's messages, calls and leads before "before"
// (zero for no bound), newest first. It takes the newest n of each kind
// and merges them here: three indexed queries are simpler and as fast as
// a UNION over tables of different shapes.
func (q *queries) Timeline(ctx context.Context, clientID int64, beforeAt time.Time, n int) ([]storage.TimelineEntry, error) {
	const op = "timeline"
	n = limit(n)
	bound := before(beforeAt)
	msgs, err := list(ctx, q, op, `SELECT `+messageCols+` FROM messages WHERE client_id = $1 AND created_at < $2
		ORDER BY created_at DESC, id DESC LIMIT $3`, []any{clientID, bound, n}, scanMessage)
	if err != nil {
		return nil, err
	}
	if err := q.loadAttachments(ctx, op, msgs); err != nil {
		return nil, err
	}
	calls, err := list(ctx, q, op, `SELECT `+callCols+` FROM calls WHERE client_id = $1 AND ring_at < $2
		ORDER BY ring_at DESC, id DESC LIMIT $3`, []any{clientID, bound, n}, scanCall)
	if err != nil {
		return nil, err
	}
	leads, err := list(ctx, q, op, `SELECT `+leadCols+` FROM leads WHERE client_id = $1 AND created_at < $2
		ORDER BY created_at DESC, id DESC LIMIT $3`, []any{clientID, bound, n}, scanLead)
	if err != nil {
		return nil, err
	}
	out := make([]storage.TimelineEntry, 0, len(msgs)+len(calls)+len(leads))
	for i := range msgs {
		out = append(out, storage.TimelineEntry{Kind: "message", At: msgs[i].CreatedAt, Message: &msgs[i]})
	}
	for i := range calls {
		out = append(out, storage.TimelineEntry{Kind: "call", At: calls[i].RingAt, Call: &calls[i]})
	}
	for i := range leads {
		out = append(out, storage.TimelineEntry{Kind: "lead", At: leads[i].CreatedAt, Lead: &leads[i]})
	}
	// Stable, so equal times keep messages before calls before leads.
	slices.SortStableFunc(out, func(a, b storage.TimelineEntry) int { return b.At.Compare(a.At) })
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}
