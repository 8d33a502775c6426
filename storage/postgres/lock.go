package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-hub/switchboard/storage"
)

// locker takes session advisory locks, each on a connection of its own.
// A session lock lives exactly as long as its connection, so releasing is
// closing the connection, and a replica that dies loses its locks with its
// connections, letting another replica take over the poller.
//
// The connections are not taken from the pool: a held lock may last for
// the life of the process and must not starve the pool.
type locker struct {
	cfg *pgx.ConnConfig
	ns  string
}

// TryLock takes the named lock if no session holds it. The lock is held
// until release is called or ctx ends. If the lock's connection breaks
// the lock is gone as well; a poller guarding work with it should
// therefore also re-check periodically (TryLock again after releasing).
func (l *locker) TryLock(ctx context.Context, name string) (func(), bool, error) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, false, wrap("try lock", err)
	}
	closeConn := func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}
	key := lockKey(l.ns, name)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		closeConn()
		return nil, false, wrap("try lock", err)
	}
	if !ok {
		closeConn()
		return nil, false, nil
	}
	// Releasing unlocks explicitly before closing: the server drops a
	// closed session's locks only when its backend has exited, and a
	// replica that released must be able to count on the lock being free.
	done := make(chan struct{})
	var once sync.Once
	release := func() {
		once.Do(func() {
			close(done)
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, _ = conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key)
			cancel()
			closeConn()
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			release()
		case <-done:
		}
	}()
	return release, true, nil
}

// wrap formats an error of this package's own queries like sqldb's.
func wrap(op string, err error) error {
	if c := classify(err); c != nil {
		return fmt.Errorf("postgres: %s: %w: %w", op, c, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

var _ storage.Locker = (*locker)(nil)
