package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

// harnessStore is what the shared tests need of a store: the worker's
// Store plus the writes that seed rows and the reads that check them.
// storage.Store satisfies it, so the tests run on the real engines too.
type harnessStore interface {
	Store
	CreateClient(ctx context.Context, c *storage.Client) error
	CreateDialog(ctx context.Context, d *storage.Dialog) error
	InsertMessage(ctx context.Context, m *storage.Message) (bool, error)
	GetMessage(ctx context.Context, id int64) (storage.Message, error)
	EnqueueOutbox(ctx context.Context, it *storage.OutboxItem) error
	GetOutbox(ctx context.Context, id int64) (storage.OutboxItem, error)
	EventsAfter(ctx context.Context, after int64, limit int) ([]storage.Event, error)
}

var _ harnessStore = storage.Store(nil)

// testWorker runs the worker's behaviour tests on stores made by newStore.
func testWorker(t *testing.T, newStore func(t *testing.T) harnessStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st harnessStore)
	}{
		{"success marks sent, message status and event", testSuccess},
		{"retry with backoff then success", testRetryThenSuccess},
		{"retry-after is honoured", testRetryAfter},
		{"permanent failure", testPermanent},
		{"max attempts", testMaxAttempts},
		{"no sender for channel", testNoSender},
		{"bad payload fails the row", testBadPayload},
		{"panicking sender is isolated", testPanicIsolated},
		{"slow send times out before the lease", testSendTimeout},
		{"kick wakes the worker", testKick},
		{"shutdown finishes the send in flight", testShutdownFinishes},
		{"crash before recording resends with the same key", testCrashResend},
		{"parallel workers never send a row twice", testParallelWorkers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

// fakeClock is the worker's clock in tests; claims and due times use it,
// so lease expiry and backoff are stepped, not slept through.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// farSide is the receiving end of a channel. It keeps the first message
// per idempotency key, as a receiver that honours the key does, and
// records every call. answer decides each call's result (n is 1-based).
type farSide struct {
	mu       sync.Mutex
	calls    []channels.OutboundMessage
	received map[string]channels.OutboundMessage
	answer   func(n int, msg channels.OutboundMessage) (channels.SendResult, error)
}

func newFarSide(answer func(n int, msg channels.OutboundMessage) (channels.SendResult, error)) *farSide {
	if answer == nil {
		answer = func(int, channels.OutboundMessage) (channels.SendResult, error) { return channels.SendResult{}, nil }
	}
	return &farSide{received: map[string]channels.OutboundMessage{}, answer: answer}
}

func (f *farSide) Send(ctx context.Context, msg channels.OutboundMessage) (channels.SendResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, msg)
	n := len(f.calls)
	f.mu.Unlock()
	res, err := f.answer(n, msg)
	if err == nil {
		f.mu.Lock()
		if _, dup := f.received[msg.IdempotencyKey]; !dup {
			f.received[msg.IdempotencyKey] = msg
		}
		f.mu.Unlock()
		if res.ExternalID == "" {
			res.ExternalID = "far-" + msg.IdempotencyKey
		}
	}
	return res, err
}

func (f *farSide) Calls() []channels.OutboundMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]channels.OutboundMessage(nil), f.calls...)
}

func (f *farSide) Received() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.received)
}

// testConfig keeps tests fast: short polls, a send timeout well inside
// the lease.
func testConfig() Config {
	return Config{Poll: 10 * time.Millisecond, SendTimeout: time.Second, Lease: 10 * time.Second, MaxAttempts: 5, BackoffBase: 2 * time.Second, BackoffMax: time.Minute}
}

