package storage

import (
	"context"
	"errors"
	"time"
)

// Errors returned by every store.
var (
	// ErrNotFound is returned when a looked-up record does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict is returned when a write breaks a uniqueness rule.
	ErrConflict = errors.New("storage: conflict")
	// ErrUnavailable is returned when the database cannot be reached; the
	// HTTP layer maps it to 503 with Retry-After.
	ErrUnavailable = errors.New("storage: unavailable")
)

// Store is a database holding the hub's state. Queries outside Tx run in
// their own implicit transaction.
type Store interface {
	Queries
	// Tx runs fn in one transaction, committing when fn returns nil and
	// rolling back otherwise. fn may be called again if the engine reports
	// a serialization conflict, so it must not have side effects outside tx.
	// Inside fn use tx only: the embedded engine has one connection, which
	// the transaction holds, so a call on the Store would wait for it.
	Tx(ctx context.Context, fn func(tx Queries) error) error
	// Ping checks the database answers.
	Ping(ctx context.Context) error
	// Migrate applies pending migrations; MigrationsPending reports
	// whether any remain (readiness).
	Migrate(ctx context.Context) error
	MigrationsPending(ctx context.Context) (bool, error)
	// Notify returns a channel that receives the id of the newest committed
	// event after each commit that appended events, from this process and,
	// where the engine supports it, from other replicas. Sends never block:
	// a slow reader sees only the newest id, which is all it needs.
	Notify() <-chan int64
	// Engine names the engine: "sqlite" or "postgres".
	Engine() string
	Close() error
}

// PoolStats describes a store's connections: how many it may open, how
// many are in use or idle now, and, since it opened, how many requests for
// a connection found none free and how long they waited in all. A hub
// whose requests keep waiting here is bounded by its pool, not by the
// database's work (docs/PERFORMANCE.md).
type PoolStats struct {
	MaxConns, InUse, Idle int
	Waits                 int64
	WaitTime              time.Duration
}

// PoolReporter is a Store that reports its connection pool.
type PoolReporter interface {
	PoolStats() PoolStats
}

// Queries is every read and write the hub does. Both a Store and the tx
// handed to Store.Tx implement it.
type Queries interface {
	ManagerQueries
	TeamQueries
	AuthQueries
	ClientQueries
	DialogQueries
	MessageQueries
	CallLeadQueries
	EventQueries
	OutboxQueries
	StateQueries
	CannedQueries
}

// ManagerQueries reads and writes managers.
type ManagerQueries interface {
	CreateManager(ctx context.Context, m *Manager) error
	GetManager(ctx context.Context, id int64) (Manager, error)
	GetManagerByLogin(ctx context.Context, login string) (Manager, error)
	ListManagers(ctx context.Context) ([]Manager, error)
	// ListManagersAhead is ListManagers sent ahead (see TeamMembersAhead).
	ListManagersAhead(ctx context.Context) func() ([]Manager, error)
	// UpdateManager writes name, role, capacity, phone, mailbox, disabled.
	UpdateManager(ctx context.Context, m Manager) error
	SetPassword(ctx context.Context, id int64, hash string) error
	SetPresence(ctx context.Context, id int64, p Presence, at time.Time) error
	// ReserveCapacity increments the manager's load by one if it is below
	// capacity, reporting whether it did. It is the one capacity check.
	ReserveCapacity(ctx context.Context, id int64, at time.Time) (bool, error)
	// ReleaseCapacity decrements the manager's load by one, not below zero.
	ReleaseCapacity(ctx context.Context, id int64) error
	// LockManagers locks the managers' rows until the transaction ends, in
	// id order, so that transactions changing several managers' load
	// cannot deadlock, and returns them, ordered by id, as they are once
	// locked. A store with one writer at a time needs no locks.
	LockManagers(ctx context.Context, ids []int64) ([]Manager, error)
	// AddManagerLoads raises each manager's load by its count, without a
	// capacity check, and sets their last assignment time: for a caller
	// that holds their rows (LockManagers) and has checked capacity.
	AddManagerLoads(ctx context.Context, adds map[int64]int, at time.Time) error
	CountManagers(ctx context.Context) (int, error)
}

