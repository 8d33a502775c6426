package router_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
)

func TestCapacityQueueAndHandOff(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		ms := []storage.Manager{e.manager("m1", 2, storage.Online), e.manager("m2", 2, storage.Online), e.manager("m3", 2, storage.Online)}
		e.team("sales", storage.RoundRobin, 0, ms...)
		var rcs []int64
		for i := 0; i < 7; i++ {
			ev := msg("api:shop", fmt.Sprintf("d%d", i), fmt.Sprintf("Client %d", i), phone(fmt.Sprintf("+7912000000%d", i)))
			ev.Team = "sales"
			rcs = append(rcs, e.ingest(ev).DialogID)
			e.clock.advance(time.Second)
		}
		per := map[int64]int{}
		var queued []int64
		for _, id := range rcs {
			d := e.dialog(id)
			if d.AssigneeID == 0 {
				queued = append(queued, id)
				continue
			}
			per[d.AssigneeID]++
		}
		for _, m := range ms {
			if per[m.ID] != 2 || e.load(m.ID) != 2 {
				t.Fatalf("manager %s has %d dialogs (load %d), want 2", m.Login, per[m.ID], e.load(m.ID))
			}
		}
		if len(queued) != 1 || queued[0] != rcs[6] {
			t.Fatalf("queued = %v, want the last dialog %d", queued, rcs[6])
		}

		closed, err := e.r.Close(e.ctx, rcs[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		d := e.dialog(queued[0])
		if d.AssigneeID != closed.AssigneeID {
			t.Fatalf("queued dialog went to %d, want %d who just closed one", d.AssigneeID, closed.AssigneeID)
		}
		if e.load(closed.AssigneeID) != 2 {
			t.Fatalf("load after close+handoff = %d", e.load(closed.AssigneeID))
		}

		// The returning client of the closed dialog comes back to its owner.
		owner := closed.AssigneeID
		e.r.Close(e.ctx, rcs[3], nil)
		ev := msg("email:sales", "ret-1", "", phone("+79120000000"))
		ev.Team = "sales"
		back := e.ingest(ev)
		if got := e.dialog(back.DialogID).AssigneeID; got != owner {
			t.Fatalf("returning client went to %d, want owner %d", got, owner)
		}
	})
}

func TestOwnerWaitThenTeam(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		owner := e.manager("owner", 3, storage.Online)
		other := e.manager("other", 3, storage.Online)
		tm := e.team("support", storage.RoundRobin, 0, owner, other)
		tm.OwnerWait = 5 * time.Minute
		if err := e.store.UpdateTeam(e.ctx, tm); err != nil {
			t.Fatal(err)
		}
		ev := msg("api:x", "o1", "Returning", phone("+79125550001"))
		ev.Team = "support"
		first := e.ingest(ev)
		if got := e.dialog(first.DialogID).AssigneeID; got != owner.ID {
			// Round-robin from an empty cursor starts with the lowest id.
			t.Fatalf("first dialog went to %d", got)
		}
		e.r.Close(e.ctx, first.DialogID, nil)
		if _, err := e.r.SetPresence(e.ctx, owner.ID, storage.Offline); err != nil {
			t.Fatal(err)
		}
		ev2 := msg("telegram:x", "o2", "Returning", phone("+79125550001"))
		ev2.Team = "support"
		second := e.ingest(ev2)
		d := e.dialog(second.DialogID)
		if d.AssigneeID != 0 || d.ReservedFor != owner.ID {
			t.Fatalf("dialog = %+v, want waiting for the owner", d)
		}
		// The owner returns within the wait: they get it.
		if _, err := e.r.SetPresence(e.ctx, owner.ID, storage.Online); err != nil {
			t.Fatal(err)
		}
		if got := e.dialog(second.DialogID).AssigneeID; got != owner.ID {
			t.Fatalf("owner came back but dialog went to %d", got)
		}

		// Another contact while the owner is away again: after the wait it
		// goes to the team.
		e.r.SetPresence(e.ctx, owner.ID, storage.Away)
		ev3 := msg("vk:x", "o3", "Returning", phone("+79125550001"))
		ev3.Team = "support"
		third := e.ingest(ev3)
		timers := router.NewTimers(e.r, time.Second)
		if err := timers.Check(e.ctx, true); err != nil {
			t.Fatal(err)
		}
		if got := e.dialog(third.DialogID).AssigneeID; got != 0 {
			t.Fatalf("dialog handed out before the owner wait ended: %d", got)
		}
		e.clock.advance(6 * time.Minute)
		if err := timers.Check(e.ctx, true); err != nil {
			t.Fatal(err)
		}
		if got := e.dialog(third.DialogID).AssigneeID; got != other.ID {
			t.Fatalf("after the wait dialog went to %d, want %d", got, other.ID)
		}
	})
}

