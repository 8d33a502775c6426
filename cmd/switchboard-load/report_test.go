package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	cases := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"no samples", nil, 99, 0},
		{"one sample", []time.Duration{7}, 50, 7},
		{"p0 is the smallest", hundred, 0, time.Millisecond},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p95 of 1..100", hundred, 95, 95 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100 is the largest", hundred, 100, 100 * time.Millisecond},
		{"nearest rank rounds up", []time.Duration{1, 2, 3}, 50, 2},
		{"p99 of few samples is the largest", []time.Duration{1, 2, 3, 4}, 99, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(c.samples, c.p); got != c.want {
				t.Errorf("percentile(%v) = %v, want %v", c.p, got, c.want)
			}
		})
	}
}

func TestSummarizeSortsACopy(t *testing.T) {
	t.Parallel()
	in := []time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 1500 * time.Microsecond}
	got := summarize(in, 2)
	want := latencySummary{Count: 4, Unseen: 2, P50: 10, P95: 30, P99: 30, Max: 30}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if in[0] != 30*time.Millisecond {
		t.Error("summarize reordered the caller's samples")
	}
	if ms(1500*time.Microsecond) != 1.5 {
		t.Errorf("ms(1.5ms) = %v", ms(1500*time.Microsecond))
	}
}

func TestSpread(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		per      map[string]int64
		min, max int64
	}{
		{"nobody", map[string]int64{}, 0, 0},
		{"one", map[string]int64{"a": 3}, 3, 3},
		{"uneven", map[string]int64{"a": 3, "b": 9, "c": 0}, 0, 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := spread(c.per)
			if f.Min != c.min || f.Max != c.max {
				t.Errorf("spread = %d..%d, want %d..%d", f.Min, f.Max, c.min, c.max)
			}
		})
	}
}

func TestBuildReport(t *testing.T) {
	t.Parallel()
	snap := snapshot{
		Elapsed: 20 * time.Second, Sent: 1100, Accepted: 1000, Duplicates: 90, Replies: 40, Delivered: 40,
		Errors:     map[string]int64{"http_503": 10},
		Latencies:  []time.Duration{time.Millisecond, 2 * time.Millisecond},
		Acks:       []time.Duration{300 * time.Microsecond, 400 * time.Microsecond, 7 * time.Millisecond},
		PerManager: map[string]int64{"a": 10, "b": 12},
		Pending:    3,
	}
	r := buildReport("test", snap, 10*time.Second, nil, &procSummary{PID: 1, RSSMaxMB: 40, WaitedSeconds: 1.5}, map[string]any{"rate": 100.0})
	if r.AcceptedPS != 100 {
		t.Errorf("accepted/s = %v, want 100 (1000 over the 10s of sending)", r.AcceptedPS)
	}
	if r.Outbox.PerSec != 2 {
		t.Errorf("outbox/s = %v, want 2 (40 over the 20s run)", r.Outbox.PerSec)
	}
	if r.Latency.Unseen != 3 || r.Latency.Count != 2 {
		t.Errorf("latency = %+v", r.Latency)
	}
	if r.Ack.Count != 3 || r.Ack.P50 != 0.4 || r.Ack.Max != 7 || r.Ack.Unseen != 0 {
		t.Errorf("ack latency = %+v, want 3 samples, p50 0.4ms, max 7ms", r.Ack)
	}
	if r.Fairness.Min != 10 || r.Fairness.Max != 12 {
		t.Errorf("fairness = %+v", r.Fairness)
	}

	var text bytes.Buffer
	if err := r.writeText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"100.0 events/s", "p99 2.0ms", "http_503=10", "min 10  max 12  a=10 b=12", "40 delivered", "RSS max 40.0 MB", "1.5s waiting for a core",
		"acknowledged      p50 0.4ms  p95 7.0ms"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}

	var js bytes.Buffer
	if err := r.writeJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if _, ok := back["schedule"]; ok {
		t.Errorf("a flat-out report has a schedule: %s", js.String())
	}
	lat := back["latency"].(map[string]any)
	ack := back["ack_latency"].(map[string]any)
	if back["accepted_per_s"] != 100.0 || lat["p99_ms"] != 2.0 || ack["max_ms"] != 7.0 || back["errors"].(map[string]any)["http_503"] != 10.0 {
		t.Errorf("JSON report = %s", js.String())
	}
}

func TestProgressLine(t *testing.T) {
	t.Parallel()
	prev := snapshot{Elapsed: time.Second, Accepted: 100, Latencies: []time.Duration{time.Second}}
	now := snapshot{Elapsed: 2 * time.Second, Sent: 260, Accepted: 250, Errors: map[string]int64{"timeout": 2},
		Latencies: []time.Duration{time.Second, 3 * time.Millisecond, 5 * time.Millisecond}}
	line := progressLine(now, prev, 42)
	for _, want := range []string{"accepted 250 (150/s)", "errors 2", "p99 5.0ms  replies", "rss 42MB"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line lacks %q: %s", want, line)
		}
	}

	// At a fixed rate the line also gives the last second's p99 from the
	// slot.
	prev.SlotLatencies = []time.Duration{time.Second}
	now.SlotLatencies = []time.Duration{time.Second, 4 * time.Millisecond, 9 * time.Millisecond}
	line = progressLine(now, prev, 0)
	if want := "p99 5.0ms (from the slot 9.0ms)  replies"; !strings.Contains(line, want) {
		t.Errorf("progress line lacks %q: %s", want, line)
	}
}