// TeamQueries reads and writes teams and their members.
type TeamQueries interface {
	CreateTeam(ctx context.Context, t *Team) error
	GetTeam(ctx context.Context, id int64) (Team, error)
	GetTeamByName(ctx context.Context, name string) (Team, error)
	ListTeams(ctx context.Context) ([]Team, error)
	// UpdateTeam writes name, strategy, SLA, owner wait and hours.
	UpdateTeam(ctx context.Context, t Team) error
	DeleteTeam(ctx context.Context, id int64) error
	// NextTeamTurn returns the team's next round-robin turn number. On an
	// engine with several writers it is counted in a statement of its own,
	// outside the caller's transaction, so concurrent distributions in one
	// team never wait for each other's commits; a turn taken by a
	// transaction that then rolls back is simply skipped. There a process
	// also takes turns in blocks and hands them out itself, so most calls
	// cost no statement: each number is still used once, but two
	// processes' turns are not handed out in the order of their numbers.
	// With n > 1 it takes n turns at once and returns the last of them.
	NextTeamTurn(ctx context.Context, teamID, n int64) (int64, error)
	AddTeamMember(ctx context.Context, teamID, managerID int64) error
	RemoveTeamMember(ctx context.Context, teamID, managerID int64) error
	// TeamMembers lists the team's managers ordered by id.
	TeamMembers(ctx context.Context, teamID int64) ([]Manager, error)
	// TeamMembersAhead is TeamMembers for a caller in a transaction that
	// needs the members only after its next statement: where the engine
	// can, the read goes in that statement's round trip. The returned
	// function gives the result (sending the read alone if no statement
	// has carried it yet).
	TeamMembersAhead(ctx context.Context, teamID int64) func() ([]Manager, error)
	// ManagerTeams lists the ids of the teams a manager belongs to.
	ManagerTeams(ctx context.Context, managerID int64) ([]int64, error)
}

// AuthQueries reads and writes sessions and API tokens.
type AuthQueries interface {
	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, tokenHash string, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteManagerSessions(ctx context.Context, managerID int64) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
	CreateAPIToken(ctx context.Context, t *APIToken) error
	GetAPITokenByHash(ctx context.Context, tokenHash string) (APIToken, error)
	// GetAPITokenOwner returns the token with this hash and its manager,
	// in one read: what authenticating a request needs.
	GetAPITokenOwner(ctx context.Context, tokenHash string) (APIToken, Manager, error)
	// GetSessionOwner is GetSession with the session's manager, in one
	// read.
	GetSessionOwner(ctx context.Context, tokenHash string, now time.Time) (Session, Manager, error)
	ListAPITokens(ctx context.Context, managerID int64) ([]APIToken, error)
	DeleteAPIToken(ctx context.Context, managerID, id int64) error
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
}

// ClientQuery filters a client search. Text matches name substrings; the
// identity fields match normalized identities exactly.
type ClientQuery struct {
	Text     string
	Identity *Identity
	Limit    int
	// AfterID pages through results ordered by id.
	AfterID int64
}

