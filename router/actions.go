package router

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// Take assigns a queued dialog to the manager who took it from the queue.
// Authorization (may this manager see the queue?) is the caller's.
func (r *Router) Take(ctx context.Context, dialogID, managerID int64) (storage.Dialog, error) {
	var out storage.Dialog
	err := r.retryTx(ctx, func(tx storage.Queries) error {
		now := r.now()
		d, err := tx.GetDialog(ctx, dialogID)
		if err != nil {
			return err
		}
		if d.Status == storage.DialogClosed {
			return ErrClosed
		}
		if d.AssigneeID == managerID {
			out = d
			return nil
		}
		if d.AssigneeID != 0 {
			return fmt.Errorf("%w: already assigned", ErrNotAssignable)
		}
		var evs pending
		d, err = r.assignTo(ctx, tx, d, managerID, now, &evs)
		if err != nil {
			return err
		}
		out = d
		return evs.flush(ctx, tx)
	})
	return out, err
}

// assignTo gives d to a named manager, releasing its previous assignee.
func (r *Router) assignTo(ctx context.Context, tx storage.Queries, d storage.Dialog, managerID int64, now time.Time, evs *pending) (storage.Dialog, error) {
	m, err := tx.GetManager(ctx, managerID)
	if err != nil {
		return d, err
	}
	if m.Disabled {
		return d, fmt.Errorf("%w: manager is disabled", ErrNotAssignable)
	}
	c, err := tx.GetClient(ctx, d.ClientID)
	if err != nil {
		return d, err
	}
	team := storage.Team{Name: "shared"}
	if d.TeamID != 0 {
		if team, err = tx.GetTeam(ctx, d.TeamID); err != nil {
			return d, err
		}
	}
	// Both managers' rows are locked first, in id order, so that transfers
	// crossing each other (A to B while B to A) cannot deadlock.
	prev := d.AssigneeID
	if _, err := tx.LockManagers(ctx, []int64{prev, m.ID}); err != nil {
		return d, err
	}
	if prev != 0 {
		if err := tx.ReleaseCapacity(ctx, prev); err != nil {
			return d, err
		}
	}
	ok, d2, err := r.tryAssign(ctx, tx, d, false, c, m, team, now, evs)
	if err != nil {
		return d, err
	}
	if !ok {
		return d, ErrAtCapacity
	}
	if prev != 0 {
		evs.add(managerEvent(event.DialogUnassigned, prev, d2, now, dialogData{Dialog: d2, From: prev}))
	}
	return d2, nil
}

// Transfer hands a dialog to another manager, or to another team's queue
// when toManager is 0, recording who had it.
func (r *Router) Transfer(ctx context.Context, dialogID, toManager, toTeam int64) (storage.Dialog, error) {
	var out storage.Dialog
	var prev int64
	err := r.retryTx(ctx, func(tx storage.Queries) error {
		now := r.now()
		d, err := tx.GetDialog(ctx, dialogID)
		if err != nil {
			return err
		}
		if d.Status == storage.DialogClosed {
			return ErrClosed
		}
		var evs pending
		prev = d.AssigneeID
		if toTeam != 0 && toTeam != d.TeamID {
			if _, err := tx.GetTeam(ctx, toTeam); err != nil {
				return err
			}
			if err := tx.SetDialogTeam(ctx, d.ID, toTeam, now); err != nil {
				return err
			}
			d.TeamID = toTeam
		}
		if toManager != 0 {
			if toManager == prev {
				out = d
				return evs.flush(ctx, tx)
			}
			if d, err = r.assignTo(ctx, tx, d, toManager, now, &evs); err != nil {
				return err
			}
		} else if d, err = r.handOver(ctx, tx, d, now, &evs); err != nil {
			return err
		}
		evs.add(dialogEvent(event.DialogTransferred, d, now, dialogData{Dialog: d, From: prev}))
		out = d
		return evs.flush(ctx, tx)
	})
	if err == nil && prev != out.AssigneeID {
		r.drainAfterRelease(ctx, prev)
	}
	return out, err
}

