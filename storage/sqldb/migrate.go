package sqldb

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// migration is one embedded NNNN_name.sql file.
type migration struct {
	version int64
	name    string
	body    string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// loadMigrations reads the dialect's folder, ordered by version. A file
// that does not follow the naming rule is an error rather than skipped, so
// a typo cannot silently leave a migration out.
func (s *DB) loadMigrations() ([]migration, error) {
	if s.dialect.Migrations == nil {
		return nil, errf("migrate", "no migrations for %s", s.dialect.Name)
	}
	entries, err := fs.ReadDir(s.dialect.Migrations, ".")
	if err != nil {
		return nil, errf("migrate", "%w", err)
	}
	var out []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, errf("migrate", "unexpected file %q", e.Name())
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		body, err := fs.ReadFile(s.dialect.Migrations, e.Name())
		if err != nil {
			return nil, errf("migrate", "%w", err)
		}
		if len(out) > 0 && out[len(out)-1].version == v {
			return nil, errf("migrate", "duplicate version %d", v)
		}
		out = append(out, migration{version: v, name: m[2], body: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return int(a.version - b.version) })
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    applied_at BIGINT NOT NULL
)`

// Migrate applies pending migrations, each in its own transaction together
// with its row in schema_migrations. Each transaction first takes the
// dialect's migration lock and then re-checks the version, so two processes
// starting at once apply every migration exactly once.
func (s *DB) Migrate(ctx context.Context) error {
	migs, err := s.loadMigrations()
	if err != nil {
		return err
	}
	for _, m := range migs {
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration unless it is already recorded.
func (s *DB) apply(ctx context.Context, m migration) error {
	op := fmt.Sprintf("migrate %04d_%s", m.version, m.name)
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(op, err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect.MigrateLock != "" {
		if _, err := tx.ExecContext(ctx, s.dialect.MigrateLock); err != nil {
			return s.wrap(op, err)
		}
	}
	if _, err := tx.ExecContext(ctx, createMigrationsTable); err != nil {
		return s.wrap(op, err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return s.wrap(op, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.body); err != nil {
		return s.wrap(op, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		m.version, time.Now().UnixMilli()); err != nil {
		return s.wrap(op, err)
	}
	return s.wrap(op, tx.Commit())
}

// MigrationsPending reports whether any embedded migration is not yet
// applied. It only reads, so it is cheap enough for a readiness probe.
func (s *DB) MigrationsPending(ctx context.Context) (bool, error) {
	migs, err := s.loadMigrations()
	if err != nil {
		return false, err
	}
	var exists bool
	if err := s.sql.QueryRowContext(ctx, s.dialect.HasTable, "schema_migrations").Scan(&exists); err != nil {
		return false, s.wrap("migrations pending", err)
	}
	if !exists {
		return len(migs) > 0, nil
	}
	applied := map[int64]bool{}
	rows, err := s.sql.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return false, s.wrap("migrations pending", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return false, s.wrap("migrations pending", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return false, s.wrap("migrations pending", err)
	}
	for _, m := range migs {
		if !applied[m.version] {
			return true, nil
		}
	}
	return false, nil
}
