package daemon

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-hub/switchboard/storage"
)

// poolCollector exports the store's connection pool at scrape time:
// switchboard_storage_pool_max_connections,
// switchboard_storage_pool_connections{state="in_use"|"idle"}, and the
// requests that found no connection free, as a count and as time spent
// waiting. Waits rising with the ingest rate mean the pool, not the
// database, is what requests queue for.
type poolCollector struct {
	pool                           storage.PoolReporter
	max, conns, waits, waitSeconds *prometheus.Desc
}

var _ prometheus.Collector = (*poolCollector)(nil)

func newPoolCollector(p storage.PoolReporter) *poolCollector {
	const ns = "switchboard_storage_pool_"
	return &poolCollector{
		pool: p,
		max:  prometheus.NewDesc(ns+"max_connections", "Connections the store's pool may open.", nil, nil),
		conns: prometheus.NewDesc(ns+"connections", "The store's open connections, by state (in_use, idle).",
			[]string{"state"}, nil),
		waits: prometheus.NewDesc(ns+"waits_total", "Requests for a connection that found none free.", nil, nil),
		waitSeconds: prometheus.NewDesc(ns+"wait_seconds_total",
			"Time requests spent waiting for a free connection.", nil, nil),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.max
	ch <- c.conns
	ch <- c.waits
	ch <- c.waitSeconds
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.PoolStats()
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(st.MaxConns))
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(st.InUse), "in_use")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(st.Idle), "idle")
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(st.Waits))
	ch <- prometheus.MustNewConstMetric(c.waitSeconds, prometheus.CounterValue, st.WaitTime.Seconds())
}
