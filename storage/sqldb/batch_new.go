package sqldb

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// The statements here write a batch's new clients: their records,
// identities, name keys, candidates and dialogs, each kind in one
// statement per chunk.

// insertWithIDs inserts items with one multi-row INSERT per chunk (head
// is "INSERT INTO table (columns)", values an item's row) and gives each
// item the id its row got. The rows take their ids from the table's
// sequence in VALUES order, so the ids sorted ascending are the rows' ids
// in order, whatever order RETURNING lists them in and whatever other
// writers take from the sequence meanwhile.
func insertWithIDs[T any](ctx context.Context, q *queries, op, head string, items []T, values func(T) []any, setID func(T, int64)) error {
	return q.atomic(ctx, func(q *queries) error {
		return chunks(len(items), func(lo, hi int) error {
			var a args
			rows := make([]string, 0, hi-lo)
			for _, it := range items[lo:hi] {
				rows = append(rows, a.row(values(it)...))
			}
			ids, err := list(ctx, q, op, head+` VALUES `+strings.Join(rows, ", ")+` RETURNING id`, a, scanInt64)
			if err != nil {
				return err
			}
			if len(ids) != hi-lo {
				return errf(op, "inserted %d rows of %d", len(ids), hi-lo)
			}
			slices.Sort(ids)
			for i, it := range items[lo:hi] {
				setID(it, ids[i])
			}
			return nil
		})
	})
}

// CreateClients inserts the clients and sets their ids.
func (q *queries) CreateClients(ctx context.Context, cs []*storage.Client) error {
	return insertWithIDs(ctx, q, "create clients", `INSERT INTO clients (`+clientInsertCols+`)`, cs,
		func(c *storage.Client) []any { prepareClient(c); return clientValues(c) },
		func(c *storage.Client, id int64) { c.ID = id })
}

// SetClientOwners sets the owners of clients, by client id.
func (q *queries) SetClientOwners(ctx context.Context, owners map[int64]int64, at time.Time) error {
	return updateByID(ctx, q, "set client owners", "clients", owners, "BIGINT",
		func(byID string) string { return "owner_id = " + byID }, "updated_at", at)
}

// updateByID writes, in one statement per chunk, every row of table whose
// id is a key of vals: set gets the per-id CASE of its value, and timeCol
// is set to at. Rows are written in id order, so writers lock them in one
// order; a missing id is storage.ErrNotFound.
func updateByID[V any](ctx context.Context, q *queries, op, table string, vals map[int64]V, sqlType string,
	set func(byID string) string, timeCol string, at time.Time) error {
	ids := slices.Sorted(maps.Keys(vals))
	return chunks(len(ids), func(lo, hi int) error {
		var a args
		vs := make([]V, 0, hi-lo)
		for _, id := range ids[lo:hi] {
			vs = append(vs, vals[id])
		}
		n, err := q.exec(ctx, op, `UPDATE `+table+` SET `+set(caseByID(&a, ids[lo:hi], vs, sqlType))+`,
			`+timeCol+` = `+a.add(ms(orNow(at)))+` WHERE id IN (`+in(&a, ids[lo:hi])+`)`, a...)
		if err == nil && n != int64(hi-lo) {
			return notFound(op)
		}
		return err
	})
}

// AddIdentities stores identities, each unless its (kind, value) is taken.
// Rows are written in (kind, value) order: on PostgreSQL an insert waits
// for another transaction holding the same value, and two transactions
// waiting for each other's values would deadlock if they went in different
// orders.
func (q *queries) AddIdentities(ctx context.Context, ids []storage.Identity) ([]bool, error) {
	order := identityOrder(ids)
	added := make([]bool, len(ids))
	err := q.atomic(ctx, func(q *queries) error {
		return chunks(len(order), func(lo, hi int) error {
			ins := identitiesInsert(ids, order[lo:hi])
			got, err := list(ctx, q, ins.op, ins.query, ins.args, scanIdentityKey)
			ins.mark(added, got)
			return err
		})
	})
	return added, err
}

// AddIdentitiesAhead is AddIdentities sent with the next statement
// (listAhead), when one statement holds them all.
func (q *queries) AddIdentitiesAhead(ctx context.Context, ids []storage.Identity) func() ([]bool, error) {
	if len(ids) == 0 || len(ids) > maxBatchRows {
		added, err := q.AddIdentities(ctx, ids)
		return func() ([]bool, error) { return added, err }
	}
	ins := identitiesInsert(ids, identityOrder(ids))
	read := listAhead(ctx, q, ins.op, ins.query, ins.args, scanIdentityKey)
	return func() ([]bool, error) {
		got, err := read()
		added := make([]bool, len(ids))
		ins.mark(added, got)
		return added, err
	}
}

