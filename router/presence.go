package router

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// SetPresence records a manager's presence and, when they come online,
// hands them queued work at once.
func (r *Router) SetPresence(ctx context.Context, managerID int64, p storage.Presence) (storage.Manager, error) {
	var m storage.Manager
	changed := false
	err := r.store.Tx(ctx, func(tx storage.Queries) error {
		var err error
		if m, err = tx.GetManager(ctx, managerID); err != nil {
			return err
		}
		if m.Presence == p {
			changed = false
			return nil
		}
		changed = true
		now := r.now()
		if err := tx.SetPresence(ctx, managerID, p, now); err != nil {
			return err
		}
		m.Presence, m.PresenceAt = p, now
		return pending{{Type: event.PresenceChanged, At: now, Data: mustJSON(presenceData(m))}}.flush(ctx, tx)
	})
	if err == nil && changed && p == storage.Online {
		if err := r.DrainManager(ctx, managerID); err != nil {
			r.log.Error("drain on online", "manager_id", managerID, "err", err)
		}
	}
	return m, err
}

// PresenceTracker turns console connections into presence without
// flapping: the first connection sets an offline manager online, and the
// manager goes offline only when no connection came back within the grace
// period after the last one dropped (a network blip or a page reload).
type PresenceTracker struct {
	router *Router
	grace  time.Duration
	mu     sync.Mutex
	conns  map[int64]int
	timers map[int64]*time.Timer
}

// NewPresenceTracker builds a tracker with the given grace period.
func NewPresenceTracker(r *Router, grace time.Duration) *PresenceTracker {
	return &PresenceTracker{router: r, grace: grace, conns: map[int64]int{}, timers: map[int64]*time.Timer{}}
}

// Connected records a manager's console connection.
func (p *PresenceTracker) Connected(managerID int64) {
	p.mu.Lock()
	p.conns[managerID]++
	if t := p.timers[managerID]; t != nil {
		t.Stop()
		delete(p.timers, managerID)
	}
	first := p.conns[managerID] == 1
	p.mu.Unlock()
	if !first {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := p.router.managerPresence(ctx, managerID)
	if err == nil && m == storage.Offline {
		_, err = p.router.SetPresence(ctx, managerID, storage.Online)
	}
	if err != nil {
		p.router.log.Error("presence on connect", "manager_id", managerID, "err", err)
	}
}

// Disconnected records a dropped connection; the last one starts the
// grace period.
func (p *PresenceTracker) Disconnected(managerID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[managerID] > 0 {
		p.conns[managerID]--
	}
	if p.conns[managerID] > 0 {
		return
	}
	delete(p.conns, managerID)
	p.timers[managerID] = time.AfterFunc(p.grace, func() { p.expire(managerID) })
}

func (p *PresenceTracker) expire(managerID int64) {
	p.mu.Lock()
	if p.conns[managerID] > 0 {
		p.mu.Unlock()
		return
	}
	delete(p.timers, managerID)
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.router.SetPresence(ctx, managerID, storage.Offline); err != nil {
		p.router.log.Error("presence on disconnect", "manager_id", managerID, "err", err)
	}
}

// Stop cancels pending grace timers (at shutdown managers keep their
// presence; the next start sees them reconnect).
func (p *PresenceTracker) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, t := range p.timers {
		t.Stop()
		delete(p.timers, id)
	}
}

func (r *Router) managerPresence(ctx context.Context, id int64) (storage.Presence, error) {
	var p storage.Presence
	err := r.store.Tx(ctx, func(tx storage.Queries) error {
		m, err := tx.GetManager(ctx, id)
		p = m.Presence
		return err
	})
	return p, err
}

// presenceData is the payload of presence.changed.
func presenceData(m storage.Manager) map[string]any {
	return map[string]any{"manager_id": m.ID, "presence": m.Presence, "load": m.Load, "capacity": m.Capacity, "at": m.PresenceAt}
}
