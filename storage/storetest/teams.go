package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var teamTests = []test{
	{"TeamRoundTrip", testTeamRoundTrip},
	{"TeamMembers", testTeamMembers},
	{"TeamReadsFollowChanges", testTeamReadsFollowChanges},
}

func testTeamRoundTrip(t *testing.T, s storage.Store) {
	c := ctx(t)
	tm := storage.Team{
		Name: "Sales", Strategy: storage.LeastLoaded, SLA: 15 * time.Minute, OwnerWait: 2 * time.Minute,
		Hours: json.RawMessage(`{"tz":"Europe/Moscow","days":[1,2,3,4,5]}`), CreatedAt: t0,
	}
	ok(t, s.CreateTeam(c, &tm))
	if tm.ID == 0 {
		t.Fatal("CreateTeam did not set the id")
	}
	eq(t, "get", must(s.GetTeam(c, tm.ID))(t), tm)
	eq(t, "get by name", must(s.GetTeamByName(c, "Sales"))(t), tm)
	wantErr(t, "duplicate name", s.CreateTeam(c, &storage.Team{Name: "Sales", CreatedAt: t0}), storage.ErrConflict)
	_, err := s.GetTeam(c, tm.ID+1000)
	wantErr(t, "missing", err, storage.ErrNotFound)
	_, err = s.GetTeamByName(c, "nope")
	wantErr(t, "missing name", err, storage.ErrNotFound)

	plain := newTeam(t, s, "Support")
	eq(t, "default strategy", must(s.GetTeam(c, plain.ID))(t).Strategy, storage.RoundRobin)
	eq(t, "empty hours", must(s.GetTeam(c, plain.ID))(t).Hours, json.RawMessage(nil))

	upd := tm
	upd.Name, upd.Strategy, upd.SLA, upd.OwnerWait, upd.Hours = "Sales B2B", storage.RoundRobin, time.Hour, 0, nil
	ok(t, s.UpdateTeam(c, upd))
	eq(t, "after update", must(s.GetTeam(c, tm.ID))(t), upd)
	wantErr(t, "rename onto a taken name", s.UpdateTeam(c, storage.Team{ID: tm.ID, Name: "Support"}), storage.ErrConflict)
	wantErr(t, "update missing", s.UpdateTeam(c, storage.Team{ID: tm.ID + 1000, Name: "x"}), storage.ErrNotFound)

	eq(t, "first turn", must(s.NextTeamTurn(c, tm.ID, 1))(t), int64(1))
	eq(t, "second turn", must(s.NextTeamTurn(c, tm.ID, 1))(t), int64(2))
	eq(t, "another team counts apart", must(s.NextTeamTurn(c, plain.ID, 1))(t), int64(1))
	eq(t, "three turns at once end at the last", must(s.NextTeamTurn(c, tm.ID, 3))(t), int64(5))
	eq(t, "and go on from there", must(s.NextTeamTurn(c, tm.ID, 1))(t), int64(6))
	_, err = s.NextTeamTurn(c, tm.ID, 0)
	if err == nil {
		t.Error("no turns: want an error")
	}
	_, err = s.NextTeamTurn(c, tm.ID+1000, 1)
	wantErr(t, "turn of a missing team", err, storage.ErrNotFound)
	// Turns taken inside concurrent transactions are all different.
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Tx(c, func(tx storage.Queries) error {
				n, err := tx.NextTeamTurn(c, plain.ID, 1)
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				if seen[n] {
					return fmt.Errorf("turn %d handed out twice", n)
				}
				seen[n] = true
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	eq(t, "turns taken", len(seen), 16)

	eq(t, "list", ids(must(s.ListTeams(c))(t), func(x storage.Team) int64 { return x.ID }), []int64{tm.ID, plain.ID})
	ok(t, s.DeleteTeam(c, tm.ID))
	_, err = s.GetTeam(c, tm.ID)
	wantErr(t, "deleted", err, storage.ErrNotFound)
	wantErr(t, "delete again", s.DeleteTeam(c, tm.ID), storage.ErrNotFound)
}

func testTeamMembers(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b := newTeam(t, s, "A"), newTeam(t, s, "B")
	m1, m2, m3 := newManager(t, s, "m1", 1), newManager(t, s, "m2", 1), newManager(t, s, "m3", 1)
	for _, p := range [][2]int64{{a.ID, m3.ID}, {a.ID, m1.ID}, {a.ID, m1.ID}, {b.ID, m1.ID}} {
		ok(t, s.AddTeamMember(c, p[0], p[1]))
	}
	eq(t, "members by id", ids(must(s.TeamMembers(c, a.ID))(t), managerID), []int64{m1.ID, m3.ID})
	eq(t, "member record", must(s.TeamMembers(c, a.ID))(t)[0], must(s.GetManager(c, m1.ID))(t))
	eq(t, "teams of m1", must(s.ManagerTeams(c, m1.ID))(t), []int64{a.ID, b.ID})
	eq(t, "teams of m2", len(must(s.ManagerTeams(c, m2.ID))(t)), 0)
	wantErr(t, "missing team", s.AddTeamMember(c, b.ID+1000, m2.ID), storage.ErrNotFound)
	wantErr(t, "missing manager", s.AddTeamMember(c, a.ID, m3.ID+1000), storage.ErrNotFound)

	ok(t, s.RemoveTeamMember(c, a.ID, m1.ID))
	ok(t, s.RemoveTeamMember(c, a.ID, m2.ID)) // not a member: no error
	eq(t, "after remove", ids(must(s.TeamMembers(c, a.ID))(t), managerID), []int64{m3.ID})

	ok(t, s.DeleteTeam(c, b.ID))
	eq(t, "membership goes with the team", must(s.ManagerTeams(c, m1.ID))(t), []int64(nil))
}

// Teams and memberships are read far more often than written, and a store
// may keep them; every read still sees every committed change, and a
// transaction sees its own.
func testTeamReadsFollowChanges(t *testing.T, s storage.Store) {
	c := ctx(t)
	tm := newTeam(t, s, "Sales")
	m := newManager(t, s, "m", 1)
	// Read each way first, so a store that keeps them has them.
	eq(t, "by name", must(s.GetTeamByName(c, "Sales"))(t).ID, tm.ID)
	eq(t, "by id", must(s.GetTeam(c, tm.ID))(t).Name, "Sales")
	eq(t, "no teams yet", len(must(s.ManagerTeams(c, m.ID))(t)), 0)

	renamed := must(s.GetTeam(c, tm.ID))(t)
	renamed.Name, renamed.Strategy = "Sales B2B", storage.LeastLoaded
	ok(t, s.UpdateTeam(c, renamed))
	_, err := s.GetTeamByName(c, "Sales")
	wantErr(t, "old name after rename", err, storage.ErrNotFound)
	eq(t, "new name", must(s.GetTeamByName(c, "Sales B2B"))(t), renamed)
	eq(t, "by id after rename", must(s.GetTeam(c, tm.ID))(t), renamed)

	ok(t, s.AddTeamMember(c, tm.ID, m.ID))
	teams := must(s.ManagerTeams(c, m.ID))(t)
	eq(t, "teams after join", teams, []int64{tm.ID})
	_ = append(teams[:0], -1) // a caller scribbling on its slice
	eq(t, "teams read again", must(s.ManagerTeams(c, m.ID))(t), []int64{tm.ID})

	// A transaction reads its own uncommitted changes; rolled back, they
	// leave no trace in later reads.
	errRollback := errors.New("roll back")
	err = s.Tx(c, func(tx storage.Queries) error {
		moved := renamed
		moved.Name = "Moved"
		if err := tx.UpdateTeam(c, moved); err != nil {
			return err
		}
		if err := tx.RemoveTeamMember(c, tm.ID, m.ID); err != nil {
			return err
		}
		eq(t, "own rename by id", must(tx.GetTeam(c, tm.ID))(t).Name, "Moved")
		eq(t, "own rename by name", must(tx.GetTeamByName(c, "Moved"))(t).ID, tm.ID)
		eq(t, "own leave", len(must(tx.ManagerTeams(c, m.ID))(t)), 0)
		return errRollback
	})
	wantErr(t, "rolled back", err, errRollback)
	eq(t, "by id after rollback", must(s.GetTeam(c, tm.ID))(t), renamed)
	_, err = s.GetTeamByName(c, "Moved")
	wantErr(t, "rolled-back name", err, storage.ErrNotFound)
	eq(t, "teams after rollback", must(s.ManagerTeams(c, m.ID))(t), []int64{tm.ID})

	ok(t, s.RemoveTeamMember(c, tm.ID, m.ID))
	eq(t, "teams after leave", len(must(s.ManagerTeams(c, m.ID))(t)), 0)
	ok(t, s.AddTeamMember(c, tm.ID, m.ID))
	ok(t, s.DeleteTeam(c, tm.ID))
	_, err = s.GetTeam(c, tm.ID)
	wantErr(t, "deleted by id", err, storage.ErrNotFound)
	_, err = s.GetTeamByName(c, "Sales B2B")
	wantErr(t, "deleted by name", err, storage.ErrNotFound)
	eq(t, "membership gone with the team", len(must(s.ManagerTeams(c, m.ID))(t)), 0)
}
