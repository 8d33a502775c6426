package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The pool's waits over a run come from two scrapes of /metrics, and an
// endpoint without them leaves the report without a pool section.
func TestScrapePool(t *testing.T) {
	t.Parallel()
	var scrape atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		waits, secs := "10", "0.5"
		if scrape.Add(1) > 1 {
			waits, secs = "510", "5.5"
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte(`# HELP switchboard_storage_pool_max_connections Connections the store's pool may open.
# TYPE switchboard_storage_pool_max_connections gauge
switchboard_storage_pool_max_connections 4
# TYPE switchboard_storage_pool_connections gauge
switchboard_storage_pool_connections{state="idle"} 3
switchboard_storage_pool_connections{state="in_use"} 1
# TYPE switchboard_storage_pool_waits_total counter
switchboard_storage_pool_waits_total ` + waits + `
# TYPE switchboard_storage_pool_wait_seconds_total counter
switchboard_storage_pool_wait_seconds_total ` + secs + `
`))
	}))
	defer srv.Close()
	ctx := context.Background()
	before, err := scrapePool(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	after, err := scrapePool(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := summarizePool(before, after, 1000)
	if *p != (poolSummary{MaxConns: 4, Waits: 500, WaitsPerEvent: 0.5, MeanWaitMs: 10}) {
		t.Errorf("pool summary = %+v, want 4 connections, 500 waits, 0.5 per event, 10ms each", *p)
	}

	r := report{Pool: p}
	var text bytes.Buffer
	if err := r.writeText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "store pool        4 connections; 500 waits for one (0.50 per accepted event), mean wait 10.0ms"; !strings.Contains(text.String(), want) {
		t.Errorf("text report lacks %q:\n%s", want, text.String())
	}

	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("# TYPE go_goroutines gauge\ngo_goroutines 8\n"))
	}))
	defer bare.Close()
	if _, err := scrapePool(ctx, bare.Client(), bare.URL); err == nil || !strings.Contains(err.Error(), "no switchboard_storage_pool") {
		t.Errorf("scrape without pool metrics: %v, want an error naming the missing metric", err)
	}
}
