package sqldb

import (
	"context"
	"strings"

	"github.com/switchboard-hub/switchboard/storage"
)

// The statements here serve many inbound events at once: a group commit
// looks up and writes a whole batch in a few round trips instead of a few
// per event. Rows per statement are bounded so a statement stays well
// under both engines' limits on bound parameters.
const maxBatchRows = 200

// chunks calls fn with consecutive pieces of n items of at most
// maxBatchRows, as [lo, hi).
func chunks(n int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += maxBatchRows {
		if err := fn(lo, min(lo+maxBatchRows, n)); err != nil {
			return err
		}
	}
	return nil
}

// GetClients returns the clients with these ids that exist.
func (q *queries) GetClients(ctx context.Context, ids []int64) ([]storage.Client, error) {
	var out []storage.Client
	err := chunks(len(ids), func(lo, hi int) error {
		var a args
		cs, err := list(ctx, q, "get clients", `SELECT `+clientCols+` FROM clients WHERE id IN (`+in(&a, ids[lo:hi])+`)`,
			a, scanClient)
		out = append(out, cs...)
		return err
	})
	return out, err
}

// FindOpenDialogs returns each thread's newest non-closed dialog.
func (q *queries) FindOpenDialogs(ctx context.Context, threads []storage.Thread) ([]storage.Dialog, error) {
	seen := make(map[storage.Thread]bool, len(threads))
	var out []storage.Dialog
	err := chunks(len(threads), func(lo, hi int) error {
		query, a := openDialogs(threads[lo:hi])
		ds, err := list(ctx, q, "find open dialogs", query, a, scanDialog)
		out = newestPerThread(out, ds, seen)
		return err
	})
	return out, err
}

// openDialogs is FindOpenDialogs' statement for one chunk of threads.
func openDialogs(threads []storage.Thread) (string, args) {
	var a args
	conds := make([]string, 0, len(threads))
	for _, t := range threads {
		conds = append(conds, "(client_id = "+a.add(t.ClientID)+" AND channel = "+a.add(t.Channel)+
			" AND thread_key = "+a.add(t.Key)+")")
	}
	return `SELECT ` + dialogCols + ` FROM dialogs WHERE status <> 'closed' AND (` +
		strings.Join(conds, " OR ") + `) ORDER BY id DESC`, a
}

// newestPerThread appends to out the first of ds (newest first) of each
// thread not seen yet.
func newestPerThread(out, ds []storage.Dialog, seen map[storage.Thread]bool) []storage.Dialog {
	for _, d := range ds {
		t := storage.Thread{ClientID: d.ClientID, Channel: d.Channel, Key: d.ThreadKey}
		if !seen[t] {
			seen[t] = true
			out = append(out, d)
		}
	}
	return out
}

// LookupThreads is GetClients and FindOpenDialogs, the open dialogs sent
// ahead of the clients, in their round trip (listAhead).
func (q *queries) LookupThreads(ctx context.Context, clientIDs []int64, threads []storage.Thread) ([]storage.Client, []storage.Dialog, error) {
	if len(threads) == 0 || len(threads) > maxBatchRows || len(clientIDs) == 0 {
		open, err := q.FindOpenDialogs(ctx, threads)
		if err != nil {
			return nil, nil, err
		}
		clients, err := q.GetClients(ctx, clientIDs)
		return clients, open, err
	}
	query, a := openDialogs(threads)
	open := listAhead(ctx, q, "find open dialogs", query, a, scanDialog)
	clients, cerr := q.GetClients(ctx, clientIDs)
	ds, clients, err := answersAhead(open, clients, cerr)
	if err != nil {
		return nil, nil, err
	}
	return clients, newestPerThread(nil, ds, map[storage.Thread]bool{}), nil
}

// answersAhead takes the answer of a read sent ahead and that of the read
// that carried it (b, berr). The first's error wins: sent first, its
// failure also failed the read after it.
func answersAhead[A, B any](ahead func() ([]A, error), b []B, berr error) ([]A, []B, error) {
	a, err := ahead()
	if err != nil {
		return nil, nil, err
	}
	if berr != nil {
		return nil, nil, berr
	}
	return a, b, nil
}

