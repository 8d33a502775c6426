package faults

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// storedInbound counts stored inbound messages per external id on the test
// channel and returns their ids.
func storedInbound(t *testing.T, db *sql.DB) (count map[string]int, ids map[string]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT external_id, COUNT(*), MIN(id) FROM messages
		WHERE channel = $1 AND direction = 'in' GROUP BY external_id`, "api:"+channelName)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	count, ids = map[string]int{}, map[string]int64{}
	for rows.Next() {
		var ext string
		var n int
		var id int64
		if err := rows.Scan(&ext, &n, &id); err != nil {
			t.Fatal(err)
		}
		count[ext], ids[ext] = n, id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return count, ids
}

// checkAcknowledged asserts that every acknowledged event (external id →
// message id from its 2xx receipt) is stored exactly once, as that
// message, and that nothing else was stored on the channel beyond want
// (when want is not nil).
func checkAcknowledged(t *testing.T, db *sql.DB, acked map[string]int64, want map[string]bool) {
	t.Helper()
	count, ids := storedInbound(t, db)
	for ext, msgID := range acked {
		switch {
		case count[ext] == 0:
			t.Errorf("event %s was acknowledged (message %d) but is not stored", ext, msgID)
		case count[ext] > 1:
			t.Errorf("event %s is stored %d times", ext, count[ext])
		case ids[ext] != msgID:
			t.Errorf("event %s acknowledged as message %d but stored as %d", ext, msgID, ids[ext])
		}
	}
	if want != nil {
		for ext := range count {
			if !want[ext] {
				t.Errorf("stored an event nobody sent: %s", ext)
			}
		}
	}
}

// checkAssignments asserts the queue and the assignments are consistent:
// no dialog was handed out twice, every manager's load equals their open
// assigned dialogs and stays within capacity, and every open unassigned
// dialog is in a queue.
func checkAssignments(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := func(query string, scan func(*sql.Rows) error, args ...any) {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT dialog_id, COUNT(*) FROM events WHERE type = 'dialog.assigned' GROUP BY dialog_id HAVING COUNT(*) > 1`,
		func(r *sql.Rows) error {
			var id, n int64
			if err := r.Scan(&id, &n); err != nil {
				return err
			}
			t.Errorf("dialog %d was assigned %d times", id, n)
			return nil
		})
	q(`SELECT m.id, m.login, m.load, m.capacity,
			(SELECT COUNT(*) FROM dialogs d WHERE d.assignee_id = m.id AND d.status <> 'closed')
		FROM managers m`,
		func(r *sql.Rows) error {
			var id, load, capacity, open int64
			var login string
			if err := r.Scan(&id, &login, &load, &capacity, &open); err != nil {
				return err
			}
			if load != open {
				t.Errorf("manager %s: load %d but %d open assigned dialogs", login, load, open)
			}
			if load > capacity {
				t.Errorf("manager %s: load %d over capacity %d", login, load, capacity)
			}
			return nil
		})
	q(`SELECT id FROM dialogs WHERE status <> 'closed' AND assignee_id = 0 AND queued_at = 0`,
		func(r *sql.Rows) error {
			var id int64
			if err := r.Scan(&id); err != nil {
				return err
			}
			t.Errorf("dialog %d is open and unassigned but not queued", id)
			return nil
		})
	q(`SELECT d.id FROM dialogs d WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.dialog_id = d.id)`,
		func(r *sql.Rows) error {
			var id int64
			if err := r.Scan(&id); err != nil {
				return err
			}
			t.Errorf("dialog %d has no message: half of an ingest was committed", id)
			return nil
		})
}

// checkIntegrity runs SQLite's own check of the file's structure.
func checkIntegrity(t *testing.T, db *sql.DB) {
	t.Helper()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Errorf("integrity check: %s", res)
	}
}
