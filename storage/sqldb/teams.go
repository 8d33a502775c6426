package sqldb

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

const teamCols = `id, name, strategy, sla_seconds, owner_wait_seconds, hours, created_at`

func scanTeam(r scanner) (storage.Team, error) {
	var t storage.Team
	var sla, wait, created int64
	var hours string
	err := r.Scan(&t.ID, &t.Name, &t.Strategy, &sla, &wait, &hours, &created)
	t.SLA, t.OwnerWait = time.Duration(sla)*time.Second, time.Duration(wait)*time.Second
	t.Hours, t.CreatedAt = rawJSON(hours), tm(created)
	return t, err
}

// rawJSON turns stored JSON text back into a RawMessage; "" is nil.
func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// CreateTeam inserts t and sets its id; a taken name is
// storage.ErrConflict. Durations are kept in whole seconds.
func (q *queries) CreateTeam(ctx context.Context, t *storage.Team) error {
	if t.Strategy == "" {
		t.Strategy = storage.RoundRobin
	}
	t.SLA, t.OwnerWait = t.SLA.Truncate(time.Second), t.OwnerWait.Truncate(time.Second)
	t.CreatedAt = orNow(t.CreatedAt)
	return q.changeTeams(ctx, func(q *queries) error {
		err := q.ex.QueryRowContext(ctx, `INSERT INTO teams (name, strategy, sla_seconds, owner_wait_seconds,
			hours, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			t.Name, t.Strategy, int64(t.SLA/time.Second), int64(t.OwnerWait/time.Second), string(t.Hours),
			ms(t.CreatedAt)).Scan(&t.ID)
		return q.wrap("create team", err)
	})
}

// changeTeams runs fn, a write to teams or memberships, in a transaction
// that announces the change: other replicas hear of it at commit through
// the notification channel, and this process empties its team cache then.
func (q *queries) changeTeams(ctx context.Context, fn func(q *queries) error) error {
	return q.atomic(ctx, func(q *queries) error {
		if err := fn(q); err != nil {
			return err
		}
		q.tx.teamsChanged = true
		if ch := q.db.dialect.NotifyChannel; ch != "" {
			if _, err := q.exec(ctx, "announce team change", `SELECT pg_notify($1, $2)`, ch, TeamsChangedPayload); err != nil {
				return err
			}
		}
		return nil
	})
}

// cachedTeams reports whether reads of teams may come from the cache: not
// in a transaction that changed them itself.
func (q *queries) cachedTeams() bool { return q.tx == nil || !q.tx.teamsChanged }

// GetTeam returns a team by id.
func (q *queries) GetTeam(ctx context.Context, id int64) (storage.Team, error) {
	return viaTeamCache(q, func() (storage.Team, bool) { return q.db.teams.team(id) },
		func() (storage.Team, error) {
			return one(ctx, q, "get team", `SELECT `+teamCols+` FROM teams WHERE id = $1`, []any{id}, scanTeam)
		}, q.db.teams.putTeam)
}

// GetTeamByName returns a team by name.
func (q *queries) GetTeamByName(ctx context.Context, name string) (storage.Team, error) {
	return viaTeamCache(q, func() (storage.Team, bool) { return q.db.teams.teamByName(name) },
		func() (storage.Team, error) {
			return one(ctx, q, "get team by name", `SELECT `+teamCols+` FROM teams WHERE name = $1`, []any{name}, scanTeam)
		}, q.db.teams.putTeam)
}

// viaTeamCache answers a read of teams from the cache when the
// transaction may use it (see cachedTeams), else reads the database and
// caches the answer under the generation noted before the read.
func viaTeamCache[T any](q *queries, cached func() (T, bool), read func() (T, error), put func(gen uint64, v T)) (T, error) {
	use := q.cachedTeams()
	if use {
		if v, ok := cached(); ok {
			return v, nil
		}
	}
	gen := q.db.teams.generation()
	v, err := read()
	if err == nil && use {
		put(gen, v)
	}
	return v, err
}

// ListTeams lists all teams ordered by id.
func (q *queries) ListTeams(ctx context.Context) ([]storage.Team, error) {
	return list(ctx, q, "list teams", `SELECT `+teamCols+` FROM teams ORDER BY id`, nil, scanTeam)
}

// UpdateTeam writes name, strategy, SLA, owner wait and hours.
func (q *queries) UpdateTeam(ctx context.Context, t storage.Team) error {
	return q.changeTeams(ctx, func(q *queries) error {
		return q.execOne(ctx, "update team", `UPDATE teams SET name = $2, strategy = $3, sla_seconds = $4,
			owner_wait_seconds = $5, hours = $6 WHERE id = $1`,
			t.ID, t.Name, t.Strategy, int64(t.SLA/time.Second), int64(t.OwnerWait/time.Second), string(t.Hours))
	})
}

// DeleteTeam deletes a team and its memberships. Its dialogs keep the
// stale team id; the router moves them when it next touches them.
func (q *queries) DeleteTeam(ctx context.Context, id int64) error {
	return q.changeTeams(ctx, func(q *queries) error {
		return q.execOne(ctx, "delete team", `DELETE FROM teams WHERE id = $1`, id)
	})
}

// AddTeamMember adds a manager to a team; adding a member twice is not an
// error. A missing team or manager is storage.ErrNotFound.
func (q *queries) AddTeamMember(ctx context.Context, teamID, managerID int64) error {
	return q.changeTeams(ctx, func(q *queries) error {
		_, err := q.exec(ctx, "add team member", `INSERT INTO team_members (team_id, manager_id) VALUES ($1, $2)
			ON CONFLICT (team_id, manager_id) DO NOTHING`, teamID, managerID)
		return err
	})
}

// RemoveTeamMember removes a manager from a team; removing a non-member is
// not an error.
func (q *queries) RemoveTeamMember(ctx context.Context, teamID, managerID int64) error {
	return q.changeTeams(ctx, func(q *queries) error {
		_, err := q.exec(ctx, "remove team member", `DELETE FROM team_members WHERE team_id = $1 AND manager_id = $2`,
			teamID, managerID)
		return err
	})
}

// TeamMembers lists the team's managers ordered by id.
func (q *queries) TeamMembers(ctx context.Context, teamID int64) ([]storage.Manager, error) {
	return q.TeamMembersAhead(ctx, teamID)()
}

// TeamMembersAhead is TeamMembers sent with the next statement (listAhead).
func (q *queries) TeamMembersAhead(ctx context.Context, teamID int64) func() ([]storage.Manager, error) {
	return listAhead(ctx, q, "team members", `SELECT `+prefixed("m.", managerCols)+` FROM managers m
		JOIN team_members tm ON tm.manager_id = m.id WHERE tm.team_id = $1 ORDER BY m.id`,
		[]any{teamID}, scanManager)
}

// ManagerTeams lists the ids of a manager's teams in ascending order.
func (q *queries) ManagerTeams(ctx context.Context, managerID int64) ([]int64, error) {
	return viaTeamCache(q, func() ([]int64, bool) { return q.db.teams.managerTeams(managerID) },
		func() ([]int64, error) {
			return list(ctx, q, "manager teams", `SELECT team_id FROM team_members WHERE manager_id = $1 ORDER BY team_id`,
				[]any{managerID}, scanInt64)
		},
		func(gen uint64, ids []int64) { q.db.teams.putManagerTeams(gen, managerID, ids) })
}

func scanInt64(r scanner) (int64, error) {
	var v int64
	err := r.Scan(&v)
	return v, err
}
