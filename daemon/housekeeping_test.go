package daemon

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

func TestHousekeeping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.SQLite(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, age := range []time.Duration{40 * 24 * time.Hour, 31 * 24 * time.Hour, time.Hour} {
		if err := st.AppendEvent(ctx, &storage.Event{Type: "dialog.created", At: now.Add(-age), Data: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	m := storage.Manager{Login: "m", Role: storage.RoleAgent, CreatedAt: now}
	if err := st.CreateManager(ctx, &m); err != nil {
		t.Fatal(err)
	}
	for i, exp := range []time.Time{now.Add(-time.Minute), now.Add(time.Hour)} {
		if err := st.CreateSession(ctx, storage.Session{TokenHash: string(rune('a' + i)), ManagerID: m.ID, CSRFToken: "x", CreatedAt: now, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	h := &housekeeping{store: st, retention: 30 * 24 * time.Hour, every: time.Hour, log: slog.Default()}
	h.once(ctx, now)
	evs, _ := st.EventsAfter(ctx, 0, 10)
	if len(evs) != 1 || evs[0].ID != 3 {
		t.Fatalf("events left = %+v, want only the recent one", evs)
	}
	if _, err := st.GetSession(ctx, "a", now.Add(-time.Hour)); err == nil {
		t.Fatal("expired session kept")
	}
	if _, err := st.GetSession(ctx, "b", now); err != nil {
		t.Fatalf("live session deleted: %v", err)
	}
}
