package storetest

import (
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var dialogTests = []test{
	{"DialogRoundTrip", testDialogRoundTrip},
	{"DialogFind", testDialogFind},
	{"DialogList", testDialogList},
	{"DialogQueue", testDialogQueue},
	{"DialogAssign", testDialogAssign},
	{"DialogStatusAndActivity", testDialogStatusAndActivity},
	{"DialogSLAAndReservations", testDialogSLAAndReservations},
}

func testDialogRoundTrip(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	team := newTeam(t, s, "T")
	m := newManager(t, s, "m", 3)
	d := storage.Dialog{
		ClientID: cl.ID, Channel: "email", ThreadKey: "<root@example.com>", Subject: "Счёт", Status: storage.DialogPending,
		TeamID: team.ID, AssigneeID: m.ID, ReservedFor: m.ID, ReservedUntil: at(time.Minute), SLADueAt: at(2 * time.Minute),
		FirstResponseAt: at(3 * time.Minute), Unread: 2, LastMessageAt: at(4 * time.Minute), CreatedAt: t0,
		UpdatedAt: at(5 * time.Minute), ClosedAt: at(6 * time.Minute), QueuedAt: at(7 * time.Minute),
	}
	ok(t, s.CreateDialog(c, &d))
	if d.ID == 0 {
		t.Fatal("CreateDialog did not set the id")
	}
	eq(t, "get", must(s.GetDialog(c, d.ID))(t), d)
	_, err := s.GetDialog(c, d.ID+1000)
	wantErr(t, "missing", err, storage.ErrNotFound)

	// Defaults: open, times from creation, queued at creation when nobody's.
	plain := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	got := must(s.GetDialog(c, plain.ID))(t)
	eq(t, "default status", got.Status, storage.DialogOpen)
	eq(t, "default last message", got.LastMessageAt, t0)
	eq(t, "default updated", got.UpdatedAt, t0)
	eq(t, "queued at creation", got.QueuedAt, t0)
	eq(t, "filled back", got, plain)

	bad := storage.Dialog{ClientID: cl.ID + 1000, Channel: "sms", CreatedAt: t0}
	wantErr(t, "unknown client", s.CreateDialog(c, &bad), storage.ErrNotFound)
}

func testDialogFind(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl, other := newClient(t, s, "C"), newClient(t, s, "O")
	old := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "email", ThreadKey: "k1"})
	closed := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "email", ThreadKey: "k1", CreatedAt: at(time.Hour)})
	ok(t, s.SetDialogStatus(c, closed.ID, storage.DialogClosed, at(2*time.Hour)))
	noKey := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "email"})
	newDialog(t, s, storage.Dialog{ClientID: other.ID, Channel: "email", ThreadKey: "k1", CreatedAt: at(3 * time.Hour)})
	tg := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "telegram"})

	eq(t, "open with key skips closed", must(s.FindOpenDialog(c, cl.ID, "email", "k1"))(t).ID, old.ID)
	eq(t, "empty key matches keyless", must(s.FindOpenDialog(c, cl.ID, "email", ""))(t).ID, noKey.ID)
	eq(t, "by channel", must(s.FindOpenDialog(c, cl.ID, "telegram", ""))(t).ID, tg.ID)
	_, err := s.FindOpenDialog(c, cl.ID, "vk", "")
	wantErr(t, "none on channel", err, storage.ErrNotFound)

	second := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "email", ThreadKey: "k1", CreatedAt: at(4 * time.Hour)})
	eq(t, "newest open", must(s.FindOpenDialog(c, cl.ID, "email", "k1"))(t).ID, second.ID)

	eq(t, "by thread, closed too", must(s.FindDialogByThread(c, cl.ID, "email", "k1", at(30*time.Minute)))(t).ID, second.ID)
	ok(t, s.SetDialogStatus(c, second.ID, storage.DialogClosed, at(5*time.Hour)))
	eq(t, "by thread returns closed", must(s.FindDialogByThread(c, cl.ID, "email", "k1", at(30*time.Minute)))(t).ID, second.ID)
	eq(t, "by thread, any client", must(s.FindDialogByThread(c, 0, "email", "k1", at(30*time.Minute)))(t).ID, second.ID)
	_, err = s.FindDialogByThread(c, cl.ID, "email", "k1", at(5*time.Hour))
	wantErr(t, "created before since", err, storage.ErrNotFound)
	_, err = s.FindDialogByThread(c, cl.ID, "email", "nope", time.Time{})
	wantErr(t, "unknown thread", err, storage.ErrNotFound)
}