// ClientQueries reads and writes clients, identities and candidates.
type ClientQueries interface {
	// ReserveIDs says the transaction will likely create a client and a
	// dialog. Where the engine sends statements ahead, their ids are then
	// taken from the sequences with the transaction's next statement, and
	// CreateClient and CreateDialog send their inserts with the statement
	// after them instead of waiting for the ids they would return: a new
	// client's rows travel together. Elsewhere it does nothing. An id
	// reserved and not used is skipped, as a rolled-back insert's is.
	ReserveIDs(ctx context.Context)
	// CreateClient inserts c and sets its id. With an id reserved
	// (ReserveIDs) the insert may be sent with the next statement, and
	// its error come from that one.
	CreateClient(ctx context.Context, c *Client) error
	// CreateClients is CreateClient for many clients in one statement.
	CreateClients(ctx context.Context, cs []*Client) error
	// SetClientOwners sets clients' owners (owner by client id).
	SetClientOwners(ctx context.Context, owners map[int64]int64, at time.Time) error
	GetClient(ctx context.Context, id int64) (Client, error)
	// GetClients returns the clients with these ids that exist, in any
	// order.
	GetClients(ctx context.Context, ids []int64) ([]Client, error)
	// UpdateClient writes kind, name, company and owner.
	UpdateClient(ctx context.Context, c Client) error
	SearchClients(ctx context.Context, q ClientQuery) ([]Client, error)
	// FindIdentities returns the stored identities among ids (matched on
	// kind and value), with their owners.
	FindIdentities(ctx context.Context, ids []Identity) ([]Identity, error)
	// AddIdentity stores id for its client unless (kind, value) is already
	// taken, reporting whether it was added.
	AddIdentity(ctx context.Context, id Identity) (bool, error)
	// AddIdentities is AddIdentity for many identities in one statement:
	// added[i] reports whether ids[i] was stored. Of a value given twice
	// the first is stored.
	AddIdentities(ctx context.Context, ids []Identity) (added []bool, err error)
	// AddIdentitiesAhead is AddIdentities sent ahead (see
	// TeamMembersAhead).
	AddIdentitiesAhead(ctx context.Context, ids []Identity) func() (added []bool, err error)
	ClientIdentities(ctx context.Context, clientID int64) ([]Identity, error)
	// ClientsByEmailDomain lists ids of clients (up to limit, excluding
	// exclude) holding an email identity at domain; the store derives an
	// email identity's domain when it is added.
	ClientsByEmailDomain(ctx context.Context, domain string, exclude int64, limit int) ([]int64, error)
	// ClientsByEmailDomainAhead is ClientsByEmailDomain sent ahead (see
	// TeamMembersAhead).
	ClientsByEmailDomainAhead(ctx context.Context, domain string, exclude int64, limit int) func() ([]int64, error)
	// SetNameKeys replaces the name keys indexed for a client.
	SetNameKeys(ctx context.Context, clientID int64, keys []string) error
	// AddNameKeys indexes name keys, keeping those a client has: new
	// clients' keys without SetNameKeys' delete.
	AddNameKeys(ctx context.Context, keys []NameKey) error
	// ClientsByNameKey lists the newest clients (up to limit, excluding
	// exclude, newest first) having any of keys among their name keys. Its
	// cost is bounded by limit and the number of keys, not by how many
	// clients share a key.
	ClientsByNameKey(ctx context.Context, keys []string, exclude int64, limit int) ([]Client, error)
	// ClientsByNameKeyAhead is ClientsByNameKey sent ahead (see
	// TeamMembersAhead).
	ClientsByNameKeyAhead(ctx context.Context, keys []string, exclude int64, limit int) func() ([]Client, error)
	// NameKeyClients is ClientsByNameKey for many keys at once, apart: for
	// each key that has any, its newest clients (up to limit, newest first).
	NameKeyClients(ctx context.Context, keys []string, limit int) (map[string][]Client, error)
	// UpsertCandidate records a candidate pair; an existing pair keeps its
	// status (a dismissed pair stays dismissed) and takes the higher score.
	// It reports whether a new open candidate was created.
	UpsertCandidate(ctx context.Context, c *Candidate) (bool, error)
	// AddCandidates records pairs not recorded yet, in one statement,
	// reporting which it added; each added one is filled from its row.
	// Pairs recorded already are left as they are.
	AddCandidates(ctx context.Context, cs []*Candidate) (added []bool, err error)
	// AddCandidatesAhead is AddCandidates sent ahead (see
	// TeamMembersAhead); the candidates are filled when its function is
	// called.
	AddCandidatesAhead(ctx context.Context, cs []*Candidate) func() (added []bool, err error)
	GetCandidate(ctx context.Context, id int64) (Candidate, error)
	ListCandidates(ctx context.Context, clientID int64, status CandidateStatus, limit int) ([]Candidate, error)
	SetCandidateStatus(ctx context.Context, id int64, s CandidateStatus) error
	// MergeClients moves identities, dialogs, messages, calls, leads, name
	// tokens and candidates of loser to survivor and tombstones loser.
	// Merging an already merged loser into the same survivor is a no-op.
	MergeClients(ctx context.Context, loser, survivor int64, at time.Time) error
}