func TestSLABreachReassigns(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{AwayOnSLA: true}, func(e *env) {
		a := e.manager("a", 2, storage.Online)
		b := e.manager("b", 2, storage.Online)
		e.team("sla", storage.RoundRobin, time.Minute, a, b)
		ev := msg("api:x", "s1", "Hurry", phone("+79125550002"))
		ev.Team = "sla"
		rc := e.ingest(ev)
		d := e.dialog(rc.DialogID)
		if d.AssigneeID != a.ID || d.SLADueAt.IsZero() {
			t.Fatalf("dialog = %+v", d)
		}
		timers := router.NewTimers(e.r, time.Second)
		e.clock.advance(30 * time.Second)
		timers.Check(e.ctx, false)
		if e.dialog(rc.DialogID).AssigneeID != a.ID {
			t.Fatal("reassigned before the deadline")
		}
		e.clock.advance(31 * time.Second)
		if err := timers.Check(e.ctx, false); err != nil {
			t.Fatal(err)
		}
		d = e.dialog(rc.DialogID)
		if d.AssigneeID != b.ID {
			t.Fatalf("after breach assignee = %d, want %d", d.AssigneeID, b.ID)
		}
		if e.load(a.ID) != 0 || e.load(b.ID) != 1 {
			t.Fatalf("loads a=%d b=%d", e.load(a.ID), e.load(b.ID))
		}
		ma, _ := e.store.GetManager(e.ctx, a.ID)
		if ma.Presence != storage.Away {
			t.Fatalf("manager who let it breach is %s, want away", ma.Presence)
		}
		if n := count(e.eventTypes(), "sla.breached"); n != 1 {
			t.Fatalf("sla.breached events = %d", n)
		}
		// A reply stops the clock.
		if _, err := e.r.Reply(e.ctx, router.Reply{DialogID: d.ID, AuthorID: b.ID, Text: "on it"}); err != nil {
			t.Fatal(err)
		}
		e.clock.advance(10 * time.Minute)
		timers.Check(e.ctx, false)
		if e.dialog(rc.DialogID).AssigneeID != b.ID {
			t.Fatal("answered dialog was reassigned")
		}
	})
}

func TestTakeTransferReopen(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		a := e.manager("a", 1, storage.Offline)
		b := e.manager("b", 1, storage.Online)
		tm := e.team("t", storage.LeastLoaded, 0, a, b)
		e.r.SetPresence(e.ctx, b.ID, storage.Away)
		ev := msg("api:x", "q1", "Q", phone("+79125550003"))
		ev.Team = "t"
		rc := e.ingest(ev)
		if e.dialog(rc.DialogID).AssigneeID != 0 {
			t.Fatal("assigned with nobody online")
		}
		if _, err := e.r.Take(e.ctx, rc.DialogID, a.ID); err != nil {
			t.Fatal(err)
		}
		ev2 := msg("api:x", "q2", "R", phone("+79125550004"))
		ev2.Team = "t"
		rc2 := e.ingest(ev2)
		if _, err := e.r.Take(e.ctx, rc2.DialogID, a.ID); err != router.ErrAtCapacity {
			t.Fatalf("take over capacity: %v", err)
		}
		if _, err := e.r.Transfer(e.ctx, rc.DialogID, b.ID, 0); err != nil {
			t.Fatal(err)
		}
		if e.load(a.ID) != 0 || e.load(b.ID) != 1 || e.dialog(rc.DialogID).AssigneeID != b.ID {
			t.Fatal("transfer did not move the dialog and its load")
		}
		if _, err := e.r.Transfer(e.ctx, rc.DialogID, 0, tm.ID); err != nil {
			t.Fatal(err)
		}
		if e.load(b.ID) != 0 {
			t.Fatalf("load of b after transfer to team = %d", e.load(b.ID))
		}
		if _, err := e.r.Close(e.ctx, rc.DialogID, nil); err != nil {
			t.Fatal(err)
		}
		d, err := e.r.Reopen(e.ctx, rc.DialogID, nil)
		if err != nil || d.Status != storage.DialogOpen {
			t.Fatalf("reopen = %+v, %v", d, err)
		}
	})
}

