package email

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/channels/email/emailtest"
)

// smtpSink is a go-smtp server that records what it receives. reply, when
// set, is returned from DATA instead of accepting.
type smtpSink struct {
	mu       sync.Mutex
	addr     string
	received []sunkLetter
	reply    error
	user     string
	pass     string
}

type sunkLetter struct {
	from string
	to   []string
	raw  []byte
	auth string
}

func startSink(t *testing.T, user, pass string) *smtpSink {
	t.Helper()
	s := &smtpSink{user: user, pass: pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpSink) setReply(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = err
}

func (s *smtpSink) letters() []sunkLetter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkLetter(nil), s.received...)
}

type sinkSession struct {
	s    *smtpSink
	cur  sunkLetter
	auth string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, u, p string) error {
		if u != ss.s.user || p != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.auth = u
		return nil
	}), nil
}
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error { ss.cur.from = from; return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.cur.to = append(ss.cur.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.reply != nil {
		return ss.s.reply
	}
	ss.cur.raw, ss.cur.auth = raw, ss.auth
	ss.s.received = append(ss.s.received, ss.cur)
	return nil
}
func (ss *sinkSession) Reset()        { ss.cur = sunkLetter{} }
func (ss *sinkSession) Logout() error { return nil }

func senderConfig(sink *smtpSink, d *emailtest.Dovecot) MailboxConfig {
	cfg := MailboxConfig{
		Name: "sales", Team: "sales-team",
		SMTP: SMTPConfig{Addr: sink.addr, TLS: TLSNone, Username: "sales", Password: "smtp-secret", FromAddress: "sales@example.com"},
	}
	if d != nil {
		cfg.IMAP = IMAPConfig{Addr: d.Addr, TLS: TLSNone, Username: "sales", Password: d.Password("sales"),
			PollInterval: 200 * time.Millisecond}
	}
	return cfg
}

// TestReplyRoundTrip is the scenario: a letter arrives, the
// manager's reply goes out threaded and lands in Sent, and the client's
// answer threads back into the same dialog.
func TestReplyRoundTrip(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecot(t)
	sink := startSink(t, "sales", "smtp-secret")
	cfg := senderConfig(sink, d)
	ing, state := newFakeIngester(), newMemState()
	m, err := NewMailbox(cfg, ing, state)
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m)

	// 1. The client writes.
	d.Deliver(t, "sales", "INBOX", []byte("From: Ivan <ivan@client.example>\r\nTo: sales@example.com\r\n"+
		"Subject: Price for chairs\r\nMessage-ID: <q-1@client.example>\r\nDate: Mon, 5 Feb 2024 10:00:00 +0000\r\n\r\nHow much?\r\n"))
	waitFor(t, "the client's letter", 15*time.Second, func() bool { return len(ing.committed()) == 1 })
	first := ing.committed()[0]
	dialogID := ing.receipt(first.Channel, first.ExternalID).DialogID

	// 2. The manager answers through the outbox.
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	msg := channels.OutboundMessage{
		OutboxID: 7, Channel: "email:sales", DialogID: dialogID, IdempotencyKey: "ob-7-a1",
		To: "ivan@client.example", ToName: "Иван", FromName: "Анна Смирнова",
		Subject: "Re: Price for chairs", Text: "50 EUR each.", HTML: "<p>50 EUR <b>each</b>.</p>",
		InReplyTo:   []string{first.ExternalID},
		Attachments: []channels.Attachment{{Filename: "Прайс.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 test")}},
	}
	res, err := s.Send(context.Background(), msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	want(t, "ExternalID", res.ExternalID, "ob-7-a1@example.com")
	ing.recordOutbound("email:sales", res.ExternalID, dialogID)

	got := sink.letters()
	if len(got) != 1 {
		t.Fatalf("sink got %d letters", len(got))
	}
	l := got[0]
	want(t, "envelope from", l.from, "sales@example.com")
	want(t, "envelope to", strings.Join(l.to, ","), "ivan@client.example")
	want(t, "auth", l.auth, "sales")
	mr, err := mail.CreateReader(bytes.NewReader(l.raw))
	if err != nil {
		t.Fatal(err)
	}
	h := mr.Header
	id, _ := h.MessageID()
	want(t, "Message-ID", id, "ob-7-a1@example.com")
	irt, _ := h.MsgIDList("In-Reply-To")
	want(t, "In-Reply-To", strings.Join(irt, " "), "q-1@client.example")
	refs, _ := h.MsgIDList("References")
	want(t, "References", strings.Join(refs, " "), "q-1@client.example")
	from, _ := h.AddressList("From")
	if len(from) != 1 || from[0].Name != "Анна Смирнова" || from[0].Address != "sales@example.com" {
		t.Errorf("From = %v", from)
	}
	replyTo, _ := h.AddressList("Reply-To")
	wantReplyTo := plusAddress("sales@example.com", dialogID)
	if len(replyTo) != 1 || replyTo[0].Address != wantReplyTo {
		t.Errorf("Reply-To = %v, want %s", replyTo, wantReplyTo)
	}
	subj, _ := h.Subject()
	want(t, "Subject", subj, "Re: Price for chairs")
	// The body parses back into text, HTML and the attachment.
	back, err := Parse(l.raw, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "text", back.Text, "50 EUR each.")
	contains(t, back.HTML, "<b>each</b>")
	if len(back.Attachments) != 1 || back.Attachments[0].Filename != "Прайс.pdf" || string(back.Attachments[0].Content) != "%PDF-1.4 test" {
		t.Errorf("attachments = %+v", back.Attachments)
	}

	// 3. The copy is in Sent, marked \Seen.
	sent := d.Fetch(t, "sales", "Sent")
	if len(sent) != 1 || !sent[0].HasFlag(imap.FlagSeen) || !bytes.Contains(sent[0].Raw, []byte("ob-7-a1@example.com")) {
		t.Fatalf("Sent folder = %d letters", len(sent))
	}

	// 4. The client answers to the plus address, quoting the reply.
	d.Deliver(t, "sales", "INBOX", []byte("From: Ivan <ivan@client.example>\r\nTo: "+wantReplyTo+"\r\n"+
		"Subject: Re: Re: Price for chairs\r\nMessage-ID: <q-2@client.example>\r\nIn-Reply-To: <ob-7-a1@example.com>\r\n"+
		"References: <q-1@client.example> <ob-7-a1@example.com>\r\nDate: Mon, 5 Feb 2024 12:00:00 +0000\r\n\r\n"+
		"Deal.\r\n\r\nOn Mon, 5 Feb 2024, Anna <sales@example.com> wrote:\r\n> 50 EUR each.\r\n"))
	waitFor(t, "the client's answer", 15*time.Second, func() bool { return len(ing.committed()) == 2 })
	answer := ing.committed()[1]
	if answer.DialogID != dialogID {
		t.Errorf("answer DialogID = %d, want %d", answer.DialogID, dialogID)
	}
	if len(answer.InReplyTo) < 2 || answer.InReplyTo[0] != res.ExternalID || answer.InReplyTo[1] != "q-1@client.example" {
		t.Errorf("answer InReplyTo = %v", answer.InReplyTo)
	}
	want(t, "answer text", answer.Text, "Deal.")
	if r := ing.receipt("email:sales", "q-2@client.example"); r.DialogID != dialogID {
		t.Errorf("answer filed in dialog %d, want %d", r.DialogID, dialogID)
	}
}

