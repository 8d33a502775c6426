package sqldb

import "context"

// GetState returns the value under (scope, key), or storage.ErrNotFound.
func (q *queries) GetState(ctx context.Context, scope, key string) (string, error) {
	var v string
	err := q.ex.QueryRowContext(ctx, `SELECT value FROM channel_state WHERE scope = $1 AND key = $2`, scope, key).Scan(&v)
	return v, q.wrap("get state", err)
}

// SetState stores value under (scope, key), replacing any previous one.
func (q *queries) SetState(ctx context.Context, scope, key, value string) error {
	_, err := q.exec(ctx, "set state", `INSERT INTO channel_state (scope, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value`, scope, key, value)
	return err
}
