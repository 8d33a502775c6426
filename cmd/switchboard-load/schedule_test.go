package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestScheduleSlots(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := newSchedule(start, 4, 1100*time.Millisecond) // slots at 0, 250, 500, 750, 1000 ms
	var got []time.Duration
	for {
		due, ok := s.take()
		if !ok {
			break
		}
		got = append(got, due.Sub(start))
	}
	want := []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond, time.Second}
	if len(got) != len(want) {
		t.Fatalf("slots %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("slots %v, want %v", got, want)
		}
	}
	if _, ok := s.take(); ok {
		t.Error("a slot after the run's last")
	}
	for _, c := range []struct {
		at   time.Duration
		want int64
	}{{-time.Second, 0}, {0, 1}, {249 * time.Millisecond, 1}, {250 * time.Millisecond, 2}, {time.Hour, 5}} {
		if n := s.dueBy(start.Add(c.at)); n != c.want {
			t.Errorf("dueBy(+%v) = %d, want %d", c.at, n, c.want)
		}
	}
}

// A hub slower than the rate it is offered: one sender, 100 slots a
// second, each answer taking 40 ms. The sender cannot keep up, and the
// report must say so: most slots unsent, the sends leaving ever later
// after their slots, and the latency from the slot growing with that
// wait while the latency from the send stays the hub's 40 ms.
func TestScheduleCountsTheWaitForASender(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock() // one request at a time, as one sender sends
		defer mu.Unlock()
		time.Sleep(40 * time.Millisecond)
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(receipt{MessageID: 1})
	}))
	defer srv.Close()

	st := newStats()
	snd := &sender{url: srv.URL, secret: "s", client: srv.Client(), stats: st}
	gen := newGenerator(1, "sched", 10, 0.5, 0)
	const d = 600 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	sched := newSchedule(time.Now(), 100, d)
	snd.run(ctx, gen, sched)

	sc := &scheduleSummary{OfferedPS: 100, Due: sched.dueBy(time.Now()), Sent: sched.sent.Load()}
	r := buildReport("test", st.snapshot(), d, sc, nil, nil)
	if r.Schedule.Due != 60 {
		t.Errorf("%d slots due, want 60", r.Schedule.Due)
	}
	// 600 ms at 40 ms an answer: about 15 sent.
	if r.Schedule.Sent < 5 || r.Schedule.Sent > 20 || r.Schedule.Unsent != r.Schedule.Due-r.Schedule.Sent {
		t.Errorf("schedule %+v, want about 15 sent and the rest unsent", *r.Schedule)
	}
	if r.Ack.Count != r.Schedule.Sent || r.SlotAck.Count != r.Ack.Count {
		t.Fatalf("%d acks and %d from the slot for %d sent", r.Ack.Count, r.SlotAck.Count, r.Schedule.Sent)
	}
	// The n-th send leaves about n × 30 ms after its slot (40 ms a send
	// against 10 ms a slot).
	if r.Schedule.LagMax < 200 {
		t.Errorf("latest send %.1f ms after its slot, want the backlog's few hundred", r.Schedule.LagMax)
	}
	if r.Ack.Max > 200 || r.SlotAck.Max < r.Schedule.LagMax+35 {
		t.Errorf("to the 2xx: max %.1f ms from the send, %.1f ms from the slot; want about 40 and over %.1f",
			r.Ack.Max, r.SlotAck.Max, r.Schedule.LagMax+35)
	}

	var text, js bytes.Buffer
	if err := r.writeText(&text); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("100/s offered: 60 due, %d sent, %d unsent", r.Schedule.Sent, r.Schedule.Unsent); !strings.Contains(text.String(), want) {
		t.Errorf("text report lacks %q:\n%s", want, text.String())
	}
	if err := r.writeJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Schedule map[string]any `json:"schedule"`
		SlotAck  map[string]any `json:"slot_ack_latency"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Schedule["unsent"] != float64(r.Schedule.Unsent) || back.SlotAck["max_ms"] != r.SlotAck.Max {
		t.Errorf("JSON report = %s", js.String())
	}
}

// Slots already past when a sender is free go out at once, and every
// sender takes a slot of its own.
func TestScheduleSharedBySenders(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(receipt{MessageID: hits.Load()})
	}))
	defer srv.Close()

	st := newStats()
	snd := &sender{url: srv.URL, secret: "s", client: srv.Client(), stats: st}
	gen := newGenerator(2, "shared", 10, 0.5, 0)
	// Started a second ago: 50 slots already due, 100 in all.
	sched := newSchedule(time.Now().Add(-time.Second), 50, 2*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { snd.run(ctx, gen, sched) })
	}
	wg.Wait()
	if n := sched.sent.Load(); n != 100 || hits.Load() != 100 {
		t.Errorf("%d slots sent, %d requests; want 100 of each", n, hits.Load())
	}
	if lags := summarize(st.snapshot().Lags, 0); lags.Max < 900 {
		t.Errorf("sends left at most %.1f ms after their slots, want the first slot's second", lags.Max)
	}
}
