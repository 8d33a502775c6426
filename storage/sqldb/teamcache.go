package sqldb

import (
	"bytes"
	"slices"
	"sync"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// teamCacheTTL bounds how long a cached team or membership is trusted
// without news of a change: a safety net for edits made outside the hub
// (plain SQL) and for a notification lost while a replica's listener was
// reconnecting before it noticed.
const teamCacheTTL = time.Minute

// teamCache keeps teams and managers' team ids, which change rarely but
// are read on every new dialog (the channel's team by name) and on every
// close (the queues a manager drains). Any committed team or membership
// change, this process's or, through the notification channel, another
// replica's, empties it.
//
// A read that misses notes the generation before it queries and stores
// its result only if no change came meanwhile, so a row read just before
// a change never outlives it in the cache.
type teamCache struct {
	mu      sync.Mutex
	gen     uint64
	byID    map[int64]cached[storage.Team]
	byName  map[string]cached[storage.Team]
	teamsOf map[int64]cached[[]int64]
	now     func() time.Time
}

type cached[T any] struct {
	v       T
	expires time.Time
}

func newTeamCache() *teamCache {
	c := &teamCache{now: time.Now}
	c.reset()
	return c
}

func (c *teamCache) reset() {
	c.byID = map[int64]cached[storage.Team]{}
	c.byName = map[string]cached[storage.Team]{}
	c.teamsOf = map[int64]cached[[]int64]{}
}

// invalidate forgets everything and makes reads in flight not store what
// they read.
func (c *teamCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.reset()
}

// generation is what a missing read notes before it queries.
func (c *teamCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *teamCache) team(id int64) (storage.Team, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := fresh(c.byID, id, c.now())
	t.Hours = bytes.Clone(t.Hours) // callers share no memory
	return t, ok
}

func (c *teamCache) teamByName(name string) (storage.Team, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := fresh(c.byName, name, c.now())
	t.Hours = bytes.Clone(t.Hours)
	return t, ok
}

func (c *teamCache) managerTeams(managerID int64) ([]int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids, ok := fresh(c.teamsOf, managerID, c.now())
	// Callers may append to the slice they get.
	return slices.Clone(ids), ok
}

func fresh[K comparable, T any](m map[K]cached[T], k K, now time.Time) (T, bool) {
	e, ok := m[k]
	if !ok || !now.Before(e.expires) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// putTeam stores a team read at generation gen under its id and name.
func (c *teamCache) putTeam(gen uint64, t storage.Team) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	t.Hours = bytes.Clone(t.Hours)
	e := cached[storage.Team]{v: t, expires: c.now().Add(teamCacheTTL)}
	c.byID[t.ID], c.byName[t.Name] = e, e
}

func (c *teamCache) putManagerTeams(gen uint64, managerID int64, ids []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.teamsOf[managerID] = cached[[]int64]{v: slices.Clone(ids), expires: c.now().Add(teamCacheTTL)}
}
