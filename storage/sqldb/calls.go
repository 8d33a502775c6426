package sqldb

import (
	"context"
	"strings"

	"github.com/switchboard-hub/switchboard/storage"
)

const callCols = `id, client_id, dialog_id, channel, external_id, direction, from_number, to_number,
	manager_id, ring_at, answer_at, end_at, outcome, recording`

func scanCall(r scanner) (storage.Call, error) {
	var c storage.Call
	var ring, answer, end int64
	err := r.Scan(&c.ID, &c.ClientID, &c.DialogID, &c.Channel, &c.ExternalID, &c.Direction, &c.FromNumber,
		&c.ToNumber, &c.ManagerID, &ring, &answer, &end, &c.Outcome, &c.Recording)
	c.RingAt, c.AnswerAt, c.EndAt = tm(ring), tm(answer), tm(end)
	return c, err
}

// UpsertCall stores a call by (channel, external id). For an existing call
// it updates the dialog, manager, answer and end times, outcome and
// recording, but only with the fields c has set: PBX events arrive one
// state at a time and a later event must not erase an earlier one. c is
// filled with the stored row.
func (q *queries) UpsertCall(ctx context.Context, c *storage.Call) (bool, error) {
	const op = "upsert call"
	created := false
	var out storage.Call
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		created = true
		out, err = one(ctx, q, op, `INSERT INTO calls (client_id, dialog_id, channel, external_id, direction,
			from_number, to_number, manager_id, ring_at, answer_at, end_at, outcome, recording)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (channel, external_id) DO NOTHING RETURNING `+callCols,
			[]any{c.ClientID, c.DialogID, c.Channel, c.ExternalID, c.Direction, c.FromNumber, c.ToNumber,
				c.ManagerID, ms(orNow(c.RingAt)), ms(c.AnswerAt), ms(c.EndAt), c.Outcome, c.Recording}, scanCall)
		if !noRows(err) {
			return err
		}
		created = false
		var a args
		where := ` WHERE channel = ` + a.add(c.Channel) + ` AND external_id = ` + a.add(c.ExternalID)
		// Only set fields are written; the SET list always has at least
		// one entry so the statement still returns the row.
		sets := []string{"channel = channel"}
		set := func(col string, v any, ok bool) {
			if ok {
				sets = append(sets, col+" = "+a.add(v))
			}
		}
		set("dialog_id", c.DialogID, c.DialogID != 0)
		set("manager_id", c.ManagerID, c.ManagerID != 0)
		set("answer_at", ms(c.AnswerAt), !c.AnswerAt.IsZero())
		set("end_at", ms(c.EndAt), !c.EndAt.IsZero())
		set("outcome", c.Outcome, c.Outcome != "")
		set("recording", c.Recording, c.Recording != "")
		out, err = one(ctx, q, op, `UPDATE calls SET `+strings.Join(sets, ", ")+where+` RETURNING `+callCols, a, scanCall)
		return err
	})
	if err != nil {
		return false, err
	}
	*c = out
	return created, nil
}

// GetCall returns a call by id.
func (q *queries) GetCall(ctx context.Context, id int64) (storage.Call, error) {
	return one(ctx, q, "get call", `SELECT `+callCols+` FROM calls WHERE id = $1`, []any{id}, scanCall)
}
