package router

import (
	"context"
	"slices"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
)

// mayBeNew reports whether an event could be written with a batch's other
// new clients if none of its identities is known: nothing about it needs
// a lookup of its own (a linked dialog, the channel's owner) or an
// attachment's row.
func mayBeNew(j *ingestJob) bool {
	ev := j.ev
	return len(j.atts) == 0 && ev.DialogID == 0 && len(ev.InReplyTo) == 0 && ev.Owner == ""
}

// writeNew stores events from clients never seen before, each kind of row
// for all of them in one statement: clients, identities, name keys,
// duplicate candidates, dialogs, messages. It does what ingestEvent does
// for each (the same rows, log events and assignments, in the same order),
// at a small fixed number of statements however many events there are.
//
// Assignments are computed here, with every manager they may go to locked
// in id order (LockManagers), as every transaction touching several
// managers locks them, and their loads raised in one statement. The locks
// are taken after the identities are written: a transaction ingesting one
// event holds its identities while it waits for a manager, so one holding
// managers must not wait for identities.
//
// On an event's failure (another writer took its identity or message
// meanwhile) it returns the event's index in jobs; -1 means the whole
// write failed.
func (r *Router) writeNew(ctx context.Context, tx storage.Queries, jobs []*ingestJob, evs *pending) (int, error) {
	now := r.now()
	w := &newWrite{jobs: jobs, clients: make([]*storage.Client, len(jobs)), keys: make([][]string, len(jobs)),
		logs: make([]pending, len(jobs))}

	for i, j := range jobs {
		c := newClient(j.ev, now)
		w.clients[i] = &c
	}
	if err := tx.CreateClients(ctx, w.clients); err != nil {
		return -1, err
	}
	var ids []storage.Identity
	var owner []int // ids[k] is jobs[owner[k]]'s
	var keys []storage.NameKey
	for i, j := range jobs {
		c := w.clients[i]
		w.keys[i] = identity.NameKeys(c.Name)
		for _, k := range w.keys[i] {
			keys = append(keys, storage.NameKey{ClientID: c.ID, Key: k})
		}
		for _, id := range j.ids {
			id.ClientID, id.CreatedAt = c.ID, now
			ids, owner = append(ids, id), append(owner, i)
		}
		for _, id := range j.weak {
			id.ClientID, id.CreatedAt, id.Weak = c.ID, now, true
			ids, owner = append(ids, id), append(owner, i)
		}
		w.logs[i].add(clientEvent(event.ClientUpdated, *c, now))
	}
	added, err := tx.AddIdentities(ctx, ids)
	if err != nil {
		return -1, err
	}
	for k, ok := range added {
		// A weak identity someone else holds is no conflict.
		if !ok && !ids[k].Weak {
			return owner[k], errLostRace
		}
	}
	if len(keys) > 0 {
		if err := tx.AddNameKeys(ctx, keys); err != nil {
			return -1, err
		}
	}
	if err := r.newCandidates(ctx, tx, w, now); err != nil {
		return -1, err
	}

	dialogs, err := r.newDialogs(ctx, tx, w, now)
	if err != nil {
		return -1, err
	}

	msgs := make([]*storage.Message, len(jobs))
	for i, j := range jobs {
		m := inboundMessage(j.ev, dialogs[i].ID, w.clients[i].ID, nil)
		msgs[i] = &m
	}
	inserted, err := tx.InsertMessages(ctx, msgs)
	if err != nil {
		return -1, err
	}
	for i, ok := range inserted {
		if !ok {
			return i, errLostRace
		}
	}
	for i, j := range jobs {
		d := *dialogs[i]
		w.logs[i].add(dialogEvent(event.MessageCreated, d, now, messageData{Message: *msgs[i]}))
		*evs = append(*evs, w.logs[i]...)
		r.metrics.dialogOpened(j.ev.Channel)
		j.rc = channels.Receipt{ClientID: w.clients[i].ID, DialogID: d.ID, MessageID: msgs[i].ID}
	}
	return -1, nil
}

