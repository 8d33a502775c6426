package sqldb

import (
	"context"
	"strings"

	"github.com/switchboard-hub/switchboard/storage"
)

const identityCols = `client_id, kind, value, weak, created_at`

func scanIdentity(r scanner) (storage.Identity, error) {
	var id storage.Identity
	var created int64
	err := r.Scan(&id.ClientID, &id.Kind, &id.Value, &id.Weak, &created)
	id.CreatedAt = tm(created)
	return id, err
}

// emailDomain is the lower-cased part of an email after its last '@'.
func emailDomain(kind, value string) string {
	if kind != "email" {
		return ""
	}
	at := strings.LastIndexByte(value, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(value[at+1:])
}

// FindIdentities returns the stored identities among ids, in the order
// asked, each with its owner.
func (q *queries) FindIdentities(ctx context.Context, ids []storage.Identity) ([]storage.Identity, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var a args
	conds := make([]string, len(ids))
	for i, id := range ids {
		conds[i] = "(kind = " + a.add(id.Kind) + " AND value = " + a.add(id.Value) + ")"
	}
	found, err := list(ctx, q, "find identities", `SELECT `+identityCols+` FROM identities WHERE `+
		strings.Join(conds, " OR "), a, scanIdentity)
	if err != nil {
		return nil, err
	}
	type key struct{ kind, value string }
	byKey := make(map[key]storage.Identity, len(found))
	for _, f := range found {
		byKey[key{f.Kind, f.Value}] = f
	}
	var out []storage.Identity
	for _, id := range ids {
		k := key{id.Kind, id.Value}
		if f, ok := byKey[k]; ok {
			out = append(out, f)
			delete(byKey, k) // asked twice, returned once
		}
	}
	return out, nil
}

// AddIdentity stores id unless (kind, value) is taken, reporting whether
// it did. The first writer wins, so two concurrent inbound events for the
// same phone cannot both attach it to different clients.
func (q *queries) AddIdentity(ctx context.Context, id storage.Identity) (bool, error) {
	n, err := q.exec(ctx, "add identity", `INSERT INTO identities (kind, value, client_id, weak, domain, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, value) DO NOTHING`,
		id.Kind, id.Value, id.ClientID, id.Weak, emailDomain(id.Kind, id.Value), ms(orNow(id.CreatedAt)))
	return n == 1, err
}

// ClientIdentities lists a client's identities, oldest first.
func (q *queries) ClientIdentities(ctx context.Context, clientID int64) ([]storage.Identity, error) {
	return list(ctx, q, "client identities", `SELECT `+identityCols+` FROM identities WHERE client_id = $1
		ORDER BY created_at, kind, value`, []any{clientID}, scanIdentity)
}

// ClientsByEmailDomain lists ids of clients not merged away holding an
// email identity at domain, ascending.
func (q *queries) ClientsByEmailDomain(ctx context.Context, domain string, exclude int64, n int) ([]int64, error) {
	return q.ClientsByEmailDomainAhead(ctx, domain, exclude, n)()
}

// ClientsByEmailDomainAhead is ClientsByEmailDomain sent with the next
// statement (listAhead).
func (q *queries) ClientsByEmailDomainAhead(ctx context.Context, domain string, exclude int64, n int) func() ([]int64, error) {
	return listAhead(ctx, q, "clients by email domain", `SELECT DISTINCT i.client_id FROM identities i
		JOIN clients c ON c.id = i.client_id
		WHERE i.domain = $1 AND i.domain <> '' AND i.client_id <> $2 AND c.merged_into = 0
		ORDER BY i.client_id LIMIT $3`, []any{strings.ToLower(domain), exclude, limit(n)}, scanInt64)
}
