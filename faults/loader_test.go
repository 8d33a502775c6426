package faults

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// loader posts new events from several goroutines until stopped and keeps
// the score: which events were acknowledged (and as which message), how
// every answer looked, and which events still need a retry.
type loader struct {
	base   string
	prefix string
	stop   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup

	mu       sync.Mutex
	next     int
	sent     map[string]event
	acked    map[string]int64
	statuses map[int]int
	// bad lists answers that break the contract: anything but a 2xx, or
	// a 503 with Retry-After.
	bad []string
	// down counts transport errors (nobody answering).
	down int
	// textSize pads each event's text, to fill a disk faster.
	textSize int
}

// startLoader starts workers posting events with ids prefix-N.
func startLoader(base, prefix string, workers, textSize int) *loader {
	l := &loader{base: base, prefix: prefix, stop: make(chan struct{}), sent: map[string]event{},
		acked: map[string]int64{}, statuses: map[int]int{}, textSize: textSize}
	for range workers {
		l.wg.Go(l.work)
	}
	return l
}

func (l *loader) work() {
	for {
		select {
		case <-l.stop:
			return
		default:
		}
		l.mu.Lock()
		i := l.next
		l.next++
		ev := event{
			ID:   fmt.Sprintf("%s-%05d", l.prefix, i),
			From: eventFrom{Name: fmt.Sprintf("Client %d", i%40), Phone: phone(7000000+i%40, i)},
			Text: fmt.Sprintf("message %d %s", i, pad(l.textSize)),
		}
		l.sent[ev.ID] = ev
		l.mu.Unlock()

		a, err := postEvent(l.base, ev)
		l.mu.Lock()
		switch {
		case err != nil:
			l.down++
		case a.Status/100 == 2:
			l.acked[ev.ID] = a.Receipt.MessageID
		case a.Status == http.StatusServiceUnavailable && a.RetryAfter != "":
		default:
			l.bad = append(l.bad, fmt.Sprintf("%s: %d (Retry-After %q) %s", ev.ID, a.Status, a.RetryAfter, a.Body))
		}
		if err == nil {
			l.statuses[a.Status]++
		}
		failed := err != nil || a.Status/100 != 2
		l.mu.Unlock()
		if failed {
			// Pace the retries of a sender that is being refused, as a
			// real one would; this is not synchronization.
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// pad returns n bytes of text.
func pad(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}

// Stop stops the workers and waits for them; it may be called again.
func (l *loader) Stop() {
	l.once.Do(func() { close(l.stop) })
	l.wg.Wait()
}

// Status counts the answers with a status.
func (l *loader) Status(code int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statuses[code]
}

// Acked counts acknowledged events.
func (l *loader) Acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// Bad returns the answers that broke the contract.
func (l *loader) Bad() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.bad...)
}

// RetryUnacked posts every event that has no 2xx yet to base until it gets
// one, as a sender honouring 503 would, and returns how many of them the
// hub already had (the answer had been lost).
func (l *loader) RetryUnacked(t *testing.T, base string, within time.Duration) int {
	t.Helper()
	l.mu.Lock()
	var todo []event
	for id, ev := range l.sent {
		if _, ok := l.acked[id]; !ok {
			todo = append(todo, ev)
		}
	}
	l.mu.Unlock()
	dups := 0
	deadline := time.Now().Add(within)
	for _, ev := range todo {
		var a hookAnswer
		err := poll(time.Until(deadline), func() bool {
			var err error
			a, err = postEvent(base, ev)
			if err == nil && a.Status/100 != 2 && a.Status != http.StatusServiceUnavailable {
				t.Errorf("retry of %s: %d %s", ev.ID, a.Status, a.Body)
			}
			return err == nil && a.Status/100 == 2
		})
		if err != nil {
			t.Fatalf("event %s never accepted: %v (last %d %s)", ev.ID, err, a.Status, a.Body)
		}
		if a.Receipt.Duplicate {
			dups++
		}
		l.mu.Lock()
		l.acked[ev.ID] = a.Receipt.MessageID
		l.mu.Unlock()
	}
	return dups
}

// Sent returns the set of event ids posted.
func (l *loader) Sent() map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]bool, len(l.sent))
	for id := range l.sent {
		out[id] = true
	}
	return out
}

// AckedIDs returns a copy of the acknowledged events and their messages.
func (l *loader) AckedIDs() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int64, len(l.acked))
	for k, v := range l.acked {
		out[k] = v
	}
	return out
}
