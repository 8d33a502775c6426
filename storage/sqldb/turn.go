package sqldb

import (
	"context"
)

// NextTeamTurn counts the team's round-robin turns; see the contract.
func (q *queries) NextTeamTurn(ctx context.Context, teamID, n int64) (int64, error) {
	if n < 1 {
		return 0, errf("next team turn", "%d turns", n)
	}
	ex := q.ex
	if q.tx != nil && q.db.dialect.Counters != nil {
		ex = q.db.dialect.Counters
	}
	var turn int64
	err := ex.QueryRowContext(ctx, `UPDATE teams SET rr_turn = rr_turn + $2 WHERE id = $1 RETURNING rr_turn`, teamID, n).Scan(&turn)
	return turn, q.wrap("next team turn", err)
}
