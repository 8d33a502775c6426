package sqldb

import (
	"context"
	"encoding/json"

	"github.com/switchboard-hub/switchboard/storage"
)

const messageCols = `id, dialog_id, client_id, channel, external_id, direction, author_id, subject,
	body_text, body_html, status, error, meta, automated, created_at`

func scanMessage(r scanner) (storage.Message, error) {
	var m storage.Message
	var meta string
	var created int64
	err := r.Scan(&m.ID, &m.DialogID, &m.ClientID, &m.Channel, &m.ExternalID, &m.Direction, &m.AuthorID,
		&m.Subject, &m.Text, &m.HTML, &m.Status, &m.Error, &meta, &m.Automated, &created)
	if err != nil {
		return m, err
	}
	m.CreatedAt = tm(created)
	if meta != "" {
		err = json.Unmarshal([]byte(meta), &m.Meta)
	}
	return m, err
}

// encodeMeta stores a message's meta map as JSON text; empty is "".
func encodeMeta(meta map[string]string) (string, error) {
	if len(meta) == 0 {
		return "", nil
	}
	b, err := json.Marshal(meta)
	return string(b), err
}

// InsertMessage stores m with its attachments unless (channel, external id)
// is taken, reporting whether it did; a redelivered message is stored
// once. On insert m and its attachments get their ids.
func (q *queries) InsertMessage(ctx context.Context, m *storage.Message) (bool, error) {
	const op = "insert message"
	meta, err := encodeMeta(m.Meta)
	if err != nil {
		return false, errf(op, "meta: %w", err)
	}
	m.CreatedAt = orNow(m.CreatedAt)
	inserted := false
	err = q.atomic(ctx, func(q *queries) error {
		inserted = false
		var id int64
		err := q.ex.QueryRowContext(ctx, `INSERT INTO messages (dialog_id, client_id, channel, external_id,
			direction, author_id, subject, body_text, body_html, status, error, meta, automated, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (channel, external_id) DO NOTHING RETURNING id`,
			m.DialogID, m.ClientID, m.Channel, m.ExternalID, m.Direction, m.AuthorID, m.Subject, m.Text,
			m.HTML, m.Status, m.Error, meta, m.Automated, ms(m.CreatedAt)).Scan(&id)
		if err != nil {
			if err = q.wrap(op, err); noRows(err) {
				return nil // the conflict: already stored
			}
			return err
		}
		for i := range m.Attachments {
			att := &m.Attachments[i]
			att.MessageID = id
			err := q.ex.QueryRowContext(ctx, `INSERT INTO attachments (message_id, filename, content_type, size,
				content_id, blob_key) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
				id, att.Filename, att.ContentType, att.Size, att.ContentID, att.Key).Scan(&att.ID)
			if err != nil {
				return q.wrap(op+": attachment", err)
			}
		}
		m.ID, inserted = id, true
		return nil
	})
	return inserted, err
}

// GetMessage returns a message by id with its attachments.
func (q *queries) GetMessage(ctx context.Context, id int64) (storage.Message, error) {
	return q.messageWhere(ctx, "get message", `id = $1`, id)
}

// GetMessageByExternal returns a message by the channel's own id.
func (q *queries) GetMessageByExternal(ctx context.Context, channel, externalID string) (storage.Message, error) {
	return q.messageWhere(ctx, "get message by external", `channel = $1 AND external_id = $2`, channel, externalID)
}

// messageWhere returns the one message matching cond, with attachments.
func (q *queries) messageWhere(ctx context.Context, op, cond string, a ...any) (storage.Message, error) {
	m, err := one(ctx, q, op, `SELECT `+messageCols+` FROM messages WHERE `+cond, a, scanMessage)
	if err != nil {
		return m, err
	}
	one := []storage.Message{m}
	err = q.loadAttachments(ctx, op, one)
	return one[0], err
}

// DialogByExternal returns the dialog holding the first of externalIDs
// (in the order given) stored on channel: an email reply names several
// earlier messages, nearest first.
func (q *queries) DialogByExternal(ctx context.Context, channel string, externalIDs []string) (storage.Dialog, error) {
	const op = "dialog by external"
	if len(externalIDs) == 0 {
		return storage.Dialog{}, notFound(op)
	}
	var a args
	query := `SELECT external_id, dialog_id FROM messages WHERE channel = ` + a.add(channel) +
		` AND external_id IN (` + in(&a, externalIDs) + `)`
	type pair struct {
		ext    string
		dialog int64
	}
	pairs, err := list(ctx, q, op, query, a, func(r scanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.ext, &p.dialog)
	})
	if err != nil {
		return storage.Dialog{}, err
	}
	byExt := make(map[string]int64, len(pairs))
	for _, p := range pairs {
		byExt[p.ext] = p.dialog
	}
	for _, ext := range externalIDs {
		if id, ok := byExt[ext]; ok {
			return one(ctx, q, op, `SELECT `+dialogCols+` FROM dialogs WHERE id = $1`, []any{id}, scanDialog)
		}
	}
	return storage.Dialog{}, notFound(op)
}

// ListMessages pages a dialog's messages newest first, with attachments.
func (q *queries) ListMessages(ctx context.Context, dialogID, beforeID int64, n int) ([]storage.Message, error) {
	const op = "list messages"
	if beforeID <= 0 {
		beforeID = maxID
	}
	out, err := list(ctx, q, op, `SELECT `+messageCols+` FROM messages WHERE dialog_id = $1 AND id < $2
		ORDER BY id DESC LIMIT $3`, []any{dialogID, beforeID, limit(n)}, scanMessage)
	if err != nil {
		return nil, err
	}
	return out, q.loadAttachments(ctx, op, out)
}

// SetMessageStatus records a delivery status and error; a non-empty
// externalID also sets the id the far side gave an outbound message.
func (q *queries) SetMessageStatus(ctx context.Context, id int64, status, errText, externalID string) error {
	const op = "set message status"
	if externalID == "" {
		return q.execOneLater(ctx, op, `UPDATE messages SET status = $2, error = $3 WHERE id = $1`, id, status, errText)
	}
	return q.execOneLater(ctx, op, `UPDATE messages SET status = $2, error = $3, external_id = $4 WHERE id = $1`,
		id, status, errText, externalID)
}

// SetMessageStatusByExternal updates an outbound message found by the far
// side's id (a delivery receipt) and returns it.
func (q *queries) SetMessageStatusByExternal(ctx context.Context, channel, externalID, status, errText string) (storage.Message, error) {
	return one(ctx, q, "set message status by external", `UPDATE messages SET status = $3, error = $4
		WHERE channel = $1 AND external_id = $2 AND direction = 'out' RETURNING `+messageCols,
		[]any{channel, externalID, status, errText}, scanMessage)
}

const attachmentCols = `id, message_id, filename, content_type, size, content_id, blob_key`

func scanAttachment(r scanner) (storage.Attachment, error) {
	var a storage.Attachment
	err := r.Scan(&a.ID, &a.MessageID, &a.Filename, &a.ContentType, &a.Size, &a.ContentID, &a.Key)
	return a, err
}

// GetAttachment returns an attachment's metadata by id.
func (q *queries) GetAttachment(ctx context.Context, id int64) (storage.Attachment, error) {
	return one(ctx, q, "get attachment", `SELECT `+attachmentCols+` FROM attachments WHERE id = $1`,
		[]any{id}, scanAttachment)
}

// loadAttachments fills the attachments of msgs with one query.
func (q *queries) loadAttachments(ctx context.Context, op string, msgs []storage.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(msgs))
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		idx[m.ID], ids[i] = i, m.ID
	}
	var a args
	atts, err := list(ctx, q, op+": attachments", `SELECT `+attachmentCols+` FROM attachments
		WHERE message_id IN (`+in(&a, ids)+`) ORDER BY id`, a, scanAttachment)
	if err != nil {
		return err
	}
	for _, att := range atts {
		m := &msgs[idx[att.MessageID]]
		m.Attachments = append(m.Attachments, att)
	}
	return nil
}
