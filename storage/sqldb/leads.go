package sqldb

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

const leadCols = `id, source, external_id, client_id, dialog_id, campaign, utm, raw, status,
	reject_reason, created_at, updated_at`

func scanLead(r scanner) (storage.Lead, error) {
	var l storage.Lead
	var utm, raw string
	var created, updated int64
	err := r.Scan(&l.ID, &l.Source, &l.ExternalID, &l.ClientID, &l.DialogID, &l.Campaign, &utm, &raw,
		&l.Status, &l.RejectReason, &created, &updated)
	if err != nil {
		return l, err
	}
	l.Raw, l.CreatedAt, l.UpdatedAt = rawJSON(raw), tm(created), tm(updated)
	if utm != "" {
		err = json.Unmarshal([]byte(utm), &l.UTM)
	}
	return l, err
}

// InsertLead stores l unless (source, external id) is taken, reporting
// whether it did; on insert l gets its id. An empty status is new.
func (q *queries) InsertLead(ctx context.Context, l *storage.Lead) (bool, error) {
	const op = "insert lead"
	utm, err := encodeMeta(l.UTM)
	if err != nil {
		return false, errf(op, "utm: %w", err)
	}
	if l.Status == "" {
		l.Status = storage.LeadNew
	}
	l.CreatedAt = orNow(l.CreatedAt)
	if l.UpdatedAt.IsZero() {
		l.UpdatedAt = l.CreatedAt
	}
	l.UpdatedAt = norm(l.UpdatedAt)
	var id int64
	err = q.ex.QueryRowContext(ctx, `INSERT INTO leads (source, external_id, client_id, dialog_id, campaign,
		utm, raw, status, reject_reason, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
		l.Source, l.ExternalID, l.ClientID, l.DialogID, l.Campaign, utm, string(l.Raw), l.Status,
		l.RejectReason, ms(l.CreatedAt), ms(l.UpdatedAt)).Scan(&id)
	if err = q.wrap(op, err); err != nil {
		if noRows(err) {
			return false, nil
		}
		return false, err
	}
	l.ID = id
	return true, nil
}

// GetLead returns a lead by id.
func (q *queries) GetLead(ctx context.Context, id int64) (storage.Lead, error) {
	return one(ctx, q, "get lead", `SELECT `+leadCols+` FROM leads WHERE id = $1`, []any{id}, scanLead)
}

// GetLeadByExternal returns a lead by its source's id.
func (q *queries) GetLeadByExternal(ctx context.Context, source, externalID string) (storage.Lead, error) {
	return one(ctx, q, "get lead by external", `SELECT `+leadCols+` FROM leads WHERE source = $1 AND external_id = $2`,
		[]any{source, externalID}, scanLead)
}

// SetLeadStatus moves a lead along; reason is kept for a rejection and
// cleared otherwise by passing "".
func (q *queries) SetLeadStatus(ctx context.Context, id int64, s storage.LeadStatus, reason string, at time.Time) error {
	return q.execOne(ctx, "set lead status", `UPDATE leads SET status = $2, reject_reason = $3, updated_at = $4
		WHERE id = $1`, id, s, reason, ms(at))
}
