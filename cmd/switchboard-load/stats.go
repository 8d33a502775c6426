package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// stats collects what the senders, consoles and callback receiver see.
// Counters are atomics; the maps and latency samples share one mutex,
// taken once per event, which is far below the rates measured.
type stats struct {
	start time.Time

	sent       atomic.Int64
	accepted   atomic.Int64
	duplicates atomic.Int64
	frames     atomic.Int64
	replies    atomic.Int64
	delivered  atomic.Int64

	// sendAt holds the sendTimes of each accepted-or-pending new event,
	// by event id, until its frame arrives.
	sendAt sync.Map

	mu        sync.Mutex
	errors    map[string]int64
	latencies []time.Duration
	// acks are the times from a new event's send to its 2xx.
	acks []time.Duration
	// At a fixed rate, the same two counted from each event's slot, and
	// how late each send left after its slot.
	slotLatencies []time.Duration
	slotAcks      []time.Duration
	lags          []time.Duration
	// assignee maps a dialog to the manager it was first assigned to;
	// perManager counts those first assignments.
	assignee   map[int64]int64
	perManager map[int64]int64
	managers   map[int64]string
}

func newStats() *stats {
	return &stats{start: time.Now(), errors: map[string]int64{}, assignee: map[int64]int64{},
		perManager: map[int64]int64{}, managers: map[int64]string{}}
}

// fail counts an error of a kind ("http_503", "timeout", "ws_closed", …).
func (s *stats) fail(kind string) {
	s.mu.Lock()
	s.errors[kind]++
	s.mu.Unlock()
}

// sendTimes is when an event's webhook was sent and, at a fixed rate,
// when its slot was due (zero when sending flat out).
type sendTimes struct{ sent, due time.Time }

// sending records when a new event's webhook was sent.
func (s *stats) sending(id string, t sendTimes) { s.sendAt.Store(id, t) }

// late records how long after its slot a send left.
func (s *stats) late(d time.Duration) {
	s.mu.Lock()
	s.lags = append(s.lags, d)
	s.mu.Unlock()
}

// forget drops an event that was refused: no frame will follow.
func (s *stats) forget(id string) { s.sendAt.Delete(id) }

// frame records the first frame of an inbound message at any console;
// later copies (other consoles, a supervisor) are not counted again.
func (s *stats) frame(eventID string, at time.Time) {
	s.frames.Add(1)
	v, ok := s.sendAt.LoadAndDelete(eventID)
	if !ok {
		return
	}
	t := v.(sendTimes)
	s.mu.Lock()
	s.latencies = append(s.latencies, at.Sub(t.sent))
	if !t.due.IsZero() {
		s.slotLatencies = append(s.slotLatencies, at.Sub(t.due))
	}
	s.mu.Unlock()
}

// acked records when the hook accepted a new event.
func (s *stats) acked(t sendTimes, at time.Time) {
	s.mu.Lock()
	s.acks = append(s.acks, at.Sub(t.sent))
	if !t.due.IsZero() {
		s.slotAcks = append(s.slotAcks, at.Sub(t.due))
	}
	s.mu.Unlock()
}

// manager names a manager id for the report.
func (s *stats) manager(id int64, login string) {
	s.mu.Lock()
	s.managers[id] = login
	if _, ok := s.perManager[id]; !ok {
		s.perManager[id] = 0
	}
	s.mu.Unlock()
}

// assigned records a dialog handed to a manager; it reports false for a
// dialog seen assigned before (a reassignment or a second console of the
// same manager), which fairness does not count again.
func (s *stats) assigned(dialogID, managerID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.assignee[dialogID]; ok {
		return false
	}
	s.assignee[dialogID] = managerID
	s.perManager[managerID]++
	return true
}

// snapshot is a consistent copy for the progress line and the report.
type snapshot struct {
	Elapsed    time.Duration
	Sent       int64
	Accepted   int64
	Duplicates int64
	Frames     int64
	Replies    int64
	Delivered  int64
	Errors     map[string]int64
	Latencies  []time.Duration
	Acks       []time.Duration
	// SlotLatencies, SlotAcks and Lags: see stats.
	SlotLatencies []time.Duration
	SlotAcks      []time.Duration
	Lags          []time.Duration
	PerManager    map[string]int64
	Pending       int
}

func (s *stats) snapshot() snapshot {
	snap := snapshot{
		Elapsed: time.Since(s.start), Sent: s.sent.Load(), Accepted: s.accepted.Load(),
		Duplicates: s.duplicates.Load(), Frames: s.frames.Load(), Replies: s.replies.Load(),
		Delivered: s.delivered.Load(), Errors: map[string]int64{}, PerManager: map[string]int64{},
	}
	s.mu.Lock()
	for k, v := range s.errors {
		snap.Errors[k] = v
	}
	snap.Latencies = append([]time.Duration(nil), s.latencies...)
	snap.Acks = append([]time.Duration(nil), s.acks...)
	snap.SlotLatencies = append([]time.Duration(nil), s.slotLatencies...)
	snap.SlotAcks = append([]time.Duration(nil), s.slotAcks...)
	snap.Lags = append([]time.Duration(nil), s.lags...)
	for id, n := range s.perManager {
		name := s.managers[id]
		if name == "" {
			name = "manager " + itoa(id)
		}
		snap.PerManager[name] = n
	}
	s.mu.Unlock()
	s.sendAt.Range(func(_, _ any) bool { snap.Pending++; return true })
	return snap
}

// reset zeroes the counters and restarts the clock, keeping the managers
// known; it runs once, before the run's first event, after the warm-up
// has settled, so nothing else is counting.
func (s *stats) reset() {
	s.start = time.Now()
	s.sent.Store(0)
	s.accepted.Store(0)
	s.duplicates.Store(0)
	s.frames.Store(0)
	s.replies.Store(0)
	s.delivered.Store(0)
	s.sendAt.Clear()
	s.mu.Lock()
	s.errors = map[string]int64{}
	s.latencies = nil
	s.acks = nil
	s.slotLatencies, s.slotAcks, s.lags = nil, nil, nil
	s.mu.Unlock()
}
