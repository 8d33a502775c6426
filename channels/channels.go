// Package channels defines the contract between channel adapters and the hub:
// the normalized inbound event an adapter hands to the router, the outbound
// message the outbox hands to an adapter, and the errors an adapter uses to
// tell the outbox whether a failed send is worth retrying.
package channels

import (
	"context"
	"time"
)

// IdentityKind names one kind of client identity.
type IdentityKind string

// Identity kinds. Strong kinds point at exactly one client.
const (
	Phone    IdentityKind = "phone"
	Email    IdentityKind = "email"
	Telegram IdentityKind = "telegram"
	Viber    IdentityKind = "viber"
	VK       IdentityKind = "vk"
	Webchat  IdentityKind = "webchat"
	INN      IdentityKind = "inn"
	// Anonymous is the channel's own opaque sender id ("<channel>:<id>"), used
	// when an event carries no other usable identity so it is never dropped.
	Anonymous IdentityKind = "sender"
)

// Identity is one (kind, value) that identifies a client. Values are raw as
// received; the router normalizes them.
type Identity struct {
	Kind  IdentityKind `json:"kind"`
	Value string       `json:"value"`
}

// Contact is what a channel knows about the person behind an event.
type Contact struct {
	Name       string     `json:"name,omitempty"`
	Company    string     `json:"company,omitempty"`
	Identities []Identity `json:"identities,omitempty"`
	// Weak identities (e.g. a phone found in an email signature) are added to
	// the client but never used to find or merge clients.
	Weak []Identity `json:"weak,omitempty"`
}

// Attachment is a file received with or sent with a message. Content is held
// in memory only on the way through; the store keeps metadata and the blob.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	ContentID   string `json:"content_id,omitempty"`
	Content     []byte `json:"-"`
}

// InboundEvent is one normalized thing that arrived on a channel.
type InboundEvent struct {
	// Channel is the configured channel instance name, e.g. "api:shop" or
	// "email:sales". (Channel, ExternalID) is unique: replays are no-ops.
	Channel    string
	ExternalID string
	// SenderID is the channel's own id of the sender (chat id, address); it
	// keys an anonymous client when the contact has no usable identity.
	SenderID string
	From     Contact
	At       time.Time

	Subject     string
	Text        string
	HTML        string
	Attachments []Attachment

	// DialogID, when set, names the dialog this event continues (e.g. from a
	// plus-addressed reply); it is the strongest threading key.
	DialogID int64
	// InReplyTo lists external ids of earlier messages on this channel that
	// this one answers, strongest first.
	InReplyTo []string
	// ThreadKey, when set, threads by key: events with the same key share an
	// open dialog; an event with a new key opens a new dialog. When empty the
	// client's open dialog on the channel is continued.
	ThreadKey string

	// Team and Owner are routing hints from the channel's configuration:
	// the team that handles this channel and the manager login that owns a
	// personal channel (a manager's own mailbox).
	Team  string
	Owner string

	// Automated marks auto-replies and delivery reports: they are stored in
	// an existing dialog but never open a new one or reach distribution.
	Automated bool

	Meta map[string]string
}

// Receipt is what the router answers once an event is committed.
type Receipt struct {
	ClientID  int64 `json:"client_id"`
	DialogID  int64 `json:"dialog_id"`
	MessageID int64 `json:"message_id"`
	Duplicate bool  `json:"duplicate"`
}

// Ingester accepts inbound events. It returns only after the event is
// committed, so an adapter acknowledges its sender after Ingest returns nil.
type Ingester interface {
	Ingest(ctx context.Context, ev InboundEvent) (Receipt, error)
}

// OutboundMessage is one message the outbox hands to an adapter.
type OutboundMessage struct {
	OutboxID int64
	Channel  string
	DialogID int64
	// MessageID is the stored message this send delivers.
	MessageID int64
	// IdempotencyKey is stable across retries of the same row; adapters pass
	// it to the far side where the channel supports one (VK random_id, the
	// email Message-ID, the API channel's event id).
	IdempotencyKey string
	Attempt        int

	// To is the client's address on this channel (chat id, email, phone).
	To        string
	ToName    string
	FromName  string
	Subject   string
	Text      string
	HTML      string
	InReplyTo []string
	ThreadKey string

	Attachments []Attachment
	Meta        map[string]string
}

// SendResult is what a successful send reports.
type SendResult struct {
	// ExternalID is the far side's id of the sent message, if any.
	ExternalID string
}

// Sender delivers outbound messages on one channel.
type Sender interface {
	Send(ctx context.Context, msg OutboundMessage) (SendResult, error)
}

// Status is a delivery status of an outbound message.
type Status string

// Delivery statuses, in the order they normally happen.
const (
	StatusQueued    Status = "queued"
	StatusSent      Status = "sent"
	StatusDelivered Status = "delivered"
	StatusRead      Status = "read"
	StatusFailed    Status = "failed"
)

// StatusReporter records delivery statuses an adapter learns after a send
// (delivery receipts, read marks), keyed by the far side's message id.
type StatusReporter interface {
	ReportStatus(ctx context.Context, channel, externalID string, status Status, reason string) error
}
