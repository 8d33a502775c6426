package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// The whole tool against its in-process daemon on SQLite: the warm-up
// makes the known clients known, so the clients stored after the run are
// exactly the known ones and those the report counts as new, and the run
// itself creates only the share of new clients asked for.
func TestRunInProcessMix(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	var out, errOut bytes.Buffer
	args := []string{"--inprocess", "sqlite", "--keep", "--json", "--quiet", "--rate", "0", "--duration", "2s",
		"--concurrency", "4", "--clients", "40", "--new-ratio", "0.3", "--dup-ratio", "0.05", "--consoles", "2", "--managers", "2", "--seed", "7"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	dir := strings.TrimPrefix(rep.Target, "in-process sqlite ")
	t.Cleanup(func() { os.RemoveAll(dir) })
	if len(rep.Errors) > 0 || rep.Accepted == 0 || rep.Latency.Count == 0 {
		t.Fatalf("accepted %d, latencies %d, errors %v", rep.Accepted, rep.Latency.Count, rep.Errors)
	}
	if rep.Settings["warm"] != true {
		t.Errorf("settings warm = %v", rep.Settings["warm"])
	}
	// The warm-up's events are not the run's.
	if rep.Latency.Count > rep.Accepted {
		t.Errorf("%d latencies for %d accepted events", rep.Latency.Count, rep.Accepted)
	}
	fresh := rep.Sent - rep.Duplicates
	if share := float64(rep.NewClients) / float64(fresh); share < 0.2 || share > 0.4 {
		t.Errorf("%d of %d fresh events from new clients, want about 30%%", rep.NewClients, fresh)
	}

	db, err := sql.Open("sqlite", filepath.Join(dir, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var clients int
	if err := db.QueryRow(`SELECT count(*) FROM clients`).Scan(&clients); err != nil {
		t.Fatal(err)
	}
	if want := 40 + rep.NewClients; clients != want {
		t.Errorf("%d clients stored, want the 40 known ones and %d new ones", clients, rep.NewClients)
	}
	// One warm-up message from each known client before the run.
	var warm, inbound int64
	err = db.QueryRow(`SELECT count(*) FILTER (WHERE external_id LIKE '%-warm-%'), count(*) FROM messages WHERE direction = 'in'`).Scan(&warm, &inbound)
	if err != nil {
		t.Fatal(err)
	}
	if warm != 40 || inbound != 40+rep.Accepted {
		t.Errorf("%d warm-up and %d inbound messages stored, want 40 and 40 + %d", warm, inbound, rep.Accepted)
	}
}
