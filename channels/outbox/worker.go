// Package outbox sends outbound messages: a Worker claims due outbox rows,
// hands each to its channel's Sender, and records sent, retry or failed.
//
// Delivery is at most once per completed send. A row is claimed (status
// "sending" with a lease) in its own committed write before the send is
// tried, and the send runs under a deadline shorter than the lease, so a
// slow but live send is never claimed again by another worker. The one
// repeat that can happen is a send whose result a crash kept from being
// recorded: the lease expires, the row is claimed again, and the send is
// repeated with the same idempotency key so the far side can drop it.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

// Queries is the part of the store contract the worker uses, inside and
// outside a transaction.
type Queries interface {
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxItem, error)
	MarkOutboxSent(ctx context.Context, id int64, externalID string, at time.Time) error
	MarkOutboxRetry(ctx context.Context, id int64, next time.Time, errText string) error
	MarkOutboxFailed(ctx context.Context, id int64, errText string, at time.Time) error
	SetMessageStatus(ctx context.Context, id int64, status, errText, externalID string) error
}

// Store is what the worker needs of storage.Store. Tx keeps the store
// contract's signature so any storage.Store satisfies it as is.
type Store interface {
	Queries
	Tx(ctx context.Context, fn func(tx storage.Queries) error) error
}

var _ Store = storage.Store(nil)

// Config tunes a Worker. Zero values take the defaults in brackets.
type Config struct {
	// Poll is how often due rows are looked for without a Kick [1s].
	Poll time.Duration `yaml:"poll"`
	// Batch is the most rows claimed at once [16].
	Batch int `yaml:"batch"`
	// Parallel is the most sends in flight [4].
	Parallel int `yaml:"parallel"`
	// SendTimeout bounds one send [30s].
	SendTimeout time.Duration `yaml:"send_timeout"`
	// Lease is how long a claimed row is held [2m]. It must exceed
	// SendTimeout: the difference is the time left to record the result,
	// and a row is only ever claimed again once its lease ran out.
	Lease time.Duration `yaml:"lease"`
	// MaxAttempts is how many sends a row gets before it fails [10].
	MaxAttempts int `yaml:"max_attempts"`
	// BackoffBase and BackoffMax bound the exponential backoff [2s, 10m].
	BackoffBase time.Duration `yaml:"backoff_base"`
	BackoffMax  time.Duration `yaml:"backoff_max"`
}

// withDefaults fills zero fields and checks the lease rule.
func (c Config) withDefaults() (Config, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Poll, time.Second)
	def(&c.SendTimeout, 30*time.Second)
	def(&c.Lease, 2*time.Minute)
	def(&c.BackoffBase, 2*time.Second)
	def(&c.BackoffMax, 10*time.Minute)
	if c.Batch <= 0 {
		c.Batch = 16
	}
	if c.Parallel <= 0 {
		c.Parallel = 4
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.Lease <= c.SendTimeout {
		return c, fmt.Errorf("outbox: lease %s must be longer than send timeout %s", c.Lease, c.SendTimeout)
	}
	if c.BackoffMax < c.BackoffBase {
		return c, fmt.Errorf("outbox: backoff max %s is below backoff base %s", c.BackoffMax, c.BackoffBase)
	}
	return c, nil
}

// Worker is the outbox service: Run sends due rows until its context ends.
// Several workers, in one process or on several replicas, may share one
// store; the claim keeps them from sending one row twice.
type Worker struct {
	store   Store
	senders map[string]channels.Sender
	cfg     Config
	metrics *Metrics
	log     *slog.Logger
	kick    chan struct{}

	// now and jitter are the clock and the random source in [0, 1), and
	// recordPause the step between tries to record a result; tests
	// replace them.
	now         func() time.Time
	jitter      func() float64
	recordPause time.Duration
}

// NewWorker returns a worker sending through senders, keyed by channel name
// ("api:shop", "telegram:main"). The map is copied: the set of channels is
// fixed at start, and a row on a channel without a sender fails at once
// rather than waiting for one that is not configured. metrics and log may
// be nil.
func NewWorker(st Store, senders map[string]channels.Sender, cfg Config, metrics *Metrics, log *slog.Logger) (*Worker, error) {
	if st == nil {
		return nil, errors.New("outbox: nil store")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if metrics == nil {
		metrics, _ = NewMetrics(nil)
	}
	if log == nil {
		log = slog.Default()
	}
	m := make(map[string]channels.Sender, len(senders))
	for name, s := range senders {
		m[name] = s
	}
	return &Worker{
		store: st, senders: m, cfg: cfg, metrics: metrics, log: log,
		kick:        make(chan struct{}, 1),
		now:         time.Now,
		jitter:      rand.Float64,
		recordPause: 200 * time.Millisecond,
	}, nil
}

// Kick wakes the worker to look for due rows now, e.g. right after a reply
// was enqueued. It never blocks; kicks while the worker is busy collapse
// into one.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run claims and sends due rows until ctx ends. Sends in flight when ctx
// ends are finished and recorded before Run returns (bounded by
// SendTimeout), so a shutdown does not leave rows to be repeated.
func (w *Worker) Run(ctx context.Context) error {
	slots := make(chan struct{}, w.cfg.Parallel)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		// Claim only as many rows as there are free send slots: a claimed
		// row waiting for a slot would burn its lease.
		n, ok := w.reserve(ctx, slots)
		if !ok {
			return nil
		}
		items, err := w.claim(ctx, n)
		for range n - len(items) {
			<-slots
		}
		for _, it := range items {
			wg.Go(func() {
				defer func() { <-slots }()
				w.process(ctx, it)
			})
		}
		if err == nil && len(items) == n {
			continue // there may be more due rows
		}
		// Since Go 1.23 Reset discards a pending tick, so no drain is needed.
		timer.Reset(w.cfg.Poll)
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-timer.C:
		}
	}
}

// reserve waits for one free send slot and takes up to Batch, returning how
// many it took; false when ctx ended first.
func (w *Worker) reserve(ctx context.Context, slots chan struct{}) (int, bool) {
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return 0, false
	}
	n := 1
	for n < w.cfg.Batch {
		select {
		case slots <- struct{}{}:
			n++
		default:
			return n, true
		}
	}
	return n, true
}

// claimTimeout bounds one claim query.
const claimTimeout = 10 * time.Second

// claim leases up to n due rows, logging a failure (the next poll retries).
// The query itself does not follow ctx: a claim that committed just as the
// worker was stopped would otherwise strand its rows as "sending" until
// their leases ran out.
func (w *Worker) claim(ctx context.Context, n int) ([]storage.OutboxItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimTimeout)
	defer cancel()
	items, err := w.store.ClaimOutbox(qctx, w.now(), w.cfg.Lease, n)
	if err != nil {
		w.log.ErrorContext(ctx, "outbox: claim failed", slog.Any("err", err))
		return nil, err
	}
	return items, nil
}
