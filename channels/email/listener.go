package email

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/switchboard-hub/switchboard/channels"
)

// ingestTimeout bounds the commit of one received letter; the sending
// server waits for our answer to DATA meanwhile.
const ingestTimeout = time.Minute

// Listener is an SMTP server for mail sent straight to the hub (web forms,
// leads@). It accepts only allow-listed recipients and answers 250 to DATA
// only after the letter is committed through the Ingester; a failed commit
// answers 451 so the sending server keeps the letter and retries. It knows
// nothing about storage beyond the Ingester.
type Listener struct {
	cfg   ListenerConfig
	ing   channels.Ingester
	o     options
	leads []leadMatcher
	tls   *tls.Config
}

// NewListener builds the listener for cfg; it validates cfg and loads the
// TLS certificate, if any.
func NewListener(cfg ListenerConfig, ing channels.Ingester, opts ...Option) (*Listener, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if ing == nil {
		return nil, errors.New("email: listener needs an ingester")
	}
	cfg = cfg.withDefaults()
	leads, err := compileLeadRules(cfg.LeadRules)
	if err != nil {
		return nil, err
	}
	l := &Listener{cfg: cfg, ing: ing, o: newOptions(opts), leads: leads}
	l.o.log = l.o.log.With(slog.String("channel", cfg.Channel()))
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("email: listener tls: %w", err)
		}
		l.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return l, nil
}

// Run listens on the configured address and serves until ctx ends.
func (l *Listener) Run(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", l.cfg.Addr)
	if err != nil {
		return fmt.Errorf("email: listen %s: %w", l.cfg.Addr, err)
	}
	return l.Serve(ctx, ln)
}

// Serve serves SMTP on ln until ctx ends, then stops accepting, gives
// sessions in progress a few seconds and returns nil.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{l: l, ctx: ctx, remote: c.Conn().RemoteAddr().String()}, nil
	}))
	srv.Domain = l.cfg.Domain
	srv.MaxMessageBytes = l.cfg.MaxMessageBytes
	srv.MaxRecipients = 50
	srv.ReadTimeout = 2 * time.Minute
	srv.WriteTimeout = 2 * time.Minute
	srv.AllowInsecureAuth = l.cfg.AllowInsecureAuth
	srv.TLSConfig = l.tls
	srv.ErrorLog = slogLogger{l.o.log}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("email: smtp listener: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
		<-errc
		return nil
	}
}

// allowed reports whether rcpt is on the allow-list (case-insensitive;
// "@domain" entries admit any address at that domain).
func (l *Listener) allowed(rcpt string) bool {
	_, domain, ok := splitAddress(rcpt)
	if !ok {
		return false
	}
	for _, a := range l.cfg.Recipients {
		if strings.HasPrefix(a, "@") {
			if strings.EqualFold(a[1:], domain) {
				return true
			}
		} else if strings.EqualFold(a, rcpt) {
			return true
		}
	}
	return false
}

// checkPassword compares credentials in constant time; hashing first makes
// the comparison independent of the lengths too.
func (l *Listener) checkPassword(username, password string) bool {
	hu1, hu2 := sha256.Sum256([]byte(username)), sha256.Sum256([]byte(l.cfg.Username))
	hp1, hp2 := sha256.Sum256([]byte(password)), sha256.Sum256([]byte(l.cfg.Password))
	u := subtle.ConstantTimeCompare(hu1[:], hu2[:])
	p := subtle.ConstantTimeCompare(hp1[:], hp2[:])
	return u&p == 1
}

// session is one SMTP conversation.
type session struct {
	l      *Listener
	ctx    context.Context
	remote string
	authed bool
	from   string
	rcpts  []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if s.l.cfg.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if s.l.cfg.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		if !s.l.checkPassword(username, password) {
			s.l.o.log.Warn("email: smtp auth failed", slog.String("remote", s.remote))
			s.l.o.metrics.smtpReject(s.l.cfg.Name, RejectAuthFailed)
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.l.cfg.Username != "" && !s.authed {
		s.l.o.metrics.smtpReject(s.l.cfg.Name, RejectAuthRequired)
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.l.allowed(to) {
		s.l.o.metrics.smtpReject(s.l.cfg.Name, RejectRecipient)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such recipient here"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	// The server enforces MaxMessageBytes while we read and answers 552.
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	opts := ParseOptions{
		MaxAttachmentBytes: s.l.cfg.MaxAttachmentBytes,
		OwnAddresses:       s.rcpts,
		ReceivedAt:         time.Now(),
		Channel:            s.l.cfg.Channel(),
	}
	ev, perr := parseOrFallback(raw, opts)
	if perr != nil {
		s.l.o.log.Warn("email: letter unreadable, recording it with a note", slog.Any("err", perr))
	}
	ev.Channel = s.l.cfg.Channel()
	ev.Team = s.l.cfg.Team
	ev.Owner = s.l.cfg.Owner
	ev.Meta["smtp_from"] = truncate(s.from, 320)
	ev.Meta["smtp_to"] = truncate(strings.Join(s.rcpts, ", "), 2048)
	ev.Meta["smtp_remote"] = s.remote
	markLead(&ev, s.l.leads)

	ctx, cancel := context.WithTimeout(s.ctx, ingestTimeout)
	defer cancel()
	if _, err := s.l.ing.Ingest(ctx, ev); err != nil {
		s.l.o.log.Error("email: ingest received letter", slog.Any("err", err))
		s.l.o.metrics.smtpReject(s.l.cfg.Name, RejectIngest)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	}
	s.l.o.metrics.smtpAccept(s.l.cfg.Name)
	return nil
}

func (s *session) Reset() {
	s.from = ""
	s.rcpts = nil
}

func (s *session) Logout() error { return nil }

// slogLogger adapts go-smtp's error log to slog.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) {
	l.log.Warn("email: smtp server", slog.String("detail", fmt.Sprintf(format, v...)))
}

func (l slogLogger) Println(v ...any) {
	l.log.Warn("email: smtp server", slog.String("detail", strings.TrimSpace(fmt.Sprintln(v...))))
}
