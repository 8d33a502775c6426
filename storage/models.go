// Package storage defines the store contract shared by the hub's packages:
// the domain records, the queries and writes on them, and the errors they
// return. Implementations live in sub-packages: sqldb holds the one body of
// SQL, sqlite and postgres open it on their engine, and storetest is the
// conformance suite both must pass.
package storage

import (
	"encoding/json"
	"time"
)

// Role is a manager's role in the console.
type Role string

// Roles, in increasing power.
const (
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Presence is a manager's availability for new work.
type Presence string

// Presence values.
const (
	Online  Presence = "online"
	Away    Presence = "away"
	Offline Presence = "offline"
)

// Manager is an agent, supervisor or admin of the console.
type Manager struct {
	ID           int64     `json:"id"`
	Login        string    `json:"login"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	Role         Role      `json:"role"`
	Presence     Presence  `json:"presence"`
	PresenceAt   time.Time `json:"presence_at"`
	// Capacity is the number of open dialogs (chats, letters, live calls)
	// the manager takes at once, across all channels.
	Capacity int `json:"capacity"`
	// Load is the number of open dialogs currently assigned; it is kept in
	// step with assignments in the same transactions so that a conditional
	// increment is the capacity check.
	Load      int       `json:"load"`
	Phone     string    `json:"phone,omitempty"`
	Mailbox   string    `json:"mailbox,omitempty"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	// LastAssignedAt orders least-loaded ties.
	LastAssignedAt time.Time `json:"last_assigned_at"`
}

// Strategy is how a team hands new dialogs to its members.
type Strategy string

// Distribution strategies.
const (
	RoundRobin  Strategy = "round_robin"
	LeastLoaded Strategy = "least_loaded"
)

// Team is a group of managers sharing a queue.
type Team struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Strategy Strategy `json:"strategy"`
	// SLA is the first-response deadline; zero disables it.
	SLA time.Duration `json:"sla_seconds"`
	// OwnerWait is how long a returning client's dialog waits for an
	// unavailable owner before going to the team.
	OwnerWait time.Duration `json:"owner_wait_seconds"`
	// Hours is the team's working schedule as JSON (see router.Hours);
	// empty means always open.
	Hours     json.RawMessage `json:"hours,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Session is a console login session; the token itself is never stored,
// only its SHA-256.
type Session struct {
	TokenHash string
	ManagerID int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// APIToken is a long-lived bearer token of a manager.
type APIToken struct {
	ID         int64     `json:"id"`
	ManagerID  int64     `json:"manager_id"`
	Name       string    `json:"name"`
	TokenHash  string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
}

// ClientKind tells a person from a company.
type ClientKind string

// Client kinds.
const (
	Person  ClientKind = "person"
	Company ClientKind = "company"
)

// Client is a person or a company the team talks to.
type Client struct {
	ID        int64      `json:"id"`
	Kind      ClientKind `json:"kind"`
	Name      string     `json:"name"`
	CompanyID int64      `json:"company_id,omitempty"`
	OwnerID   int64      `json:"owner_id,omitempty"`
	// MergedInto is the survivor's id once this client was merged away.
	MergedInto int64     `json:"merged_into,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Identity is one normalized (kind, value) owned by one client.
type Identity struct {
	ClientID  int64     `json:"client_id"`
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	Weak      bool      `json:"weak,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// NameKey indexes a client under one key of its name, for finding
// namesakes (see identity.NameKeys).
type NameKey struct {
	ClientID int64
	Key      string
}

// CandidateStatus is where a duplicate candidate stands.
type CandidateStatus string

// Candidate statuses.
const (
	CandidateOpen      CandidateStatus = "open"
	CandidateMerged    CandidateStatus = "merged"
	CandidateDismissed CandidateStatus = "dismissed"
)

// Candidate is a pair of clients that may be one, with why and how sure.
// ClientA < ClientB always, so a pair is stored once.
type Candidate struct {
	ID        int64           `json:"id"`
	ClientA   int64           `json:"client_a"`
	ClientB   int64           `json:"client_b"`
	Reason    string          `json:"reason"`
	Score     float64         `json:"score"`
	Status    CandidateStatus `json:"status"`
	CreatedAt time.Time       `json:"created_at"`
}

// DialogStatus is where a dialog stands.
type DialogStatus string

// Dialog statuses.
const (
	DialogOpen    DialogStatus = "open"
	DialogPending DialogStatus = "pending"
	DialogClosed  DialogStatus = "closed"
)

// Dialog is one conversation thread with a client on one channel.
type Dialog struct {
	ID         int64        `json:"id"`
	ClientID   int64        `json:"client_id"`
	Channel    string       `json:"channel"`
	ThreadKey  string       `json:"thread_key,omitempty"`
	Subject    string       `json:"subject,omitempty"`
	Status     DialogStatus `json:"status"`
	TeamID     int64        `json:"team_id,omitempty"`
	AssigneeID int64        `json:"assignee_id,omitempty"`
	// ReservedFor holds a queued dialog for the client's owner until
	// ReservedUntil.
	ReservedFor     int64     `json:"reserved_for,omitempty"`
	ReservedUntil   time.Time `json:"reserved_until,omitzero"`
	SLADueAt        time.Time `json:"sla_due_at,omitzero"`
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	Unread          int       `json:"unread"`
	LastMessageAt   time.Time `json:"last_message_at"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	ClosedAt        time.Time `json:"closed_at,omitzero"`
	// QueuedAt is when the dialog last entered its team's queue; oldest
	// first is the queue's order.
	QueuedAt time.Time `json:"queued_at,omitzero"`
}

// Direction of a message or call.
type Direction string

// Directions.
const (
	Inbound  Direction = "in"
	Outbound Direction = "out"
)

// Message is one inbound or outbound message in a dialog.
type Message struct {
	ID         int64     `json:"id"`
	DialogID   int64     `json:"dialog_id"`
	ClientID   int64     `json:"client_id"`
	Channel    string    `json:"channel"`
	ExternalID string    `json:"external_id"`
	Direction  Direction `json:"direction"`
	// AuthorID is the manager who wrote an outbound message.
	AuthorID    int64             `json:"author_id,omitempty"`
	Subject     string            `json:"subject,omitempty"`
	Text        string            `json:"text"`
	HTML        string            `json:"html,omitempty"`
	Status      string            `json:"status"`
	Error       string            `json:"error,omitempty"`
	Meta        map[string]string `json:"meta,omitempty"`
	Automated   bool              `json:"automated,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	Attachments []Attachment      `json:"attachments,omitempty"`
}

// Attachment is the metadata of a file on a message; the bytes live in the
// blob store under Key.
type Attachment struct {
	ID          int64  `json:"id"`
	MessageID   int64  `json:"message_id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	ContentID   string `json:"content_id,omitempty"`
	Key         string `json:"-"`
}

// CallOutcome is how a call ended.
type CallOutcome string

// Call outcomes.
const (
	CallAnswered CallOutcome = "answered"
	CallMissed   CallOutcome = "missed"
	CallBusy     CallOutcome = "busy"
	CallFailed   CallOutcome = "failed"
)

// Call is one phone call, kept whether answered or missed.
type Call struct {
	ID         int64       `json:"id"`
	ClientID   int64       `json:"client_id"`
	DialogID   int64       `json:"dialog_id,omitempty"`
	Channel    string      `json:"channel"`
	ExternalID string      `json:"external_id"`
	Direction  Direction   `json:"direction"`
	FromNumber string      `json:"from"`
	ToNumber   string      `json:"to"`
	ManagerID  int64       `json:"manager_id,omitempty"`
	RingAt     time.Time   `json:"ring_at"`
	AnswerAt   time.Time   `json:"answer_at,omitzero"`
	EndAt      time.Time   `json:"end_at,omitzero"`
	Outcome    CallOutcome `json:"outcome,omitempty"`
	Recording  string      `json:"recording,omitempty"`
}

// LeadStatus is where a lead stands.
type LeadStatus string

// Lead statuses.
const (
	LeadNew       LeadStatus = "new"
	LeadInWork    LeadStatus = "in_work"
	LeadConverted LeadStatus = "converted"
	LeadRejected  LeadStatus = "rejected"
)

// Lead is a request posted by a website or call-tracking service.
type Lead struct {
	ID           int64             `json:"id"`
	Source       string            `json:"source"`
	ExternalID   string            `json:"external_id"`
	ClientID     int64             `json:"client_id"`
	DialogID     int64             `json:"dialog_id,omitempty"`
	Campaign     string            `json:"campaign,omitempty"`
	UTM          map[string]string `json:"utm,omitempty"`
	Raw          json.RawMessage   `json:"raw,omitempty"`
	Status       LeadStatus        `json:"status"`
	RejectReason string            `json:"reject_reason,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// Event is one entry of the append-only event log. The scope fields say who
// may see it: the dialog's assignee, the team's members and supervisors, or
// everyone when all are zero (admins always see all).
type Event struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	At        time.Time       `json:"at"`
	Data      json.RawMessage `json:"data"`
	DialogID  int64           `json:"-"`
	ClientID  int64           `json:"-"`
	TeamID    int64           `json:"-"`
	ManagerID int64           `json:"-"`
}

// OutboxStatus is where an outbox row stands.
type OutboxStatus string

// Outbox statuses. A row is "sending" while a worker holds its lease; a row
// found "sending" with an expired lease was interrupted by a crash and is
// retried with the same idempotency key.
const (
	OutboxPending OutboxStatus = "pending"
	OutboxSending OutboxStatus = "sending"
	OutboxSent    OutboxStatus = "sent"
	OutboxFailed  OutboxStatus = "failed"
)

// OutboxItem is one outbound send waiting for, or done by, the outbox worker.
type OutboxItem struct {
	ID             int64           `json:"id"`
	MessageID      int64           `json:"message_id"`
	DialogID       int64           `json:"dialog_id"`
	Channel        string          `json:"channel"`
	IdempotencyKey string          `json:"idempotency_key"`
	Payload        json.RawMessage `json:"payload"`
	Status         OutboxStatus    `json:"status"`
	Attempts       int             `json:"attempts"`
	NextAttemptAt  time.Time       `json:"next_attempt_at"`
	LockedUntil    time.Time       `json:"locked_until,omitzero"`
	LastError      string          `json:"last_error,omitempty"`
	ExternalID     string          `json:"external_id,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	SentAt         time.Time       `json:"sent_at,omitzero"`
	// FailedAt is when the row was given up on (status failed).
	FailedAt time.Time `json:"failed_at,omitzero"`
}

// TimelineEntry is one item of a client's cross-channel history.
type TimelineEntry struct {
	Kind    string    `json:"kind"` // message, call, lead
	At      time.Time `json:"at"`
	Message *Message  `json:"message,omitempty"`
	Call    *Call     `json:"call,omitempty"`
	Lead    *Lead     `json:"lead,omitempty"`
}

// CannedScope says who sees a canned response.
type CannedScope string

// Canned response scopes.
const (
	// CannedPersonal is seen by its owner only.
	CannedPersonal CannedScope = "personal"
	// CannedTeam is seen by the members of its team.
	CannedTeam CannedScope = "team"
	// CannedGlobal is seen by everyone.
	CannedGlobal CannedScope = "global"
)

// CannedKind tells a ready reply from a knowledge-base snippet.
type CannedKind string

// Canned kinds.
const (
	// KindCanned is a ready reply, inserted whole into the composer.
	KindCanned CannedKind = "canned"
	// KindSnippet is a knowledge-base snippet: reference text a manager
	// quotes from.
	KindSnippet CannedKind = "snippet"
)

// Canned is a canned response or knowledge-base snippet. Its text may hold
// placeholders ({{client.name}}, {{manager.name}}, {{dialog.id}}) that are
// expanded when it is used, not when it is stored.
type Canned struct {
	ID    int64       `json:"id"`
	Scope CannedScope `json:"scope"`
	// OwnerID is the manager a personal response belongs to; 0 otherwise.
	OwnerID int64 `json:"owner_id"`
	// TeamID is the team a team response belongs to; 0 otherwise.
	TeamID   int64      `json:"team_id"`
	Title    string     `json:"title"`
	Shortcut string     `json:"shortcut"`
	Body     string     `json:"text"`
	Kind     CannedKind `json:"kind"`
	// Attachments go out with every reply started from this response
	// (a price list, a commercial offer); their bytes are in the blob
	// store.
	Attachments []CannedAttachment `json:"attachments,omitempty"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
}

// CannedAttachment is a file kept with a canned response. Unlike a
// message's Attachment its Key is public: the console sends it back with
// the reply that uses the response, and a blob key is the SHA-256 of the
// content, so it reveals nothing to someone who may already read the
// response.
type CannedAttachment struct {
	Key         string `json:"key"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}
