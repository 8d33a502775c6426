package sqldb

import (
	"testing"

	"github.com/switchboard-hub/switchboard/storage"
)

// The ring holds the last recentCap events; asking past them, or for an id
// it never got, is "not held", never a wrong or partial answer.
func TestRecentEventsRing(t *testing.T) {
	var r recentEvents
	const last = recentCap + 76
	for id := int64(1); id <= last; id++ {
		r.add([]storage.Event{{ID: id, Type: "x"}})
	}
	if _, ok := r.after(0, last, 2*recentCap); ok {
		t.Error("events overwritten by newer ones were reported held")
	}
	es, ok := r.after(last-recentCap, last, 2*recentCap)
	if !ok || len(es) != recentCap || es[0].ID != last-recentCap+1 || es[len(es)-1].ID != last {
		t.Fatalf("the last %d: ok %v, %d events", recentCap, ok, len(es))
	}
	es, ok = r.after(last-10, last, 3)
	if !ok || len(es) != 3 || es[2].ID != last-7 {
		t.Fatalf("a page of 3: ok %v, %+v", ok, es)
	}
	if _, ok := r.after(last-1, last+1, 10); ok {
		t.Error("an event never added was reported held")
	}
	if es, ok := r.after(last, last, 10); !ok || len(es) != 0 {
		t.Errorf("nothing newer: ok %v, %d events", ok, len(es))
	}
}
