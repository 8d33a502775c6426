package daemon

import (
	"context"
	"log/slog"
	"time"
)

// housekeepingStore is what periodic maintenance needs of the store.
type housekeepingStore interface {
	TrimEvents(ctx context.Context, before time.Time) (int64, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}

// housekeeping trims the event log to its retention and deletes expired
// console sessions. Consoles and webhooks resume from the log, so the
// retention is how long a disconnected consumer may stay away and still
// catch up; one that was away longer is told to reload (stream.reset).
type housekeeping struct {
	store     housekeepingStore
	retention time.Duration
	every     time.Duration
	log       *slog.Logger
}

// Run works once at start and then every period until ctx ends.
func (h *housekeeping) Run(ctx context.Context) error {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		h.once(ctx, time.Now().UTC())
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (h *housekeeping) once(ctx context.Context, now time.Time) {
	if h.retention > 0 {
		n, err := h.store.TrimEvents(ctx, now.Add(-h.retention))
		if err != nil && ctx.Err() == nil {
			h.log.Error("trim event log", "err", err)
		} else if n > 0 {
			h.log.Info("event log trimmed", "deleted", n)
		}
	}
	if _, err := h.store.DeleteExpiredSessions(ctx, now); err != nil && ctx.Err() == nil {
		h.log.Error("delete expired sessions", "err", err)
	}
}