func newTestWorker(t *testing.T, st Store, clock *fakeClock, senders map[string]channels.Sender, cfg Config) *Worker {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWorker(st, senders, cfg, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	w.now = clock.Now
	w.jitter = func() float64 { return 0.5 }
	w.recordPause = time.Millisecond
	return w
}

// start runs w until the returned stop is called (or the test ends).
func start(t *testing.T, w *Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// seed stores a client, dialog and outbound message and enqueues its row,
// due now; raw, when given, replaces the encoded payload.
func seed(t *testing.T, st harnessStore, clock *fakeClock, channel, key string, raw ...json.RawMessage) storage.OutboxItem {
	t.Helper()
	ctx := context.Background()
	c := storage.Client{Kind: storage.Person, Name: "Ann " + key, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
	if err := st.CreateClient(ctx, &c); err != nil {
		t.Fatal(err)
	}
	d := storage.Dialog{ClientID: c.ID, Channel: channel, Status: storage.DialogOpen, LastMessageAt: clock.Now(), CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
	if err := st.CreateDialog(ctx, &d); err != nil {
		t.Fatal(err)
	}
	m := storage.Message{DialogID: d.ID, ClientID: c.ID, Channel: channel, ExternalID: "out:" + key, Direction: storage.Outbound,
		Text: "reply " + key, Status: string(channels.StatusQueued), CreatedAt: clock.Now()}
	if _, err := st.InsertMessage(ctx, &m); err != nil {
		t.Fatal(err)
	}
	payload, err := EncodePayload(channels.OutboundMessage{Channel: channel, DialogID: d.ID, MessageID: m.ID, To: "user-7", FromName: "Maria", Text: m.Text})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 0 {
		payload = raw[0]
	}
	it := storage.OutboxItem{MessageID: m.ID, DialogID: d.ID, Channel: channel, IdempotencyKey: key, Payload: payload,
		Status: storage.OutboxPending, NextAttemptAt: clock.Now(), CreatedAt: clock.Now()}
	if err := st.EnqueueOutbox(ctx, &it); err != nil {
		t.Fatal(err)
	}
	return it
}

func row(t *testing.T, st harnessStore, id int64) storage.OutboxItem {
	t.Helper()
	it, err := st.GetOutbox(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func message(t *testing.T, st harnessStore, id int64) storage.Message {
	t.Helper()
	m, err := st.GetMessage(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// statusEvents returns the message.status events of a message.
func statusEvents(t *testing.T, st harnessStore, messageID int64) []statusData {
	t.Helper()
	evs, err := st.EventsAfter(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []statusData
	for _, e := range evs {
		var d statusData
		if e.Type != EventMessageStatus || json.Unmarshal(e.Data, &d) != nil || d.MessageID != messageID {
			continue
		}
		out = append(out, d)
	}
	return out
}

func hasStatus(st harnessStore, id int64, s storage.OutboxStatus) func() bool {
	return func() bool {
		it, err := st.GetOutbox(context.Background(), id)
		return err == nil && it.Status == s
	}
}

// retried reports when the row is back to pending after attempt n.
func retried(st harnessStore, id int64, n int) func() bool {
	return func() bool {
		it, err := st.GetOutbox(context.Background(), id)
		return err == nil && it.Status == storage.OutboxPending && it.Attempts == n
	}
}

func testSuccess(t *testing.T, st harnessStore) {
	clock := newClock()
	it := seed(t, st, clock, "api:shop", "k-ok")
	far := newFarSide(nil)
	start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, testConfig()))
	waitFor(t, "row sent", hasStatus(st, it.ID, storage.OutboxSent))

	calls := far.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d sends, want 1", len(calls))
	}
	want := channels.OutboundMessage{OutboxID: it.ID, Channel: "api:shop", DialogID: it.DialogID, MessageID: it.MessageID,
		IdempotencyKey: "k-ok", Attempt: 1, To: "user-7", FromName: "Maria", Text: "reply k-ok"}
	if got, _ := json.Marshal(calls[0]); string(got) != string(must(json.Marshal(want))) {
		t.Errorf("sent %s\nwant %s", got, must(json.Marshal(want)))
	}
	if r := row(t, st, it.ID); r.ExternalID != "far-k-ok" || r.SentAt.IsZero() {
		t.Errorf("row = %+v, want external id and sent time", r)
	}
	if m := message(t, st, it.MessageID); m.Status != "sent" || m.ExternalID != "far-k-ok" {
		t.Errorf("message status %q external %q", m.Status, m.ExternalID)
	}
	evs := statusEvents(t, st, it.MessageID)
	if len(evs) != 1 || evs[0] != (statusData{MessageID: it.MessageID, DialogID: it.DialogID, Status: "sent", ExternalID: "far-k-ok"}) {
		t.Errorf("events = %+v", evs)
	}
}

func testRetryThenSuccess(t *testing.T, st harnessStore) {
	clock := newClock()
	it := seed(t, st, clock, "api:shop", "k-retry")
	far := newFarSide(func(n int, _ channels.OutboundMessage) (channels.SendResult, error) {
		if n == 1 {
			return channels.SendResult{}, errors.New("connection reset")
		}
		return channels.SendResult{}, nil
	})
	w := newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, testConfig())
	start(t, w)
	waitFor(t, "first attempt to fail", retried(st, it.ID, 1))
	r := row(t, st, it.ID)
	// attempt 1: full jitter of base 2s with u=0.5 is 1s.
	if want := clock.Now().Add(time.Second); !r.NextAttemptAt.Equal(want) || !strings.Contains(r.LastError, "connection reset") {
		t.Errorf("row next %v (want %v), error %q", r.NextAttemptAt, want, r.LastError)
	}
	time.Sleep(50 * time.Millisecond) // several polls: not due yet
	if n := len(far.Calls()); n != 1 {
		t.Fatalf("%d sends before the backoff ran out", n)
	}
	clock.Advance(time.Second)
	w.Kick()
	waitFor(t, "row sent", hasStatus(st, it.ID, storage.OutboxSent))
	calls := far.Calls()
	if len(calls) != 2 || calls[1].Attempt != 2 || calls[1].IdempotencyKey != calls[0].IdempotencyKey {
		t.Errorf("calls = %+v", calls)
	}
	if m := message(t, st, it.MessageID); m.Status != "sent" {
		t.Errorf("message status %q", m.Status)
	}
}

func testRetryAfter(t *testing.T, st harnessStore) {
	tests := []struct {
		name  string
		after time.Duration
		want  time.Duration
	}{
		{name: "longer than backoff wins", after: 90 * time.Second, want: 90 * time.Second},
		{name: "shorter than backoff keeps backoff", after: 100 * time.Millisecond, want: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			it := seed(t, st, clock, "api:shop", "k-ra-"+tt.after.String())
			far := newFarSide(func(int, channels.OutboundMessage) (channels.SendResult, error) {
				return channels.SendResult{}, &channels.RetryAfterError{After: tt.after, Err: errors.New("429")}
			})
			stop := start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, testConfig()))
			waitFor(t, "retry scheduled", retried(st, it.ID, 1))
			stop()
			if got := row(t, st, it.ID).NextAttemptAt.Sub(clock.Now()); got != tt.want {
				t.Errorf("next attempt in %v, want %v", got, tt.want)
			}
		})
	}
}

func testPermanent(t *testing.T, st harnessStore) {
	clock := newClock()
	it := seed(t, st, clock, "api:shop", "k-perm")
	far := newFarSide(func(int, channels.OutboundMessage) (channels.SendResult, error) {
		return channels.SendResult{}, channels.Permanent(errors.New("no such user"))
	})
	start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, testConfig()))
	waitFor(t, "row failed", hasStatus(st, it.ID, storage.OutboxFailed))
	checkFailed(t, st, it, "no such user")
	if n := len(far.Calls()); n != 1 {
		t.Errorf("%d sends, want 1", n)
	}
}

