package sqldb

import (
	"context"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

func scanSession(r scanner) (storage.Session, error) {
	var s storage.Session
	var created, expires int64
	err := r.Scan(&s.TokenHash, &s.ManagerID, &s.CSRFToken, &created, &expires)
	s.CreatedAt, s.ExpiresAt = tm(created), tm(expires)
	return s, err
}

// CreateSession stores a login session.
func (q *queries) CreateSession(ctx context.Context, s storage.Session) error {
	_, err := q.exec(ctx, "create session", `INSERT INTO sessions (token_hash, manager_id, csrf_token,
		created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		s.TokenHash, s.ManagerID, s.CSRFToken, ms(orNow(s.CreatedAt)), ms(s.ExpiresAt))
	return err
}

// GetSession returns a session that has not expired at now; an expired one
// is storage.ErrNotFound, like a missing one.
func (q *queries) GetSession(ctx context.Context, tokenHash string, now time.Time) (storage.Session, error) {
	return one(ctx, q, "get session", `SELECT token_hash, manager_id, csrf_token, created_at, expires_at
		FROM sessions WHERE token_hash = $1 AND expires_at > $2`, []any{tokenHash, ms(now)}, scanSession)
}

// DeleteSession deletes a session (logout); a missing one is not an error.
func (q *queries) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := q.exec(ctx, "delete session", `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return err
}

// DeleteManagerSessions logs a manager out everywhere.
func (q *queries) DeleteManagerSessions(ctx context.Context, managerID int64) error {
	_, err := q.exec(ctx, "delete manager sessions", `DELETE FROM sessions WHERE manager_id = $1`, managerID)
	return err
}

// DeleteExpiredSessions deletes sessions expired at now, returning how many.
func (q *queries) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	return q.exec(ctx, "delete expired sessions", `DELETE FROM sessions WHERE expires_at <= $1`, ms(now))
}

const apiTokenCols = `id, manager_id, name, token_hash, created_at, last_used_at`

func scanAPIToken(r scanner) (storage.APIToken, error) {
	var t storage.APIToken
	var created, used int64
	err := r.Scan(&t.ID, &t.ManagerID, &t.Name, &t.TokenHash, &created, &used)
	t.CreatedAt, t.LastUsedAt = tm(created), tm(used)
	return t, err
}

// CreateAPIToken stores t and sets its id.
func (q *queries) CreateAPIToken(ctx context.Context, t *storage.APIToken) error {
	t.CreatedAt, t.LastUsedAt = orNow(t.CreatedAt), norm(t.LastUsedAt)
	err := q.ex.QueryRowContext(ctx, `INSERT INTO api_tokens (manager_id, name, token_hash, created_at,
		last_used_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		t.ManagerID, t.Name, t.TokenHash, ms(t.CreatedAt), ms(t.LastUsedAt)).Scan(&t.ID)
	return q.wrap("create api token", err)
}

// GetAPITokenByHash returns the token with this hash.
func (q *queries) GetAPITokenByHash(ctx context.Context, tokenHash string) (storage.APIToken, error) {
	return one(ctx, q, "get api token", `SELECT `+apiTokenCols+` FROM api_tokens WHERE token_hash = $1`,
		[]any{tokenHash}, scanAPIToken)
}

// GetAPITokenOwner returns the token with this hash and its manager.
func (q *queries) GetAPITokenOwner(ctx context.Context, tokenHash string) (storage.APIToken, storage.Manager, error) {
	p, err := one(ctx, q, "get api token", `SELECT `+prefixed("t.", apiTokenCols)+`, `+prefixed("m.", managerCols)+`
		FROM api_tokens t JOIN managers m ON m.id = t.manager_id WHERE t.token_hash = $1`,
		[]any{tokenHash}, scanPair(scanAPIToken, scanManager))
	return p.a, p.b, err
}

// GetSessionOwner returns an unexpired session and its manager.
func (q *queries) GetSessionOwner(ctx context.Context, tokenHash string, now time.Time) (storage.Session, storage.Manager, error) {
	p, err := one(ctx, q, "get session", `SELECT s.token_hash, s.manager_id, s.csrf_token, s.created_at, s.expires_at, `+
		prefixed("m.", managerCols)+`
		FROM sessions s JOIN managers m ON m.id = s.manager_id WHERE s.token_hash = $1 AND s.expires_at > $2`,
		[]any{tokenHash, ms(now)}, scanPair(scanSession, scanManager))
	return p.a, p.b, err
}

// ListAPITokens lists a manager's tokens ordered by id.
func (q *queries) ListAPITokens(ctx context.Context, managerID int64) ([]storage.APIToken, error) {
	return list(ctx, q, "list api tokens", `SELECT `+apiTokenCols+` FROM api_tokens WHERE manager_id = $1
		ORDER BY id`, []any{managerID}, scanAPIToken)
}

// DeleteAPIToken deletes a token of this manager; another manager's token
// is storage.ErrNotFound, so one cannot delete what one does not own.
func (q *queries) DeleteAPIToken(ctx context.Context, managerID, id int64) error {
	return q.execOne(ctx, "delete api token", `DELETE FROM api_tokens WHERE id = $1 AND manager_id = $2`, id, managerID)
}

// TouchAPIToken records the token's last use.
func (q *queries) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	return q.execOne(ctx, "touch api token", `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, ms(at))
}