// DialogQuery filters a dialog list. Zero fields do not filter. Results are
// ordered by last activity, newest first, and paged by Before (an
// activity time and id pair from the previous page's last row).
type DialogQuery struct {
	AssigneeID int64
	TeamIDs    []int64
	ClientID   int64
	Status     []DialogStatus
	// Queue selects only unassigned open dialogs.
	Queue    bool
	Limit    int
	BeforeAt time.Time
	BeforeID int64
}

// DialogQueries reads and writes dialogs.
type DialogQueries interface {
	// CreateDialog inserts d and sets its id; with an id reserved
	// (ReserveIDs), as CreateClient does.
	CreateDialog(ctx context.Context, d *Dialog) error
	// CreateDialogs is CreateDialog for many dialogs in one statement.
	CreateDialogs(ctx context.Context, ds []*Dialog) error
	GetDialog(ctx context.Context, id int64) (Dialog, error)
	// FindOpenDialog returns the client's newest non-closed dialog on
	// channel with threadKey ("" matches dialogs without a key).
	FindOpenDialog(ctx context.Context, clientID int64, channel, threadKey string) (Dialog, error)
	// FindOpenDialogs is FindOpenDialog for many threads in one query: for
	// each thread that has one, its newest non-closed dialog, in any order.
	FindOpenDialogs(ctx context.Context, threads []Thread) ([]Dialog, error)
	// FindDialogByThread returns the newest dialog on channel with
	// threadKey, closed or not, created after since.
	FindDialogByThread(ctx context.Context, clientID int64, channel, threadKey string, since time.Time) (Dialog, error)
	ListDialogs(ctx context.Context, q DialogQuery) ([]Dialog, error)
	// QueuedDialogs lists open unassigned dialogs of a team, oldest queued
	// first.
	QueuedDialogs(ctx context.Context, teamID int64, limit int) ([]Dialog, error)
	// AssignDialog sets the assignee from "from" (0 for unassigned) to "to"
	// only if the current assignee still is "from", reporting whether it
	// did; slaDue is the new first-response deadline (zero for none).
	AssignDialog(ctx context.Context, id, from, to int64, slaDue, at time.Time) (bool, error)
	// AssignNewDialog is AssignDialog for a dialog created in the same
	// transaction, which nobody else can have taken: with nothing to
	// report, the store may send it with the next statement. A missing
	// dialog fails the transaction with ErrNotFound.
	AssignNewDialog(ctx context.Context, id, to int64, slaDue, at time.Time) error
	// UnassignDialog puts the dialog back into its team's queue.
	UnassignDialog(ctx context.Context, id, from int64, at time.Time) (bool, error)
	SetDialogTeam(ctx context.Context, id, teamID int64, at time.Time) error
	SetDialogStatus(ctx context.Context, id int64, s DialogStatus, at time.Time) error
	SetDialogReservation(ctx context.Context, id, managerID int64, until time.Time) error
	// TouchDialog records activity: inbound messages add to unread.
	TouchDialog(ctx context.Context, id int64, at time.Time, inbound bool) error
	// TouchDialogs is TouchDialog for many dialogs in one statement; each
	// id appears at most once.
	TouchDialogs(ctx context.Context, touches []DialogTouch) error
	// MarkFirstResponse records the first manager reply if not yet set and
	// clears unread and the SLA deadline.
	MarkFirstResponse(ctx context.Context, id int64, at time.Time) error
	MarkDialogRead(ctx context.Context, id int64) error
	// SLABreached lists open assigned dialogs without a first response
	// whose deadline is before now.
	SLABreached(ctx context.Context, now time.Time, limit int) ([]Dialog, error)
	// ReservationsExpired lists queued dialogs whose owner reservation ran
	// out before now.
	ReservationsExpired(ctx context.Context, now time.Time, limit int) ([]Dialog, error)
	// QueueStats returns, per team id, the queue length and oldest queued
	// time.
	QueueStats(ctx context.Context) ([]QueueStat, error)
}

