package email

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/channels/email/emailtest"
)

func newTestMetrics(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// value reads one counter or gauge. (prometheus/testutil would need a
// module that go.mod does not list.)
func value(m prometheus.Metric) float64 {
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		panic(err)
	}
	if out.Counter != nil {
		return out.Counter.GetValue()
	}
	return out.Gauge.GetValue()
}

func wantValue(t *testing.T, what string, m prometheus.Metric, want float64) {
	t.Helper()
	if got := value(m); got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// logRecorder keeps every log record's message and own attributes.
type logRecorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

// attrs returns the attributes of every record with message msg.
func (r *logRecorder) attrs(msg string) []map[string]slog.Value {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]slog.Value
	for _, rec := range r.recs {
		if rec.Message != msg {
			continue
		}
		m := map[string]slog.Value{}
		rec.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value; return true })
		out = append(out, m)
	}
	return out
}

// TestMailboxPollsWithoutIdle runs a mailbox against a server that does
// not offer IDLE: letters delivered while it runs still arrive, through
// the poll_interval loop.
func TestMailboxPollsWithoutIdle(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecotWith(t, emailtest.DovecotOptions{NoIdle: true})
	d.Deliver(t, "sales", "INBOX", letter(1, "Before start"))
	ing, rec := newFakeIngester(), &logRecorder{}
	met, _ := newTestMetrics(t)
	cfg := mailboxConfig(d, "sales")
	cfg.IMAP.PollInterval = 100 * time.Millisecond
	m, err := NewMailbox(cfg, ing, newMemState(), WithLogger(slog.New(rec)), WithMetrics(met))
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m)
	waitFor(t, "the first letter", 15*time.Second, func() bool { return len(ing.committed()) == 1 })
	polled := value(met.lastPoll.WithLabelValues("sales"))

	d.Deliver(t, "sales", "INBOX", letter(2, "While polling"))
	waitFor(t, "the letter delivered while running", 15*time.Second, func() bool { return len(ing.committed()) == 2 })
	want(t, "subject", ing.committed()[1].Subject, "While polling")

	// The session saw no IDLE and said so; it was never reconnected, so
	// the second letter came through a later poll of the same session.
	conns := rec.attrs("email: imap connected")
	if len(conns) != 1 {
		t.Fatalf("%d imap sessions, want 1", len(conns))
	}
	if idle, ok := conns[0]["idle"]; !ok || idle.Bool() {
		t.Fatalf("session idle = %v, want false (polling)", idle)
	}
	wantValue(t, "reconnects", met.reconnects.WithLabelValues("sales"), 0)
	wantValue(t, "connected", met.connected.WithLabelValues("sales"), 1)
	waitFor(t, "a later poll", 5*time.Second, func() bool {
		return value(met.lastPoll.WithLabelValues("sales")) > polled
	})
	// The import is counted just after the ingester returns, which is
	// after the fake recorded the letter.
	waitFor(t, "the second import counted", 5*time.Second, func() bool {
		return value(met.imported.WithLabelValues("sales", OutcomeStored)) >= 2
	})
	wantValue(t, "stored", met.imported.WithLabelValues("sales", OutcomeStored), 2)
}