// checkFailed checks the row, its message and the event all carry reason.
func checkFailed(t *testing.T, st harnessStore, it storage.OutboxItem, reason string) {
	t.Helper()
	if r := row(t, st, it.ID); !strings.Contains(r.LastError, reason) {
		t.Errorf("row error %q, want %q", r.LastError, reason)
	}
	if m := message(t, st, it.MessageID); m.Status != "failed" || !strings.Contains(m.Error, reason) {
		t.Errorf("message status %q error %q", m.Status, m.Error)
	}
	evs := statusEvents(t, st, it.MessageID)
	if len(evs) != 1 || evs[0].Status != "failed" || !strings.Contains(evs[0].Error, reason) {
		t.Errorf("events = %+v", evs)
	}
}

func testMaxAttempts(t *testing.T, st harnessStore) {
	clock := newClock()
	it := seed(t, st, clock, "api:shop", "k-max")
	far := newFarSide(func(int, channels.OutboundMessage) (channels.SendResult, error) {
		return channels.SendResult{}, errors.New("502 bad gateway")
	})
	cfg := testConfig()
	cfg.MaxAttempts = 3
	w := newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, cfg)
	start(t, w)
	for n := 1; n < cfg.MaxAttempts; n++ {
		waitFor(t, fmt.Sprintf("attempt %d to fail", n), retried(st, it.ID, n))
		clock.Advance(cfg.BackoffMax)
		w.Kick()
	}
	waitFor(t, "row failed", hasStatus(st, it.ID, storage.OutboxFailed))
	checkFailed(t, st, it, "gave up after 3 attempts: 502 bad gateway")
	if n := len(far.Calls()); n != 3 {
		t.Errorf("%d sends, want 3", n)
	}
}