func testDialogList(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl, cl2 := newClient(t, s, "C"), newClient(t, s, "C2")
	t1, t2 := newTeam(t, s, "T1"), newTeam(t, s, "T2")
	m1, m2 := newManager(t, s, "m1", 9), newManager(t, s, "m2", 9)
	mk := func(client, team, assignee int64, status storage.DialogStatus, last time.Duration) storage.Dialog {
		return newDialog(t, s, storage.Dialog{ClientID: client, TeamID: team, AssigneeID: assignee, Status: status, LastMessageAt: at(last)})
	}
	a := mk(cl.ID, t1.ID, m1.ID, storage.DialogOpen, 5*time.Minute)
	b := mk(cl.ID, t1.ID, 0, storage.DialogOpen, 4*time.Minute)
	d := mk(cl2.ID, t2.ID, m2.ID, storage.DialogPending, 3*time.Minute)
	e := mk(cl2.ID, t2.ID, 0, storage.DialogClosed, 3*time.Minute) // same time as d, higher id
	f := mk(cl.ID, 0, m1.ID, storage.DialogClosed, time.Minute)

	cases := []struct {
		name string
		q    storage.DialogQuery
		want []int64
	}{
		{"all, newest first, ties by id desc", storage.DialogQuery{}, []int64{a.ID, b.ID, e.ID, d.ID, f.ID}},
		{"assignee", storage.DialogQuery{AssigneeID: m1.ID}, []int64{a.ID, f.ID}},
		{"teams", storage.DialogQuery{TeamIDs: []int64{t2.ID, t1.ID}}, []int64{a.ID, b.ID, e.ID, d.ID}},
		{"one team", storage.DialogQuery{TeamIDs: []int64{t2.ID}}, []int64{e.ID, d.ID}},
		{"client", storage.DialogQuery{ClientID: cl2.ID}, []int64{e.ID, d.ID}},
		{"status list", storage.DialogQuery{Status: []storage.DialogStatus{storage.DialogOpen, storage.DialogPending}}, []int64{a.ID, b.ID, d.ID}},
		{"queue", storage.DialogQuery{Queue: true}, []int64{b.ID}},
		{"combined", storage.DialogQuery{AssigneeID: m1.ID, Status: []storage.DialogStatus{storage.DialogClosed}}, []int64{f.ID}},
		{"limit", storage.DialogQuery{Limit: 2}, []int64{a.ID, b.ID}},
		{"page after a tie", storage.DialogQuery{BeforeAt: e.LastMessageAt, BeforeID: e.ID}, []int64{d.ID, f.ID}},
		{"page by time only", storage.DialogQuery{BeforeAt: at(4 * time.Minute)}, []int64{e.ID, d.ID, f.ID}},
	}
	for _, tc := range cases {
		eq(t, tc.name, ids(must(s.ListDialogs(c, tc.q))(t), dialogID), tc.want)
	}
	// Walking pages of two reaches every dialog once.
	var walked []int64
	q := storage.DialogQuery{Limit: 2}
	for {
		page := must(s.ListDialogs(c, q))(t)
		if len(page) == 0 {
			break
		}
		walked = append(walked, ids(page, dialogID)...)
		last := page[len(page)-1]
		q.BeforeAt, q.BeforeID = last.LastMessageAt, last.ID
	}
	eq(t, "paged walk", walked, []int64{a.ID, b.ID, e.ID, d.ID, f.ID})
}