// Thread names where a dialog without an explicit link continues: the
// client, the channel and the channel's thread key.
type Thread struct {
	ClientID int64
	Channel  string
	Key      string
}

// DialogTouch is activity on one dialog: its newest message time and how
// many inbound messages to add to unread.
type DialogTouch struct {
	ID     int64
	At     time.Time
	Unread int
}

// MessageKey is a message's identity on its channel.
type MessageKey struct {
	Channel    string
	ExternalID string
}

// QueueStat is one team's queue length and oldest wait.
type QueueStat struct {
	TeamID   int64     `json:"team_id"`
	Length   int       `json:"length"`
	OldestAt time.Time `json:"oldest_at,omitzero"`
}

// MessageQueries reads and writes messages and attachments.
type MessageQueries interface {
	// InsertMessage stores m unless (channel, external id) is taken,
	// reporting whether it was inserted. Attachments are stored with it.
	InsertMessage(ctx context.Context, m *Message) (bool, error)
	// InsertMessages is InsertMessage for many messages without
	// attachments in one statement: inserted[i] reports whether ms[i] was
	// stored (and got its id) or its (channel, external id) was taken.
	InsertMessages(ctx context.Context, ms []*Message) (inserted []bool, err error)
	GetMessage(ctx context.Context, id int64) (Message, error)
	GetMessageByExternal(ctx context.Context, channel, externalID string) (Message, error)
	// MessageRefs returns, for the keys that are stored, the message's id,
	// dialog, client, channel and external id (nothing else is filled), in
	// any order: the duplicate check of many inbound events at once.
	MessageRefs(ctx context.Context, keys []MessageKey) ([]Message, error)
	// LookupInbound is MessageRefs(keys) and FindIdentities(ids), the first
	// look at inbound events, which the store may send in one round trip.
	LookupInbound(ctx context.Context, keys []MessageKey, ids []Identity) (refs []Message, found []Identity, err error)
	// LookupThreads is GetClients(clientIDs) and FindOpenDialogs(threads),
	// the second look at inbound events from known clients, which the
	// store may send in one round trip.
	LookupThreads(ctx context.Context, clientIDs []int64, threads []Thread) (clients []Client, open []Dialog, err error)
	// DialogByExternal returns the dialog holding any of the messages with
	// these external ids on channel, the first found in order.
	DialogByExternal(ctx context.Context, channel string, externalIDs []string) (Dialog, error)
	// ListMessages pages a dialog's messages, newest first, before beforeID
	// (0 for the newest).
	ListMessages(ctx context.Context, dialogID, beforeID int64, limit int) ([]Message, error)
	SetMessageStatus(ctx context.Context, id int64, status, errText, externalID string) error
	// SetMessageStatusByExternal updates an outbound message found by the
	// far side's id, returning it.
	SetMessageStatusByExternal(ctx context.Context, channel, externalID, status, errText string) (Message, error)
	GetAttachment(ctx context.Context, id int64) (Attachment, error)
	// Timeline lists a client's messages, calls and leads, newest first,
	// before the given time (zero for now).
	Timeline(ctx context.Context, clientID int64, before time.Time, limit int) ([]TimelineEntry, error)
}

// CallLeadQueries reads and writes calls and leads.
type CallLeadQueries interface {
	// UpsertCall stores a call by (channel, external id), updating the
	// times, manager, outcome and recording of an existing one.
	UpsertCall(ctx context.Context, c *Call) (created bool, err error)
	GetCall(ctx context.Context, id int64) (Call, error)
	// InsertLead stores l unless (source, external id) is taken.
	InsertLead(ctx context.Context, l *Lead) (bool, error)
	GetLead(ctx context.Context, id int64) (Lead, error)
	GetLeadByExternal(ctx context.Context, source, externalID string) (Lead, error)
	SetLeadStatus(ctx context.Context, id int64, s LeadStatus, reason string, at time.Time) error
}

