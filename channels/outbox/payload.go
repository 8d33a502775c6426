package outbox

import (
	"encoding/json"
	"fmt"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

// EncodePayload is the one encoding of an outbox row's payload: the JSON of
// msg. Attachment contents are not included (channels.Attachment.Content
// is not serialized); a row carries attachment metadata only, and an
// adapter that sends files reads their bytes from the blob store.
func EncodePayload(msg channels.OutboundMessage) (json.RawMessage, error) {
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("outbox: encode payload: %w", err)
	}
	return b, nil
}

// DecodePayload rebuilds the message of a claimed row. The row's own
// columns win over the payload for the fields the outbox owns: the row id,
// channel, dialog and message ids, the idempotency key, and the attempt
// number (which the claim has already counted, so the first send is 1).
func DecodePayload(it storage.OutboxItem) (channels.OutboundMessage, error) {
	var msg channels.OutboundMessage
	if err := json.Unmarshal(it.Payload, &msg); err != nil {
		return channels.OutboundMessage{}, fmt.Errorf("outbox: decode payload of row %d: %w", it.ID, err)
	}
	msg.OutboxID = it.ID
	msg.Channel = it.Channel
	msg.DialogID = it.DialogID
	msg.MessageID = it.MessageID
	msg.IdempotencyKey = it.IdempotencyKey
	msg.Attempt = it.Attempts
	return msg, nil
}
