package storetest

import (
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var candidateTests = []test{
	{"CandidateUpsert", testCandidateUpsert},
	{"CandidateList", testCandidateList},
}

func testCandidateUpsert(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b := newClient(t, s, "A"), newClient(t, s, "B")
	// Given in the wrong order: the store orders the pair.
	first := storage.Candidate{ClientA: b.ID, ClientB: a.ID, Reason: "name", Score: 0.6, CreatedAt: t0}
	eq(t, "new pair is created", must(s.UpsertCandidate(c, &first))(t), true)
	want := storage.Candidate{ID: first.ID, ClientA: a.ID, ClientB: b.ID, Reason: "name", Score: 0.6,
		Status: storage.CandidateOpen, CreatedAt: t0}
	eq(t, "filled back", first, want)
	eq(t, "get", must(s.GetCandidate(c, first.ID))(t), want)

	lower := storage.Candidate{ClientA: a.ID, ClientB: b.ID, Reason: "domain", Score: 0.3, CreatedAt: at(time.Hour)}
	eq(t, "existing pair is not new", must(s.UpsertCandidate(c, &lower))(t), false)
	eq(t, "lower score changes nothing", must(s.GetCandidate(c, first.ID))(t), want)
	eq(t, "caller sees the stored row", lower, want)

	higher := storage.Candidate{ClientA: b.ID, ClientB: a.ID, Reason: "email domain + name", Score: 0.9, CreatedAt: at(time.Hour)}
	eq(t, "higher score is not new", must(s.UpsertCandidate(c, &higher))(t), false)
	want.Score, want.Reason = 0.9, "email domain + name"
	eq(t, "higher score and its reason win", must(s.GetCandidate(c, first.ID))(t), want)

	ok(t, s.SetCandidateStatus(c, first.ID, storage.CandidateDismissed))
	again := storage.Candidate{ClientA: a.ID, ClientB: b.ID, Reason: "phone", Score: 0.95, CreatedAt: at(2 * time.Hour)}
	eq(t, "dismissed pair is not new", must(s.UpsertCandidate(c, &again))(t), false)
	got := must(s.GetCandidate(c, first.ID))(t)
	eq(t, "dismissed stays dismissed", got.Status, storage.CandidateDismissed)
	eq(t, "dismissed still takes the max score", got.Score, 0.95)

	self := storage.Candidate{ClientA: a.ID, ClientB: a.ID, Reason: "x", Score: 1}
	if _, err := s.UpsertCandidate(c, &self); err == nil {
		t.Fatal("a client paired with itself was accepted")
	}
	_, err := s.GetCandidate(c, first.ID+1000)
	wantErr(t, "missing", err, storage.ErrNotFound)
	wantErr(t, "status of missing", s.SetCandidateStatus(c, first.ID+1000, storage.CandidateMerged), storage.ErrNotFound)
}

func testCandidateList(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b, d := newClient(t, s, "A"), newClient(t, s, "B"), newClient(t, s, "D")
	ab := storage.Candidate{ClientA: a.ID, ClientB: b.ID, Reason: "name", Score: 0.5, CreatedAt: t0}
	ad := storage.Candidate{ClientA: a.ID, ClientB: d.ID, Reason: "phone", Score: 0.9, CreatedAt: t0}
	bd := storage.Candidate{ClientA: b.ID, ClientB: d.ID, Reason: "domain", Score: 0.7, CreatedAt: t0}
	for _, x := range []*storage.Candidate{&ab, &ad, &bd} {
		must(s.UpsertCandidate(c, x))(t)
	}
	ok(t, s.SetCandidateStatus(c, bd.ID, storage.CandidateDismissed))
	bd.Status = storage.CandidateDismissed

	candID := func(x storage.Candidate) int64 { return x.ID }
	eq(t, "all, best first", ids(must(s.ListCandidates(c, 0, "", 10))(t), candID), []int64{ad.ID, bd.ID, ab.ID})
	eq(t, "open", ids(must(s.ListCandidates(c, 0, storage.CandidateOpen, 10))(t), candID), []int64{ad.ID, ab.ID})
	eq(t, "of b, either side", must(s.ListCandidates(c, b.ID, "", 10))(t), []storage.Candidate{bd, ab})
	eq(t, "of d, open", ids(must(s.ListCandidates(c, d.ID, storage.CandidateOpen, 10))(t), candID), []int64{ad.ID})
	eq(t, "limit", ids(must(s.ListCandidates(c, 0, "", 1))(t), candID), []int64{ad.ID})
}
