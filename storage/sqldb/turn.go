package sqldb

import (
	"context"
	"sync"
)

// turnBlock is how many round-robin turns a process takes from a team's
// counter at once where the counter has connections of its own
// (Dialect.Counters): it hands them out itself, so most new dialogs cost
// no statement and no wake-up of a second backend for their turn. Each
// number is still used once, so the distribution over the members stays
// as even; turns of a block left when the process stops are skipped, as
// those of a rolled-back transaction are.
const turnBlock = 32

// NextTeamTurn counts the team's round-robin turns; see the contract.
func (q *queries) NextTeamTurn(ctx context.Context, teamID, n int64) (int64, error) {
	if n < 1 {
		return 0, errf("next team turn", "%d turns", n)
	}
	ex, spare := q.ex, int64(0)
	if q.tx != nil && q.db.dialect.Counters != nil {
		if last, ok := q.db.turns.take(teamID, n); ok {
			return last, nil
		}
		ex, spare = q.db.dialect.Counters, turnBlock-1
	}
	var top int64
	err := ex.QueryRowContext(ctx, `UPDATE teams SET rr_turn = rr_turn + $2 WHERE id = $1 RETURNING rr_turn`, teamID, n+spare).Scan(&top)
	if err != nil {
		return 0, q.wrap("next team turn", err)
	}
	if spare > 0 {
		q.db.turns.keep(teamID, top-spare+1, top)
	}
	return top - spare, nil
}

// turnBlocks holds the turns taken but not yet handed out, by team.
type turnBlocks struct {
	mu   sync.Mutex
	left map[int64]turnRange
}

type turnRange struct{ first, last int64 }

// take hands out the next n turns of the team's block and returns the
// last of them, if the block holds n.
func (b *turnBlocks) take(teamID, n int64) (int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.left[teamID]
	if !ok || r.last-r.first+1 < n {
		return 0, false
	}
	last := r.first + n - 1
	b.left[teamID] = turnRange{last + 1, r.last}
	return last, true
}

// keep replaces the team's block with first..last; the turns of the old
// one, too few for the request that took this one, are skipped.
func (b *turnBlocks) keep(teamID, first, last int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left == nil {
		b.left = map[int64]turnRange{}
	}
	b.left[teamID] = turnRange{first, last}
}