// TouchDialogs records activity on many dialogs in one UPDATE per chunk.
func (q *queries) TouchDialogs(ctx context.Context, touches []storage.DialogTouch) error {
	return chunks(len(touches), func(lo, hi int) error {
		var a args
		ids := make([]int64, 0, hi-lo)
		at := make([]int64, 0, hi-lo)
		unread := make([]int, 0, hi-lo)
		for _, t := range touches[lo:hi] {
			ids, at, unread = append(ids, t.ID), append(at, ms(t.At)), append(unread, t.Unread)
		}
		newAt := caseByID(&a, ids, at, "BIGINT")
		n, err := q.exec(ctx, "touch dialogs", `UPDATE dialogs SET
			last_message_at = CASE WHEN last_message_at < `+newAt+` THEN `+newAt+` ELSE last_message_at END,
			updated_at = `+newAt+`,
			unread = unread + `+caseByID(&a, ids, unread, "INTEGER")+`
			WHERE id IN (`+in(&a, ids)+`)`, a...)
		if err == nil && n != int64(len(ids)) {
			return notFound("touch dialogs")
		}
		return err
	})
}

// InsertMessages stores messages without attachments, each unless its
// (channel, external id) is taken.
func (q *queries) InsertMessages(ctx context.Context, msgs []*storage.Message) ([]bool, error) {
	const op = "insert messages"
	inserted := make([]bool, len(msgs))
	err := q.atomic(ctx, func(q *queries) error {
		return chunks(len(msgs), func(lo, hi int) error {
			var a args
			rows := make([]string, 0, hi-lo)
			byKey := make(map[storage.MessageKey]int, hi-lo)
			for i := lo; i < hi; i++ {
				m := msgs[i]
				if len(m.Attachments) > 0 {
					return errf(op, "message %q has attachments", m.ExternalID)
				}
				meta, err := encodeMeta(m.Meta)
				if err != nil {
					return errf(op, "meta: %w", err)
				}
				m.CreatedAt = orNow(m.CreatedAt)
				rows = append(rows, a.row(m.DialogID, m.ClientID, m.Channel, m.ExternalID, m.Direction, m.AuthorID,
					m.Subject, m.Text, m.HTML, m.Status, m.Error, meta, m.Automated, ms(m.CreatedAt)))
				byKey[storage.MessageKey{Channel: m.Channel, ExternalID: m.ExternalID}] = i
			}
			type ref struct {
				id       int64
				channel  string
				external string
			}
			got, err := list(ctx, q, op, `INSERT INTO messages (dialog_id, client_id, channel, external_id,
				direction, author_id, subject, body_text, body_html, status, error, meta, automated, created_at)
				VALUES `+strings.Join(rows, ", ")+` ON CONFLICT (channel, external_id) DO NOTHING RETURNING id, channel, external_id`,
				a, func(r scanner) (ref, error) {
					var x ref
					return x, r.Scan(&x.id, &x.channel, &x.external)
				})
			if err != nil {
				return err
			}
			for _, x := range got {
				if i, ok := byKey[storage.MessageKey{Channel: x.channel, ExternalID: x.external}]; ok {
					msgs[i].ID, inserted[i] = x.id, true
				}
			}
			return nil
		})
	})
	return inserted, err
}

// MessageRefs returns the stored messages' ids, dialogs and clients.
func (q *queries) MessageRefs(ctx context.Context, keys []storage.MessageKey) ([]storage.Message, error) {
	var out []storage.Message
	err := chunks(len(keys), func(lo, hi int) error {
		query, a := messageRefs(keys[lo:hi])
		ms, err := list(ctx, q, "message refs", query, a, scanMessageRef)
		out = append(out, ms...)
		return err
	})
	return out, err
}

// messageRefs is MessageRefs' statement for one chunk of keys.
func messageRefs(keys []storage.MessageKey) (string, args) {
	var a args
	conds := make([]string, 0, len(keys))
	for _, k := range keys {
		conds = append(conds, "(channel = "+a.add(k.Channel)+" AND external_id = "+a.add(k.ExternalID)+")")
	}
	return `SELECT id, dialog_id, client_id, channel, external_id FROM messages WHERE ` + strings.Join(conds, " OR "), a
}

func scanMessageRef(r scanner) (storage.Message, error) {
	var m storage.Message
	return m, r.Scan(&m.ID, &m.DialogID, &m.ClientID, &m.Channel, &m.ExternalID)
}

// LookupInbound is MessageRefs and FindIdentities, the duplicate check
// sent ahead of the identity lookup, in its round trip (listAhead).
func (q *queries) LookupInbound(ctx context.Context, keys []storage.MessageKey, ids []storage.Identity) ([]storage.Message, []storage.Identity, error) {
	if len(keys) == 0 || len(keys) > maxBatchRows || len(ids) == 0 {
		refs, err := q.MessageRefs(ctx, keys)
		if err != nil {
			return nil, nil, err
		}
		found, err := q.FindIdentities(ctx, ids)
		return refs, found, err
	}
	query, a := messageRefs(keys)
	refs := listAhead(ctx, q, "message refs", query, a, scanMessageRef)
	found, ferr := q.FindIdentities(ctx, ids)
	return answersAhead(refs, found, ferr)
}
