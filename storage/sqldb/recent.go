package sqldb

import (
	"bytes"
	"sync"

	"github.com/switchboard-hub/switchboard/storage"
)

// recentCap is how many of its last committed events a process keeps. The
// event stream takes them within milliseconds of the commit; a reader
// further behind reads the log.
const recentCap = 1024

// recentEvents keeps the events this process committed last, as the log
// holds them, in a ring indexed by id: ids are consecutive, so the events
// after a position are found without a search.
type recentEvents struct {
	mu   sync.Mutex
	ring [recentCap]storage.Event
}

// add keeps committed events.
func (r *recentEvents) add(es []storage.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range es {
		r.ring[e.ID%recentCap] = e
	}
}

// after returns the events after id after, up to n, when it holds every
// one of them up to newest; ok is false when it does not.
func (r *recentEvents) after(after, newest int64, n int) (es []storage.Event, ok bool) {
	end := min(newest, after+int64(n))
	if end <= after {
		return nil, true
	}
	if end-after > recentCap {
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	es = make([]storage.Event, 0, end-after)
	for id := after + 1; id <= end; id++ {
		e := r.ring[id%recentCap]
		if e.ID != id {
			return nil, false
		}
		es = append(es, e)
	}
	return es, true
}

// RecentEventsAfter returns the events after id after, up to n, from those
// this process committed last, when they include every event up to the
// newest committed one it has heard of (see Signal); ok is false when they
// do not, and the caller reads the log with EventsAfter. The event stream,
// woken by a commit of this process, sends its events without reading them
// back. It is never an answer for events committed elsewhere or unsignaled:
// a reader that polls the log for missed notifications must use
// EventsAfter.
func (s *DB) RecentEventsAfter(after int64, n int) ([]storage.Event, bool) {
	s.notifyMu.Lock()
	newest := s.newest
	s.notifyMu.Unlock()
	return s.recent.after(after, newest, n)
}

// asLogged returns e as EventsAfter would read it back: an empty Data is
// nil, and Data is a copy of its own. (Its time is already in stored
// precision: the appends normalize it.)
func asLogged(e storage.Event) storage.Event {
	if len(e.Data) == 0 {
		e.Data = nil
	} else {
		e.Data = bytes.Clone(e.Data)
	}
	return e
}
