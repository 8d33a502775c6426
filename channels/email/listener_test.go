package email

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/switchboard-hub/switchboard/channels"
)

func startListener(t *testing.T, cfg ListenerConfig, ing channels.Ingester) string {
	t.Helper()
	l, err := NewListener(cfg, ing)
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
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func listenerConfig() ListenerConfig {
	return ListenerConfig{
		Name: "forms", Team: "sales-team", Addr: "127.0.0.1:0", Domain: "hub.example.com",
		Recipients: []string{"forms@hub.example.com", "@leads.example.com"},
		LeadRules:  []LeadRule{{From: `@tilda\.ws$`, Subject: "заявка", Source: "tilda"}},
	}
}

// deliver sends one letter the way an MTA would and returns the SMTP error.
func deliver(t *testing.T, addr, user, pass, from string, to []string, raw string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if user != "" {
		if err := c.Auth(sasl.NewPlainClient("", user, pass)); err != nil {
			return err
		}
	}
	return c.SendMail(from, to, strings.NewReader(raw))
}

const formLetter = "From: Tilda <robot@tilda.ws>\r\nTo: forms@hub.example.com\r\nReply-To: client@example.net\r\n" +
	"Subject: =?UTF-8?B?0J3QvtCy0LDRjyDQt9Cw0Y/QstC60LAg0YEg0YHQsNC50YLQsA==?=\r\nMessage-ID: <form-1@tilda.ws>\r\n" +
	"Date: Mon, 5 Feb 2024 10:00:00 +0000\r\n\r\nName: Oleg\r\nPhone: +7 912 000 11 22\r\n"

func TestListenerAcceptsAfterCommitAndFlagsLeads(t *testing.T) {
	t.Parallel()
	ing := newFakeIngester()
	addr := startListener(t, listenerConfig(), ing)
	if err := deliver(t, addr, "", "", "robot@tilda.ws", []string{"forms@hub.example.com"}, formLetter); err != nil {
		t.Fatalf("delivery: %v", err)
	}
	// 250 came back, so the event must already be committed.
	evs := ing.committed()
	if len(evs) != 1 {
		t.Fatalf("committed %d events when DATA was answered, want 1", len(evs))
	}
	ev := evs[0]
	want(t, "channel", ev.Channel, "email:forms")
	want(t, "team", ev.Team, "sales-team")
	want(t, "subject", ev.Subject, "Новая заявка с сайта")
	want(t, "lead", ev.Meta["lead"], "1")
	want(t, "lead_source", ev.Meta["lead_source"], "tilda")
	want(t, "reply_to", ev.Meta["reply-to"], "client@example.net")
	want(t, "smtp_to", ev.Meta["smtp_to"], "forms@hub.example.com")
}

func TestListenerAllowList(t *testing.T) {
	t.Parallel()
	ing := newFakeIngester()
	addr := startListener(t, listenerConfig(), ing)
	tests := []struct {
		rcpt string
		ok   bool
	}{
		{"forms@hub.example.com", true},
		{"FORMS@HUB.EXAMPLE.COM", true},
		{"anyone@leads.example.com", true},
		{"other@hub.example.com", false},
		{"forms@hub.example.com.evil.net", false},
	}
	for _, tt := range tests {
		err := deliver(t, addr, "", "", "x@example.net", []string{tt.rcpt}, "Subject: t\r\n\r\nbody "+tt.rcpt+"\r\n")
		var se *smtp.SMTPError
		switch {
		case tt.ok && err != nil:
			t.Errorf("%s: refused: %v", tt.rcpt, err)
		case !tt.ok && (!errors.As(err, &se) || se.Code != 550):
			t.Errorf("%s: err = %v, want 550", tt.rcpt, err)
		}
	}
	if n := len(ing.committed()); n != 3 {
		t.Errorf("committed %d, want 3", n)
	}
}

func TestListenerSizeLimit(t *testing.T) {
	t.Parallel()
	cfg := listenerConfig()
	cfg.MaxMessageBytes = 1024
	ing := newFakeIngester()
	addr := startListener(t, cfg, ing)
	err := deliver(t, addr, "", "", "x@example.net", []string{"forms@hub.example.com"}, "Subject: big\r\n\r\n"+strings.Repeat(strings.Repeat("x", 78)+"\r\n", 60))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 552 {
		t.Fatalf("err = %v, want 552", err)
	}
	if n := len(ing.committed()); n != 0 {
		t.Fatalf("committed %d oversize letters", n)
	}
}

func TestListenerAuth(t *testing.T) {
	t.Parallel()
	cfg := listenerConfig()
	cfg.Username, cfg.Password, cfg.AllowInsecureAuth = "site", "s3cret", true
	ing := newFakeIngester()
	addr := startListener(t, cfg, ing)
	var se *smtp.SMTPError
	if err := deliver(t, addr, "", "", "x@example.net", []string{"forms@hub.example.com"}, "Subject: a\r\n\r\nx\r\n"); !errors.As(err, &se) || se.Code != 502 {
		t.Errorf("no auth: err = %v, want 502 authentication required", err)
	}
	if err := deliver(t, addr, "site", "wrong", "x@example.net", []string{"forms@hub.example.com"}, "Subject: a\r\n\r\nx\r\n"); !errors.As(err, &se) || se.Code != 535 {
		t.Errorf("bad password: err = %v, want 535", err)
	}
	if err := deliver(t, addr, "site", "s3cret", "x@example.net", []string{"forms@hub.example.com"}, "Subject: a\r\n\r\nx\r\n"); err != nil {
		t.Errorf("good password: %v", err)
	}
	if n := len(ing.committed()); n != 1 {
		t.Errorf("committed %d, want 1", n)
	}
}

func TestListenerTemporaryFailure(t *testing.T) {
	t.Parallel()
	ing := newFakeIngester()
	ing.setFailFrom(1)
	addr := startListener(t, listenerConfig(), ing)
	err := deliver(t, addr, "", "", "robot@tilda.ws", []string{"forms@hub.example.com"}, formLetter)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 {
		t.Fatalf("err = %v, want 451 so the sender retries", err)
	}
	// The sender retries later; the same letter is then taken once.
	ing.setFailFrom(0)
	for i := 0; i < 2; i++ {
		if err := deliver(t, addr, "", "", "robot@tilda.ws", []string{"forms@hub.example.com"}, formLetter); err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
	}
	if n := len(ing.committed()); n != 1 {
		t.Fatalf("committed %d, want 1", n)
	}
}

// blockingIngester holds Ingest until released, to show the SMTP answer
// waits for the commit.
type blockingIngester struct {
	*fakeIngester
	release chan struct{}
	once    sync.Once
	entered chan struct{}
}

func (b *blockingIngester) Ingest(ctx context.Context, ev channels.InboundEvent) (channels.Receipt, error) {
	b.once.Do(func() { close(b.entered) })
	<-b.release
	return b.fakeIngester.Ingest(ctx, ev)
}

func TestListenerAnswersOnlyAfterCommit(t *testing.T) {
	t.Parallel()
	ing := &blockingIngester{fakeIngester: newFakeIngester(), release: make(chan struct{}), entered: make(chan struct{})}
	addr := startListener(t, listenerConfig(), ing)
	result := make(chan error, 1)
	go func() {
		result <- deliver(t, addr, "", "", "robot@tilda.ws", []string{"forms@hub.example.com"}, formLetter)
	}()
	<-ing.entered
	select {
	case err := <-result:
		t.Fatalf("SMTP answered (%v) before the commit", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(ing.release)
	if err := <-result; err != nil {
		t.Fatalf("delivery: %v", err)
	}
	if len(ing.committed()) != 1 {
		t.Fatal("not committed")
	}
}
