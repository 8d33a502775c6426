package sqldb

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-hub/switchboard/storage"
)

const cannedCols = `id, scope, owner_id, team_id, title, shortcut, body, kind, attachments, created_at, updated_at`

func scanCanned(r scanner) (storage.Canned, error) {
	var c storage.Canned
	var created, updated int64
	var atts string
	err := r.Scan(&c.ID, &c.Scope, &c.OwnerID, &c.TeamID, &c.Title, &c.Shortcut, &c.Body, &c.Kind, &atts, &created, &updated)
	c.CreatedAt, c.UpdatedAt = tm(created), tm(updated)
	if err == nil {
		c.Attachments, err = decodeCannedAttachments(atts)
	}
	return c, err
}

// encodeCannedAttachments is the attachments column's JSON; no files is
// "[]", the column's default.
func encodeCannedAttachments(atts []storage.CannedAttachment) (string, error) {
	if len(atts) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(atts)
	if err != nil {
		return "", fmt.Errorf("encode canned attachments: %w", err)
	}
	return string(b), nil
}

// decodeCannedAttachments reads the column back; no files is nil, so a
// response without files reads back as it was written.
func decodeCannedAttachments(s string) ([]storage.CannedAttachment, error) {
	var atts []storage.CannedAttachment
	if err := json.Unmarshal([]byte(s), &atts); err != nil {
		return nil, fmt.Errorf("decode canned attachments: %w", err)
	}
	if len(atts) == 0 {
		return nil, nil
	}
	return atts, nil
}

// CreateCanned inserts c and sets its id. An empty kind is a canned reply;
// an unset update time is the creation time.
func (q *queries) CreateCanned(ctx context.Context, c *storage.Canned) error {
	if c.Kind == "" {
		c.Kind = storage.KindCanned
	}
	c.CreatedAt = orNow(c.CreatedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.UpdatedAt = norm(c.UpdatedAt)
	atts, err := encodeCannedAttachments(c.Attachments)
	if err != nil {
		return q.wrap("create canned", err)
	}
	err = q.ex.QueryRowContext(ctx, `INSERT INTO canned_responses (scope, owner_id, team_id, title, shortcut,
		body, kind, attachments, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		c.Scope, c.OwnerID, c.TeamID, c.Title, c.Shortcut, c.Body, c.Kind, atts, ms(c.CreatedAt), ms(c.UpdatedAt)).Scan(&c.ID)
	return q.wrap("create canned", err)
}

// GetCanned returns a canned response by id.
func (q *queries) GetCanned(ctx context.Context, id int64) (storage.Canned, error) {
	return one(ctx, q, "get canned", `SELECT `+cannedCols+` FROM canned_responses WHERE id = $1`, []any{id}, scanCanned)
}

// UpdateCanned writes the editable fields; scope, owner and team stay, so
// an edit can never move a response out of its owner's reach.
func (q *queries) UpdateCanned(ctx context.Context, c storage.Canned) error {
	atts, err := encodeCannedAttachments(c.Attachments)
	if err != nil {
		return q.wrap("update canned", err)
	}
	return q.execOne(ctx, "update canned", `UPDATE canned_responses SET title = $2, shortcut = $3, body = $4,
		kind = $5, attachments = $6, updated_at = $7 WHERE id = $1`, c.ID, c.Title, c.Shortcut, c.Body, c.Kind, atts,
		ms(orNow(c.UpdatedAt)))
}

// DeleteCanned deletes a canned response.
func (q *queries) DeleteCanned(ctx context.Context, id int64) error {
	return q.execOne(ctx, "delete canned", `DELETE FROM canned_responses WHERE id = $1`, id)
}

// ListCanned lists a manager's personal responses, those of teamIDs and
// the global ones, by title (case-folded) then id. The order is made in Go
// because the engines collate text differently.
func (q *queries) ListCanned(ctx context.Context, managerID int64, teamIDs []int64) ([]storage.Canned, error) {
	var a args
	conds := []string{`scope = 'global'`, `(scope = 'personal' AND owner_id = ` + a.add(managerID) + `)`}
	if len(teamIDs) > 0 {
		conds = append(conds, `(scope = 'team' AND team_id IN (`+in(&a, teamIDs)+`))`)
	}
	out, err := list(ctx, q, "list canned", `SELECT `+cannedCols+` FROM canned_responses WHERE `+
		strings.Join(conds, " OR "), a, scanCanned)
	slices.SortFunc(out, func(x, y storage.Canned) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Title), strings.ToLower(y.Title)), cmp.Compare(x.ID, y.ID))
	})
	return out, err
}
