package main

import (
	"context"
	"math"
	"sync/atomic"
	"time"
)

// schedule hands out the send times of a run at a fixed rate: slot k is
// due at start + k/rate whether or not a sender is free then. A sender
// that takes its slot late sends at once, and the event's latency is
// also counted from its slot. A tool that instead waits for a free sender
// before it reserves the next send lets a slow hub lower the rate it is
// offered, and leaves out of the latencies exactly the events that would
// have queued (coordinated omission).
type schedule struct {
	start    time.Time
	perEvent float64 // nanoseconds between slots
	slots    int64   // slots due before the run's end
	next     atomic.Int64
	// sent counts the slots whose event was sent.
	sent atomic.Int64
}

func newSchedule(start time.Time, perSecond float64, d time.Duration) *schedule {
	per := float64(time.Second) / perSecond
	return &schedule{start: start, perEvent: per, slots: int64(math.Ceil(float64(d) / per))}
}

// due is slot k's send time.
func (s *schedule) due(k int64) time.Time {
	return s.start.Add(time.Duration(float64(k) * s.perEvent))
}

// take returns the next slot's send time; false once the run's slots are
// all taken.
func (s *schedule) take() (time.Time, bool) {
	k := s.next.Add(1) - 1
	if k >= s.slots {
		return time.Time{}, false
	}
	return s.due(k), true
}

// dueBy counts the slots due by t.
func (s *schedule) dueBy(t time.Time) int64 {
	if t.Before(s.start) {
		return 0
	}
	return min(s.slots, int64(math.Floor(float64(t.Sub(s.start))/s.perEvent))+1)
}

// wait sleeps until t, false if ctx ends first.
func wait(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}
