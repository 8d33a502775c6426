package emailtest

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Sink is a go-smtp server on a loopback port that accepts every letter
// and keeps it, standing in for a mailbox's submission server.
type Sink struct {
	// Addr is the listen address, 127.0.0.1:<port>.
	Addr string

	mu       sync.Mutex
	received []SunkLetter
	changed  chan struct{} // closed and replaced on every new letter
}

// SunkLetter is one letter the sink accepted.
type SunkLetter struct {
	From string
	To   []string
	Raw  []byte
	// User is the AUTH PLAIN user name, "" when the client did not log in.
	User string
	// TLS reports whether the letter came over TLS (implicit or STARTTLS).
	TLS bool
}

// SinkOptions configure StartSinkWith.
type SinkOptions struct {
	// TLS, when set, is offered through STARTTLS, or with Implicit the
	// whole connection is TLS from the first byte (SMTPS).
	TLS      *tls.Config
	Implicit bool
}

// StartSink starts a plaintext sink that accepts any AUTH PLAIN credentials
// and stops it when the test ends.
func StartSink(t testing.TB) *Sink {
	t.Helper()
	return StartSinkWith(t, SinkOptions{})
}

// StartSinkWith starts a sink as o says and stops it when the test ends.
func StartSinkWith(t testing.TB, o SinkOptions) *Sink {
	t.Helper()
	s := &Sink{changed: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{s: s, conn: c}, nil
	}))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	var ln net.Listener
	var err error
	switch {
	case o.TLS != nil && o.Implicit:
		ln, err = tls.Listen("tcp", "127.0.0.1:0", o.TLS)
	default:
		srv.TLSConfig = o.TLS
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatalf("sink: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

// Letters returns what the sink has accepted so far, in arrival order.
func (s *Sink) Letters() []SunkLetter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SunkLetter(nil), s.received...)
}

// Wait returns the accepted letters once there are at least n, failing the
// test if that takes longer than timeout.
func (s *Sink) Wait(t testing.TB, n int, timeout time.Duration) []SunkLetter {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := append([]SunkLetter(nil), s.received...), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("sink: %d letters after %v, want %d", len(got), timeout, n)
		}
	}
}

type sinkSession struct {
	s    *Sink
	conn *smtp.Conn
	cur  SunkLetter
	user string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, _ string) error {
		ss.user = user
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.cur.From = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.Raw, ss.cur.User = raw, ss.user
	_, ss.cur.TLS = ss.conn.TLSConnectionState()
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	ss.s.received = append(ss.s.received, ss.cur)
	close(ss.s.changed)
	ss.s.changed = make(chan struct{})
	ss.cur = SunkLetter{}
	return nil
}

func (ss *sinkSession) Reset()        { ss.cur = SunkLetter{} }
func (ss *sinkSession) Logout() error { return nil }