func testNoSender(t *testing.T, st harnessStore) {
	clock := newClock()
	it := seed(t, st, clock, "vk:gone", "k-nosender")
	far := newFarSide(nil)
	start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, testConfig()))
	waitFor(t, "row failed", hasStatus(st, it.ID, storage.OutboxFailed))
	checkFailed(t, st, it, ReasonNoSender)
	if n := len(far.Calls()); n != 0 {
		t.Errorf("%d sends, want 0", n)
	}
}

func testBadPayload(t *testing.T, st harnessStore) {
	clock := newClock()
	// A payload of the wrong shape, but valid JSON so every engine stores it.
	it := seed(t, st, clock, "api:shop", "k-badpayload", json.RawMessage(`{"Text": 5}`))
	far := newFarSide(nil)
	start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, testConfig()))
	waitFor(t, "row failed", hasStatus(st, it.ID, storage.OutboxFailed))
	checkFailed(t, st, it, ReasonBadPayload)
	if n := len(far.Calls()); n != 0 {
		t.Errorf("%d sends, want 0", n)
	}
}

func testPanicIsolated(t *testing.T, st harnessStore) {
	clock := newClock()
	bad := seed(t, st, clock, "api:shop", "k-panic")
	good := seed(t, st, clock, "api:shop", "k-fine")
	far := newFarSide(func(_ int, msg channels.OutboundMessage) (channels.SendResult, error) {
		if msg.IdempotencyKey == "k-panic" {
			panic("adapter bug")
		}
		return channels.SendResult{}, nil
	})
	start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, testConfig()))
	waitFor(t, "good row sent", hasStatus(st, good.ID, storage.OutboxSent))
	waitFor(t, "panicking row retried", retried(st, bad.ID, 1))
	if r := row(t, st, bad.ID); !strings.Contains(r.LastError, "panicked: adapter bug") {
		t.Errorf("row error %q", r.LastError)
	}
}

func testSendTimeout(t *testing.T, st harnessStore) {
	clock := newClock()
	it := seed(t, st, clock, "api:shop", "k-slow")
	slow := senderFunc(func(ctx context.Context, msg channels.OutboundMessage) (channels.SendResult, error) {
		<-ctx.Done()
		return channels.SendResult{}, ctx.Err()
	})
	cfg := testConfig()
	cfg.SendTimeout = 50 * time.Millisecond
	start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": slow}, cfg))
	waitFor(t, "timed-out send to be retried", retried(st, it.ID, 1))
	if r := row(t, st, it.ID); !strings.Contains(r.LastError, "deadline exceeded") {
		t.Errorf("row error %q", r.LastError)
	}
}

// senderFunc adapts a function to channels.Sender.
type senderFunc func(ctx context.Context, msg channels.OutboundMessage) (channels.SendResult, error)

func (f senderFunc) Send(ctx context.Context, msg channels.OutboundMessage) (channels.SendResult, error) {
	return f(ctx, msg)
}

func testKick(t *testing.T, st harnessStore) {
	clock := newClock()
	far := newFarSide(nil)
	cfg := testConfig()
	cfg.Poll = time.Hour
	w := newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, cfg)
	start(t, w)
	time.Sleep(20 * time.Millisecond) // let the first, empty poll pass
	it := seed(t, st, clock, "api:shop", "k-kick")
	w.Kick()
	waitFor(t, "kicked row sent", hasStatus(st, it.ID, storage.OutboxSent))
}

