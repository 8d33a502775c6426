package email

import (
	"context"
	"log/slog"
	"time"
)

// StateStore keeps the IMAP cursors. storage.Store implements it; GetState
// returns an error satisfying errors.Is(err, storage.ErrNotFound) for a key
// never set.
type StateStore interface {
	GetState(ctx context.Context, scope, key string) (string, error)
	SetState(ctx context.Context, scope, key, value string) error
}

// Locker elects the one replica that polls a mailbox. storage.Store
// implements it (a PostgreSQL advisory lock; always granted on SQLite).
type Locker interface {
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}

// Option adjusts a Mailbox, Sender or Listener.
type Option func(*options)

type options struct {
	log        *slog.Logger
	locker     Locker
	lockRetry  time.Duration
	backoffMin time.Duration
	backoffMax time.Duration
	batchSize  int
	batchBytes int64
	opTimeout  time.Duration
	metrics    *Metrics
}

func newOptions(opts []Option) options {
	o := options{
		log:        slog.Default(),
		lockRetry:  15 * time.Second,
		backoffMin: time.Second,
		backoffMax: 5 * time.Minute,
		batchSize:  50,
		batchBytes: 16 << 20,
		opTimeout:  5 * time.Minute,
	}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithLocker makes a Mailbox poll only while it holds the lock
// "email:<mailbox name>", retrying every retry (default 15s) while another
// replica has it.
func WithLocker(l Locker, retry time.Duration) Option {
	return func(o *options) {
		o.locker = l
		if retry > 0 {
			o.lockRetry = retry
		}
	}
}

// WithBackoff sets the reconnect backoff bounds (default 1s to 5m,
// doubling after each failed session).
func WithBackoff(minDelay, maxDelay time.Duration) Option {
	return func(o *options) {
		if minDelay > 0 {
			o.backoffMin = minDelay
		}
		if maxDelay >= o.backoffMin {
			o.backoffMax = maxDelay
		}
	}
}

// WithBatch sets how many letters are fetched per round trip (default 50)
// and the most bytes held in memory for one round trip (default 16 MiB).
func WithBatch(letters int, maxBytes int64) Option {
	return func(o *options) {
		if letters > 0 {
			o.batchSize = letters
		}
		if maxBytes > 0 {
			o.batchBytes = maxBytes
		}
	}
}

// WithMetrics records the channel's Prometheus metrics in m; without it
// nothing is recorded.
func WithMetrics(m *Metrics) Option {
	return func(o *options) { o.metrics = m }
}
