package router_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
)

// TestReindexNames: clients stored without name keys (as before keys
// existed) are found as namesakes once reindexed, and a second run reads
// the version and changes nothing.
func TestReindexNames(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		old := storage.Client{Kind: storage.Person, Name: "Иванов Пётр Сергеевич", CreatedAt: e.clock.now()}
		if err := e.store.CreateClient(e.ctx, &old); err != nil {
			t.Fatal(err)
		}
		if err := e.r.ReindexNames(e.ctx); err != nil {
			t.Fatal(err)
		}
		b := e.ingest(msg("api:shop", "n1", "Petr Ivanov", phone("+79123450002")))
		cands, err := e.store.ListCandidates(e.ctx, b.ClientID, storage.CandidateOpen, 10)
		if err != nil || len(cands) != 1 || cands[0].ClientA != old.ID {
			t.Fatalf("candidates after reindex = %+v, %v", cands, err)
		}

		// Done once: a client whose keys are removed stays without them.
		if err := e.store.SetNameKeys(e.ctx, old.ID, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.r.ReindexNames(e.ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.store.ClientsByNameKey(e.ctx, []string{"ivn ptr"}, b.ClientID, 10); len(got) != 0 {
			t.Fatalf("second reindex ran again: %+v", got)
		}
	})
}

// TestNamesakeAmongCommonFirstNames: a namesake is found however many
// clients share the first name, because the lookup is by both names.
func TestNamesakeAmongCommonFirstNames(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{CandidateScan: 5}, func(e *env) {
		for i := 1; i <= 20; i++ {
			e.ingest(msg("api:shop", fmt.Sprintf("x%d", i), fmt.Sprintf("Иван %cрлов", 'А'+rune(i)), phone(fmt.Sprintf("+7912000%04d", i))))
		}
		first := e.ingest(msg("api:shop", "x0", "Иван Смирнов", phone("+79120000000")))
		b := e.ingest(msg("api:shop", "y", "Ivan Smirnov", phone("+79129999999")))
		cands, err := e.store.ListCandidates(e.ctx, b.ClientID, storage.CandidateOpen, 10)
		if err != nil || len(cands) != 1 || cands[0].ClientA != first.ClientID || !strings.Contains(cands[0].Reason, "similar name") {
			t.Fatalf("candidates = %+v, %v", cands, err)
		}
	})
}

// TestCandidatesCapped: a new client resembling many others raises only
// the best few candidates, the newest first among equals.
func TestCandidatesCapped(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{CandidatesPerClient: 2}, func(e *env) {
		var same []int64
		for i := range 6 {
			rc := e.ingest(msg("api:shop", fmt.Sprintf("s%d", i), "Иван Иванов", phone(fmt.Sprintf("+7912111%04d", i))))
			same = append(same, rc.ClientID)
		}
		b := e.ingest(msg("api:shop", "new", "Ivan Ivanov", phone("+79129999999")))
		cands, err := e.store.ListCandidates(e.ctx, b.ClientID, storage.CandidateOpen, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, c := range cands {
			got = append(got, c.ClientA)
		}
		slices.Sort(got)
		if want := same[4:]; !slices.Equal(got, want) {
			t.Fatalf("candidates with %v, want the two newest %v", got, want)
		}
	})
}
