package sqldb

import (
	"context"
	"slices"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

const managerCols = `id, login, name, password_hash, role, presence, presence_at, capacity,
	load, phone, mailbox, disabled, last_assigned_at, created_at`

func scanManager(r scanner) (storage.Manager, error) {
	var m storage.Manager
	var presenceAt, lastAssigned, created int64
	err := r.Scan(&m.ID, &m.Login, &m.Name, &m.PasswordHash, &m.Role, &m.Presence, &presenceAt,
		&m.Capacity, &m.Load, &m.Phone, &m.Mailbox, &m.Disabled, &lastAssigned, &created)
	m.PresenceAt, m.LastAssignedAt, m.CreatedAt = tm(presenceAt), tm(lastAssigned), tm(created)
	return m, err
}

// CreateManager inserts m and sets its id; a taken login is
// storage.ErrConflict. An empty role or presence gets the default (agent,
// offline).
func (q *queries) CreateManager(ctx context.Context, m *storage.Manager) error {
	if m.Role == "" {
		m.Role = storage.RoleAgent
	}
	if m.Presence == "" {
		m.Presence = storage.Offline
	}
	m.CreatedAt = orNow(m.CreatedAt)
	m.PresenceAt, m.LastAssignedAt = norm(m.PresenceAt), norm(m.LastAssignedAt)
	err := q.ex.QueryRowContext(ctx, `INSERT INTO managers (login, name, password_hash, role, presence,
		presence_at, capacity, load, phone, mailbox, disabled, last_assigned_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		m.Login, m.Name, m.PasswordHash, m.Role, m.Presence, ms(m.PresenceAt), m.Capacity, m.Load,
		m.Phone, m.Mailbox, m.Disabled, ms(m.LastAssignedAt), ms(m.CreatedAt)).Scan(&m.ID)
	return q.wrap("create manager", err)
}

// GetManager returns a manager by id.
func (q *queries) GetManager(ctx context.Context, id int64) (storage.Manager, error) {
	return one(ctx, q, "get manager", `SELECT `+managerCols+` FROM managers WHERE id = $1`, []any{id}, scanManager)
}

// GetManagerByLogin returns a manager by login.
func (q *queries) GetManagerByLogin(ctx context.Context, login string) (storage.Manager, error) {
	return one(ctx, q, "get manager by login", `SELECT `+managerCols+` FROM managers WHERE login = $1`, []any{login}, scanManager)
}

// ListManagers lists all managers ordered by id.
func (q *queries) ListManagers(ctx context.Context) ([]storage.Manager, error) {
	return q.ListManagersAhead(ctx)()
}

// ListManagersAhead is ListManagers sent with the next statement
// (listAhead).
func (q *queries) ListManagersAhead(ctx context.Context) func() ([]storage.Manager, error) {
	return listAhead(ctx, q, "list managers", `SELECT `+managerCols+` FROM managers ORDER BY id`, nil, scanManager)
}

// UpdateManager writes name, role, capacity, phone, mailbox and disabled.
func (q *queries) UpdateManager(ctx context.Context, m storage.Manager) error {
	return q.execOne(ctx, "update manager", `UPDATE managers SET name = $2, role = $3, capacity = $4,
		phone = $5, mailbox = $6, disabled = $7 WHERE id = $1`,
		m.ID, m.Name, m.Role, m.Capacity, m.Phone, m.Mailbox, m.Disabled)
}

// SetPassword stores a new password hash.
func (q *queries) SetPassword(ctx context.Context, id int64, hash string) error {
	return q.execOne(ctx, "set password", `UPDATE managers SET password_hash = $2 WHERE id = $1`, id, hash)
}

// SetPresence records a presence change and its time.
func (q *queries) SetPresence(ctx context.Context, id int64, p storage.Presence, at time.Time) error {
	return q.execOne(ctx, "set presence", `UPDATE managers SET presence = $2, presence_at = $3 WHERE id = $1`,
		id, p, ms(at))
}

// ReserveCapacity is one conditional update, so the capacity check and the
// increment cannot be split by a concurrent writer on either engine: on
// PostgreSQL the second writer waits for the row lock and re-evaluates
// "load < capacity" against the committed load.
func (q *queries) ReserveCapacity(ctx context.Context, id int64, at time.Time) (bool, error) {
	n, err := q.exec(ctx, "reserve capacity", `UPDATE managers SET load = load + 1, last_assigned_at = $2
		WHERE id = $1 AND load < capacity`, id, ms(at))
	return n == 1, err
}

// LockManagers locks the managers' rows in id order (SELECT ... FOR UPDATE
// on PostgreSQL; SQLite's one writer needs nothing more than the read) and
// returns them as they are now.
func (q *queries) LockManagers(ctx context.Context, ids []int64) ([]storage.Manager, error) {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id == 0 })
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var a args
	return list(ctx, q, "lock managers", `SELECT `+managerCols+` FROM managers WHERE id IN (`+in(&a, ids)+`) ORDER BY id`+
		q.db.dialect.LockRows, a, scanManager)
}

// ReleaseCapacity decrements the load, not below zero.
func (q *queries) ReleaseCapacity(ctx context.Context, id int64) error {
	return q.execOneLater(ctx, "release capacity", `UPDATE managers
		SET load = CASE WHEN load > 0 THEN load - 1 ELSE 0 END WHERE id = $1`, id)
}

// CountManagers counts all managers (the first-run check).
func (q *queries) CountManagers(ctx context.Context) (int, error) {
	var n int
	err := q.ex.QueryRowContext(ctx, `SELECT COUNT(*) FROM managers`).Scan(&n)
	return n, q.wrap("count managers", err)
}