// TestMailboxMetrics walks the import outcomes: a letter that keeps
// failing (failed, then fallback), a good one (stored), and replays after
// a UIDVALIDITY change (duplicate).
func TestMailboxMetrics(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecot(t)
	d.Deliver(t, "sales", "Orders", letter(1, "poison"), letter(2, "fine"))
	met, reg := newTestMetrics(t)
	ing := &rejectingIngester{fakeIngester: newFakeIngester(), reject: "letter-1@example.net"}
	state := newMemState()
	cfg := mailboxConfig(d, "sales")
	cfg.IMAP.Folders = []string{"Orders"} // INBOX cannot be recreated
	start := time.Now()
	m, err := NewMailbox(cfg, ing, state, WithBackoff(10*time.Millisecond, 20*time.Millisecond), WithMetrics(met))
	if err != nil {
		t.Fatal(err)
	}
	stop := runMailbox(t, m)
	waitFor(t, "both letters", 15*time.Second, func() bool { return len(ing.committed()) == 2 })
	waitFor(t, "a connected session", 5*time.Second, func() bool {
		return value(met.connected.WithLabelValues("sales")) == 1
	})
	stop()
	wantValue(t, "failed", met.imported.WithLabelValues("sales", OutcomeFailed), maxIngestAttempts)
	wantValue(t, "fallback", met.imported.WithLabelValues("sales", OutcomeFallback), 1)
	wantValue(t, "stored", met.imported.WithLabelValues("sales", OutcomeStored), 1)
	wantValue(t, "connected after stop", met.connected.WithLabelValues("sales"), 0)
	if n := value(met.reconnects.WithLabelValues("sales")); n < maxIngestAttempts-1 {
		t.Errorf("reconnects = %v, want at least %d (one per failed session)", n, maxIngestAttempts-1)
	}
	if ts := value(met.lastPoll.WithLabelValues("sales")); ts < float64(start.Unix()) {
		t.Errorf("last poll = %v, want after %v", ts, start.Unix())
	}

	// A rebuilt folder replays both letters and brings one new one.
	d.Recreate(t, "sales", "Orders", letter(1, "poison"), letter(2, "fine"), letter(3, "new"))
	m2, err := NewMailbox(cfg, ing.fakeIngester, state, WithMetrics(met))
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m2)
	waitFor(t, "the new letter", 15*time.Second, func() bool { return len(ing.committed()) == 3 })
	waitFor(t, "the replays counted", 5*time.Second, func() bool {
		return value(met.imported.WithLabelValues("sales", OutcomeDuplicate)) == 2
	})
	wantValue(t, "stored", met.imported.WithLabelValues("sales", OutcomeStored), 2)

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := -1
	for _, f := range families {
		if f.GetName() == "switchboard_email_letters_imported_total" {
			series = len(f.GetMetric())
		}
	}
	if series != 4 {
		t.Errorf("imported series = %d, want 4 (one per outcome)", series)
	}
}

func TestListenerMetrics(t *testing.T) {
	t.Parallel()
	met, _ := newTestMetrics(t)
	cfg := listenerConfig()
	cfg.Username, cfg.Password, cfg.AllowInsecureAuth = "site", "s3cret", true
	ing := newFakeIngester()
	l, err := NewListener(cfg, ing, WithMetrics(met))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	addr := ln.Addr().String()
	body := "Subject: a\r\n\r\nx\r\n"

	var se *smtp.SMTPError
	if err := deliver(t, addr, "", "", "x@example.net", []string{"forms@hub.example.com"}, body); !errors.As(err, &se) {
		t.Fatalf("no auth: err = %v", err)
	}
	if err := deliver(t, addr, "site", "wrong", "x@example.net", []string{"forms@hub.example.com"}, body); !errors.As(err, &se) {
		t.Fatalf("bad password: err = %v", err)
	}
	if err := deliver(t, addr, "site", "s3cret", "x@example.net", []string{"nobody@elsewhere.example"}, body); !errors.As(err, &se) {
		t.Fatalf("bad recipient: err = %v", err)
	}
	ing.setFailFrom(1)
	if err := deliver(t, addr, "site", "s3cret", "x@example.net", []string{"forms@hub.example.com"}, body); !errors.As(err, &se) {
		t.Fatalf("failing store: err = %v", err)
	}
	ing.setFailFrom(0)
	if err := deliver(t, addr, "site", "s3cret", "x@example.net", []string{"forms@hub.example.com"}, body); err != nil {
		t.Fatalf("good letter: %v", err)
	}
	wantValue(t, "accepted", met.smtpAccepted.WithLabelValues("forms"), 1)
	for _, reason := range []string{RejectAuthRequired, RejectAuthFailed, RejectRecipient, RejectIngest} {
		wantValue(t, "rejected "+reason, met.smtpRejected.WithLabelValues("forms", reason), 1)
	}
}

func TestSenderCountsSentAppendFailure(t *testing.T) {
	t.Parallel()
	sink := startSink(t, "sales", "smtp-secret")
	met, _ := newTestMetrics(t)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := dead.Addr().String()
	dead.Close()
	cfg := senderConfig(sink, nil)
	cfg.IMAP = IMAPConfig{Addr: addr, TLS: TLSNone, Username: "sales", Password: "x"}
	s, err := NewSender(cfg, WithMetrics(met))
	if err != nil {
		t.Fatal(err)
	}
	// The letter goes out; only its copy to Sent fails.
	if _, err := s.Send(context.Background(), channels.OutboundMessage{IdempotencyKey: "k1", To: "a@client.example", Text: "x"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	wantValue(t, "sent append failures", met.sentFailures.WithLabelValues("sales"), 1)
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	m.imports("x", OutcomeStored)
	m.connUp("x", 1)
	m.reconnect("x")
	m.polled("x", time.Now())
	m.smtpAccept("x")
	m.smtpReject("x", RejectIngest)
	m.sentAppendFailed("x")
}
