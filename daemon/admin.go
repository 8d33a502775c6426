package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// PasswordParams returns the argon2id costs the configuration asks for.
func PasswordParams(cfg Config) auth.Params {
	p := auth.DefaultParams
	if cfg.Auth.Argon2Memory > 0 {
		p.Memory = cfg.Auth.Argon2Memory
	}
	if cfg.Auth.Argon2Time > 0 {
		p.Time = cfg.Auth.Argon2Time
	}
	return p
}

// CreateManager adds a manager with a password.
func CreateManager(ctx context.Context, st storage.Store, cfg Config, login, name string, role storage.Role, capacity int, password string) (storage.Manager, error) {
	hash, err := auth.HashPassword(password, PasswordParams(cfg))
	if err != nil {
		return storage.Manager{}, err
	}
	if name == "" {
		name = login
	}
	m := storage.Manager{Login: login, Name: name, PasswordHash: hash, Role: role, Capacity: capacity,
		Presence: storage.Offline, CreatedAt: time.Now().UTC()}
	if err := st.CreateManager(ctx, &m); err != nil {
		return storage.Manager{}, fmt.Errorf("create manager %s: %w", login, err)
	}
	return m, nil
}

// EnsureAdmin creates the first admin on an empty database and prints its
// one-time password once.
func EnsureAdmin(ctx context.Context, st storage.Store, cfg Config, out io.Writer) error {
	n, err := st.CountManagers(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw := auth.RandomToken(12)
	if _, err := CreateManager(ctx, st, cfg, "admin", "Administrator", storage.RoleAdmin, 5, pw); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil // another replica created it first
		}
		return err
	}
	fmt.Fprintf(out, "\n  First start: created manager \"admin\" with password %s\n  (shown once; change it with: switchboard agent passwd admin)\n\n", pw)
	return nil
}