func testDialogQueue(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	t1, t2 := newTeam(t, s, "T1"), newTeam(t, s, "T2")
	m := newManager(t, s, "m", 9)
	late := newDialog(t, s, storage.Dialog{ClientID: cl.ID, TeamID: t1.ID, QueuedAt: at(3 * time.Minute)})
	early := newDialog(t, s, storage.Dialog{ClientID: cl.ID, TeamID: t1.ID, QueuedAt: at(time.Minute)})
	mid := newDialog(t, s, storage.Dialog{ClientID: cl.ID, TeamID: t1.ID, QueuedAt: at(2 * time.Minute), Status: storage.DialogPending})
	newDialog(t, s, storage.Dialog{ClientID: cl.ID, TeamID: t1.ID, AssigneeID: m.ID})
	closed := newDialog(t, s, storage.Dialog{ClientID: cl.ID, TeamID: t1.ID, QueuedAt: t0})
	ok(t, s.SetDialogStatus(c, closed.ID, storage.DialogClosed, t0))
	other := newDialog(t, s, storage.Dialog{ClientID: cl.ID, TeamID: t2.ID, QueuedAt: at(5 * time.Minute)})

	eq(t, "oldest queued first", ids(must(s.QueuedDialogs(c, t1.ID, 10))(t), dialogID), []int64{early.ID, mid.ID, late.ID})
	eq(t, "limit", ids(must(s.QueuedDialogs(c, t1.ID, 1))(t), dialogID), []int64{early.ID})
	eq(t, "stats", must(s.QueueStats(c))(t), []storage.QueueStat{
		{TeamID: t1.ID, Length: 3, OldestAt: at(time.Minute)},
		{TeamID: t2.ID, Length: 1, OldestAt: at(5 * time.Minute)},
	})

	// Moving a queued dialog to another team queues it there from now.
	ok(t, s.SetDialogTeam(c, early.ID, t2.ID, at(10*time.Minute)))
	got := must(s.GetDialog(c, early.ID))(t)
	eq(t, "team", got.TeamID, t2.ID)
	eq(t, "requeued", got.QueuedAt, at(10*time.Minute))
	eq(t, "new team's order", ids(must(s.QueuedDialogs(c, t2.ID, 10))(t), dialogID), []int64{other.ID, early.ID})
	wantErr(t, "team of missing", s.SetDialogTeam(c, early.ID+1000, t1.ID, t0), storage.ErrNotFound)
}

func testDialogAssign(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	team := newTeam(t, s, "T")
	m1, m2 := newManager(t, s, "m1", 9), newManager(t, s, "m2", 9)
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID, TeamID: team.ID, QueuedAt: t0})
	ok(t, s.SetDialogReservation(c, d.ID, m1.ID, at(time.Minute)))

	eq(t, "assign from queue", must(s.AssignDialog(c, d.ID, 0, m1.ID, at(15*time.Minute), at(time.Second)))(t), true)
	got := must(s.GetDialog(c, d.ID))(t)
	eq(t, "assignee", got.AssigneeID, m1.ID)
	eq(t, "sla due", got.SLADueAt, at(15*time.Minute))
	eq(t, "out of the queue", got.QueuedAt, time.Time{})
	eq(t, "reservation dropped", [2]any{got.ReservedFor, got.ReservedUntil}, [2]any{int64(0), time.Time{}})
	eq(t, "updated", got.UpdatedAt, at(time.Second))
	eq(t, "queue empty", len(must(s.QueuedDialogs(c, team.ID, 10))(t)), 0)

	eq(t, "assign from 0 again loses", must(s.AssignDialog(c, d.ID, 0, m2.ID, time.Time{}, at(2*time.Second)))(t), false)
	eq(t, "transfer from the wrong manager loses", must(s.AssignDialog(c, d.ID, m2.ID, m2.ID, time.Time{}, at(2*time.Second)))(t), false)
	eq(t, "transfer", must(s.AssignDialog(c, d.ID, m1.ID, m2.ID, time.Time{}, at(3*time.Second)))(t), true)
	got = must(s.GetDialog(c, d.ID))(t)
	eq(t, "transferred", got.AssigneeID, m2.ID)
	eq(t, "no deadline given", got.SLADueAt, time.Time{})
	_, err := s.AssignDialog(c, d.ID+1000, 0, m1.ID, time.Time{}, t0)
	wantErr(t, "assign missing", err, storage.ErrNotFound)

	ok(t, s.SetDialogTeam(c, d.ID, team.ID, at(4*time.Second)))
	eq(t, "assigned dialog is not requeued by a team change", must(s.GetDialog(c, d.ID))(t).QueuedAt, time.Time{})

	must(s.AssignDialog(c, d.ID, m2.ID, m1.ID, at(time.Hour), at(5*time.Second)))(t)
	eq(t, "unassign from the wrong manager", must(s.UnassignDialog(c, d.ID, m2.ID, at(time.Minute)))(t), false)
	eq(t, "unassign", must(s.UnassignDialog(c, d.ID, m1.ID, at(time.Minute)))(t), true)
	got = must(s.GetDialog(c, d.ID))(t)
	eq(t, "nobody's", got.AssigneeID, int64(0))
	eq(t, "queued at unassign", got.QueuedAt, at(time.Minute))
	eq(t, "deadline cleared", got.SLADueAt, time.Time{})
	eq(t, "back in the queue", ids(must(s.QueuedDialogs(c, team.ID, 10))(t), dialogID), []int64{d.ID})
	_, err = s.UnassignDialog(c, d.ID+1000, m1.ID, t0)
	wantErr(t, "unassign missing", err, storage.ErrNotFound)

	// A dialog created and assigned in one transaction, the assignment
	// followed by more statements as in an ingest.
	var fresh storage.Dialog
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		fresh = newDialog(t, tx, storage.Dialog{ClientID: cl.ID, TeamID: team.ID, QueuedAt: at(time.Minute),
			ReservedFor: m2.ID, ReservedUntil: at(time.Hour)})
		if err := tx.AssignNewDialog(c, fresh.ID, m1.ID, at(20*time.Minute), at(6*time.Second)); err != nil {
			return err
		}
		return tx.TouchDialog(c, fresh.ID, at(7*time.Second), true)
	}))
	got = must(s.GetDialog(c, fresh.ID))(t)
	eq(t, "new dialog assigned", [5]any{got.AssigneeID, got.SLADueAt, got.QueuedAt, got.ReservedFor, got.UpdatedAt},
		[5]any{m1.ID, at(20 * time.Minute), time.Time{}, int64(0), at(7 * time.Second)})
	err = s.Tx(c, func(tx storage.Queries) error {
		if err := tx.AssignNewDialog(c, fresh.ID+1000, m1.ID, time.Time{}, t0); err != nil {
			return err
		}
		return tx.SetDialogStatus(c, fresh.ID, storage.DialogClosed, at(time.Hour))
	})
	wantErr(t, "assign missing new dialog", err, storage.ErrNotFound)
	eq(t, "nothing kept", must(s.GetDialog(c, fresh.ID))(t).Status, storage.DialogOpen)
}