// TestConcurrentAssignment pushes many events at once through many
// goroutines: no dialog is assigned twice and no manager exceeds capacity.
func TestConcurrentAssignment(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		var ms []storage.Manager
		for i := 0; i < 5; i++ {
			ms = append(ms, e.manager(fmt.Sprintf("c%d", i), 3, storage.Online))
		}
		e.team("load", storage.RoundRobin, 0, ms...)
		const workers, each = 16, 4
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					// Every other event repeats a client, so concurrent
					// events race on one client too.
					n := (w*each + i) / 2
					ev := msg("api:load", fmt.Sprintf("w%d-%d", w, i), "", phone(fmt.Sprintf("+791230%05d", n)))
					ev.Team = "load"
					if _, err := e.r.Ingest(e.ctx, ev); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		ds, err := e.store.ListDialogs(e.ctx, storage.DialogQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		per := map[int64]int{}
		assigned := 0
		for _, d := range ds {
			if d.AssigneeID != 0 {
				per[d.AssigneeID]++
				assigned++
			}
		}
		if assigned != 15 {
			t.Fatalf("assigned %d dialogs, want all 15 capacity slots used", assigned)
		}
		for _, m := range ms {
			if per[m.ID] > 3 || per[m.ID] != e.load(m.ID) {
				t.Fatalf("manager %s: %d dialogs, load %d, capacity 3", m.Login, per[m.ID], e.load(m.ID))
			}
		}
		clients := map[int64]bool{}
		for _, d := range ds {
			clients[d.ClientID] = true
		}
		if len(clients) != workers*each/2 {
			t.Fatalf("%d clients, want %d: a client was created twice", len(clients), workers*each/2)
		}
		if n := count(e.eventTypes(), "dialog.assigned"); n != assigned {
			t.Fatalf("dialog.assigned events %d != assignments %d", n, assigned)
		}
	})
}

func TestRoundRobinFairness(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		var ms []storage.Manager
		for i := 0; i < 10; i++ {
			ms = append(ms, e.manager(fmt.Sprintf("rr%d", i), 1000, storage.Online))
		}
		e.team("rr", storage.RoundRobin, 0, ms...)
		for i := 0; i < 203; i++ {
			ev := msg("api:rr", fmt.Sprintf("rr%d", i), "", phone(fmt.Sprintf("+791240%05d", i)))
			ev.Team = "rr"
			e.ingest(ev)
		}
		lo, hi := 1<<30, 0
		for _, m := range ms {
			l := e.load(m.ID)
			lo, hi = min(lo, l), max(hi, l)
		}
		if hi-lo > 1 {
			t.Fatalf("round robin spread %d..%d", lo, hi)
		}
	})
}

// TestCrossingTransfers: transfers running at once in both directions
// between two managers all land, and each manager's load ends equal to the
// open dialogs assigned to them.
func TestCrossingTransfers(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		crossing(e, func(dialogID, to, teamID int64) error {
			_, err := e.r.Transfer(e.ctx, dialogID, to, 0)
			return err
		})
	})
}

// TestCrossingHandOvers: the same with dialogs handed back to their team:
// the manager who had one is excluded, so each goes to the other.
func TestCrossingHandOvers(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		crossing(e, func(dialogID, to, teamID int64) error {
			_, err := e.r.Transfer(e.ctx, dialogID, 0, teamID)
			return err
		})
	})
}

