package router

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// Limits on what one inbound event may carry; larger values are cut, not
// refused, so a long letter is never lost for its length.
const (
	maxExternalID = 512
	maxText       = 1 << 20
	maxName       = 256
	maxSubject    = 998
)

// Ingest commits one inbound event: identity, client, dialog, message,
// assignment and events in one transaction. A replay of an event already
// stored returns its receipt with Duplicate set and changes nothing.
func (r *Router) Ingest(ctx context.Context, ev channels.InboundEvent) (channels.Receipt, error) {
	start := time.Now()
	if err := validate(&ev); err != nil {
		r.metrics.inbound(ev.Channel, "invalid")
		return channels.Receipt{}, err
	}
	if ev.At.IsZero() {
		ev.At = r.now()
	}
	ids, weak := r.normalizeContact(ev)
	atts, err := r.storeAttachments(ctx, ev.Attachments)
	if err != nil {
		r.metrics.inbound(ev.Channel, "error")
		return channels.Receipt{}, err
	}

	var rc channels.Receipt
	// With several batch runners a batch hands new clients to
	// transactions of their own (see ingestBatch); an event from
	// identities this process has not stored lately is most likely one,
	// so it goes there at once instead of after a batch's lookups.
	if r.cfg.MaxBatch > 1 && (r.cfg.BatchRunners == 1 || r.seenLately(ids)) {
		rc, err = r.ingestGrouped(ctx, ev, ids, weak, atts)
	} else {
		err = r.retryTx(ctx, func(tx storage.Queries) error {
			var err error
			rc, err = r.ingestTx(ctx, tx, ev, ids, weak, atts)
			return err
		})
	}
	if err != nil {
		r.metrics.inbound(ev.Channel, "error")
		return channels.Receipt{}, err
	}
	for _, id := range ids {
		r.recent.Put(keyOf(id), struct{}{})
	}
	outcome := "stored"
	if rc.Duplicate {
		outcome = "duplicate"
	}
	r.metrics.inbound(ev.Channel, outcome)
	r.metrics.ingestLatency(ev.Channel, time.Since(start))
	return rc, nil
}

// seenLately reports whether this process stored an event from any of ids
// lately.
func (r *Router) seenLately(ids []storage.Identity) bool {
	for _, id := range ids {
		if _, ok := r.recent.Get(keyOf(id)); ok {
			return true
		}
	}
	return false
}

func validate(ev *channels.InboundEvent) error {
	if ev.Channel == "" {
		return fmt.Errorf("%w: channel is empty", channels.ErrInvalidEvent)
	}
	ev.ExternalID = strings.TrimSpace(ev.ExternalID)
	if ev.ExternalID == "" {
		return fmt.Errorf("%w: external id is empty", channels.ErrInvalidEvent)
	}
	if len(ev.ExternalID) > maxExternalID {
		return fmt.Errorf("%w: external id longer than %d bytes", channels.ErrInvalidEvent, maxExternalID)
	}
	ev.Text = truncate(ev.Text, maxText)
	ev.HTML = truncate(ev.HTML, maxText)
	ev.Subject = truncate(ev.Subject, maxSubject)
	ev.From.Name = truncate(strings.TrimSpace(ev.From.Name), maxName)
	return nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// normalizeContact returns the event's usable strong and weak identities.
// Unusable values (a malformed phone) are skipped, not fatal: the message
// still matters more than one bad field. An event left with no strong
// identity is keyed by the channel's sender id so it is never dropped.
func (r *Router) normalizeContact(ev channels.InboundEvent) (strong, weak []storage.Identity) {
	seen := map[storage.Identity]bool{}
	norm := func(in []channels.Identity, isWeak bool, out *[]storage.Identity) {
		for _, id := range in {
			v, err := r.norm.Normalize(id.Kind, id.Value)
			if err != nil {
				r.log.Debug("identity skipped", "channel", ev.Channel, "kind", id.Kind, "err", err)
				continue
			}
			key := storage.Identity{Kind: string(id.Kind), Value: v}
			if seen[key] {
				continue
			}
			seen[key] = true
			key.Weak = isWeak
			*out = append(*out, key)
		}
	}
	norm(ev.From.Identities, false, &strong)
	norm(ev.From.Weak, true, &weak)
	if len(strong) == 0 {
		sender := ev.SenderID
		if sender == "" {
			sender = "event:" + ev.ExternalID
		}
		strong = append(strong, storage.Identity{Kind: string(channels.Anonymous), Value: ev.Channel + ":" + sender})
	}
	return strong, weak
}

func (r *Router) storeAttachments(ctx context.Context, in []channels.Attachment) ([]storage.Attachment, error) {
	out := make([]storage.Attachment, 0, len(in))
	for _, a := range in {
		sa := storage.Attachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, ContentID: a.ContentID}
		if a.Content != nil {
			key, err := r.blobs.Put(ctx, a.Content)
			if err != nil {
				return nil, fmt.Errorf("router: store attachment: %w", err)
			}
			sa.Key = key
			sa.Size = int64(len(a.Content))
		}
		out = append(out, sa)
	}
	return out, nil
}

