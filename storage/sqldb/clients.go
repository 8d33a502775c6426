package sqldb

import (
	"context"
	"strings"

	"github.com/switchboard-hub/switchboard/storage"
)

const clientCols = `id, kind, name, company_id, owner_id, merged_into, created_at, updated_at`

func scanClient(r scanner) (storage.Client, error) {
	var c storage.Client
	var created, updated int64
	err := r.Scan(&c.ID, &c.Kind, &c.Name, &c.CompanyID, &c.OwnerID, &c.MergedInto, &created, &updated)
	c.CreatedAt, c.UpdatedAt = tm(created), tm(updated)
	return c, err
}

// searchText is what SearchClients matches: the name lower-cased in Go,
// because SQLite's lower() folds ASCII only and most names here are not.
func searchText(name string) string { return strings.ToLower(name) }

// CreateClient inserts c and sets its id. An empty kind is a person.
func (q *queries) CreateClient(ctx context.Context, c *storage.Client) error {
	prepareClient(c)
	return q.insertWithID(ctx, "create client", reservedClient, "clients", clientInsertCols, clientValues(c), &c.ID)
}

const clientInsertCols = `kind, name, search_text, company_id, owner_id, merged_into, created_at, updated_at`

// clientValues are a client's values for clientInsertCols.
func clientValues(c *storage.Client) []any {
	return []any{c.Kind, c.Name, searchText(c.Name), c.CompanyID, c.OwnerID, c.MergedInto, ms(c.CreatedAt), ms(c.UpdatedAt)}
}

// prepareClient fills a new client's defaults.
func prepareClient(c *storage.Client) {
	if c.Kind == "" {
		c.Kind = storage.Person
	}
	c.CreatedAt = orNow(c.CreatedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.UpdatedAt = norm(c.UpdatedAt)
}

// GetClient returns a client by id, merged or not.
func (q *queries) GetClient(ctx context.Context, id int64) (storage.Client, error) {
	return one(ctx, q, "get client", `SELECT `+clientCols+` FROM clients WHERE id = $1`, []any{id}, scanClient)
}

// UpdateClient writes kind, name, company and owner, and sets updated_at to
// c.UpdatedAt (now when zero).
func (q *queries) UpdateClient(ctx context.Context, c storage.Client) error {
	return q.execOneLater(ctx, "update client", `UPDATE clients SET kind = $2, name = $3, search_text = $4,
		company_id = $5, owner_id = $6, updated_at = $7 WHERE id = $1`,
		c.ID, c.Kind, c.Name, searchText(c.Name), c.CompanyID, c.OwnerID, ms(orNow(c.UpdatedAt)))
}

// likeEscaper escapes LIKE's wildcards so user text matches literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchClients finds clients not merged away, ordered by id and paged by
// AfterID. Text matches a substring of the name, case-insensitively;
// Identity matches a stored identity exactly. Both given must both match.
func (q *queries) SearchClients(ctx context.Context, cq storage.ClientQuery) ([]storage.Client, error) {
	var a args
	conds := []string{"merged_into = 0", "id > " + a.add(cq.AfterID)}
	if cq.Text != "" {
		// The pattern is built here rather than with || in SQL: PostgreSQL
		// cannot infer a parameter's type inside a concatenation.
		pattern := "%" + likeEscaper.Replace(searchText(cq.Text)) + "%"
		conds = append(conds, `search_text LIKE `+a.add(pattern)+` ESCAPE '\'`)
	}
	if cq.Identity != nil {
		conds = append(conds, `id IN (SELECT client_id FROM identities WHERE kind = `+a.add(cq.Identity.Kind)+
			` AND value = `+a.add(cq.Identity.Value)+`)`)
	}
	query := `SELECT ` + clientCols + ` FROM clients` + where(conds) + ` ORDER BY id LIMIT ` + a.add(limit(cq.Limit))
	return list(ctx, q, "search clients", query, a, scanClient)
}