// identityOrder lists the indexes of ids in (kind, value) order.
func identityOrder(ids []storage.Identity) []int {
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		return strings.Compare(ids[i].Kind+"\x00"+ids[i].Value, ids[j].Kind+"\x00"+ids[j].Value)
	})
	return order
}

// identityKey is an identity's (kind, value).
type identityKey struct{ kind, value string }

func scanIdentityKey(r scanner) (identityKey, error) {
	var k identityKey
	return k, r.Scan(&k.kind, &k.value)
}

// identityInsert is the statement adding some identities, returning the
// keys of those it added.
type identityInsert struct {
	op, query string
	args      args
	// at is the index in the caller's slice of each key inserted.
	at map[identityKey]int
}

// identitiesInsert is the statement adding ids[i] for each i of order,
// the first of a value given twice.
func identitiesInsert(ids []storage.Identity, order []int) identityInsert {
	ins := identityInsert{op: "add identities", at: make(map[identityKey]int, len(order))}
	rows := make([]string, 0, len(order))
	for _, i := range order {
		id := ids[i]
		k := identityKey{id.Kind, id.Value}
		if _, twice := ins.at[k]; twice {
			continue // the first of a value wins, as with AddIdentity
		}
		ins.at[k] = i
		rows = append(rows, ins.args.row(id.Kind, id.Value, id.ClientID, id.Weak, emailDomain(id.Kind, id.Value),
			ms(orNow(id.CreatedAt))))
	}
	ins.query = `INSERT INTO identities (kind, value, client_id, weak, domain, created_at)
		VALUES ` + strings.Join(rows, ", ") + ` ON CONFLICT (kind, value) DO NOTHING RETURNING kind, value`
	return ins
}

// mark sets added[i] for each key of got, the statement's answer.
func (ins identityInsert) mark(added []bool, got []identityKey) {
	for _, k := range got {
		added[ins.at[k]] = true
	}
}

// NameKeyClients reads, for each key, the newest clients not merged away
// that have it, with bounded index scans as ClientsByNameKey does.
func (q *queries) NameKeyClients(ctx context.Context, keys []string, n int) (map[string][]storage.Client, error) {
	keys = uniq(keys)
	out := make(map[string][]storage.Client, len(keys))
	type keyed struct {
		key string
		c   storage.Client
	}
	err := chunks(len(keys), func(lo, hi int) error {
		var a args
		per := a.add(limit(n))
		parts := make([]string, 0, hi-lo)
		for i, k := range keys[lo:hi] {
			// Merged clients are filtered in the scan, so each key still
			// gives up to n live ones.
			parts = append(parts, `SELECT * FROM (SELECT k.name_key, `+prefixed("c.", clientCols)+`
				FROM name_keys k JOIN clients c ON c.id = k.client_id
				WHERE k.name_key = `+a.add(k)+` AND c.merged_into = 0
				ORDER BY k.client_id DESC LIMIT `+per+`) s`+strconv.Itoa(i))
		}
		got, err := list(ctx, q, "name key clients", strings.Join(parts, " UNION ALL "), a, func(r scanner) (keyed, error) {
			var x keyed
			var created, updated int64
			err := r.Scan(&x.key, &x.c.ID, &x.c.Kind, &x.c.Name, &x.c.CompanyID, &x.c.OwnerID, &x.c.MergedInto,
				&created, &updated)
			x.c.CreatedAt, x.c.UpdatedAt = tm(created), tm(updated)
			return x, err
		})
		for _, x := range got {
			out[x.key] = append(out[x.key], x.c)
		}
		return err
	})
	return out, err
}

// AddNameKeys indexes name keys, keeping those a client has.
func (q *queries) AddNameKeys(ctx context.Context, keys []storage.NameKey) error {
	keys = slices.DeleteFunc(slices.Clone(keys), func(k storage.NameKey) bool { return k.Key == "" })
	slices.SortFunc(keys, func(x, y storage.NameKey) int {
		if x.ClientID != y.ClientID {
			return cmp.Compare(x.ClientID, y.ClientID)
		}
		return strings.Compare(x.Key, y.Key)
	})
	keys = slices.Compact(keys)
	return chunks(len(keys), func(lo, hi int) error {
		var a args
		rows := make([]string, 0, hi-lo)
		for _, k := range keys[lo:hi] {
			rows = append(rows, a.row(k.Key, k.ClientID))
		}
		return q.execLater(ctx, "add name keys", `INSERT INTO name_keys (name_key, client_id) VALUES `+
			strings.Join(rows, ", ")+` ON CONFLICT (name_key, client_id) DO NOTHING`, a...)
	})
}