func TestSendRetryKeepsMessageID(t *testing.T) {
	t.Parallel()
	sink := startSink(t, "sales", "smtp-secret")
	s, err := NewSender(senderConfig(sink, nil))
	if err != nil {
		t.Fatal(err)
	}
	msg := channels.OutboundMessage{IdempotencyKey: "ob-9", To: "a@client.example", Subject: "x", Text: "y"}
	r1, err1 := s.Send(context.Background(), msg)
	msg.Attempt = 2
	r2, err2 := s.Send(context.Background(), msg)
	if err1 != nil || err2 != nil || r1.ExternalID != r2.ExternalID {
		t.Fatalf("retries: %v %v, ids %q %q", err1, err2, r1.ExternalID, r2.ExternalID)
	}
	// An odd key still gives a stable, valid Message-ID.
	if id := MessageIDFor("outbox row 9 / attempt", "example.com"); id != MessageIDFor("outbox row 9 / attempt", "example.com") || strings.ContainsAny(id, " /<>") {
		t.Fatalf("MessageIDFor = %q", id)
	}
}

func TestSendErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reply     error
		permanent bool
		reason    string
	}{
		{"4xx is retried", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}, false, "try later"},
		{"452 mailbox full is retried", &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}, false, "mailbox full"},
		{"5xx is permanent", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, true, "550 no such user"},
		{"554 rejected content is permanent", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "spam"}, true, "554 spam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := startSink(t, "sales", "smtp-secret")
			sink.setReply(tt.reply)
			s, err := NewSender(senderConfig(sink, nil))
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Send(context.Background(), channels.OutboundMessage{IdempotencyKey: "k", To: "a@client.example", Text: "x"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if channels.IsPermanent(err) != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, channels.IsPermanent(err), tt.permanent)
			}
			contains(t, err.Error(), tt.reason)
		})
	}

	t.Run("unreachable server is retried", func(t *testing.T) {
		t.Parallel()
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		s, _ := NewSender(MailboxConfig{Name: "x", Team: "t", SMTP: SMTPConfig{Addr: addr, TLS: TLSNone, FromAddress: "x@example.com"}})
		_, err := s.Send(context.Background(), channels.OutboundMessage{IdempotencyKey: "k", To: "a@client.example", Text: "x"})
		if err == nil || channels.IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary error", err)
		}
	})
	t.Run("wrong password is retried", func(t *testing.T) {
		t.Parallel()
		sink := startSink(t, "sales", "other")
		s, _ := NewSender(senderConfig(sink, nil))
		_, err := s.Send(context.Background(), channels.OutboundMessage{IdempotencyKey: "k", To: "a@client.example", Text: "x"})
		if err == nil || channels.IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary error", err)
		}
	})
	t.Run("bad recipient is permanent without dialling", func(t *testing.T) {
		t.Parallel()
		s, _ := NewSender(MailboxConfig{Name: "x", Team: "t", SMTP: SMTPConfig{Addr: "127.0.0.1:1", TLS: TLSNone, FromAddress: "x@example.com"}})
		_, err := s.Send(context.Background(), channels.OutboundMessage{IdempotencyKey: "k", To: "not an address", Text: "x"})
		if !errors.Is(err, channels.ErrPermanent) {
			t.Fatalf("err = %v, want permanent", err)
		}
	})
}
