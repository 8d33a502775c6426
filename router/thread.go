package router

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// thread is where an inbound event lands.
type thread struct {
	dialog storage.Dialog
	// created: the dialog was opened for this event.
	created bool
	// distribute: the dialog needs a manager (new, or reopened without
	// its old one).
	distribute bool
	// team is the dialog's team when it was read on the way (nil
	// otherwise), so distribution need not read it again.
	team *knownTeam
}

// threadDialog finds the dialog an event continues, strongest key first:
// the dialog named by the channel (a plus-addressed reply), the dialog of a
// message it answers, the client's open dialog with the same thread key.
// Otherwise it opens a new one. A closed dialog that is answered is
// reopened. A client created for this event (newClient) has no dialogs;
// open is its open dialog when resolveClient looked it up already.
func (r *Router) threadDialog(ctx context.Context, tx storage.Queries, ev channels.InboundEvent, c storage.Client, newClient bool, open openLookup, now time.Time, evs *pending) (thread, error) {
	if ev.DialogID != 0 {
		d, err := tx.GetDialog(ctx, ev.DialogID)
		switch {
		case err == nil && d.Channel == ev.Channel:
			d, distribute, err := r.continueDialog(ctx, tx, d, ev, now, evs)
			return thread{dialog: d, distribute: distribute}, err
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return thread{}, err
		}
	}
	if len(ev.InReplyTo) > 0 {
		d, err := tx.DialogByExternal(ctx, ev.Channel, ev.InReplyTo)
		switch {
		case err == nil:
			d, distribute, err := r.continueDialog(ctx, tx, d, ev, now, evs)
			return thread{dialog: d, distribute: distribute}, err
		case !errors.Is(err, storage.ErrNotFound):
			return thread{}, err
		}
	}
	switch {
	case newClient:
	case open.done:
		if open.dialog.ID != 0 {
			return thread{dialog: open.dialog}, nil
		}
	default:
		d, err := tx.FindOpenDialog(ctx, c.ID, ev.Channel, ev.ThreadKey)
		switch {
		case err == nil:
			return thread{dialog: d}, nil
		case !errors.Is(err, storage.ErrNotFound):
			return thread{}, err
		}
	}

	team, err := r.teamFor(ctx, tx, ev)
	if err != nil {
		return thread{}, err
	}
	d := newDialog(ev, c.ID, team.ID, now)
	th := thread{created: true, distribute: d.Status != storage.DialogClosed}
	th.team = &knownTeam{team: team}
	// The members the dialog is distributed among travel with its
	// insert: the team's, or everyone for the shared queue (team 0).
	if th.distribute && !ev.Automated {
		if team.ID != 0 {
			th.team.members = tx.TeamMembersAhead(ctx, team.ID)
		} else {
			th.team.members = tx.ListManagersAhead(ctx)
		}
	}
	if err := tx.CreateDialog(ctx, &d); err != nil {
		return thread{}, err
	}
	th.dialog = d
	r.metrics.dialogOpened(ev.Channel)
	evs.add(dialogEvent(event.DialogCreated, d, now, dialogData{Dialog: d}))
	return th, nil
}

// newDialog is the dialog an event opens.
func newDialog(ev channels.InboundEvent, clientID, teamID int64, now time.Time) storage.Dialog {
	d := storage.Dialog{
		ClientID: clientID, Channel: ev.Channel, ThreadKey: ev.ThreadKey, Subject: ev.Subject,
		Status: storage.DialogOpen, TeamID: teamID, LastMessageAt: now, CreatedAt: now, UpdatedAt: now, QueuedAt: now,
		// The message that opens it is unread; set here so the insert
		// needs no touch after it.
		Unread: 1,
	}
	if ev.Automated {
		// An auto-reply with nothing to attach to is kept for the record
		// but opens no work for anyone.
		d.Status, d.ClosedAt, d.QueuedAt, d.Unread = storage.DialogClosed, now, time.Time{}, 0
	}
	return d
}

// continueDialog threads an event into an existing dialog, reopening it if
// it was closed; a reopened dialog goes back to its manager when they can
// take it, else to distribution.
func (r *Router) continueDialog(ctx context.Context, tx storage.Queries, d storage.Dialog, ev channels.InboundEvent, now time.Time, evs *pending) (storage.Dialog, bool, error) {
	if d.Status != storage.DialogClosed || ev.Automated {
		return d, false, nil
	}
	return r.reopenTx(ctx, tx, d, now, evs)
}

// teamFor returns the team an event's channel names, or the default team;
// a zero team (id 0) is the shared queue of all managers.
func (r *Router) teamFor(ctx context.Context, tx storage.Queries, ev channels.InboundEvent) (storage.Team, error) {
	name := r.teamName(ev)
	if name == "" {
		return storage.Team{}, nil
	}
	t, err := tx.GetTeamByName(ctx, name)
	if errors.Is(err, storage.ErrNotFound) {
		r.log.Warn("channel team not found; using the shared queue", "channel", ev.Channel, "team", name)
		return storage.Team{}, nil
	}
	return t, err
}

// teamName is the name of the team an event's dialog goes to: the one its
// channel names, else the default team ("" for the shared queue).
func (r *Router) teamName(ev channels.InboundEvent) string {
	if ev.Team != "" {
		return ev.Team
	}
	return r.cfg.DefaultTeam
}
