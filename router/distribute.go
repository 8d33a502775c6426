package router

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// distribute hands an unassigned open dialog to a manager, or leaves it in
// its team's queue: the client's owner first (when online with capacity, or
// waited for if the team says so), then the team's strategy among online
// members with free capacity. exclude is a manager not to offer it to (the
// one who just let its SLA run out). known is the dialog's team if the
// caller has read it in this transaction, else nil. fresh says this
// transaction created d (see tryAssign).
func (r *Router) distribute(ctx context.Context, tx storage.Queries, d storage.Dialog, fresh bool, c storage.Client, known *knownTeam, exclude int64, now time.Time, evs *pending) (storage.Dialog, error) {
	team, members, err := r.teamAndMembers(ctx, tx, d.TeamID, known)
	if err != nil {
		return d, err
	}
	hours, err := ParseHours(team.Hours)
	if err != nil {
		r.log.Warn("bad team hours; treating as always open", "team", team.Name, "err", err)
		hours = nil
	}
	if !hours.Open(now) {
		return r.queue(d, now, "outside_hours", evs), nil
	}

	if d.ReservedFor != 0 && now.Before(d.ReservedUntil) {
		m, err := manager(ctx, tx, members, d.ReservedFor)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return d, err
		}
		if err == nil && available(m) {
			if ok, d2, err := r.tryAssign(ctx, tx, d, fresh, c, m, team, now, evs); ok || err != nil {
				return d2, err
			}
		}
		return d, nil // still waiting for the owner
	}

	if c.OwnerID != 0 && c.OwnerID != exclude {
		owner, err := manager(ctx, tx, members, c.OwnerID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return d, err
		}
		if err == nil && !owner.Disabled {
			if available(owner) {
				if ok, d2, err := r.tryAssign(ctx, tx, d, fresh, c, owner, team, now, evs); ok || err != nil {
					return d2, err
				}
			}
			// ReservedUntil stays set after a reservation runs out, so a
			// dialog waits for its owner once, not forever.
			if team.OwnerWait > 0 && d.ReservedUntil.IsZero() {
				until := now.Add(team.OwnerWait)
				if err := tx.SetDialogReservation(ctx, d.ID, owner.ID, until); err != nil {
					return d, err
				}
				d.ReservedFor, d.ReservedUntil = owner.ID, until
				return r.queue(d, now, "waiting_for_owner", evs), nil
			}
		}
	}

	turn := int64(0)
	if team.ID != 0 && team.Strategy != storage.LeastLoaded {
		if turn, err = tx.NextTeamTurn(ctx, team.ID, 1); err != nil {
			return d, err
		}
	}
	for _, m := range order(members, team.Strategy, turn) {
		if m.ID == exclude || !available(m) {
			continue
		}
		ok, d2, err := r.tryAssign(ctx, tx, d, fresh, c, m, team, now, evs)
		if err != nil {
			return d, err
		}
		if ok {
			return d2, nil
		}
	}
	return r.queue(d, now, "no_manager_available", evs), nil
}

// handOver takes d from its manager back to its team's queue and offers it
// to the team, that manager excluded. It releases one manager's capacity and
// takes another's, so it first locks, in id order, every manager it may
// touch: two hand-overs crossing each other (A's dialog to B while B's to
// A) would otherwise lock the two rows in opposite orders and deadlock.
func (r *Router) handOver(ctx context.Context, tx storage.Queries, d storage.Dialog, now time.Time, evs *pending) (storage.Dialog, error) {
	prev := d.AssigneeID
	c, err := tx.GetClient(ctx, d.ClientID)
	if err != nil {
		return d, err
	}
	team, members, err := r.teamAndMembers(ctx, tx, d.TeamID, nil)
	if err != nil {
		return d, err
	}
	ids := []int64{prev, c.OwnerID, d.ReservedFor}
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	if _, err := tx.LockManagers(ctx, ids); err != nil {
		return d, err
	}
	if d, err = r.requeue(ctx, tx, d, now, evs); err != nil {
		return d, err
	}
	// The members are read again: their loads changed with the locks.
	var known *knownTeam
	if d.TeamID != 0 {
		known = &knownTeam{team: team}
	}
	return r.distribute(ctx, tx, d, false, c, known, prev, now, evs)
}

// redistribute loads the dialog's client and distributes the dialog.
func (r *Router) redistribute(ctx context.Context, tx storage.Queries, d storage.Dialog, exclude int64, now time.Time, evs *pending) (storage.Dialog, error) {
	c, err := tx.GetClient(ctx, d.ClientID)
	if err != nil {
		return d, err
	}
	return r.distribute(ctx, tx, d, false, c, nil, exclude, now, evs)
}

