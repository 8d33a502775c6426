package sqldb

import (
	"context"

	"github.com/switchboard-hub/switchboard/storage"
)

// LockTeam reads a team under a write lock held until the transaction
// ends. The no-op update takes the row lock on PostgreSQL; on SQLite the
// single writer already serializes transactions.
func (q *queries) LockTeam(ctx context.Context, id int64) (storage.Team, error) {
	return one(ctx, q, "lock team", `UPDATE teams SET cursor_manager = cursor_manager WHERE id = $1 RETURNING `+teamCols, []any{id}, scanTeam)
}