// EventQueries appends to and reads the event log.
type EventQueries interface {
	// AppendEvent adds e to the log and sets its id. Ids grow in commit
	// order: a reader that saw id N never later finds a new event below N.
	// To keep that order, writers appending events are serialized from
	// their first AppendEvent to their commit, so append events last in a
	// transaction, after every other statement.
	AppendEvent(ctx context.Context, e *Event) error
	// AppendEvents appends several events in one round trip, in order, as
	// AppendEvent would one by one, and sets their ids.
	AppendEvents(ctx context.Context, es []Event) error
	// AppendEventsAtCommit appends es as AppendEvents does, but as late as
	// the engine can: on PostgreSQL with the transaction's COMMIT, in the
	// same round trip. Their ids are set once the transaction committed;
	// nothing may be run in the transaction after it.
	AppendEventsAtCommit(ctx context.Context, es []Event) error
	// EventsAfter lists up to limit events with id > after, in id order.
	EventsAfter(ctx context.Context, after int64, limit int) ([]Event, error)
	// EventBounds returns the oldest and newest event ids kept (0, 0 when
	// the log is empty).
	EventBounds(ctx context.Context) (oldest, newest int64, err error)
	// TrimEvents deletes events older than before, always keeping the
	// newest one so ids never restart.
	TrimEvents(ctx context.Context, before time.Time) (int64, error)
	// CountEvents counts events of type typ at or after since (the
	// supervisor page's "SLA breaches today").
	CountEvents(ctx context.Context, typ string, since time.Time) (int, error)
}

// OutboxQueries reads and writes the outbox.
type OutboxQueries interface {
	EnqueueOutbox(ctx context.Context, it *OutboxItem) error
	// ClaimOutbox leases up to limit rows that are pending and due, or
	// sending with an expired lease, marking them sending until now+lease
	// and counting the attempt. Two workers never claim the same row.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error)
	MarkOutboxSent(ctx context.Context, id int64, externalID string, at time.Time) error
	MarkOutboxRetry(ctx context.Context, id int64, next time.Time, errText string) error
	MarkOutboxFailed(ctx context.Context, id int64, errText string, at time.Time) error
	GetOutbox(ctx context.Context, id int64) (OutboxItem, error)
	// OutboxBacklog counts rows per status that are not done.
	OutboxBacklog(ctx context.Context) (map[OutboxStatus]int, error)
}

// StateQueries keeps small per-adapter cursors (an IMAP folder's last UID
// and UIDVALIDITY, a Telegram update offset) in the same database, so they
// commit together with what they acknowledge.
type StateQueries interface {
	// GetState returns the value under (scope, key), or ErrNotFound.
	GetState(ctx context.Context, scope, key string) (string, error)
	SetState(ctx context.Context, scope, key, value string) error
}

// CannedQueries reads and writes canned responses and knowledge-base
// snippets. Who may change which is the API's rule, not the store's.
type CannedQueries interface {
	// CreateCanned inserts c and sets its id.
	CreateCanned(ctx context.Context, c *Canned) error
	GetCanned(ctx context.Context, id int64) (Canned, error)
	// UpdateCanned writes title, shortcut, text, kind, attachments and
	// updated_at; scope, owner and team never change.
	UpdateCanned(ctx context.Context, c Canned) error
	DeleteCanned(ctx context.Context, id int64) error
	// ListCanned lists what a manager sees: their personal ones, those of
	// teamIDs and the global ones, ordered by title (case-folded) then id.
	ListCanned(ctx context.Context, managerID int64, teamIDs []int64) ([]Canned, error)
}

// Locker is implemented by stores that can elect one replica to run a
// poller that must run once (an IMAP mailbox, a Telegram long-poll). The
// embedded store runs in one process and grants a free name at once; a
// name already held in this process is refused like on PostgreSQL.
type Locker interface {
	// TryLock takes the named lock if free, returning a release func. The
	// lock is held until release is called or ctx ends.
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}
