package faults

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage/postgres"
)

// TestPostgresRestartUnderLoad stops the daemon's PostgreSQL server while
// events keep arriving and starts it again. While it is down /readyz says
// 503 and every hook answers 503 with Retry-After — never a 500, never a
// 2xx for an event that is not stored — and the daemon recovers by itself
// when the server is back.
func TestPostgresRestartUnderLoad(t *testing.T) {
	pg := startPG(t)
	dir := t.TempDir()
	cfg := baseConfig(filepath.Join(dir, "data"), "")
	cfg.Storage.Driver = "postgres"
	cfg.Storage.URL = pg.URL()
	cfgPath := writeConfig(t, dir, cfg)
	tok := addAgent(t, cfgPath, "alice", 20)
	d := startProc(t, cfgPath, procOptions{})
	agent{d.URL, tok}.online(t)

	l := startLoader(d.URL, "pg", 3, 0)
	defer l.Stop()
	if err := poll(20*time.Second, func() bool { return l.Acked() >= 40 }); err != nil {
		t.Fatalf("no load before the stop: %v", err)
	}

	pg.Stop()
	if err := poll(15*time.Second, func() bool { return readyz(d.URL) == http.StatusServiceUnavailable }); err != nil {
		t.Fatalf("/readyz did not turn 503 with the database down: %v", err)
	}
	if err := poll(15*time.Second, func() bool { return l.Status(http.StatusServiceUnavailable) >= 20 }); err != nil {
		t.Fatalf("hooks did not answer 503 with the database down: %v", err)
	}

	pg.Start()
	if err := poll(30*time.Second, func() bool { return readyz(d.URL) == http.StatusOK }); err != nil {
		t.Fatalf("/readyz did not recover: %v", err)
	}
	before := l.Acked()
	if err := poll(30*time.Second, func() bool { return l.Acked() >= before+40 }); err != nil {
		t.Fatalf("hooks did not recover: %v", err)
	}
	l.Stop()
	for _, b := range l.Bad() {
		t.Errorf("answer breaking the contract: %s", b)
	}
	dups := l.RetryUnacked(t, d.URL, 30*time.Second)
	t.Logf("%d events posted, %d answered 503 while the database was down, %d of the refused were stored already",
		len(l.Sent()), l.Status(http.StatusServiceUnavailable), dups)
	d.Stop()

	st, err := postgres.Open(context.Background(), pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkAcknowledged(t, st.SQL(), l.AckedIDs(), l.Sent())
	checkAssignments(t, st.SQL())
}
