package sqldb

import (
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// A read that began before a change does not put what it read into the
// cache after the change emptied it.
func TestTeamCacheDropsReadsOlderThanAChange(t *testing.T) {
	c := newTeamCache()
	gen := c.generation()
	c.invalidate() // a change commits while the read is in flight
	c.putTeam(gen, storage.Team{ID: 1, Name: "Sales"})
	c.putManagerTeams(gen, 7, []int64{1})
	if _, ok := c.team(1); ok {
		t.Error("a team read before the change was cached")
	}
	if _, ok := c.managerTeams(7); ok {
		t.Error("teams read before the change were cached")
	}

	gen = c.generation()
	c.putTeam(gen, storage.Team{ID: 1, Name: "Sales", Hours: []byte(`{"days":[1]}`)})
	got, ok := c.teamByName("Sales")
	if !ok || got.ID != 1 {
		t.Fatalf("teamByName = %+v, %v", got, ok)
	}
	got.Hours[0] = 'X'
	if again, _ := c.team(1); string(again.Hours) != `{"days":[1]}` {
		t.Errorf("a caller's change reached the cache: %s", again.Hours)
	}
	c.invalidate()
	if _, ok := c.team(1); ok {
		t.Error("invalidate kept a team")
	}
}

// Entries expire, so a change made outside the hub is seen in time.
func TestTeamCacheExpires(t *testing.T) {
	c := newTeamCache()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	c.putManagerTeams(c.generation(), 7, nil)
	if ids, ok := c.managerTeams(7); !ok || ids != nil {
		t.Fatalf("managerTeams = %v, %v; want no teams, cached", ids, ok)
	}
	now = now.Add(teamCacheTTL)
	if _, ok := c.managerTeams(7); ok {
		t.Error("an entry outlived its time")
	}
}
