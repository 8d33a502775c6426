package stream

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the stream's Prometheus series, namespace switchboard,
// subsystem stream. No label carries a manager or connection id.
type metrics struct {
	connections   prometheus.Gauge
	framesSent    prometheus.Counter
	slowCloses    prometheus.Counter
	replayed      prometheus.Counter
	resets        prometheus.Counter
	readErrors    prometheus.Counter
	recentSends   prometheus.Counter
	logReads      prometheus.Counter
	broadcast     prometheus.Histogram
	eventLag      prometheus.Histogram
	rejectedConns *prometheus.CounterVec
	reads         *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "switchboard", "stream"
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "connections",
			Help: "Open stream WebSocket connections.",
		}),
		framesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "frames_sent_total",
			Help: "Frames written to stream connections.",
		}),
		slowCloses: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "slow_closes_total",
			Help: "Connections closed with 4008 because their send queue overflowed.",
		}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "replayed_events_total",
			Help: "Events sent from the log to resuming connections.",
		}),
		resets: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "resets_total",
			Help: "Resumes refused with stream.reset because the cursor was outside the log.",
		}),
		readErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "log_read_errors_total",
			Help: "Failed reads of the event log by the hub's reader.",
		}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "hub_reads_total",
			Help: "Pages of new events the hub's reader took, by source: recent (this process's own commits, no read) or log (a read of the event log).",
		}, []string{"source"}),
		broadcast: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "broadcast_duration_seconds",
			Help:    "Time to serialize one event and queue it to every connection.",
			Buckets: prometheus.ExponentialBuckets(0.00001, 4, 10),
		}),
		eventLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "event_lag_seconds",
			Help:    "Time from an event's timestamp to its broadcast (commit to fan-out).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 3, 10),
		}),
		rejectedConns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "rejected_connections_total",
			Help: "Connection attempts refused before the upgrade, by reason.",
		}, []string{"reason"}),
	}
	m.recentSends, m.logReads = m.reads.WithLabelValues("recent"), m.reads.WithLabelValues("log")
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.connections, m.framesSent, m.slowCloses, m.replayed,
		m.resets, m.readErrors, m.broadcast, m.eventLag, m.rejectedConns, m.reads} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("stream: register metrics: %w", err)
		}
	}
	return m, nil
}
