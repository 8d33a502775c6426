package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// MergeClients folds loser into survivor in one transaction: identities,
// dialogs, messages, calls, leads, name keys, company members and
// candidates move to the survivor, the survivor takes the loser's owner if
// it has none, and the loser is tombstoned with merged_into. Clients
// previously merged into the loser are re-pointed at the survivor so a
// tombstone never points at another tombstone.
//
// Merging a loser already merged into survivor is a no-op. Merging into a
// client that is itself merged away, merging a client already merged
// elsewhere, or merging a client into itself is storage.ErrConflict.
func (q *queries) MergeClients(ctx context.Context, loser, survivor int64, at time.Time) error {
	const op = "merge clients"
	if loser == survivor {
		return fmt.Errorf("sqldb: %s: client %d into itself: %w", op, loser, storage.ErrConflict)
	}
	return q.atomic(ctx, func(q *queries) error {
		// Lock both rows (in id order, so two merges of the same pair
		// cannot deadlock) before reading their state: concurrent merges of
		// L into S and S into L must see each other's tombstones.
		cs, err := list(ctx, q, op, `SELECT `+clientCols+` FROM clients WHERE id IN ($1, $2) ORDER BY id`+
			q.db.dialect.LockRows, []any{loser, survivor}, scanClient)
		if err != nil {
			return err
		}
		var l, s *storage.Client
		for i := range cs {
			switch cs[i].ID {
			case loser:
				l = &cs[i]
			case survivor:
				s = &cs[i]
			}
		}
		switch {
		case l == nil || s == nil:
			return notFound(op)
		case l.MergedInto == survivor:
			return nil
		case l.MergedInto != 0:
			return fmt.Errorf("sqldb: %s: client %d already merged into %d: %w", op, loser, l.MergedInto, storage.ErrConflict)
		case s.MergedInto != 0:
			return fmt.Errorf("sqldb: %s: client %d is merged into %d: %w", op, survivor, s.MergedInto, storage.ErrConflict)
		}
		moves := []string{
			// (kind, value) is the key, so moving identities cannot collide.
			`UPDATE identities SET client_id = $2 WHERE client_id = $1`,
			`UPDATE dialogs SET client_id = $2 WHERE client_id = $1`,
			`UPDATE messages SET client_id = $2 WHERE client_id = $1`,
			`UPDATE calls SET client_id = $2 WHERE client_id = $1`,
			`UPDATE leads SET client_id = $2 WHERE client_id = $1`,
			`UPDATE clients SET company_id = $2 WHERE company_id = $1`,
			`UPDATE clients SET merged_into = $2 WHERE merged_into = $1`,
			// The WHERE clause also keeps SQLite from reading ON CONFLICT
			// as a join constraint.
			`INSERT INTO name_keys (name_key, client_id) SELECT name_key, CAST($2 AS BIGINT) FROM name_keys WHERE client_id = $1
				ON CONFLICT (name_key, client_id) DO NOTHING`,
			// Both engines want every placeholder used, so this one
			// mentions $2 harmlessly.
			`DELETE FROM name_keys WHERE client_id = $1 AND client_id <> $2`,
		}
		for _, m := range moves {
			if _, err := q.exec(ctx, op, m, loser, survivor); err != nil {
				return err
			}
		}
		if err := q.moveCandidates(ctx, loser, survivor); err != nil {
			return err
		}
		owner := s.OwnerID
		if owner == 0 {
			owner = l.OwnerID
		}
		if _, err := q.exec(ctx, op, `UPDATE clients SET owner_id = $2, updated_at = $3 WHERE id = $1`,
			survivor, owner, ms(at)); err != nil {
			return err
		}
		_, err = q.exec(ctx, op, `UPDATE clients SET merged_into = $2, updated_at = $3 WHERE id = $1`,
			loser, survivor, ms(at))
		return err
	})
}

// moveCandidates re-keys the loser's candidate pairs to the survivor. The
// pair (loser, survivor) itself is kept as the record of the merge and
// marked merged. A pair (loser, x) becomes (survivor, x) unless that pair
// exists already, in which case the existing one keeps its status, takes
// the higher score, and the loser's row goes.
func (q *queries) moveCandidates(ctx context.Context, loser, survivor int64) error {
	const op = "merge clients: candidates"
	cands, err := list(ctx, q, op, `SELECT `+candidateCols+` FROM duplicate_candidates
		WHERE client_a = $1 OR client_b = $1 ORDER BY id`, []any{loser}, scanCandidate)
	if err != nil {
		return err
	}
	for _, c := range cands {
		other := c.ClientA
		if other == loser {
			other = c.ClientB
		}
		if other == survivor {
			if _, err := q.exec(ctx, op, `UPDATE duplicate_candidates SET status = $2 WHERE id = $1`,
				c.ID, storage.CandidateMerged); err != nil {
				return err
			}
			continue
		}
		a, b := min(other, survivor), max(other, survivor)
		existing, err := one(ctx, q, op, `SELECT `+candidateCols+` FROM duplicate_candidates
			WHERE client_a = $1 AND client_b = $2`, []any{a, b}, scanCandidate)
		switch {
		case noRows(err):
			_, err = q.exec(ctx, op, `UPDATE duplicate_candidates SET client_a = $2, client_b = $3 WHERE id = $1`,
				c.ID, a, b)
		case err == nil:
			if c.Score > existing.Score {
				_, err = q.exec(ctx, op, `UPDATE duplicate_candidates SET score = $2, reason = $3 WHERE id = $1`,
					existing.ID, c.Score, c.Reason)
			}
			if err == nil {
				_, err = q.exec(ctx, op, `DELETE FROM duplicate_candidates WHERE id = $1`, c.ID)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
