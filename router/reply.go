package router

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// Reply is a manager's answer in a dialog.
type Reply struct {
	DialogID int64
	AuthorID int64
	Subject  string
	Text     string
	HTML     string
	// Attachments are already in the blob store (Key set).
	Attachments []storage.Attachment
	// Guard, if set, decides on the dialog as the reply's transaction reads
	// it whether the author may answer it.
	Guard Guard
}

// threadRefs bounds how many earlier message ids a reply carries for
// threading (email References).
const threadRefs = 20

// Reply stores a manager's answer and queues it in the outbox in one
// transaction; the outbox worker sends it on the dialog's channel.
func (r *Router) Reply(ctx context.Context, rep Reply) (storage.Message, error) {
	if strings.TrimSpace(rep.Text) == "" && strings.TrimSpace(rep.HTML) == "" && len(rep.Attachments) == 0 {
		return storage.Message{}, fmt.Errorf("%w: reply is empty", channels.ErrInvalidEvent)
	}
	var stored storage.Message
	err := r.store.Tx(ctx, func(tx storage.Queries) error {
		now := r.now()
		d, err := tx.GetDialog(ctx, rep.DialogID)
		if err != nil {
			return err
		}
		if err := rep.Guard.check(d); err != nil {
			return err
		}
		author, err := tx.GetManager(ctx, rep.AuthorID)
		if err != nil {
			return err
		}
		history, err := tx.ListMessages(ctx, d.ID, 0, threadRefs)
		if err != nil {
			return err
		}
		key, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("router: message id: %w", err)
		}
		subject := rep.Subject
		if subject == "" && d.Subject != "" {
			subject = replySubject(d.Subject)
		}
		msg := storage.Message{
			DialogID: d.ID, ClientID: d.ClientID, Channel: d.Channel, ExternalID: "out:" + key.String(),
			Direction: storage.Outbound, AuthorID: author.ID, Subject: subject, Text: rep.Text, HTML: rep.HTML,
			Status: string(channels.StatusQueued), CreatedAt: now, Attachments: rep.Attachments,
		}
		if _, err := tx.InsertMessage(ctx, &msg); err != nil {
			return err
		}
		out := channels.OutboundMessage{
			Channel: d.Channel, DialogID: d.ID, MessageID: msg.ID, IdempotencyKey: key.String(),
			FromName: author.Name, Subject: subject, Text: rep.Text, HTML: rep.HTML, ThreadKey: d.ThreadKey,
		}
		for _, h := range history {
			if h.Direction == storage.Inbound && out.To == "" {
				out.To, out.ToName = h.Meta["sender"], h.Meta["sender_name"]
			}
			if !strings.HasPrefix(h.ExternalID, "out:") {
				out.InReplyTo = append(out.InReplyTo, h.ExternalID)
			}
		}
		for _, a := range msg.Attachments {
			// The worker loads the bytes by key when it sends.
			out.Attachments = append(out.Attachments, channels.Attachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
			if out.Meta == nil {
				out.Meta = map[string]string{}
			}
			out.Meta[fmt.Sprintf("attachment.%d", len(out.Attachments)-1)] = a.Key
		}
		payload, err := json.Marshal(out)
		if err != nil {
			return fmt.Errorf("router: encode outbound: %w", err)
		}
		item := storage.OutboxItem{
			MessageID: msg.ID, DialogID: d.ID, Channel: d.Channel, IdempotencyKey: key.String(),
			Payload: payload, Status: storage.OutboxPending, NextAttemptAt: now, CreatedAt: now,
		}
		if err := tx.EnqueueOutbox(ctx, &item); err != nil {
			return err
		}
		if d.FirstResponseAt.IsZero() {
			if err := tx.MarkFirstResponse(ctx, d.ID, now); err != nil {
				return err
			}
			r.metrics.firstResponse(now.Sub(d.CreatedAt))
		} else if err := tx.MarkDialogRead(ctx, d.ID); err != nil {
			return err
		}
		if err := tx.TouchDialog(ctx, d.ID, now, false); err != nil {
			return err
		}
		stored = msg
		return pending{dialogEvent(event.MessageCreated, d, now, messageData{Message: msg})}.flush(ctx, tx)
	})
	if err != nil {
		return storage.Message{}, err
	}
	r.kickOutbox()
	return stored, nil
}

// replySubject prefixes "Re: " once.
func replySubject(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "re:") {
		return s
	}
	return "Re: " + s
}
