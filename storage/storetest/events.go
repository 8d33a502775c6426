package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var eventTests = []test{
	{"CountEvents", testCountEvents},
}

func testCountEvents(t *testing.T, s storage.Store) {
	c := ctx(t)
	eq(t, "empty log", must(s.CountEvents(c, "sla.breached", time.Time{}))(t), 0)
	for _, e := range []storage.Event{
		{Type: "sla.breached", At: at(-time.Hour)},
		{Type: "sla.breached", At: t0},
		{Type: "sla.breached", At: at(time.Minute)},
		{Type: "dialog.created", At: at(time.Minute)},
	} {
		e.Data = json.RawMessage(`{}`)
		ok(t, s.AppendEvent(c, &e))
	}
	eq(t, "since is inclusive", must(s.CountEvents(c, "sla.breached", t0))(t), 2)
	eq(t, "whole log", must(s.CountEvents(c, "sla.breached", time.Time{}))(t), 3)
	eq(t, "other type", must(s.CountEvents(c, "dialog.created", t0))(t), 1)
	eq(t, "after the last", must(s.CountEvents(c, "sla.breached", at(time.Hour)))(t), 0)
}