// newWrite is the state of one writeNew: the events, their new clients
// and the clients' name keys, and each event's log events in the order
// ingestEvent would append them.
type newWrite struct {
	jobs    []*ingestJob
	clients []*storage.Client
	keys    [][]string
	logs    []pending
}

// newCandidates raises duplicate candidates for the new clients, as
// settleFresh does for one: the clients sharing a corporate email domain or
// a name key, scored and ranked alike. Among the batch's own clients a
// client is compared only with those created before it, as if they had
// come one by one.
func (r *Router) newCandidates(ctx context.Context, tx storage.Queries, w *newWrite, now time.Time) error {
	matchers := make([]*matcher, len(w.jobs))
	byDomain := map[string][]int64{}
	for i, j := range w.jobs {
		c := w.clients[i]
		m := newMatcher(*c)
		m.skip = func(other int64) bool { return other > c.ID && w.isNew(other) }
		matchers[i] = m
		for _, domain := range r.corporateDomains(j.ids) {
			others, ok := byDomain[domain]
			if !ok {
				var err error
				if others, err = tx.ClientsByEmailDomain(ctx, domain, 0, r.cfg.CandidateScan); err != nil {
					return err
				}
				byDomain[domain] = others
			}
			m.sameDomain(domain, others)
		}
	}
	if all := slices.Concat(w.keys...); len(all) > 0 {
		byKey, err := tx.NameKeyClients(ctx, all, r.cfg.CandidateScan)
		if err != nil {
			return err
		}
		for i, keys := range w.keys {
			// A client found under several of the keys is scored once.
			var others []storage.Client
			seen := map[int64]bool{}
			for _, k := range keys {
				for _, o := range byKey[k] {
					if !seen[o.ID] {
						seen[o.ID] = true
						others = append(others, o)
					}
				}
			}
			matchers[i].similarNames(others)
		}
	}

	var cands []*storage.Candidate
	var of []int
	for i, m := range matchers {
		for _, b := range m.best(r.cfg.CandidatesPerClient) {
			cands = append(cands, b.candidate(w.clients[i].ID, now))
			of = append(of, i)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	added, err := tx.AddCandidates(ctx, cands)
	if err != nil {
		return err
	}
	for k, ok := range added {
		if !ok {
			continue
		}
		r.candidateFound(*cands[k], now, &w.logs[of[k]])
	}
	return nil
}

// isNew reports whether id is one of the batch's new clients.
func (w *newWrite) isNew(id int64) bool {
	for _, c := range w.clients {
		if c.ID == id {
			return true
		}
	}
	return false
}

// newDialogs opens the new clients' dialogs, already given to managers
// where distribute would give them, and logs their creation and
// assignment or queueing.
func (r *Router) newDialogs(ctx context.Context, tx storage.Queries, w *newWrite, now time.Time) ([]*storage.Dialog, error) {
	byName := map[string]storage.Team{}
	teams := make([]storage.Team, len(w.jobs))
	ds := make([]*storage.Dialog, len(w.jobs))
	for i, j := range w.jobs {
		t, ok := byName[r.teamName(j.ev)]
		if !ok {
			var err error
			if t, err = r.teamFor(ctx, tx, j.ev); err != nil {
				return nil, err
			}
			byName[r.teamName(j.ev)] = t
		}
		teams[i] = t
		d := newDialog(j.ev, w.clients[i].ID, t.ID, now)
		ds[i] = &d
	}
	created := make([]storage.Dialog, len(ds))
	for i, d := range ds {
		created[i] = *d
	}
	queued, err := r.assignNew(ctx, tx, w, ds, teams, now)
	if err != nil {
		return nil, err
	}
	if err := tx.CreateDialogs(ctx, ds); err != nil {
		return nil, err
	}
	for i, d := range ds {
		created[i].ID = d.ID
		w.logs[i].add(dialogEvent(event.DialogCreated, created[i], now, dialogData{Dialog: created[i]}))
		switch {
		case d.AssigneeID != 0:
			w.logs[i].add(dialogEvent(event.DialogAssigned, *d, now, dialogData{Dialog: *d}))
		case queued[i] != "":
			w.logs[i].add(dialogEvent(event.DialogQueued, *d, now, dialogData{Dialog: *d, Reason: queued[i]}))
		}
	}
	return ds, nil
}

// assignNew gives the new dialogs that need a manager to one, as
// distribute would one by one, and writes the managers' loads and the
// clients' owners; a dialog nobody can take stays queued, with the reason
// in queued. A new client has no owner to wait for, so it is the team's
// strategy among its online members with free capacity. teams[i] is
// ds[i]'s team.
func (r *Router) assignNew(ctx context.Context, tx storage.Queries, w *newWrite, ds []*storage.Dialog, teams []storage.Team, now time.Time) ([]string, error) {
	queued := make([]string, len(ds))
	type teamWork struct {
		team    storage.Team
		members []int64
		dialogs []int
	}
	var work []*teamWork
	byID := map[int64]*teamWork{}
	for i, d := range ds {
		if d.Status == storage.DialogClosed {
			continue
		}
		tw, ok := byID[d.TeamID]
		if !ok {
			tw = &teamWork{team: teams[i]}
			byID[d.TeamID] = tw
			work = append(work, tw)
		}
		tw.dialogs = append(tw.dialogs, i)
	}

	var lock []int64
	for _, tw := range work {
		team, members, err := r.teamAndMembers(ctx, tx, tw.team.ID, &knownTeam{team: tw.team})
		if err != nil {
			return nil, err
		}
		tw.team = team
		hours, err := ParseHours(team.Hours)
		if err != nil {
			r.log.Warn("bad team hours; treating as always open", "team", team.Name, "err", err)
			hours = nil
		}
		if !hours.Open(now) {
			for _, i := range tw.dialogs {
				queued[i] = "outside_hours"
			}
			tw.dialogs = nil
			continue
		}
		for _, m := range members {
			tw.members = append(tw.members, m.ID)
			lock = append(lock, m.ID)
		}
	}
	locked, err := tx.LockManagers(ctx, lock)
	if err != nil {
		return nil, err
	}
	managers := make(map[int64]*storage.Manager, len(locked))
	for k := range locked {
		managers[locked[k].ID] = &locked[k]
	}

	adds := map[int64]int{}
	owners := map[int64]int64{}
	for _, tw := range work {
		if len(tw.dialogs) == 0 {
			continue
		}
		team, n := tw.team, int64(len(tw.dialogs))
		last := int64(0)
		if team.ID != 0 && team.Strategy != storage.LeastLoaded {
			if last, err = tx.NextTeamTurn(ctx, team.ID, n); err != nil {
				return nil, err
			}
		}
		for k, i := range tw.dialogs {
			// The members as they are now, loads raised by the dialogs
			// given out so far.
			var members []storage.Manager
			for _, id := range tw.members {
				if m, ok := managers[id]; ok {
					members = append(members, *m)
				}
			}
			turn := int64(0)
			if last != 0 {
				turn = last - n + 1 + int64(k)
			}
			d := ds[i]
			queued[i] = "no_manager_available"
			for _, m := range order(members, team.Strategy, turn) {
				if !available(m) {
					continue
				}
				mm := managers[m.ID]
				mm.Load++
				mm.LastAssignedAt = now
				adds[m.ID]++
				d.AssigneeID, d.QueuedAt = m.ID, time.Time{}
				if team.SLA > 0 {
					d.SLADueAt = now.Add(team.SLA)
				}
				// The first manager to take a client becomes its owner.
				owners[d.ClientID] = m.ID
				queued[i] = ""
				r.metrics.assigned(team.Name)
				break
			}
		}
	}
	if len(adds) > 0 {
		if err := tx.AddManagerLoads(ctx, adds, now); err != nil {
			return nil, err
		}
		if err := tx.SetClientOwners(ctx, owners, now); err != nil {
			return nil, err
		}
		for _, c := range w.clients {
			if o, ok := owners[c.ID]; ok {
				c.OwnerID, c.UpdatedAt = o, now
			}
		}
	}
	return queued, nil
}
