package email

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/channels/email/emailtest"
)

// isCertError reports whether err is a failed verification of the server's
// certificate.
func isCertError(err error) bool {
	var cve *tls.CertificateVerificationError
	return errors.As(err, &cve)
}

func TestMailboxTLSWithPrivateCA(t *testing.T) {
	t.Parallel()
	pki := emailtest.NewPKI(t)
	d := emailtest.StartDovecotWith(t, emailtest.DovecotOptions{
		TLS:   pki,
		Users: []emailtest.User{{Name: "implicit", Password: "pw1"}, {Name: "starttls", Password: "pw2"}},
	})
	for _, tc := range []struct {
		user string
		mode TLSMode
		addr string
	}{
		{"implicit", TLSImplicit, d.TLSAddr},
		{"starttls", TLSStartTLS, d.Addr},
	} {
		t.Run(tc.user, func(t *testing.T) {
			t.Parallel()
			d.Deliver(t, tc.user, "INBOX", letter(1, "Over TLS"))
			cfg := mailboxConfig(d, tc.user)
			cfg.IMAP.Addr, cfg.IMAP.TLS, cfg.IMAP.CAFile = tc.addr, tc.mode, pki.CAFile
			ing, state := newFakeIngester(), newMemState()
			m, err := NewMailbox(cfg, ing, state)
			if err != nil {
				t.Fatal(err)
			}
			runMailbox(t, m)
			waitFor(t, "the letter", 15*time.Second, func() bool { return len(ing.committed()) == 1 })
			want(t, "subject", ing.committed()[0].Subject, "Over TLS")
		})
	}
}

func TestMailboxTLSRejectsUntrustedCertificate(t *testing.T) {
	t.Parallel()
	pki, other := emailtest.NewPKI(t), emailtest.NewPKI(t)
	d := emailtest.StartDovecotWith(t, emailtest.DovecotOptions{TLS: pki})
	for _, tc := range []struct {
		name   string
		mode   TLSMode
		addr   string
		caFile string
	}{
		{"implicit/wrong-ca", TLSImplicit, d.TLSAddr, other.CAFile},
		{"starttls/wrong-ca", TLSStartTLS, d.Addr, other.CAFile},
		{"implicit/system-pool", TLSImplicit, d.TLSAddr, ""},
		{"starttls/system-pool", TLSStartTLS, d.Addr, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := mailboxConfig(d, "sales").IMAP
			cfg.Addr, cfg.TLS, cfg.CAFile = tc.addr, tc.mode, tc.caFile
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := dialIMAP(ctx, cfg, nil)
			if err == nil {
				c.Close()
				t.Fatal("dialIMAP succeeded with an untrusted server certificate")
			}
			if !isCertError(err) {
				t.Fatalf("dialIMAP: %v; want a certificate verification error", err)
			}
		})
	}
}

func TestCAFileValidation(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, wantErr string
	}{
		{"missing", filepath.Join(t.TempDir(), "nope.pem"), "imap.ca_file"},
		{"not pem", bad, "no PEM certificates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := MailboxConfig{Name: "x", Team: "t",
				IMAP: IMAPConfig{Addr: "imap.example.com:993", TLS: TLSImplicit, Username: "u", CAFile: tc.path},
				SMTP: SMTPConfig{Addr: "smtp.example.com:465", TLS: TLSImplicit, FromAddress: "x@example.com", CAFile: tc.path},
			}
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "smtp.ca_file") {
				t.Fatalf("Validate = %v; want errors naming imap.ca_file and smtp.ca_file (%s)", err, tc.wantErr)
			}
			if _, err := NewSender(cfg); err == nil {
				t.Fatal("NewSender accepted an unusable ca_file")
			}
		})
	}
	pki := emailtest.NewPKI(t)
	ok := MailboxConfig{Name: "x", Team: "t",
		SMTP: SMTPConfig{Addr: "smtp.example.com:465", TLS: TLSImplicit, FromAddress: "x@example.com", CAFile: pki.CAFile}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate with a good ca_file: %v", err)
	}
}

func tlsSenderConfig(addr string, mode TLSMode, caFile string) MailboxConfig {
	return MailboxConfig{
		Name: "sales", Team: "sales-team",
		SMTP: SMTPConfig{Addr: addr, TLS: mode, CAFile: caFile, Username: "sales", Password: "smtp-secret",
			FromAddress: "sales@example.com"},
	}
}

