package storetest

import (
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var mergeTests = []test{
	{"MergeMovesEverything", testMergeMovesEverything},
	{"MergeRules", testMergeRules},
}

func testMergeMovesEverything(t *testing.T, s storage.Store) {
	c := ctx(t)
	owner := newManager(t, s, "owner", 1)
	survivor := newClient(t, s, "Иван Петров")
	loser := storage.Client{Name: "Ivan Petrov", OwnerID: owner.ID, CreatedAt: t0}
	ok(t, s.CreateClient(c, &loser))
	x, y := newClient(t, s, "X"), newClient(t, s, "Y")
	employee := storage.Client{Name: "Employee", CompanyID: loser.ID, CreatedAt: t0}
	ok(t, s.CreateClient(c, &employee))
	earlier := newClient(t, s, "Earlier duplicate")
	ok(t, s.MergeClients(c, earlier.ID, loser.ID, t0))

	must(s.AddIdentity(c, storage.Identity{ClientID: survivor.ID, Kind: "phone", Value: "+71111111111", CreatedAt: t0}))(t)
	must(s.AddIdentity(c, storage.Identity{ClientID: loser.ID, Kind: "email", Value: "ivan@example.com", CreatedAt: t0}))(t)
	d := newDialog(t, s, storage.Dialog{ClientID: loser.ID, Channel: "email"})
	m := newMessage(t, s, d, "m1", t0)
	call := storage.Call{ClientID: loser.ID, Channel: "ari", ExternalID: "c1", Direction: storage.Inbound, RingAt: t0}
	must(s.UpsertCall(c, &call))(t)
	lead := storage.Lead{Source: "tilda", ExternalID: "l1", ClientID: loser.ID, CreatedAt: t0}
	must(s.InsertLead(c, &lead))(t)
	ok(t, s.SetNameKeys(c, survivor.ID, []string{"ivn ptr", "x y"}))
	ok(t, s.SetNameKeys(c, loser.ID, []string{"ivn ivn", "ivn ptr"}))

	pair := storage.Candidate{ClientA: loser.ID, ClientB: survivor.ID, Reason: "name", Score: 0.8, CreatedAt: t0}
	lx := storage.Candidate{ClientA: loser.ID, ClientB: x.ID, Reason: "phone", Score: 0.9, CreatedAt: t0}
	sx := storage.Candidate{ClientA: survivor.ID, ClientB: x.ID, Reason: "name", Score: 0.4, CreatedAt: t0}
	ly := storage.Candidate{ClientA: loser.ID, ClientB: y.ID, Reason: "domain", Score: 0.3, CreatedAt: t0}
	for _, cd := range []*storage.Candidate{&pair, &lx, &sx, &ly} {
		must(s.UpsertCandidate(c, cd))(t)
	}
	ok(t, s.SetCandidateStatus(c, sx.ID, storage.CandidateDismissed))

	merge := func() {
		t.Helper()
		ok(t, s.MergeClients(c, loser.ID, survivor.ID, at(time.Hour)))

		gotLoser := must(s.GetClient(c, loser.ID))(t)
		eq(t, "loser tombstoned", gotLoser.MergedInto, survivor.ID)
		eq(t, "loser updated at", gotLoser.UpdatedAt, at(time.Hour))
		gotSurvivor := must(s.GetClient(c, survivor.ID))(t)
		eq(t, "survivor takes the owner", gotSurvivor.OwnerID, owner.ID)
		eq(t, "survivor not merged", gotSurvivor.MergedInto, int64(0))
		eq(t, "earlier tombstone re-pointed", must(s.GetClient(c, earlier.ID))(t).MergedInto, survivor.ID)
		eq(t, "company member moves", must(s.GetClient(c, employee.ID))(t).CompanyID, survivor.ID)

		idents := must(s.ClientIdentities(c, survivor.ID))(t)
		eq(t, "identities moved", len(idents), 2)
		eq(t, "loser has no identities", len(must(s.ClientIdentities(c, loser.ID))(t)), 0)
		eq(t, "dialog moved", must(s.GetDialog(c, d.ID))(t).ClientID, survivor.ID)
		eq(t, "message moved", must(s.GetMessage(c, m.ID))(t).ClientID, survivor.ID)
		eq(t, "call moved", must(s.GetCall(c, call.ID))(t).ClientID, survivor.ID)
		eq(t, "lead moved", must(s.GetLead(c, lead.ID))(t).ClientID, survivor.ID)
		eq(t, "timeline follows", len(must(s.Timeline(c, survivor.ID, time.Time{}, 10))(t)), 3)
		for _, key := range []string{"ivn ivn", "ivn ptr", "x y"} {
			eq(t, "key "+key, ids(must(s.ClientsByNameKey(c, []string{key}, 0, 10))(t), clientID), []int64{survivor.ID})
		}

		eq(t, "the merged pair is marked merged", must(s.GetCandidate(c, pair.ID))(t).Status, storage.CandidateMerged)
		gotSX := must(s.GetCandidate(c, sx.ID))(t)
		eq(t, "existing pair keeps its status", gotSX.Status, storage.CandidateDismissed)
		eq(t, "existing pair takes the higher score", gotSX.Score, 0.9)
		eq(t, "and its reason", gotSX.Reason, "phone")
		_, err := s.GetCandidate(c, lx.ID)
		wantErr(t, "duplicate pair removed", err, storage.ErrNotFound)
		gotSY := must(s.GetCandidate(c, ly.ID))(t)
		eq(t, "re-keyed pair", []int64{gotSY.ClientA, gotSY.ClientB},
			[]int64{min(survivor.ID, y.ID), max(survivor.ID, y.ID)})
		all := must(s.ListCandidates(c, 0, "", 100))(t)
		eq(t, "candidates after merge", len(all), 3)
		for _, cd := range all {
			if cd.ClientA >= cd.ClientB {
				t.Fatalf("pair not ordered: %+v", cd)
			}
		}
		live := must(s.ListCandidates(c, loser.ID, storage.CandidateOpen, 100))(t)
		eq(t, "no open pair left on the loser", len(live), 0)
	}
	merge()
	merge() // idempotent: the same state, no error
}

func testMergeRules(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b, d := newClient(t, s, "A"), newClient(t, s, "B"), newClient(t, s, "D")
	wantErr(t, "into itself", s.MergeClients(c, a.ID, a.ID, t0), storage.ErrConflict)
	wantErr(t, "missing loser", s.MergeClients(c, d.ID+1000, a.ID, t0), storage.ErrNotFound)
	wantErr(t, "missing survivor", s.MergeClients(c, a.ID, d.ID+1000, t0), storage.ErrNotFound)

	ok(t, s.MergeClients(c, a.ID, b.ID, t0))
	wantErr(t, "into a merged client", s.MergeClients(c, d.ID, a.ID, t0), storage.ErrConflict)
	wantErr(t, "a merged loser elsewhere", s.MergeClients(c, a.ID, d.ID, t0), storage.ErrConflict)
	wantErr(t, "back the other way", s.MergeClients(c, b.ID, a.ID, t0), storage.ErrConflict)

	// Survivor keeps its own owner.
	o1, o2 := newManager(t, s, "o1", 1), newManager(t, s, "o2", 1)
	l := storage.Client{Name: "L", OwnerID: o1.ID, CreatedAt: t0}
	w := storage.Client{Name: "W", OwnerID: o2.ID, CreatedAt: t0}
	ok(t, s.CreateClient(c, &l))
	ok(t, s.CreateClient(c, &w))
	ok(t, s.MergeClients(c, l.ID, w.ID, t0))
	eq(t, "survivor keeps its owner", must(s.GetClient(c, w.ID))(t).OwnerID, o2.ID)

	// A merge inside a failed transaction leaves nothing behind.
	e, f := newClient(t, s, "E"), newClient(t, s, "F")
	must(s.AddIdentity(c, storage.Identity{ClientID: e.ID, Kind: "phone", Value: "+72222222222", CreatedAt: t0}))(t)
	errBoom := errorString("boom")
	err := s.Tx(c, func(tx storage.Queries) error {
		ok(t, tx.MergeClients(c, e.ID, f.ID, t0))
		return errBoom
	})
	wantErr(t, "tx error", err, errBoom)
	eq(t, "rolled back", must(s.GetClient(c, e.ID))(t).MergedInto, int64(0))
	got := must(s.ClientIdentities(c, e.ID))(t)
	if len(got) != 1 || got[0].Value != "+72222222222" {
		t.Fatalf("identities after rollback: %+v", got)
	}
}

// errorString is a comparable error for sentinel checks in tests.
type errorString string

func (e errorString) Error() string { return string(e) }
