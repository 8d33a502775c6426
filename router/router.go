package router

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/internal/twogen"
	"github.com/switchboard-hub/switchboard/storage"
)

// read runs fn's reads outside a transaction when the store offers that
// (two round trips fewer than a transaction's BEGIN and COMMIT), else in
// one. Only reads whose result is checked again by the write that follows
// belong here.
func (r *Router) read(ctx context.Context, fn func(q storage.Queries) error) error {
	if q, ok := r.store.(storage.Queries); ok {
		return fn(q)
	}
	return r.store.Tx(ctx, fn)
}

// recentSize is how many identities Router.recent remembers per
// generation.
const recentSize = 16384

// Store is what the router needs of the database: every write it does
// happens inside one transaction. A Store that is also storage.Queries
// serves the few reads that need none (see read).
type Store interface {
	Tx(ctx context.Context, fn func(tx storage.Queries) error) error
}

// Normalizer turns raw identity values into their canonical form.
type Normalizer interface {
	Normalize(kind channels.IdentityKind, raw string) (string, error)
	// FreeMail reports whether an email domain is a public mail service,
	// which never signals that two clients are one company.
	FreeMail(domain string) bool
}

// Blobs keeps attachment bytes outside the database.
type Blobs interface {
	Put(ctx context.Context, content []byte) (key string, err error)
}

// Config holds the router's settings.
type Config struct {
	// DefaultTeam receives events whose channel names no team. Empty means
	// the shared queue of all managers (team 0).
	DefaultTeam string
	// AutoMerge merges clients at once when one event's strong identities
	// point at two of them, instead of only raising a candidate.
	AutoMerge bool
	// AwayOnSLA sets a manager away when a dialog offered to them breaches
	// its first-response deadline, so new work stops going to them.
	AwayOnSLA bool
	// CandidateScan bounds how many clients a weak-signal check compares.
	CandidateScan int
	// CandidatesPerClient bounds the duplicate candidates weak signals
	// raise for one new client, best first (default 3).
	CandidatesPerClient int
	// MaxBatch bounds how many concurrent inbound events share one
	// transaction (group commit, see group.go). 0 or 1 gives every event
	// a transaction of its own.
	MaxBatch int
	// BatchRunners is how many batches may be committed at once (default
	// 1). One suits SQLite's single writer; on PostgreSQL several keep
	// both the database's cores and the pool's connections busy while one
	// batch waits on its round trips.
	BatchRunners int
}

// Router is the one writer of clients, dialogs and assignments.
type Router struct {
	store   Store
	norm    Normalizer
	blobs   Blobs
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	now     func() time.Time
	// kickOutbox wakes the outbox worker after a reply is enqueued.
	kickOutbox func()
	// group queues concurrent ingests for a shared transaction.
	group grouper
	// recent holds the identities of events stored lately: a hint that
	// an event's client is not new, for group commit with several runners
	// (see Ingest) and for ReserveIDs (see ingestTx).
	recent *twogen.Map[identityKey, struct{}]
}

// Option configures a Router.
type Option func(*Router)

// WithClock replaces the wall clock, for tests.
func WithClock(now func() time.Time) Option { return func(r *Router) { r.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(r *Router) { r.log = l } }

// WithMetrics sets the metrics the router records into.
func WithMetrics(m *Metrics) Option { return func(r *Router) { r.metrics = m } }

// WithOutboxKick sets the function called after a reply is enqueued.
func WithOutboxKick(kick func()) Option { return func(r *Router) { r.kickOutbox = kick } }

// New builds a Router.
func New(store Store, norm Normalizer, blobs Blobs, cfg Config, opts ...Option) *Router {
	if cfg.BatchRunners <= 0 {
		cfg.BatchRunners = 1
	}
	if cfg.CandidateScan <= 0 {
		cfg.CandidateScan = 50
	}
	if cfg.CandidatesPerClient <= 0 {
		cfg.CandidatesPerClient = 3
	}
	r := &Router{
		store: store, norm: norm, blobs: blobs, cfg: cfg,
		log: slog.Default(), now: func() time.Time { return time.Now().UTC() },
		kickOutbox: func() {},
		recent:     twogen.New[identityKey, struct{}](recentSize),
	}
	for _, o := range opts {
		o(r)
	}
	if r.metrics == nil {
		r.metrics = NewMetrics(nil)
	}
	return r
}

var _ channels.Ingester = (*Router)(nil)

// Errors the router returns for requests it refuses. The HTTP layer maps
// them to 4xx answers.
var (
	// ErrAtCapacity: the manager has no free capacity.
	ErrAtCapacity = errors.New("router: manager at capacity")
	// ErrNotAssignable: the dialog is closed, already taken or the
	// manager may not take it.
	ErrNotAssignable = errors.New("router: dialog cannot be assigned")
	// ErrClosed: the action needs an open dialog.
	ErrClosed = errors.New("router: dialog is closed")
)

// errLostRace rolls back a transaction that lost a conditional update to a
// concurrent one; the caller retries from the start.
var errLostRace = errors.New("router: lost race")

// retryTx runs fn in a transaction, starting again when it lost a race to
// a concurrent writer.
func (r *Router) retryTx(ctx context.Context, fn func(tx storage.Queries) error) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		err = r.store.Tx(ctx, fn)
		if !errors.Is(err, errLostRace) {
			return err
		}
	}
	return err
}