// requeue takes a dialog from its assignee back to the team queue.
func (r *Router) requeue(ctx context.Context, tx storage.Queries, d storage.Dialog, now time.Time, evs *pending) (storage.Dialog, error) {
	prev := d.AssigneeID
	if prev == 0 {
		return d, nil
	}
	ok, err := tx.UnassignDialog(ctx, d.ID, prev, now)
	if err != nil {
		return d, err
	}
	if !ok {
		return d, errLostRace
	}
	if err := tx.ReleaseCapacity(ctx, prev); err != nil {
		return d, err
	}
	d.AssigneeID, d.QueuedAt, d.SLADueAt = 0, now, time.Time{}
	evs.add(managerEvent(event.DialogUnassigned, prev, d, now, dialogData{Dialog: d, From: prev}))
	return d, nil
}

// Guard decides, on a dialog as an action's transaction reads it, whether
// the action may go ahead; its error is the action's. An authorization
// checked here holds for the very row the action changes, and the dialog
// is read once. A nil Guard lets every action through.
type Guard func(storage.Dialog) error

func (g Guard) check(d storage.Dialog) error {
	if g == nil {
		return nil
	}
	return g(d)
}

// Close closes a dialog and frees its manager's capacity, which at once
// goes to the oldest dialog waiting in the manager's queues.
func (r *Router) Close(ctx context.Context, dialogID int64, guard Guard) (storage.Dialog, error) {
	var out storage.Dialog
	err := r.retryTx(ctx, func(tx storage.Queries) error {
		now := r.now()
		d, err := tx.GetDialog(ctx, dialogID)
		if err != nil {
			return err
		}
		if err := guard.check(d); err != nil {
			return err
		}
		if d.Status == storage.DialogClosed {
			out = d
			return nil
		}
		if err := tx.SetDialogStatus(ctx, d.ID, storage.DialogClosed, now); err != nil {
			return err
		}
		if d.AssigneeID != 0 {
			if err := tx.ReleaseCapacity(ctx, d.AssigneeID); err != nil {
				return err
			}
		}
		d.Status, d.ClosedAt = storage.DialogClosed, now
		out = d
		return pending{dialogEvent(event.DialogClosed, d, now, dialogData{Dialog: d})}.flush(ctx, tx)
	})
	if err == nil {
		r.drainAfterRelease(ctx, out.AssigneeID)
	}
	return out, err
}

// Reopen reopens a closed dialog: back to its manager if they can take it,
// else to distribution.
func (r *Router) Reopen(ctx context.Context, dialogID int64, guard Guard) (storage.Dialog, error) {
	var out storage.Dialog
	err := r.retryTx(ctx, func(tx storage.Queries) error {
		now := r.now()
		d, err := tx.GetDialog(ctx, dialogID)
		if err != nil {
			return err
		}
		if err := guard.check(d); err != nil {
			return err
		}
		if d.Status != storage.DialogClosed {
			out = d
			return nil
		}
		var evs pending
		d, redistribute, err := r.reopenTx(ctx, tx, d, now, &evs)
		if err != nil {
			return err
		}
		if redistribute {
			if d, err = r.redistribute(ctx, tx, d, 0, now, &evs); err != nil {
				return err
			}
		}
		out = d
		return evs.flush(ctx, tx)
	})
	return out, err
}

// reopenTx reopens d; it keeps its manager if they are online with
// capacity, else it goes back to the queue and reports that it needs
// distribution.
func (r *Router) reopenTx(ctx context.Context, tx storage.Queries, d storage.Dialog, now time.Time, evs *pending) (storage.Dialog, bool, error) {
	if err := tx.SetDialogStatus(ctx, d.ID, storage.DialogOpen, now); err != nil {
		return d, false, err
	}
	d.Status, d.ClosedAt = storage.DialogOpen, time.Time{}
	keep := false
	if d.AssigneeID != 0 {
		m, err := tx.GetManager(ctx, d.AssigneeID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return d, false, err
		}
		if err == nil && available(m) {
			if keep, err = tx.ReserveCapacity(ctx, m.ID, now); err != nil {
				return d, false, err
			}
		}
		if !keep {
			ok, err := tx.UnassignDialog(ctx, d.ID, d.AssigneeID, now)
			if err != nil {
				return d, false, err
			}
			if !ok {
				return d, false, errLostRace
			}
			d.AssigneeID, d.QueuedAt = 0, now
		}
	}
	evs.add(dialogEvent(event.DialogReopened, d, now, dialogData{Dialog: d}))
	return d, !keep, nil
}
