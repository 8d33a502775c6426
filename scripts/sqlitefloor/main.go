// Command sqlitefloor measures the floor the hub's SQLite ingest is
// compared with: single-row INSERTs, one per transaction, from several
// goroutines, on a database opened exactly as the daemon opens its own
// (storage/sqlite: WAL, synchronous=FULL, one connection, BEGIN
// IMMEDIATE). It is SQLite's counterpart of pgbench with a one-INSERT
// script; scripts/perf.sh runs both.
//
//	go run ./scripts/sqlitefloor --concurrency 8 --duration 20s --json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-hub/switchboard/storage/sqlite"
)

// result is what one run measured.
type result struct {
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"duration_s"`
	Inserts     int64   `json:"inserts"`
	PerSec      float64 `json:"inserts_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
}

func main() {
	conc := flag.Int("concurrency", 8, "goroutines inserting at once")
	dur := flag.Duration("duration", 20*time.Second, "how long to insert")
	dir := flag.String("dir", "", "directory for the database file (default: a temporary one, removed after)")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	r, err := measure(*conc, *dur, *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlitefloor:", err)
		os.Exit(1)
	}
	if *asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	fmt.Printf("%d single-row insert transactions in %.1fs from %d goroutines: %.1f/s (p50 %.2fms, p99 %.2fms)\n",
		r.Inserts, r.Seconds, r.Concurrency, r.PerSec, r.P50ms, r.P99ms)
}

func measure(conc int, dur time.Duration, dir string) (result, error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "sqlitefloor-")
		if err != nil {
			return result{}, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "floor.db"))
	if err != nil {
		return result{}, err
	}
	defer st.Close()
	db := st.SQL()
	// The row is about the size of a stored message row.
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY AUTOINCREMENT,
		payload TEXT NOT NULL, created_at BIGINT NOT NULL)`); err != nil {
		return result{}, err
	}

	var n atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr atomic.Value
	deadline := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			local := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				tx, err := db.BeginTx(ctx, nil)
				if err == nil {
					_, err = tx.ExecContext(ctx, `INSERT INTO floor (payload, created_at) VALUES ($1, $2)`,
						"Hello, is my order on its way?", t0.UnixMilli())
					if err == nil {
						err = tx.Commit()
					} else {
						_ = tx.Rollback()
					}
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				local = append(local, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, ok := firstErr.Load().(error); ok {
		return result{}, err
	}
	slices.Sort(lat)
	r := result{Concurrency: conc, Seconds: elapsed.Seconds(), Inserts: n.Load(), PerSec: float64(n.Load()) / elapsed.Seconds()}
	if len(lat) > 0 {
		r.P50ms = float64(lat[len(lat)/2].Microseconds()) / 1000
		r.P99ms = float64(lat[len(lat)*99/100].Microseconds()) / 1000
	}
	return r, nil
}
