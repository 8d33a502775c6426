package router

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-hub/switchboard/storage"
)

// Metrics are the router's Prometheus metrics. Labels are bounded: channel
// instance names and team names come from configuration, never from
// clients.
type Metrics struct {
	inboundTotal   *prometheus.CounterVec
	ingestSeconds  *prometheus.HistogramVec
	dialogsOpened  *prometheus.CounterVec
	assignments    *prometheus.CounterVec
	queueLength    *prometheus.GaugeVec
	queueOldest    *prometheus.GaugeVec
	slaBreaches    prometheus.Counter
	candidates     prometheus.Counter
	merges         prometheus.Counter
	firstResponses prometheus.Histogram
}

// NewMetrics builds and registers the router metrics; a nil registerer
// keeps them unregistered (tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		inboundTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "inbound_events_total",
			Help: "Inbound events by channel and outcome (stored, duplicate, invalid, error).",
		}, []string{"channel", "outcome"}),
		ingestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "ingest_duration_seconds",
			Help:    "Time from receiving an inbound event to its commit.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"channel"}),
		dialogsOpened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "dialogs_opened_total",
			Help: "New dialogs by channel.",
		}, []string{"channel"}),
		assignments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "assignments_total",
			Help: "Dialogs handed to a manager, by team.",
		}, []string{"team"}),
		queueLength: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "queue_length",
			Help: "Dialogs waiting in a team's queue (team id; 0 is the shared queue).",
		}, []string{"team_id"}),
		queueOldest: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "queue_oldest_wait_seconds",
			Help: "Wait of the oldest dialog in a team's queue.",
		}, []string{"team_id"}),
		slaBreaches: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "sla_breaches_total",
			Help: "First-response deadlines missed.",
		}),
		candidates: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "duplicate_candidates_total",
			Help: "Duplicate client candidates raised.",
		}),
		merges: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "merges_total",
			Help: "Client merges.",
		}),
		firstResponses: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "switchboard", Subsystem: "router", Name: "first_response_seconds",
			Help:    "Time from a dialog's start to the first manager reply.",
			Buckets: prometheus.ExponentialBuckets(5, 2, 12),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.inboundTotal, m.ingestSeconds, m.dialogsOpened, m.assignments,
			m.queueLength, m.queueOldest, m.slaBreaches, m.candidates, m.merges, m.firstResponses)
	}
	return m
}

func (m *Metrics) inbound(channel, outcome string) {
	m.inboundTotal.WithLabelValues(channel, outcome).Inc()
}

func (m *Metrics) ingestLatency(channel string, d time.Duration) {
	m.ingestSeconds.WithLabelValues(channel).Observe(d.Seconds())
}

func (m *Metrics) dialogOpened(channel string) { m.dialogsOpened.WithLabelValues(channel).Inc() }
func (m *Metrics) assigned(team string)        { m.assignments.WithLabelValues(team).Inc() }
func (m *Metrics) slaBreach()                  { m.slaBreaches.Inc() }
func (m *Metrics) candidate()                  { m.candidates.Inc() }
func (m *Metrics) merge()                      { m.merges.Inc() }
func (m *Metrics) firstResponse(d time.Duration) {
	m.firstResponses.Observe(d.Seconds())
}

func (m *Metrics) queues(stats []storage.QueueStat, now time.Time) {
	m.queueLength.Reset()
	m.queueOldest.Reset()
	for _, s := range stats {
		id := strconv.FormatInt(s.TeamID, 10)
		m.queueLength.WithLabelValues(id).Set(float64(s.Length))
		if !s.OldestAt.IsZero() {
			m.queueOldest.WithLabelValues(id).Set(now.Sub(s.OldestAt).Seconds())
		}
	}
}