// ingestTx stores one event and appends its events to the log.
func (r *Router) ingestTx(ctx context.Context, tx storage.Queries, ev channels.InboundEvent, ids, weak []storage.Identity, atts []storage.Attachment) (channels.Receipt, error) {
	if !r.seenLately(ids) {
		// Most likely a new client: its ids come with the lookup, and
		// its rows then go together.
		tx.ReserveIDs(ctx)
	}
	var evs pending
	rc, err := r.ingestEvent(ctx, tx, ev, ids, weak, atts, false, &evs)
	if err != nil {
		return channels.Receipt{}, err
	}
	if err := evs.flush(ctx, tx); err != nil {
		return channels.Receipt{}, err
	}
	return rc, nil
}

// ingestEvent stores one event, adding the log events it causes to evs
// for the caller to append. checked says the caller has already looked
// for the event among stored messages in this transaction. Appending last matters on PostgreSQL: the
// event sequence is one locked row, taken after the team and manager rows
// as every other transaction takes them, so a group commit that appends
// once for the whole batch cannot deadlock with them.
func (r *Router) ingestEvent(ctx context.Context, tx storage.Queries, ev channels.InboundEvent, ids, weak []storage.Identity, atts []storage.Attachment, checked bool, evs *pending) (channels.Receipt, error) {
	// Checked or not, a concurrent delivery committing first shows as
	// InsertMessage's conflict below.
	// The identities are looked up with the duplicate check, in one round
	// trip; a batch's were looked up before earlier events of the batch
	// may have added some, so they are looked up again.
	var found []storage.Identity
	if !checked {
		refs, f, err := tx.LookupInbound(ctx, []storage.MessageKey{{Channel: ev.Channel, ExternalID: ev.ExternalID}}, ids)
		if err != nil {
			return channels.Receipt{}, err
		}
		if len(refs) > 0 {
			m := refs[0]
			return channels.Receipt{ClientID: m.ClientID, DialogID: m.DialogID, MessageID: m.ID, Duplicate: true}, nil
		}
		found = f
	} else {
		var err error
		if found, err = tx.FindIdentities(ctx, ids); err != nil {
			return channels.Receipt{}, err
		}
	}

	now := r.now()
	client, fresh, open, err := r.resolveClient(ctx, tx, ev, ids, weak, found, now, evs)
	if err != nil {
		return channels.Receipt{}, err
	}
	th, err := r.threadDialog(ctx, tx, ev, client, fresh != nil, open, now, evs)
	if err != nil {
		return channels.Receipt{}, err
	}
	d := th.dialog

	msg := inboundMessage(ev, d.ID, client.ID, atts)
	inserted, err := tx.InsertMessage(ctx, &msg)
	if err != nil {
		return channels.Receipt{}, err
	}
	if !inserted {
		// A concurrent delivery of the same event committed first; start
		// again so this one answers as its duplicate.
		return channels.Receipt{}, errLostRace
	}
	if fresh != nil {
		if err := r.settleFresh(ctx, tx, fresh, now); err != nil {
			return channels.Receipt{}, err
		}
	}
	// A dialog created for this message already has it as its activity.
	if !th.created {
		if err := tx.TouchDialog(ctx, d.ID, now, !ev.Automated); err != nil {
			return channels.Receipt{}, err
		}
	}

	if th.distribute && !ev.Automated {
		if d, err = r.distribute(ctx, tx, d, th.created, client, th.team, 0, now, evs); err != nil {
			return channels.Receipt{}, err
		}
	}
	if fresh != nil {
		if err := r.recordFresh(fresh, now, evs); err != nil {
			return channels.Receipt{}, err
		}
	}
	evs.add(dialogEvent(event.MessageCreated, d, now, messageData{Message: msg}))
	return channels.Receipt{ClientID: client.ID, DialogID: d.ID, MessageID: msg.ID}, nil
}

// inboundMessage is the message an inbound event is stored as.
func inboundMessage(ev channels.InboundEvent, dialogID, clientID int64, atts []storage.Attachment) storage.Message {
	return storage.Message{
		DialogID: dialogID, ClientID: clientID, Channel: ev.Channel, ExternalID: ev.ExternalID,
		Direction: storage.Inbound, Subject: ev.Subject, Text: ev.Text, HTML: ev.HTML,
		Status: "received", Meta: eventMeta(ev), Automated: ev.Automated, CreatedAt: ev.At,
		Attachments: atts,
	}
}

// messageData is the payload of message events.
type messageData struct {
	Message storage.Message `json:"message"`
}

// eventMeta keeps what an adapter said about the event, plus the sender's
// address on the channel, which replies are sent to.
func eventMeta(ev channels.InboundEvent) map[string]string {
	m := make(map[string]string, len(ev.Meta)+2)
	for k, v := range ev.Meta {
		m[k] = v
	}
	if ev.SenderID != "" {
		m["sender"] = ev.SenderID
	}
	if ev.From.Name != "" {
		m["sender_name"] = ev.From.Name
	}
	return m
}
