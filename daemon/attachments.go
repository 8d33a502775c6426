package daemon

import (
	"context"
	"fmt"
	"strconv"

	"github.com/switchboard-hub/switchboard/channels"
)

// blobGetter reads attachment bytes by key.
type blobGetter interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// attachmentLoader fills outbound attachments' bytes from the blob store
// just before a send; the outbox row keeps only their keys
// (Meta["attachment.N"]), so rows stay small.
type attachmentLoader struct {
	next  channels.Sender
	blobs blobGetter
}

func (l attachmentLoader) Send(ctx context.Context, msg channels.OutboundMessage) (channels.SendResult, error) {
	for i := range msg.Attachments {
		key := msg.Meta["attachment."+strconv.Itoa(i)]
		if key == "" || msg.Attachments[i].Content != nil {
			continue
		}
		b, err := l.blobs.Get(ctx, key)
		if err != nil {
			return channels.SendResult{}, channels.Permanent(fmt.Errorf("attachment %q: %w", msg.Attachments[i].Filename, err))
		}
		msg.Attachments[i].Content = b
	}
	return l.next.Send(ctx, msg)
}

func withAttachments(senders map[string]channels.Sender, blobs blobGetter) map[string]channels.Sender {
	out := make(map[string]channels.Sender, len(senders))
	for k, s := range senders {
		out[k] = attachmentLoader{next: s, blobs: blobs}
	}
	return out
}