// AddCandidates records pairs that are not recorded yet, reporting which
// it added; each is ordered so ClientA < ClientB and filled from its row.
func (q *queries) AddCandidates(ctx context.Context, cs []*storage.Candidate) ([]bool, error) {
	added := make([]bool, len(cs))
	err := q.atomic(ctx, func(q *queries) error {
		return chunks(len(cs), func(lo, hi int) error {
			ins, err := candidatesInsert(cs, lo, hi)
			if err != nil {
				return err
			}
			got, err := list(ctx, q, ins.op, ins.query, ins.args, scanCandidate)
			ins.fill(cs, added, got)
			return err
		})
	})
	return added, err
}

// AddCandidatesAhead is AddCandidates sent with the next statement
// (listAhead), when one statement holds them all.
func (q *queries) AddCandidatesAhead(ctx context.Context, cs []*storage.Candidate) func() ([]bool, error) {
	if len(cs) == 0 || len(cs) > maxBatchRows {
		added, err := q.AddCandidates(ctx, cs)
		return func() ([]bool, error) { return added, err }
	}
	ins, err := candidatesInsert(cs, 0, len(cs))
	if err != nil {
		return func() ([]bool, error) { return nil, err }
	}
	read := listAhead(ctx, q, ins.op, ins.query, ins.args, scanCandidate)
	return func() ([]bool, error) {
		got, err := read()
		added := make([]bool, len(cs))
		ins.fill(cs, added, got)
		return added, err
	}
}

type candidatePair struct{ a, b int64 }

// candidateInsert is the statement recording some candidates, returning
// the rows it added.
type candidateInsert struct {
	op, query string
	args      args
	// at is the index in the caller's slice of each pair inserted.
	at map[candidatePair]int
}

// candidatesInsert is the statement recording cs[lo:hi], each ordered so
// ClientA < ClientB and given its defaults.
func candidatesInsert(cs []*storage.Candidate, lo, hi int) (candidateInsert, error) {
	ins := candidateInsert{op: "add candidates", at: make(map[candidatePair]int, hi-lo)}
	rows := make([]string, 0, hi-lo)
	for i := lo; i < hi; i++ {
		c := cs[i]
		if c.ClientA == c.ClientB {
			return ins, errf(ins.op, "client %d paired with itself", c.ClientA)
		}
		if c.ClientA > c.ClientB {
			c.ClientA, c.ClientB = c.ClientB, c.ClientA
		}
		p := candidatePair{c.ClientA, c.ClientB}
		if _, twice := ins.at[p]; twice {
			continue
		}
		ins.at[p] = i
		if c.Status == "" {
			c.Status = storage.CandidateOpen
		}
		c.CreatedAt = orNow(c.CreatedAt)
		rows = append(rows, ins.args.row(c.ClientA, c.ClientB, c.Reason, c.Score, c.Status, ms(c.CreatedAt)))
	}
	ins.query = `INSERT INTO duplicate_candidates (client_a, client_b, reason, score, status, created_at)
		VALUES ` + strings.Join(rows, ", ") + ` ON CONFLICT (client_a, client_b) DO NOTHING RETURNING ` + candidateCols
	return ins, nil
}

// fill copies each row of got, the statement's answer, into its
// candidate and marks it added.
func (ins candidateInsert) fill(cs []*storage.Candidate, added []bool, got []storage.Candidate) {
	for _, c := range got {
		i := ins.at[candidatePair{c.ClientA, c.ClientB}]
		*cs[i], added[i] = c, true
	}
}

// CreateDialogs inserts the dialogs and sets their ids, with CreateDialog's
// defaults.
func (q *queries) CreateDialogs(ctx context.Context, ds []*storage.Dialog) error {
	return insertWithIDs(ctx, q, "create dialogs", `INSERT INTO dialogs (`+dialogInsertCols+`)`, ds,
		func(d *storage.Dialog) []any { prepareDialog(d); return dialogValues(d) },
		func(d *storage.Dialog, id int64) { d.ID = id })
}

// AddManagerLoads raises managers' load by the given counts and sets
// their last assignment time. Rows are written in id order, as
// LockManagers locks them.
func (q *queries) AddManagerLoads(ctx context.Context, adds map[int64]int, at time.Time) error {
	return updateByID(ctx, q, "add manager loads", "managers", adds, "INTEGER",
		func(byID string) string { return "load = load + " + byID }, "last_assigned_at", at)
}