// manager returns manager id, from the team's members just read when it is
// one of them (an owner usually is), else from the store.
func manager(ctx context.Context, tx storage.Queries, members []storage.Manager, id int64) (storage.Manager, error) {
	for _, m := range members {
		if m.ID == id {
			return m, nil
		}
	}
	return tx.GetManager(ctx, id)
}

// available is the cheap pre-check; ReserveCapacity is the real one.
func available(m storage.Manager) bool {
	return !m.Disabled && m.Presence == storage.Online && m.Load < m.Capacity
}

// order lists members in the order the team's strategy offers work.
// Round-robin starts at the member whose turn it is and goes on from
// there, so a manager at capacity passes the dialog to the next one.
func order(members []storage.Manager, strategy storage.Strategy, turn int64) []storage.Manager {
	out := append([]storage.Manager(nil), members...)
	switch strategy {
	case storage.LeastLoaded:
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i], out[j]
			if a.Load != b.Load {
				return a.Load < b.Load
			}
			if !a.LastAssignedAt.Equal(b.LastAssignedAt) {
				return a.LastAssignedAt.Before(b.LastAssignedAt)
			}
			return a.ID < b.ID
		})
	default:
		if len(out) == 0 {
			return out
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		i := int((turn - 1) % int64(len(out)))
		if i < 0 {
			i = 0
		}
		out = append(out[i:], out[:i]...)
	}
	return out
}

// tryAssign gives d to m if m has capacity. Losing the dialog to a
// concurrent assignment rolls the whole transaction back (errLostRace), so
// the capacity reserved here is never leaked. A dialog this transaction
// created (fresh) cannot be lost: its assignment goes with the commit, so
// the manager's row, locked from the reservation on, is held one round
// trip less.
func (r *Router) tryAssign(ctx context.Context, tx storage.Queries, d storage.Dialog, fresh bool, c storage.Client, m storage.Manager, team storage.Team, now time.Time, evs *pending) (bool, storage.Dialog, error) {
	ok, err := tx.ReserveCapacity(ctx, m.ID, now)
	if err != nil || !ok {
		return false, d, err
	}
	var due time.Time
	if team.SLA > 0 && d.FirstResponseAt.IsZero() {
		due = now.Add(team.SLA)
	}
	if fresh {
		if err := tx.AssignNewDialog(ctx, d.ID, m.ID, due, now); err != nil {
			return false, d, err
		}
	} else {
		assigned, err := tx.AssignDialog(ctx, d.ID, d.AssigneeID, m.ID, due, now)
		if err != nil {
			return false, d, err
		}
		if !assigned {
			return false, d, errLostRace
		}
	}
	if c.OwnerID == 0 {
		// The first manager to take a client becomes its owner, so the
		// client's next contact comes back to them.
		c.OwnerID, c.UpdatedAt = m.ID, now
		if err := tx.UpdateClient(ctx, c); err != nil {
			return false, d, err
		}
	}
	d.AssigneeID, d.SLADueAt, d.QueuedAt = m.ID, due, time.Time{}
	d.ReservedFor, d.ReservedUntil = 0, time.Time{}
	r.metrics.assigned(team.Name)
	evs.add(dialogEvent(event.DialogAssigned, d, now, dialogData{Dialog: d}))
	return true, d, nil
}

func (r *Router) queue(d storage.Dialog, now time.Time, reason string, evs *pending) storage.Dialog {
	evs.add(dialogEvent(event.DialogQueued, d, now, dialogData{Dialog: d, Reason: reason}))
	return d
}

// knownTeam is a dialog's team read earlier in the transaction, with its
// members when their read was sent ahead (members is nil otherwise).
type knownTeam struct {
	team    storage.Team
	members func() ([]storage.Manager, error)
}

// teamAndMembers loads the dialog's team (unless known is it) and its
// members (unless known has them on the way). Team 0 is the shared queue:
// every enabled manager is a member.
func (r *Router) teamAndMembers(ctx context.Context, tx storage.Queries, teamID int64, known *knownTeam) (storage.Team, []storage.Manager, error) {
	if teamID == 0 {
		shared := storage.Team{Name: "shared", Strategy: storage.LeastLoaded}
		if known != nil && known.team.ID == 0 && known.members != nil {
			ms, err := known.members()
			return shared, ms, err
		}
		ms, err := tx.ListManagers(ctx)
		return shared, ms, err
	}
	var t storage.Team
	if known != nil && known.team.ID == teamID {
		t = known.team
		if known.members != nil {
			ms, err := known.members()
			return t, ms, err
		}
	} else {
		var err error
		if t, err = tx.GetTeam(ctx, teamID); err != nil {
			return storage.Team{}, nil, err
		}
	}
	ms, err := tx.TeamMembers(ctx, teamID)
	return t, ms, err
}
