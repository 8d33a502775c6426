package router

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// A batch writes into open dialogs before it takes managers' rows for its
// new clients' dialogs. Closing a dialog locks the dialog, then its
// manager; a batch holding that manager while it waited for the dialog
// would deadlock with the close, stalling every queued event until
// PostgreSQL's deadlock check (1 s) broke the tie.
func TestBatchLocksDialogsBeforeManagers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := storetest.PostgresURL(t)
	e := newGroupEnvOn(t, storetest.OpenPostgres(t, url), 1, nil)
	m := e.onlineManager(ctx)
	first, err := e.r.Ingest(ctx, phoneEvent("a0", "+79000000001", "Анна Смирнова"))
	if err != nil {
		t.Fatal(err)
	}
	if d := mustDialog(t, e.st, first.DialogID); d.AssigneeID != m.ID {
		t.Fatalf("first dialog assigned to %d, want %d", d.AssigneeID, m.ID)
	}

	// A close's first step: the dialog's row, locked.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	closing, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closing.Rollback(context.Background())
	if _, err := closing.Exec(ctx, `SELECT id FROM dialogs WHERE id = $1 FOR UPDATE`, first.DialogID); err != nil {
		t.Fatal(err)
	}

	done := make(chan map[string]result, 1)
	go func() {
		done <- e.batchEvents(phoneEvent("a1", "+79000000001", "Анна Смирнова"), phoneEvent("n1", "+79000000009", "Новый Клиент"))
	}()
	// The batch reaches the dialog and waits for it.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		if err := closing.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the batch never waited for the locked dialog")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The close's second step: the manager's row, free.
	if _, err := closing.Exec(ctx, `SELECT id FROM managers WHERE id = $1 FOR UPDATE NOWAIT`, m.ID); err != nil {
		t.Errorf("the batch holds the manager's row while it waits for the dialog: %v", err)
	}
	if err := closing.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	res := <-done
	for _, id := range []string{"a1", "n1"} {
		if res[id].err != nil {
			t.Fatalf("%s: %v", id, res[id].err)
		}
	}
	if res["a1"].rc.DialogID != first.DialogID {
		t.Errorf("a1 went to dialog %d, want the open %d", res["a1"].rc.DialogID, first.DialogID)
	}
	if d := mustDialog(t, e.st, res["n1"].rc.DialogID); d.AssigneeID != m.ID {
		t.Errorf("the new client's dialog assigned to %d, want %d", d.AssigneeID, m.ID)
	}
}

func mustDialog(t *testing.T, st storage.Store, id int64) storage.Dialog {
	t.Helper()
	d, err := st.GetDialog(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
