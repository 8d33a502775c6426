package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var callLeadTests = []test{
	{"Calls", testCalls},
	{"Leads", testLeads},
}

func testCalls(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	m := newManager(t, s, "m", 1)
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "ari"})
	ring := storage.Call{ClientID: cl.ID, Channel: "ari", ExternalID: "1700000000.1", Direction: storage.Inbound,
		FromNumber: "+79123456789", ToNumber: "+74950000000", RingAt: t0}
	eq(t, "created", must(s.UpsertCall(c, &ring))(t), true)
	if ring.ID == 0 {
		t.Fatal("UpsertCall did not set the id")
	}
	eq(t, "get", must(s.GetCall(c, ring.ID))(t), ring)

	answer := storage.Call{ClientID: cl.ID, Channel: "ari", ExternalID: "1700000000.1", Direction: storage.Inbound,
		ManagerID: m.ID, DialogID: d.ID, AnswerAt: at(5 * time.Second)}
	eq(t, "answer updates", must(s.UpsertCall(c, &answer))(t), false)
	end := storage.Call{Channel: "ari", ExternalID: "1700000000.1", EndAt: at(time.Minute), Outcome: storage.CallAnswered,
		Recording: "rec/1.wav"}
	eq(t, "hangup updates", must(s.UpsertCall(c, &end))(t), false)

	want := ring
	want.ManagerID, want.DialogID, want.AnswerAt, want.EndAt = m.ID, d.ID, at(5*time.Second), at(time.Minute)
	want.Outcome, want.Recording = storage.CallAnswered, "rec/1.wav"
	eq(t, "merged call", must(s.GetCall(c, ring.ID))(t), want)
	eq(t, "caller sees the stored call", end, want)

	missed := storage.Call{ClientID: cl.ID, Channel: "ari", ExternalID: "2", Direction: storage.Inbound, RingAt: t0, Outcome: storage.CallMissed}
	eq(t, "missed call kept", must(s.UpsertCall(c, &missed))(t), true)
	eq(t, "missed", must(s.GetCall(c, missed.ID))(t).Outcome, storage.CallMissed)
	_, err := s.GetCall(c, missed.ID+1000)
	wantErr(t, "missing", err, storage.ErrNotFound)
}

func testLeads(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	l := storage.Lead{
		Source: "roistat", ExternalID: "r-1", ClientID: cl.ID, DialogID: d.ID, Campaign: "spring",
		UTM: map[string]string{"utm_source": "yandex", "utm_medium": "cpc"}, Raw: json.RawMessage(`{"id":"r-1","phone":"+7912"}`),
		Status: storage.LeadNew, CreatedAt: t0, UpdatedAt: at(time.Second),
	}
	eq(t, "inserted", must(s.InsertLead(c, &l))(t), true)
	if l.ID == 0 {
		t.Fatal("InsertLead did not set the id")
	}
	eq(t, "get", must(s.GetLead(c, l.ID))(t), l)
	eq(t, "get by external", must(s.GetLeadByExternal(c, "roistat", "r-1"))(t), l)
	dup := l
	dup.ID, dup.Campaign = 0, "other"
	eq(t, "duplicate", must(s.InsertLead(c, &dup))(t), false)
	eq(t, "first kept", must(s.GetLead(c, l.ID))(t).Campaign, "spring")
	_, err := s.GetLeadByExternal(c, "tilda", "r-1")
	wantErr(t, "external id is per source", err, storage.ErrNotFound)
	_, err = s.GetLead(c, l.ID+1000)
	wantErr(t, "missing", err, storage.ErrNotFound)

	plain := storage.Lead{Source: "tilda", ExternalID: "t-1", ClientID: cl.ID, CreatedAt: t0}
	must(s.InsertLead(c, &plain))(t)
	got := must(s.GetLead(c, plain.ID))(t)
	eq(t, "default status", got.Status, storage.LeadNew)
	eq(t, "updated defaults to created", got.UpdatedAt, t0)
	eq(t, "plain", got, plain)

	ok(t, s.SetLeadStatus(c, l.ID, storage.LeadRejected, "spam", at(time.Hour)))
	got = must(s.GetLead(c, l.ID))(t)
	eq(t, "rejected", [2]any{got.Status, got.RejectReason}, [2]any{storage.LeadRejected, "spam"})
	eq(t, "status time", got.UpdatedAt, at(time.Hour))
	wantErr(t, "status missing", s.SetLeadStatus(c, l.ID+1000, storage.LeadInWork, "", t0), storage.ErrNotFound)
}
