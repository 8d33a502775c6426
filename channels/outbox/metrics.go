package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-hub/switchboard/storage"
)

// Metrics are the worker's Prometheus metrics, labelled by channel name (a
// configured, bounded set) and outcome (sent, retry, failed).
type Metrics struct {
	attempts *prometheus.CounterVec
	sent     *prometheus.CounterVec
	failed   *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics builds the metrics and registers them with reg; a nil reg
// leaves them unregistered (tests, or a worker without /metrics).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: "switchboard", Subsystem: "outbox", Name: name, Help: help}
	}
	m := &Metrics{
		attempts: prometheus.NewCounterVec(opts("attempts_total", "Send attempts by channel and outcome (sent, retry, failed)."), []string{"channel", "outcome"}),
		sent:     prometheus.NewCounterVec(opts("sent_total", "Outbox rows delivered."), []string{"channel"}),
		failed:   prometheus.NewCounterVec(opts("failed_total", "Outbox rows failed for good."), []string{"channel"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "switchboard", Subsystem: "outbox", Name: "send_duration_seconds",
			Help:    "Time one send took, whatever its outcome.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"channel"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.attempts, m.sent, m.failed, m.duration} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// BacklogReader is the store query behind the backlog gauge.
type BacklogReader interface {
	OutboxBacklog(ctx context.Context) (map[storage.OutboxStatus]int, error)
}

// BacklogCollector exports switchboard_outbox_backlog{status}, the rows not
// done, read from the store at scrape time. It is separate from Metrics
// because it queries the database: the wiring registers one per process,
// however many workers run.
type BacklogCollector struct {
	store   BacklogReader
	timeout time.Duration
	log     *slog.Logger
	desc    *prometheus.Desc
}

var _ prometheus.Collector = (*BacklogCollector)(nil)

// NewBacklogCollector returns a collector reading st with a per-scrape
// timeout (default 2s).
func NewBacklogCollector(st BacklogReader, timeout time.Duration, log *slog.Logger) *BacklogCollector {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &BacklogCollector{
		store: st, timeout: timeout, log: log,
		desc: prometheus.NewDesc("switchboard_outbox_backlog", "Outbox rows not done, by status.", []string{"status"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *BacklogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector. Pending and sending are always
// exported (zero when empty) so alerts see a series; a failed query
// exports nothing rather than a misleading zero.
func (c *BacklogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	counts, err := c.store.OutboxBacklog(ctx)
	if err != nil {
		c.log.Warn("outbox: backlog query failed", slog.Any("err", err))
		return
	}
	for _, st := range []storage.OutboxStatus{storage.OutboxPending, storage.OutboxSending} {
		if _, ok := counts[st]; !ok {
			counts[st] = 0
		}
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), string(st))
	}
}