func testShutdownFinishes(t *testing.T, st harnessStore) {
	clock := newClock()
	it := seed(t, st, clock, "api:shop", "k-shutdown")
	started, release := make(chan struct{}), make(chan struct{})
	slow := senderFunc(func(ctx context.Context, msg channels.OutboundMessage) (channels.SendResult, error) {
		close(started)
		select {
		case <-release:
			return channels.SendResult{ExternalID: "late"}, nil
		case <-ctx.Done():
			return channels.SendResult{}, ctx.Err()
		}
	})
	stop := start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": slow}, testConfig()))
	<-started
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Run returned with a send in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-stopped
	if r := row(t, st, it.ID); r.Status != storage.OutboxSent || r.ExternalID != "late" {
		t.Errorf("row after shutdown = %s %q, want sent", r.Status, r.ExternalID)
	}
}

// brokenStore fails every write after the claim, as a process killed
// between the send and recording its result would leave the database.
type brokenStore struct{ Store }

var errKilled = errors.New("process killed")

func (brokenStore) Tx(context.Context, func(storage.Queries) error) error { return errKilled }
func (brokenStore) MarkOutboxRetry(context.Context, int64, time.Time, string) error {
	return errKilled
}

func testCrashResend(t *testing.T, st harnessStore) {
	clock := newClock()
	it := seed(t, st, clock, "api:shop", "k-crash")
	far := newFarSide(nil)
	cfg := testConfig()

	// The first worker sends, then "dies" before the result is recorded.
	stop1 := start(t, newTestWorker(t, brokenStore{st}, clock, map[string]channels.Sender{"api:shop": far}, cfg))
	waitFor(t, "first send", func() bool { return len(far.Calls()) == 1 })
	stop1()
	if r := row(t, st, it.ID); r.Status != storage.OutboxSending {
		t.Fatalf("row after crash is %s, want sending", r.Status)
	}

	// A new worker leaves the row alone while the lease holds…
	w2 := newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, cfg)
	start(t, w2)
	time.Sleep(50 * time.Millisecond)
	if n := len(far.Calls()); n != 1 {
		t.Fatalf("%d sends while the lease held, want 1", n)
	}
	// …and resends with the same key once it expired.
	clock.Advance(cfg.Lease)
	w2.Kick()
	waitFor(t, "row sent", hasStatus(st, it.ID, storage.OutboxSent))
	calls := far.Calls()
	if len(calls) != 2 || calls[0].IdempotencyKey != "k-crash" || calls[1].IdempotencyKey != "k-crash" || calls[1].Attempt != 2 {
		t.Errorf("calls = %+v", calls)
	}
	if n := far.Received(); n != 1 {
		t.Errorf("far side holds %d messages, want exactly 1", n)
	}
	if evs := statusEvents(t, st, it.MessageID); len(evs) != 1 || evs[0].Status != "sent" {
		t.Errorf("events = %+v", evs)
	}
}

func testParallelWorkers(t *testing.T, st harnessStore) {
	const rows, workers = 40, 4
	clock := newClock()
	var items []storage.OutboxItem
	for i := range rows {
		items = append(items, seed(t, st, clock, "api:shop", fmt.Sprintf("k-par-%d", i)))
	}
	far := newFarSide(func(int, channels.OutboundMessage) (channels.SendResult, error) {
		time.Sleep(time.Millisecond)
		return channels.SendResult{}, nil
	})
	cfg := testConfig()
	cfg.Parallel, cfg.Batch = 3, 5
	for range workers {
		start(t, newTestWorker(t, st, clock, map[string]channels.Sender{"api:shop": far}, cfg))
	}
	for _, it := range items {
		waitFor(t, "row sent", hasStatus(st, it.ID, storage.OutboxSent))
	}
	seen := map[string]int{}
	for _, c := range far.Calls() {
		seen[c.IdempotencyKey]++
	}
	for _, it := range items {
		if seen[it.IdempotencyKey] != 1 {
			t.Errorf("row %s sent %d times", it.IdempotencyKey, seen[it.IdempotencyKey])
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
