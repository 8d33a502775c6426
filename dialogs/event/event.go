// Package event names every event type the hub appends to the event log and
// pushes over the live stream, and defines their data payloads.
//
// An event's scope fields (storage.Event DialogID, TeamID, ManagerID) decide
// who receives it on the stream; see package dialogs/stream for the rule and
// docs/EVENTS.md for the scope each type carries. In short: an event about an
// assigned dialog carries the assignee in ManagerID and the dialog's team in
// TeamID; an event about a queued dialog carries ManagerID 0 and the team; an
// event with both zero is global and reaches everyone.
package event

import (
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// Event types stored in the log. The names are part of the public stream
// protocol: add new ones, never rename.
const (
	// DialogCreated: a new dialog was opened (DialogData).
	DialogCreated = "dialog.created"
	// DialogAssigned: a dialog got an assignee (DialogData); scoped to the new assignee.
	DialogAssigned = "dialog.assigned"
	// DialogUnassigned: a dialog left a manager on transfer or requeue
	// (DialogData); scoped to the previous assignee so their list drops it.
	DialogUnassigned = "dialog.unassigned"
	// DialogTransferred: a dialog moved to another manager or team (DialogData).
	DialogTransferred = "dialog.transferred"
	// DialogClosed: a dialog was closed (DialogData).
	DialogClosed = "dialog.closed"
	// DialogReopened: a closed dialog was reopened (DialogData).
	DialogReopened = "dialog.reopened"
	// DialogQueued: a dialog entered its team's queue (DialogData); ManagerID 0.
	DialogQueued = "dialog.queued"
	// DialogUpdated: other dialog fields changed: unread, SLA, subject (DialogData).
	DialogUpdated = "dialog.updated"
	// MessageCreated: a message was stored, inbound or outbound (MessageData).
	MessageCreated = "message.created"
	// MessageStatus: an outbound message's delivery status changed (MessageStatusData).
	MessageStatus = "message.status"
	// Typing: a manager is typing in a dialog (TypingData). Ephemeral: never
	// stored, sent with id 0 and only to this replica's connections.
	Typing = "typing"
	// ClientUpdated: a client's card changed (ClientData).
	ClientUpdated = "client.updated"
	// ClientMerged: a client was merged into another (MergeData).
	ClientMerged = "client.merged"
	// DuplicateFound: a new duplicate candidate pair was raised (DuplicateData).
	DuplicateFound = "duplicate.found"
	// DuplicateDismissed: a duplicate candidate was marked "not a duplicate".
	DuplicateDismissed = "duplicate.dismissed"
	// LeadCreated: a lead arrived from a site or call-tracking service (LeadData).
	LeadCreated = "lead.created"
	// CallRinging: a call is ringing; the console pops the caller's card (CallData).
	CallRinging = "call.ringing"
	// CallAnswered: a call was answered (CallData).
	CallAnswered = "call.answered"
	// CallEnded: a call ended, with its outcome (CallData).
	CallEnded = "call.ended"
	// PresenceChanged: a manager's presence changed (PresenceData); global.
	PresenceChanged = "presence.changed"
	// QueueChanged: queue lengths or oldest waits changed (QueueData); global.
	QueueChanged = "queue.changed"
	// SLABreached: an assigned dialog missed its first-response deadline (SLAData).
	SLABreached = "sla.breached"
	// ManagerUpdated: a manager's role, teams or state changed (ManagerData);
	// scoped to that manager, it also makes the stream reload the manager's
	// visibility at once.
	ManagerUpdated = "manager.updated"
)

// Frame types the stream itself sends; they are never stored and carry id 0.
const (
	// StreamHello is the first frame of every connection (HelloData).
	StreamHello = "stream.hello"
	// StreamReset tells the client its cursor is older than the log keeps:
	// reload state over the HTTP API, then follow the live frames (ResetData).
	StreamReset = "stream.reset"
	// Pong answers a client's {"type":"ping"} frame (no data).
	Pong = "pong"
	// Error reports a client frame the stream refused (ErrorData); the
	// connection stays open.
	Error = "error"
)

// DialogData is the payload of the dialog.* events.
type DialogData struct {
	Dialog storage.Dialog `json:"dialog"`
	// FromManagerID and FromTeamID say where a transferred, unassigned or
	// requeued dialog came from.
	FromManagerID int64 `json:"from_manager_id,omitempty"`
	FromTeamID    int64 `json:"from_team_id,omitempty"`
	// ByManagerID is the manager who acted; 0 means the router did.
	ByManagerID int64 `json:"by_manager_id,omitempty"`
}

// MessageData is the payload of message.created.
type MessageData struct {
	Message storage.Message `json:"message"`
}

// MessageStatusData is the payload of message.status.
type MessageStatusData struct {
	MessageID  int64  `json:"message_id"`
	DialogID   int64  `json:"dialog_id"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// TypingData is the payload of typing.
type TypingData struct {
	DialogID  int64 `json:"dialog_id"`
	ManagerID int64 `json:"manager_id"`
}

// ClientData is the payload of client.updated.
type ClientData struct {
	Client storage.Client `json:"client"`
}

// MergeData is the payload of client.merged.
type MergeData struct {
	LoserID    int64 `json:"loser_id"`
	SurvivorID int64 `json:"survivor_id"`
}

// DuplicateData is the payload of duplicate.found.
type DuplicateData struct {
	Candidate storage.Candidate `json:"candidate"`
}

// LeadData is the payload of lead.created.
type LeadData struct {
	Lead storage.Lead `json:"lead"`
}

// CallData is the payload of the call.* events.
type CallData struct {
	Call storage.Call `json:"call"`
}

// PresenceData is the payload of presence.changed.
type PresenceData struct {
	ManagerID int64            `json:"manager_id"`
	Presence  storage.Presence `json:"presence"`
	Load      int              `json:"load"`
	Capacity  int              `json:"capacity"`
	At        time.Time        `json:"at"`
}

// QueueData is the payload of queue.changed: every team's queue.
type QueueData struct {
	Queues []storage.QueueStat `json:"queues"`
}

// SLAData is the payload of sla.breached.
type SLAData struct {
	DialogID  int64     `json:"dialog_id"`
	ManagerID int64     `json:"manager_id"`
	TeamID    int64     `json:"team_id"`
	DueAt     time.Time `json:"due_at"`
}

// ManagerData is the payload of manager.updated.
type ManagerData struct {
	Manager storage.Manager `json:"manager"`
	TeamIDs []int64         `json:"team_ids"`
}

// HelloData is the payload of stream.hello.
type HelloData struct {
	// LastID is the newest event id the stream had when the connection
	// started: live frames follow it; replayed frames come first.
	LastID     int64     `json:"last_id"`
	ServerTime time.Time `json:"server_time"`
}

// Reset reasons.
const (
	// ResetHistoryTrimmed: the cursor is older than the oldest kept event.
	ResetHistoryTrimmed = "history_trimmed"
	// ResetUnknownCursor: the cursor is newer than the log's newest event,
	// so it belongs to another (restored or recreated) log.
	ResetUnknownCursor = "unknown_cursor"
)

// ResetData is the payload of stream.reset.
type ResetData struct {
	Reason string `json:"reason"`
	Oldest int64  `json:"oldest"`
}

// ErrorData is the payload of an error frame.
type ErrorData struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}
