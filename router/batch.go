package router

import (
	"context"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// How a batch handles each of its events.
type jobPath int

const (
	// pathSlow: ingestEvent on its own (new clients, conflicts, dialogs to
	// open, reopen or look up by link).
	pathSlow jobPath = iota
	// pathFast: a returning client's message in its open dialog, written
	// together with the batch's other such messages.
	pathFast
	// pathStored: stored before this batch; answered as a duplicate.
	pathStored
	// pathRepeat: the same event earlier in this batch; answered as its
	// duplicate.
	pathRepeat
	// pathNew: a client never seen, written with the batch's other new
	// clients (writeNew).
	pathNew
)

// ingestBatch stores a batch's events in tx, adding their log events to
// evs. Most of a busy hub's traffic is returning clients writing into a
// dialog that is open: for those the batch looks up duplicates,
// identities, clients and dialogs and writes messages and dialog activity
// in one statement each, whatever the batch's size, before anything
// else. Events from clients never seen are written together too
// (writeNew), unless apart. Every other event goes through ingestEvent in
// arrival order, as it would alone, after the new clients are written; an
// event whose client such an event may change takes that path too.
//
// With apart, the batch writes only the returning clients' messages, and
// marks every other event apart, for a transaction of its own after this
// one commits. Several batches commit at once then: two batches each
// assigning dialogs to several managers would lock the managers' rows in
// different orders, while a transaction ingesting one event locks at most
// one. On PostgreSQL, such transactions, overlapping each other's round
// trips on connections of their own, also measured faster than new clients
// written together (see docs/PERFORMANCE.md).
//
// On an event's failure it returns the event's index, so the batch can run
// again without it; -1 means the batch failed as a whole.
func (r *Router) ingestBatch(ctx context.Context, tx storage.Queries, batch []*ingestJob, apart bool, evs *pending) (int, error) {
	paths := make([]jobPath, len(batch))
	for _, j := range batch {
		j.apart = false // the store may run the transaction again
	}

	keys := make([]storage.MessageKey, len(batch))
	first := make(map[storage.MessageKey]int, len(batch))
	for i, j := range batch {
		keys[i] = storage.MessageKey{Channel: j.ev.Channel, ExternalID: j.ev.ExternalID}
	}
	// Identities of every event: the fast ones' clients, and the clients
	// the slow ones may change. Looked up with the duplicate check, in
	// its round trip; a replay's are not used.
	var lookup []storage.Identity
	for _, j := range batch {
		lookup = append(lookup, j.ids...)
	}
	refs, found, err := tx.LookupInbound(ctx, keys, lookup)
	if err != nil {
		return -1, err
	}
	stored := make(map[storage.MessageKey]storage.Message, len(refs))
	for _, m := range refs {
		stored[storage.MessageKey{Channel: m.Channel, ExternalID: m.ExternalID}] = m
	}
	for i := range batch {
		k := keys[i]
		switch _, dup := stored[k]; {
		case dup:
			paths[i] = pathStored
			continue
		case first[k] != 0:
			paths[i] = pathRepeat
			continue
		}
		first[k] = i + 1
	}
	owner := make(map[identityKey]int64, len(found))
	for _, f := range found {
		owner[keyOf(f)] = f.ClientID
	}

	// A fast event's identities all belong to one client already.
	clientOf := make([]int64, len(batch))
	var clientIDs []int64
	for i, j := range batch {
		if paths[i] != pathSlow || !mayBeFast(j) {
			continue
		}
		var c int64
		for _, id := range j.ids {
			o := owner[keyOf(id)]
			if o == 0 || (c != 0 && o != c) {
				c = 0
				break
			}
			c = o
		}
		if c != 0 {
			clientOf[i] = c
			clientIDs = append(clientIDs, c)
		}
	}
	// Their clients and open dialogs, in one round trip.
	clients := make(map[int64]storage.Client, len(clientIDs))
	open := make(map[storage.Thread]storage.Dialog, len(clientIDs))
	if len(clientIDs) > 0 {
		var threads []storage.Thread
		for i, j := range batch {
			if clientOf[i] != 0 {
				threads = append(threads, storage.Thread{ClientID: clientOf[i], Channel: j.ev.Channel, Key: j.ev.ThreadKey})
			}
		}
		cs, ds, err := tx.LookupThreads(ctx, clientIDs, threads)
		if err != nil {
			return -1, err
		}
		for _, c := range cs {
			clients[c.ID] = c
		}
		for _, d := range ds {
			open[storage.Thread{ClientID: d.ClientID, Channel: d.Channel, Key: d.ThreadKey}] = d
		}
		for i, j := range batch {
			c, ok := clients[clientOf[i]]
			// A client's first name is written on the slow path.
			if !ok || c.MergedInto != 0 || (c.Name == "" && j.ev.From.Name != "") {
				clientOf[i] = 0
			}
		}
	}
	for i, j := range batch {
		if clientOf[i] == 0 {
			continue
		}
		if _, ok := open[storage.Thread{ClientID: clientOf[i], Channel: j.ev.Channel, Key: j.ev.ThreadKey}]; ok {
			paths[i] = pathFast
		}
	}

	// An event none of whose identities is known, nor taken by an earlier
	// new event of the batch, is a new client's.
	claimed := map[identityKey]bool{}
	for i, j := range batch {
		if apart || paths[i] != pathSlow || !mayBeNew(j) {
			continue
		}
		fresh := true
		for _, id := range j.ids {
			if k := keyOf(id); owner[k] != 0 || claimed[k] {
				fresh = false
				break
			}
		}
		if !fresh {
			continue
		}
		for _, id := range j.ids {
			claimed[keyOf(id)] = true
		}
		paths[i] = pathNew
	}

	// A slow event may add to, merge or reopen its clients' records: the
	// batch's other events of those clients go the slow way after it.
	touched := map[int64]bool{}
	for i, j := range batch {
		if paths[i] != pathSlow {
			continue
		}
		for _, id := range j.ids {
			if o := owner[keyOf(id)]; o != 0 {
				touched[o] = true
			}
		}
	}
	for i := range batch {
		if paths[i] == pathFast && touched[clientOf[i]] {
			paths[i] = pathSlow
		}
	}

	// Open dialogs first: a close locks its dialog and then its manager,
	// so a batch must not hold managers (its new dialogs' assignments)
	// while it waits for a dialog.
	if i, err := r.writeFast(ctx, tx, batch, paths, clientOf, open, evs); err != nil {
		return i, err
	}

	var news []*ingestJob
	var newAt []int
	for i, j := range batch {
		if paths[i] == pathNew {
			news, newAt = append(news, j), append(newAt, i)
		}
	}
	if len(news) > 0 {
		if k, err := r.writeNew(ctx, tx, news, evs); err != nil {
			if k < 0 {
				return -1, err
			}
			return newAt[k], err
		}
	}
	for i, j := range batch {
		if paths[i] != pathSlow {
			continue
		}
		if apart {
			j.apart = true
			continue
		}
		rc, err := r.ingestEvent(ctx, tx, j.ev, j.ids, j.weak, j.atts, true, evs)
		if err != nil {
			return i, err
		}
		j.rc = rc
	}

	for i, j := range batch {
		switch paths[i] {
		case pathStored:
			m := stored[keys[i]]
			j.rc = channels.Receipt{ClientID: m.ClientID, DialogID: m.DialogID, MessageID: m.ID, Duplicate: true}
		case pathRepeat:
			// A repeat of an event run apart runs apart too, and finds it
			// stored or loses the race to store it.
			f := batch[first[keys[i]]-1]
			j.apart = f.apart
			j.rc = f.rc
			j.rc.Duplicate = true
		}
	}
	return -1, nil
}

// identityKey is an identity's kind and value, whoever holds it.
type identityKey struct{ kind, value string }

func keyOf(id storage.Identity) identityKey { return identityKey{id.Kind, id.Value} }

// mayBeFast reports whether an event could be written on the fast path
// if its client and open dialog are found: nothing about it needs more
// than a message and the dialog's activity.
func mayBeFast(j *ingestJob) bool {
	ev := j.ev
	return len(j.weak) == 0 && len(j.atts) == 0 && ev.DialogID == 0 && len(ev.InReplyTo) == 0 && len(j.ids) > 0
}

// writeFast writes the fast events' messages and their dialogs' activity,
// one statement each, and adds their log events. A message another
// transaction stored meanwhile fails its event with errLostRace, so it is
// answered as a duplicate when it runs again.
func (r *Router) writeFast(ctx context.Context, tx storage.Queries, batch []*ingestJob, paths []jobPath, clientOf []int64,
	open map[storage.Thread]storage.Dialog, evs *pending) (int, error) {
	var idx []int
	var msgs []*storage.Message
	var dialogs []storage.Dialog
	var touches []storage.DialogTouch
	touchOf := map[int64]int{}
	now := r.now()
	for i, j := range batch {
		if paths[i] != pathFast {
			continue
		}
		ev := j.ev
		d := open[storage.Thread{ClientID: clientOf[i], Channel: ev.Channel, Key: ev.ThreadKey}]
		idx = append(idx, i)
		dialogs = append(dialogs, d)
		m := inboundMessage(ev, d.ID, clientOf[i], nil)
		msgs = append(msgs, &m)
		k, ok := touchOf[d.ID]
		if !ok {
			k = len(touches)
			touchOf[d.ID] = k
			touches = append(touches, storage.DialogTouch{ID: d.ID, At: now})
		}
		if !ev.Automated {
			touches[k].Unread++
		}
	}
	if len(msgs) == 0 {
		return -1, nil
	}
	inserted, err := tx.InsertMessages(ctx, msgs)
	if err != nil {
		return -1, err
	}
	for k, ok := range inserted {
		if !ok {
			return idx[k], errLostRace
		}
	}
	if err := tx.TouchDialogs(ctx, touches); err != nil {
		return -1, err
	}
	for k, i := range idx {
		m := msgs[k]
		evs.add(dialogEvent(event.MessageCreated, dialogs[k], now, messageData{Message: *m}))
		batch[i].rc = channels.Receipt{ClientID: m.ClientID, DialogID: m.DialogID, MessageID: m.ID}
	}
	return -1, nil
}
