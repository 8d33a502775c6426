package router

import (
	"context"
	"errors"

	"github.com/switchboard-hub/switchboard/storage"
)

// drainPage is how many queued dialogs one drain pass looks at.
const drainPage = 20

// Drain hands out a team's queued dialogs, oldest first, until nobody
// with free capacity is left. Each dialog is assigned in its own short
// transaction.
func (r *Router) Drain(ctx context.Context, teamID int64) error {
	for {
		var queued []storage.Dialog
		err := r.read(ctx, func(q storage.Queries) error {
			var err error
			queued, err = q.QueuedDialogs(ctx, teamID, drainPage)
			return err
		})
		if err != nil || len(queued) == 0 {
			return err
		}
		progressed := false
		for _, q := range queued {
			assigned, err := r.offer(ctx, q.ID)
			if err != nil {
				return err
			}
			progressed = progressed || assigned
			if !assigned && q.ReservedFor == 0 {
				// Nobody could take the oldest free dialog; younger
				// ones would meet the same managers.
				return nil
			}
		}
		if !progressed {
			return nil
		}
	}
}

// offer runs distribution for one queued dialog, reporting whether it was
// assigned.
func (r *Router) offer(ctx context.Context, dialogID int64) (bool, error) {
	assigned := false
	err := r.retryTx(ctx, func(tx storage.Queries) error {
		assigned = false
		d, err := tx.GetDialog(ctx, dialogID)
		if err != nil {
			return err
		}
		if d.AssigneeID != 0 || d.Status == storage.DialogClosed {
			return nil
		}
		var evs pending
		if d, err = r.redistribute(ctx, tx, d, 0, r.now(), &evs); err != nil {
			return err
		}
		assigned = d.AssigneeID != 0
		if !assigned {
			// Nothing changed: keep the log free of repeated "queued".
			return nil
		}
		return evs.flush(ctx, tx)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return assigned, err
}

// DrainManager drains the queues a manager works from: their teams' and
// the shared one. It runs when they come online or free capacity.
func (r *Router) DrainManager(ctx context.Context, managerID int64) error {
	var teams []int64
	err := r.read(ctx, func(q storage.Queries) error {
		var err error
		teams, err = q.ManagerTeams(ctx, managerID)
		return err
	})
	if err != nil {
		return err
	}
	for _, t := range append(teams, 0) {
		if err := r.Drain(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// drainAfterRelease gives capacity a manager freed by a close or transfer
// to the queues at once. A failure here is logged, not returned: the action
// itself committed, and the SLA service drains queues periodically anyway.
func (r *Router) drainAfterRelease(ctx context.Context, managerID int64) {
	if managerID == 0 {
		return
	}
	if err := r.DrainManager(ctx, managerID); err != nil {
		r.log.Error("drain queues", "manager_id", managerID, "err", err)
	}
}
