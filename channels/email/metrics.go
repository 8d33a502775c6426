package email

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Import outcomes, the values of the outcome label of
// switchboard_email_letters_imported_total.
const (
	// OutcomeStored is a letter parsed and committed.
	OutcomeStored = "stored"
	// OutcomeDuplicate is a letter the hub already had (a replay).
	OutcomeDuplicate = "duplicate"
	// OutcomeFallback is a letter committed in degraded form: unreadable
	// and recorded with a note, or recorded minimally after it kept
	// failing to ingest.
	OutcomeFallback = "fallback"
	// OutcomeFailed is one failed ingest attempt; the letter is retried.
	OutcomeFailed = "failed"
)

// SMTP listener rejection reasons, the values of the reason label of
// switchboard_email_smtp_rejected_total.
const (
	RejectAuthFailed   = "auth_failed"   // wrong credentials
	RejectAuthRequired = "auth_required" // MAIL without AUTH on a listener that requires it
	RejectRecipient    = "recipient"     // recipient not on the allow-list
	RejectIngest       = "ingest"        // the commit failed; answered 451
)

// Metrics are the email channel's Prometheus metrics. Labels are the
// configured mailbox or listener name and small fixed sets (outcome,
// reason), so cardinality stays bounded. A nil *Metrics records nothing.
type Metrics struct {
	imported     *prometheus.CounterVec
	connected    *prometheus.GaugeVec
	reconnects   *prometheus.CounterVec
	lastPoll     *prometheus.GaugeVec
	smtpAccepted *prometheus.CounterVec
	smtpRejected *prometheus.CounterVec
	sentFailures *prometheus.CounterVec
}

// NewMetrics builds the metrics and registers them with reg; a nil reg
// leaves them unregistered.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "switchboard", Subsystem: "email", Name: name, Help: help}, labels)
	}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "switchboard", Subsystem: "email", Name: name, Help: help}, labels)
	}
	m := &Metrics{
		imported: counter("letters_imported_total",
			"Letters imported over IMAP by mailbox and outcome (stored, duplicate, fallback, failed; failed counts attempts).", "mailbox", "outcome"),
		connected: gauge("imap_connected",
			"IMAP sessions currently logged in, by mailbox (one per watched folder).", "mailbox"),
		reconnects: counter("imap_reconnects_total",
			"IMAP sessions that ended and are retried after a backoff, by mailbox.", "mailbox"),
		lastPoll: gauge("imap_last_poll_timestamp_seconds",
			"Unix time of the last completed sync of any folder, by mailbox.", "mailbox"),
		smtpAccepted: counter("smtp_accepted_total",
			"Letters the SMTP listener committed and answered 250, by listener.", "listener"),
		smtpRejected: counter("smtp_rejected_total",
			"SMTP listener refusals by listener and reason (auth_failed, auth_required, recipient, ingest).", "listener", "reason"),
		sentFailures: counter("sent_append_failures_total",
			"Sent letters whose copy to the Sent folder failed, by mailbox.", "mailbox"),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.imported, m.connected, m.reconnects, m.lastPoll, m.smtpAccepted, m.smtpRejected, m.sentFailures} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *Metrics) imports(mailbox, outcome string) {
	if m != nil {
		m.imported.WithLabelValues(mailbox, outcome).Inc()
	}
}

func (m *Metrics) connUp(mailbox string, delta float64) {
	if m != nil {
		m.connected.WithLabelValues(mailbox).Add(delta)
	}
}

func (m *Metrics) reconnect(mailbox string) {
	if m != nil {
		m.reconnects.WithLabelValues(mailbox).Inc()
	}
}

func (m *Metrics) polled(mailbox string, at time.Time) {
	if m != nil {
		m.lastPoll.WithLabelValues(mailbox).Set(float64(at.UnixNano()) / 1e9)
	}
}

func (m *Metrics) smtpAccept(listener string) {
	if m != nil {
		m.smtpAccepted.WithLabelValues(listener).Inc()
	}
}

func (m *Metrics) smtpReject(listener, reason string) {
	if m != nil {
		m.smtpRejected.WithLabelValues(listener, reason).Inc()
	}
}

func (m *Metrics) sentAppendFailed(mailbox string) {
	if m != nil {
		m.sentFailures.WithLabelValues(mailbox).Inc()
	}
}