func testDialogStatusAndActivity(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	m := newManager(t, s, "m", 9)
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID, AssigneeID: m.ID, SLADueAt: at(time.Hour)})

	ok(t, s.TouchDialog(c, d.ID, at(time.Minute), true))
	ok(t, s.TouchDialog(c, d.ID, at(2*time.Minute), true))
	ok(t, s.TouchDialog(c, d.ID, at(30*time.Second), false)) // late, outbound
	got := must(s.GetDialog(c, d.ID))(t)
	eq(t, "unread counts inbound", got.Unread, 2)
	eq(t, "last message never moves back", got.LastMessageAt, at(2*time.Minute))
	wantErr(t, "touch missing", s.TouchDialog(c, d.ID+1000, t0, true), storage.ErrNotFound)

	ok(t, s.MarkDialogRead(c, d.ID))
	eq(t, "read", must(s.GetDialog(c, d.ID))(t).Unread, 0)
	ok(t, s.TouchDialog(c, d.ID, at(3*time.Minute), true))
	ok(t, s.MarkFirstResponse(c, d.ID, at(4*time.Minute)))
	ok(t, s.MarkFirstResponse(c, d.ID, at(9*time.Minute)))
	got = must(s.GetDialog(c, d.ID))(t)
	eq(t, "first response kept once", got.FirstResponseAt, at(4*time.Minute))
	eq(t, "response clears unread", got.Unread, 0)
	eq(t, "response clears the deadline", got.SLADueAt, time.Time{})
	wantErr(t, "read missing", s.MarkDialogRead(c, d.ID+1000), storage.ErrNotFound)
	wantErr(t, "response missing", s.MarkFirstResponse(c, d.ID+1000, t0), storage.ErrNotFound)

	ok(t, s.SetDialogStatus(c, d.ID, storage.DialogClosed, at(time.Hour)))
	got = must(s.GetDialog(c, d.ID))(t)
	eq(t, "closed", got.Status, storage.DialogClosed)
	eq(t, "closed at", got.ClosedAt, at(time.Hour))
	ok(t, s.SetDialogStatus(c, d.ID, storage.DialogOpen, at(2*time.Hour)))
	got = must(s.GetDialog(c, d.ID))(t)
	eq(t, "reopened", got.Status, storage.DialogOpen)
	eq(t, "closed at cleared", got.ClosedAt, time.Time{})
	eq(t, "assigned dialog is not queued", got.QueuedAt, time.Time{})
	ok(t, s.SetDialogStatus(c, d.ID, storage.DialogPending, at(3*time.Hour)))
	eq(t, "pending", must(s.GetDialog(c, d.ID))(t).Status, storage.DialogPending)
	wantErr(t, "status missing", s.SetDialogStatus(c, d.ID+1000, storage.DialogClosed, t0), storage.ErrNotFound)

	q := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	ok(t, s.SetDialogStatus(c, q.ID, storage.DialogClosed, at(time.Minute)))
	eq(t, "closed leaves the queue", must(s.GetDialog(c, q.ID))(t).QueuedAt, time.Time{})
	ok(t, s.SetDialogStatus(c, q.ID, storage.DialogOpen, at(5*time.Minute)))
	eq(t, "reopened unassigned rejoins the queue", must(s.GetDialog(c, q.ID))(t).QueuedAt, at(5*time.Minute))
}