func tlsOutbound(key string) channels.OutboundMessage {
	return channels.OutboundMessage{
		OutboxID: 1, Channel: "email:sales", DialogID: 1, IdempotencyKey: key,
		To: "ivan@client.example", Subject: "Over TLS", Text: "Hello.",
	}
}

func TestSenderTLSWithPrivateCA(t *testing.T) {
	t.Parallel()
	pki := emailtest.NewPKI(t)
	for _, tc := range []struct {
		name     string
		mode     TLSMode
		implicit bool
	}{
		{"implicit", TLSImplicit, true},
		{"starttls", TLSStartTLS, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sink := emailtest.StartSinkWith(t, emailtest.SinkOptions{TLS: pki.ServerTLS(), Implicit: tc.implicit})
			s, err := NewSender(tlsSenderConfig(sink.Addr, tc.mode, pki.CAFile))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Send(context.Background(), tlsOutbound("tls-"+tc.name)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := sink.Wait(t, 1, 5*time.Second)
			if !got[0].TLS {
				t.Error("the letter was submitted without TLS")
			}
			want(t, "auth user", got[0].User, "sales")
			want(t, "from", got[0].From, "sales@example.com")
		})
	}
}

func TestSenderTLSRefusesToSendInTheClear(t *testing.T) {
	t.Parallel()
	pki, other := emailtest.NewPKI(t), emailtest.NewPKI(t)
	t.Run("starttls not offered", func(t *testing.T) {
		t.Parallel()
		sink := emailtest.StartSink(t) // plaintext only, no STARTTLS
		s, err := NewSender(tlsSenderConfig(sink.Addr, TLSStartTLS, pki.CAFile))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Send(context.Background(), tlsOutbound("clear-1"))
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("Send = %v; want a STARTTLS error", err)
		}
		if n := len(sink.Letters()); n != 0 {
			t.Fatalf("sink got %d letters in the clear", n)
		}
	})
	for _, tc := range []struct {
		name     string
		mode     TLSMode
		implicit bool
	}{
		{"implicit", TLSImplicit, true},
		{"starttls", TLSStartTLS, false},
	} {
		t.Run(tc.name+" wrong ca", func(t *testing.T) {
			t.Parallel()
			sink := emailtest.StartSinkWith(t, emailtest.SinkOptions{TLS: pki.ServerTLS(), Implicit: tc.implicit})
			s, err := NewSender(tlsSenderConfig(sink.Addr, tc.mode, other.CAFile))
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Send(context.Background(), tlsOutbound("wrong-ca-"+tc.name))
			if !isCertError(err) || strings.Contains(err.Error(), "smtp auth") {
				t.Fatalf("Send = %v; want a certificate verification error", err)
			}
			if channels.IsPermanent(err) {
				t.Errorf("a certificate error is marked permanent: %v", err)
			}
			if n := len(sink.Letters()); n != 0 {
				t.Fatalf("sink got %d letters", n)
			}
		})
	}
}

func TestListenerSTARTTLS(t *testing.T) {
	t.Parallel()
	pki := emailtest.NewPKI(t)
	cfg := listenerConfig()
	cfg.TLSCert, cfg.TLSKey = pki.CertFile, pki.KeyFile
	cfg.Username, cfg.Password = "forms", "form-secret"
	ing := newFakeIngester()
	addr := startListener(t, cfg, ing)

	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClientStartTLS(conn, pki.ClientTLS())
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatalf("EHLO over TLS: %v", err)
	}
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("connection is not TLS after STARTTLS")
	}
	// AllowInsecureAuth is off: AUTH works only because the session is TLS.
	if err := c.Auth(sasl.NewPlainClient("", "forms", "form-secret")); err != nil {
		t.Fatalf("AUTH over TLS: %v", err)
	}
	if err := c.SendMail("robot@tilda.ws", []string{"forms@hub.example.com"}, strings.NewReader(formLetter)); err != nil {
		t.Fatalf("send: %v", err)
	}
	_ = c.Quit()
	if evs := ing.committed(); len(evs) != 1 {
		t.Fatalf("committed %d events, want 1", len(evs))
	}

	// A client that does not trust the CA gets no session.
	conn, err = net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	other := emailtest.NewPKI(t)
	c2, err := smtp.NewClientStartTLS(conn, other.ClientTLS())
	if err == nil {
		defer c2.Close()
		// The handshake runs on the first command after STARTTLS.
		err = c2.Hello("client.example")
	}
	if !isCertError(err) {
		t.Fatalf("STARTTLS with an untrusted certificate: %v; want a certificate verification error", err)
	}
}