// crossing gives two managers of one team a dozen dialogs each, then moves
// all of them at once with move, a's to b and b's to a, and checks that
// every move landed and the loads match the dialogs.
func crossing(e *env, move func(dialogID, to, teamID int64) error) {
	t := e.t
	a := e.manager("a", 100, storage.Online)
	b := e.manager("b", 100, storage.Online)
	tm := e.team("t", storage.LeastLoaded, 0, a, b)
	const n = 12
	owner := map[int64]int64{} // dialog → the manager it is moved to
	for i := range 2 * n {
		ev := msg("api:x", fmt.Sprintf("x%d", i), "X", phone(fmt.Sprintf("+7912555%04d", i)))
		ev.Team = "t"
		rc := e.ingest(ev)
		from, to := a.ID, b.ID
		if i%2 == 1 {
			from, to = b.ID, a.ID
		}
		if _, err := e.r.Transfer(e.ctx, rc.DialogID, from, 0); err != nil {
			t.Fatal(err)
		}
		owner[rc.DialogID] = to
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(owner))
	for id, to := range owner {
		wg.Go(func() { errs <- move(id, to, tm.ID) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for id, to := range owner {
		if got := e.dialog(id).AssigneeID; got != to {
			t.Errorf("dialog %d is with %d, want %d", id, got, to)
		}
	}
	for _, m := range []storage.Manager{a, b} {
		ds, err := e.store.ListDialogs(e.ctx, storage.DialogQuery{AssigneeID: m.ID, Status: []storage.DialogStatus{storage.DialogOpen}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.load(m.ID); got != len(ds) || got != n {
			t.Errorf("manager %s: load %d, %d open dialogs, want %d", m.Login, got, len(ds), n)
		}
	}
}

// A guard judges the dialog as the action's transaction reads it: a
// manager who lost the dialog to a transfer since they last saw it cannot
// close, answer or reopen it, and a refused action changes nothing.
func TestGuardSeesTheDialogTheActionChanges(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		m1, m2 := e.manager("m1", 2, storage.Online), e.manager("m2", 2, storage.Online)
		e.team("sales", storage.RoundRobin, 0, m1, m2)
		ev := msg("api:shop", "g1", "Guarded", phone("+79125550101"))
		ev.Team = "sales"
		id := e.ingest(ev).DialogID
		if got := e.dialog(id).AssigneeID; got != m1.ID {
			t.Fatalf("dialog went to %d, want m1", got)
		}
		if _, err := e.r.Transfer(e.ctx, id, m2.ID, 0); err != nil {
			t.Fatal(err)
		}
		errNotYours := errors.New("not yours")
		var seen storage.Dialog
		onlyM1 := func(d storage.Dialog) error {
			seen = d
			if d.AssigneeID != m1.ID {
				return errNotYours
			}
			return nil
		}
		if _, err := e.r.Close(e.ctx, id, onlyM1); !errors.Is(err, errNotYours) {
			t.Fatalf("close by the former assignee: err = %v, want the guard's", err)
		}
		if seen.ID != id || seen.AssigneeID != m2.ID {
			t.Fatalf("guard saw %+v, want the dialog assigned to m2", seen)
		}
		if d := e.dialog(id); d.Status == storage.DialogClosed || e.load(m2.ID) != 1 {
			t.Fatalf("refused close changed things: status %s, m2 load %d", d.Status, e.load(m2.ID))
		}
		msgs, err := e.store.ListMessages(e.ctx, id, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.r.Reply(e.ctx, router.Reply{DialogID: id, AuthorID: m1.ID, Text: "late", Guard: onlyM1}); !errors.Is(err, errNotYours) {
			t.Fatalf("reply by the former assignee: err = %v, want the guard's", err)
		}
		if after, err := e.store.ListMessages(e.ctx, id, 0, 100); err != nil || len(after) != len(msgs) {
			t.Fatalf("refused reply stored a message: %d → %d (%v)", len(msgs), len(after), err)
		}

		if _, err := e.r.Close(e.ctx, id, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.r.Reopen(e.ctx, id, onlyM1); !errors.Is(err, errNotYours) {
			t.Fatalf("reopen by the former assignee: err = %v, want the guard's", err)
		}
		if d := e.dialog(id); d.Status != storage.DialogClosed || e.load(m2.ID) != 0 {
			t.Fatalf("refused reopen changed things: status %s, m2 load %d", d.Status, e.load(m2.ID))
		}
	})
}