func testDialogSLAAndReservations(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	m := newManager(t, s, "m", 9)
	now := at(time.Hour)
	due := newDialog(t, s, storage.Dialog{ClientID: cl.ID, AssigneeID: m.ID, SLADueAt: at(30 * time.Minute)})
	dueEarlier := newDialog(t, s, storage.Dialog{ClientID: cl.ID, AssigneeID: m.ID, SLADueAt: at(10 * time.Minute)})
	newDialog(t, s, storage.Dialog{ClientID: cl.ID, AssigneeID: m.ID, SLADueAt: at(2 * time.Hour)})           // not yet
	newDialog(t, s, storage.Dialog{ClientID: cl.ID, AssigneeID: m.ID})                                        // no SLA
	newDialog(t, s, storage.Dialog{ClientID: cl.ID, SLADueAt: at(time.Minute)})                               // queued
	answered := newDialog(t, s, storage.Dialog{ClientID: cl.ID, AssigneeID: m.ID, SLADueAt: at(time.Minute)}) // answered below
	ok(t, s.MarkFirstResponse(c, answered.ID, at(2*time.Minute)))
	// Waiting on the client: the clock is stopped.
	newDialog(t, s, storage.Dialog{ClientID: cl.ID, AssigneeID: m.ID, SLADueAt: at(time.Minute), Status: storage.DialogPending})

	eq(t, "breached, most overdue first", ids(must(s.SLABreached(c, now, 10))(t), dialogID), []int64{dueEarlier.ID, due.ID})
	eq(t, "breached limit", ids(must(s.SLABreached(c, now, 1))(t), dialogID), []int64{dueEarlier.ID})
	eq(t, "deadline is exclusive", len(must(s.SLABreached(c, at(10*time.Minute), 10))(t)), 0)

	expired := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	ok(t, s.SetDialogReservation(c, expired.ID, m.ID, at(20*time.Minute)))
	expiredEarlier := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	ok(t, s.SetDialogReservation(c, expiredEarlier.ID, m.ID, at(10*time.Minute)))
	live := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	ok(t, s.SetDialogReservation(c, live.ID, m.ID, at(2*time.Hour)))
	dropped := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	ok(t, s.SetDialogReservation(c, dropped.ID, m.ID, at(time.Minute)))
	ok(t, s.SetDialogReservation(c, dropped.ID, 0, time.Time{}))
	taken := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	ok(t, s.SetDialogReservation(c, taken.ID, m.ID, at(time.Minute)))
	must(s.AssignDialog(c, taken.ID, 0, m.ID, time.Time{}, at(2*time.Minute)))(t)
	wantErr(t, "reserve missing", s.SetDialogReservation(c, taken.ID+1000, m.ID, t0), storage.ErrNotFound)

	got := must(s.GetDialog(c, live.ID))(t)
	eq(t, "reservation stored", [2]any{got.ReservedFor, got.ReservedUntil}, [2]any{m.ID, at(2 * time.Hour)})
	eq(t, "expired reservations, oldest first", ids(must(s.ReservationsExpired(c, now, 10))(t), dialogID),
		[]int64{expiredEarlier.ID, expired.ID})
	eq(t, "expired limit", ids(must(s.ReservationsExpired(c, now, 1))(t), dialogID), []int64{expiredEarlier.ID})
}
