package router

import (
	"context"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// Timers is the service behind time-driven rules: first-response SLA
// breaches, owner reservations running out, and a periodic drain of every
// queue (teams opening for the day, missed wake-ups, other replicas).
type Timers struct {
	router *Router
	tick   time.Duration
	// drainEvery is how many ticks pass between full queue drains.
	drainEvery int
}

// NewTimers builds the timer service; tick is how often deadlines are
// checked.
func NewTimers(r *Router, tick time.Duration) *Timers {
	if tick <= 0 {
		tick = time.Second
	}
	return &Timers{router: r, tick: tick, drainEvery: 5}
}

// Run checks deadlines every tick until ctx ends.
func (t *Timers) Run(ctx context.Context) error {
	ticker := time.NewTicker(t.tick)
	defer ticker.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		if err := t.Check(ctx, n%t.drainEvery == 0); err != nil && ctx.Err() == nil {
			t.router.log.Error("timers", "err", err)
		}
	}
}

// Check runs one round: breaches, expired reservations and, if drain is
// set, every non-empty queue.
func (t *Timers) Check(ctx context.Context, drain bool) error {
	r := t.router
	var breached, expired []storage.Dialog
	var stats []storage.QueueStat
	err := r.store.Tx(ctx, func(tx storage.Queries) error {
		var err error
		now := r.now()
		if breached, err = tx.SLABreached(ctx, now, 100); err != nil {
			return err
		}
		if expired, err = tx.ReservationsExpired(ctx, now, 100); err != nil {
			return err
		}
		stats, err = tx.QueueStats(ctx)
		return err
	})
	if err != nil {
		return err
	}
	for _, d := range breached {
		if err := r.breach(ctx, d.ID); err != nil {
			return err
		}
	}
	for _, d := range expired {
		if err := r.releaseReservation(ctx, d.ID); err != nil {
			return err
		}
	}
	r.metrics.queues(stats, r.now())
	if drain {
		for _, s := range stats {
			if s.Length == 0 {
				continue
			}
			if err := r.Drain(ctx, s.TeamID); err != nil {
				return err
			}
		}
	}
	return nil
}

// breach handles one dialog whose first-response deadline passed: the
// breach is recorded, the manager who let it pass is set away when so
// configured, and the dialog goes to the next manager.
func (r *Router) breach(ctx context.Context, dialogID int64) error {
	var prev int64
	err := r.retryTx(ctx, func(tx storage.Queries) error {
		now := r.now()
		d, err := tx.GetDialog(ctx, dialogID)
		if err != nil {
			return err
		}
		if d.AssigneeID == 0 || !d.FirstResponseAt.IsZero() || d.SLADueAt.IsZero() || d.SLADueAt.After(now) || d.Status == storage.DialogClosed {
			return nil // answered or moved since we looked
		}
		prev = d.AssigneeID
		var evs pending
		evs.add(dialogEvent(event.SLABreached, d, now, dialogData{Dialog: d, From: prev}))
		r.metrics.slaBreach()
		if r.cfg.AwayOnSLA {
			m, err := tx.GetManager(ctx, prev)
			if err != nil {
				return err
			}
			if err := tx.SetPresence(ctx, prev, storage.Away, now); err != nil {
				return err
			}
			m.Presence, m.PresenceAt = storage.Away, now
			data := presenceData(m)
			data["reason"] = "sla_breached"
			evs.add(storage.Event{Type: event.PresenceChanged, At: now, Data: mustJSON(data)})
		}
		if _, err = r.handOver(ctx, tx, d, now, &evs); err != nil {
			return err
		}
		return evs.flush(ctx, tx)
	})
	return err
}

// releaseReservation ends an owner's hold on a queued dialog and offers it
// to the team.
func (r *Router) releaseReservation(ctx context.Context, dialogID int64) error {
	err := r.retryTx(ctx, func(tx storage.Queries) error {
		d, err := tx.GetDialog(ctx, dialogID)
		if err != nil {
			return err
		}
		if d.ReservedFor == 0 || d.AssigneeID != 0 {
			return nil
		}
		// Keep ReservedUntil: it marks that the owner was waited for.
		if err := tx.SetDialogReservation(ctx, d.ID, 0, d.ReservedUntil); err != nil {
			return err
		}
		d.ReservedFor = 0
		var evs pending
		if _, err = r.redistribute(ctx, tx, d, 0, r.now(), &evs); err != nil {
			return err
		}
		return evs.flush(ctx, tx)
	})
	return err
}
