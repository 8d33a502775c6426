package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/postgres"
	"github.com/switchboard-hub/switchboard/storage/sqlite"
)

// OpenStore opens the configured database and applies migrations.
func OpenStore(ctx context.Context, cfg Config) (storage.Store, error) {
	var st storage.Store
	switch cfg.Storage.Driver {
	case "sqlite":
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "switchboard.db"))
		if err != nil {
			return nil, err
		}
		st = db
	case "postgres":
		db, err := postgres.Open(ctx, cfg.Storage.URL)
		if err != nil {
			return nil, err
		}
		st = db
	default:
		return nil, fmt.Errorf("storage.driver %q: use sqlite or postgres", cfg.Storage.Driver)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
