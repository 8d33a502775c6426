package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// poolSample is the daemon's store pool counters, read from /metrics.
type poolSample struct {
	maxConns    float64
	waits       float64
	waitSeconds float64
}

// scrapePool reads the store pool's metrics from the daemon at base. A
// daemon that exports none (an older one) is an error, and the report
// then has no pool section.
func scrapePool(ctx context.Context, client *http.Client, base string) (poolSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return poolSample{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return poolSample{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return poolSample{}, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return poolSample{}, fmt.Errorf("GET /metrics: %w", err)
	}
	var s poolSample
	for name, dst := range map[string]*float64{
		"switchboard_storage_pool_max_connections":    &s.maxConns,
		"switchboard_storage_pool_waits_total":        &s.waits,
		"switchboard_storage_pool_wait_seconds_total": &s.waitSeconds,
	} {
		f, ok := fams[name]
		if !ok || len(f.GetMetric()) != 1 {
			return poolSample{}, fmt.Errorf("GET /metrics: no %s", name)
		}
		m := f.GetMetric()[0]
		switch {
		case m.GetGauge() != nil:
			*dst = m.GetGauge().GetValue()
		case m.GetCounter() != nil:
			*dst = m.GetCounter().GetValue()
		}
	}
	return s, nil
}

// poolSummary is how often requests inside the daemon waited for a store
// connection during the run: many waits per event mean the pool, not the
// database's work, is what ingest queues for.
type poolSummary struct {
	MaxConns      int     `json:"max_conns"`
	Waits         int64   `json:"waits"`
	WaitsPerEvent float64 `json:"waits_per_event"`
	MeanWaitMs    float64 `json:"mean_wait_ms"`
}

// summarizePool is the pool's part of the run between two samples.
func summarizePool(before, after poolSample, accepted int64) *poolSummary {
	p := &poolSummary{MaxConns: int(after.maxConns), Waits: int64(after.waits - before.waits)}
	if accepted > 0 {
		p.WaitsPerEvent = round2(float64(p.Waits) / float64(accepted))
	}
	if p.Waits > 0 {
		p.MeanWaitMs = round2((after.waitSeconds - before.waitSeconds) * 1000 / float64(p.Waits))
	}
	return p
}
