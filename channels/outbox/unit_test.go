package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	base, ceil := 2*time.Second, 10*time.Minute
	tests := []struct {
		name    string
		attempt int
		u       float64
		want    time.Duration
	}{
		{name: "first attempt, top of range", attempt: 1, u: 0.999, want: time.Duration(0.999 * float64(2*time.Second))},
		{name: "first attempt, half", attempt: 1, u: 0.5, want: time.Second},
		{name: "third attempt doubles twice", attempt: 3, u: 0.5, want: 4 * time.Second},
		{name: "capped", attempt: 12, u: 0.5, want: 5 * time.Minute},
		{name: "huge attempt stays capped", attempt: 1000, u: 0.5, want: 5 * time.Minute},
		{name: "zero jitter", attempt: 4, u: 0, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := backoff(tt.attempt, base, ceil, tt.u); got != tt.want {
				t.Errorf("backoff(%d, u=%v) = %v, want %v", tt.attempt, tt.u, got, tt.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "zero takes defaults", cfg: Config{}},
		{name: "lease not longer than send timeout", cfg: Config{Lease: 30 * time.Second, SendTimeout: 30 * time.Second}, wantErr: true},
		{name: "backoff max below base", cfg: Config{BackoffBase: time.Minute, BackoffMax: time.Second}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.cfg.withDefaults()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (got.Lease <= got.SendTimeout || got.Parallel == 0 || got.Batch == 0 || got.MaxAttempts == 0 || got.Poll == 0) {
				t.Errorf("defaults not filled: %+v", got)
			}
		})
	}
	if _, err := NewWorker(nil, nil, Config{}, nil, nil); err == nil {
		t.Error("NewWorker accepted a nil store")
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	msg := channels.OutboundMessage{Channel: "api:shop", To: "u1", Text: "hi", ThreadKey: "t",
		Attachments: []channels.Attachment{{Filename: "a.pdf", ContentType: "application/pdf", Size: 3, Content: []byte("pdf")}}}
	raw, err := EncodePayload(msg)
	if err != nil {
		t.Fatal(err)
	}
	it := storage.OutboxItem{ID: 7, Channel: "api:other", DialogID: 2, MessageID: 3, IdempotencyKey: "k", Attempts: 4, Payload: raw}
	got, err := DecodePayload(it)
	if err != nil {
		t.Fatal(err)
	}
	if got.OutboxID != 7 || got.Channel != "api:other" || got.DialogID != 2 || got.MessageID != 3 || got.IdempotencyKey != "k" || got.Attempt != 4 {
		t.Errorf("row fields not applied: %+v", got)
	}
	if got.Text != "hi" || got.To != "u1" || len(got.Attachments) != 1 || got.Attachments[0].Filename != "a.pdf" {
		t.Errorf("payload fields lost: %+v", got)
	}
	if got.Attachments[0].Content != nil {
		t.Error("attachment content was stored in the payload")
	}
	if _, err := DecodePayload(storage.OutboxItem{Payload: json.RawMessage(`[`)}); err == nil {
		t.Error("DecodePayload accepted broken JSON")
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Error("registering twice succeeded")
	}
	st := newMemStore(t)
	clock := newClock()
	ok := seed(t, st, clock, "api:shop", "k-m-ok")
	bad := seed(t, st, clock, "api:shop", "k-m-bad")
	far := newFarSide(func(_ int, msg channels.OutboundMessage) (channels.SendResult, error) {
		if msg.IdempotencyKey == "k-m-bad" {
			return channels.SendResult{}, channels.Permanent(errors.New("rejected"))
		}
		return channels.SendResult{}, nil
	})
	w, err := NewWorker(st, map[string]channels.Sender{"api:shop": far}, testConfig(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.now = clock.Now
	start(t, w)
	// The counters move just after the commit that settles a row, so wait
	// for both, not for the rows alone.
	waitFor(t, "rows settled and counted", func() bool {
		c := gather(t, reg)
		return hasStatus(st, ok.ID, storage.OutboxSent)() && hasStatus(st, bad.ID, storage.OutboxFailed)() &&
			c[`switchboard_outbox_sent_total{channel="api:shop"}`] == 1 &&
			c[`switchboard_outbox_failed_total{channel="api:shop"}`] == 1
	})
	reg.MustRegister(NewBacklogCollector(backlogFunc(func(context.Context) (map[storage.OutboxStatus]int, error) {
		return map[storage.OutboxStatus]int{storage.OutboxPending: 3}, nil
	}), 0, nil))

	want := map[string]float64{
		`switchboard_outbox_attempts_total{channel="api:shop",outcome="sent"}`:   1,
		`switchboard_outbox_attempts_total{channel="api:shop",outcome="failed"}`: 1,
		`switchboard_outbox_sent_total{channel="api:shop"}`:                      1,
		`switchboard_outbox_failed_total{channel="api:shop"}`:                    1,
		`switchboard_outbox_send_duration_seconds{channel="api:shop"}`:           2, // sample count
		`switchboard_outbox_backlog{status="pending"}`:                           3,
		`switchboard_outbox_backlog{status="sending"}`:                           0,
	}
	got := gather(t, reg)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

type backlogFunc func(context.Context) (map[storage.OutboxStatus]int, error)

func (f backlogFunc) OutboxBacklog(ctx context.Context) (map[storage.OutboxStatus]int, error) {
	return f(ctx)
}

// gather flattens a registry to "name{labels}" → value (a histogram's
// sample count).
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "{"
			for i, lp := range m.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += lp.GetName() + `="` + lp.GetValue() + `"`
			}
			key += "}"
			out[key] = value(mf.GetType(), m)
		}
	}
	return out
}

func value(typ dto.MetricType, m *dto.Metric) float64 {
	switch typ {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	case dto.MetricType_HISTOGRAM:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return -1
}

// flakyClaims fails the first claims, as a database restarting would.
type flakyClaims struct {
	harnessStore
	mu    sync.Mutex
	fails int
}

func (f *flakyClaims) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxItem, error) {
	f.mu.Lock()
	if f.fails > 0 {
		f.fails--
		f.mu.Unlock()
		return nil, storage.ErrUnavailable
	}
	f.mu.Unlock()
	return f.harnessStore.ClaimOutbox(ctx, now, lease, limit)
}

func TestWorkerSurvivesClaimErrors(t *testing.T) {
	t.Parallel()
	st := newMemStore(t)
	clock := newClock()
	it := seed(t, st, clock, "api:shop", "k-flaky")
	far := newFarSide(nil)
	start(t, newTestWorker(t, &flakyClaims{harnessStore: st, fails: 3}, clock, map[string]channels.Sender{"api:shop": far}, testConfig()))
	waitFor(t, "row sent after the store came back", hasStatus(st, it.ID, storage.OutboxSent))
	if n := len(far.Calls()); n != 1 {
		t.Errorf("%d sends, want 1", n)
	}
}
