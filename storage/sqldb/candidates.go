package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-hub/switchboard/storage"
)

// SetNameKeys replaces the name keys indexed for a client. Duplicates and
// empty keys are dropped.
func (q *queries) SetNameKeys(ctx context.Context, clientID int64, keys []string) error {
	return q.atomic(ctx, func(q *queries) error {
		if _, err := q.exec(ctx, "set name keys", `DELETE FROM name_keys WHERE client_id = $1`, clientID); err != nil {
			return err
		}
		rows := make([]storage.NameKey, 0, len(keys))
		for _, k := range uniq(keys) {
			rows = append(rows, storage.NameKey{ClientID: clientID, Key: k})
		}
		return q.AddNameKeys(ctx, rows)
	})
}

// uniq returns the distinct non-empty strings of ss, sorted.
func uniq(ss []string) []string {
	out := slices.DeleteFunc(slices.Clone(ss), func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// ClientsByNameKey lists the newest clients not merged away that have any
// of keys, newest first. Each key reads at most n+1 index entries (one more
// for exclude), so the cost does not grow with the number of clients.
func (q *queries) ClientsByNameKey(ctx context.Context, keys []string, exclude int64, n int) ([]storage.Client, error) {
	return q.ClientsByNameKeyAhead(ctx, keys, exclude, n)()
}

// ClientsByNameKeyAhead is ClientsByNameKey sent with the next statement
// (listAhead).
func (q *queries) ClientsByNameKeyAhead(ctx context.Context, keys []string, exclude int64, n int) func() ([]storage.Client, error) {
	keys = uniq(keys)
	if len(keys) == 0 {
		return func() ([]storage.Client, error) { return nil, nil }
	}
	var a args
	per := a.add(limit(n) + 1)
	var union strings.Builder
	for i, k := range keys {
		if i > 0 {
			union.WriteString(" UNION ")
		}
		fmt.Fprintf(&union, `SELECT client_id FROM (SELECT client_id FROM name_keys WHERE name_key = %s
			ORDER BY client_id DESC LIMIT %s) k%d`, a.add(k), per, i)
	}
	query := `SELECT ` + clientCols + ` FROM clients WHERE merged_into = 0 AND id <> ` + a.add(exclude) +
		` AND id IN (` + union.String() + `) ORDER BY id DESC LIMIT ` + a.add(limit(n))
	return listAhead(ctx, q, "clients by name key", query, a, scanClient)
}

const candidateCols = `id, client_a, client_b, reason, score, status, created_at`

func scanCandidate(r scanner) (storage.Candidate, error) {
	var c storage.Candidate
	var created int64
	err := r.Scan(&c.ID, &c.ClientA, &c.ClientB, &c.Reason, &c.Score, &c.Status, &created)
	c.CreatedAt = tm(created)
	return c, err
}

// UpsertCandidate records a pair, ordered so ClientA < ClientB. An existing
// pair keeps its status and takes the higher score together with the
// reason that came with it. c is filled with the stored row. It reports
// whether a new open candidate was created, which is when the hub tells a
// supervisor.
//
// It is two statements rather than one upsert because only "INSERT ... DO
// NOTHING RETURNING" tells, on both engines, whether the row is new. On
// PostgreSQL a concurrent insert of the same pair makes the INSERT wait for
// that transaction and then do nothing, and the UPDATE then sees its row.
func (q *queries) UpsertCandidate(ctx context.Context, c *storage.Candidate) (bool, error) {
	const op = "upsert candidate"
	if c.ClientA == c.ClientB {
		return false, errf(op, "client %d paired with itself", c.ClientA)
	}
	if c.ClientA > c.ClientB {
		c.ClientA, c.ClientB = c.ClientB, c.ClientA
	}
	if c.Status == "" {
		c.Status = storage.CandidateOpen
	}
	c.CreatedAt = orNow(c.CreatedAt)
	created := true
	var out storage.Candidate
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		out, err = one(ctx, q, op, `INSERT INTO duplicate_candidates (client_a, client_b, reason, score, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (client_a, client_b) DO NOTHING
			RETURNING `+candidateCols, []any{c.ClientA, c.ClientB, c.Reason, c.Score, c.Status, ms(c.CreatedAt)}, scanCandidate)
		if err == nil {
			return nil
		}
		if !noRows(err) {
			return err
		}
		created = false
		out, err = one(ctx, q, op, `UPDATE duplicate_candidates SET
			reason = CASE WHEN score < $3 THEN $4 ELSE reason END,
			score = CASE WHEN score < $3 THEN $3 ELSE score END
			WHERE client_a = $1 AND client_b = $2 RETURNING `+candidateCols,
			[]any{c.ClientA, c.ClientB, c.Score, c.Reason}, scanCandidate)
		return err
	})
	if err != nil {
		return false, err
	}
	*c = out
	return created && out.Status == storage.CandidateOpen, nil
}

// GetCandidate returns a candidate by id.
func (q *queries) GetCandidate(ctx context.Context, id int64) (storage.Candidate, error) {
	return one(ctx, q, "get candidate", `SELECT `+candidateCols+` FROM duplicate_candidates WHERE id = $1`,
		[]any{id}, scanCandidate)
}

// ListCandidates lists candidates involving clientID (any client when 0)
// with status (any when empty), highest score first.
func (q *queries) ListCandidates(ctx context.Context, clientID int64, status storage.CandidateStatus, n int) ([]storage.Candidate, error) {
	var a args
	var conds []string
	if clientID != 0 {
		p := a.add(clientID)
		conds = append(conds, "(client_a = "+p+" OR client_b = "+p+")")
	}
	if status != "" {
		conds = append(conds, "status = "+a.add(status))
	}
	query := `SELECT ` + candidateCols + ` FROM duplicate_candidates` + where(conds) +
		` ORDER BY score DESC, id LIMIT ` + a.add(limit(n))
	return list(ctx, q, "list candidates", query, a, scanCandidate)
}

// SetCandidateStatus sets a candidate's status (a supervisor dismissing or
// merging it).
func (q *queries) SetCandidateStatus(ctx context.Context, id int64, s storage.CandidateStatus) error {
	return q.execOne(ctx, "set candidate status", `UPDATE duplicate_candidates SET status = $2 WHERE id = $1`, id, s)
}
