package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/switchboard-hub/switchboard/channels"
)

// sendTimeout bounds one submission when ctx has no deadline of its own.
const sendTimeout = 2 * time.Minute

// Sender delivers the hub's replies from one mailbox through its SMTP
// submission server and files a copy in the mailbox's Sent folder.
type Sender struct {
	cfg MailboxConfig
	o   options
	now func() time.Time
}

var _ channels.Sender = (*Sender)(nil)

// NewSender builds the sender for cfg, which must have an smtp section.
func NewSender(cfg MailboxConfig, opts ...Option) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.SMTP.Addr == "" {
		return nil, fmt.Errorf("email: mailbox %s has no smtp server", cfg.Name)
	}
	s := &Sender{cfg: cfg.withDefaults(), o: newOptions(opts), now: time.Now}
	s.o.log = s.o.log.With(slog.String("channel", cfg.Channel()))
	return s, nil
}

// Send submits msg. The result's ExternalID is the Message-ID (without <>)
// derived from msg.IdempotencyKey, which is also what the client's reply
// will name in In-Reply-To. SMTP 5xx answers to the envelope or the data
// are permanent (channels.Permanent, with the server's reason); 4xx
// answers, network errors and authentication failures are temporary, the
// last because a wrong password is fixed in configuration, not by failing
// every queued reply.
func (s *Sender) Send(ctx context.Context, msg channels.OutboundMessage) (channels.SendResult, error) {
	letter, err := compose(s.cfg, msg, s.now())
	if err != nil {
		return channels.SendResult{}, err
	}
	if err := s.submit(ctx, letter); err != nil {
		return channels.SendResult{}, err
	}
	// The letter is out: a failed copy to Sent is logged, never returned,
	// since the outbox would retry the send and the client get it twice.
	if err := s.copyToSent(ctx, letter.raw); err != nil {
		s.o.log.Warn("email: copy to sent folder", slog.String("message_id", letter.messageID), slog.Any("err", err))
		s.o.metrics.sentAppendFailed(s.cfg.Name)
	}
	return channels.SendResult{ExternalID: letter.messageID}, nil
}

func (s *Sender) submit(ctx context.Context, letter composed) error {
	cfg := s.cfg.SMTP
	host, _, _ := net.SplitHostPort(cfg.Addr)
	var tlsCfg *tls.Config
	if cfg.TLS != TLSNone {
		var err error
		if tlsCfg, err = clientTLS(host, cfg.CAFile); err != nil {
			return err
		}
	}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("email: smtp dial %s: %w", cfg.Addr, err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(sendTimeout)
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	var c *smtp.Client
	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("email: smtp tls %s: %w", cfg.Addr, err)
		}
		c = smtp.NewClient(tc)
	case TLSStartTLS:
		if c, err = smtp.NewClientStartTLS(conn, tlsCfg); err != nil {
			return fmt.Errorf("email: smtp starttls %s: %w", cfg.Addr, err)
		}
		// The TLS handshake runs on the first command after STARTTLS; doing
		// it here reports a certificate problem as such, not as an AUTH
		// failure.
		if err := c.Hello(s.cfg.SMTP.FromDomain); err != nil {
			c.Close()
			return fmt.Errorf("email: smtp starttls %s: %w", cfg.Addr, err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if cfg.TLS != TLSStartTLS {
		if err := c.Hello(s.cfg.SMTP.FromDomain); err != nil {
			return classify("hello", err)
		}
	}
	if cfg.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", cfg.Username, cfg.Password)); err != nil {
			return fmt.Errorf("email: smtp auth as %s: %w", cfg.Username, err)
		}
	}
	if err := c.SendMail(letter.from, []string{letter.to}, bytes.NewReader(letter.raw)); err != nil {
		return classify("send", err)
	}
	// The server has taken the letter; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// classify marks SMTP 5xx replies permanent and leaves the rest retryable.
func classify(stage string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 && se.Code < 600 {
		return channels.Permanent(fmt.Errorf("email: smtp %s: %d %s", stage, se.Code, se.Message))
	}
	return fmt.Errorf("email: smtp %s: %w", stage, err)
}

// copyToSent appends the letter, flagged \Seen, to the Sent folder.
func (s *Sender) copyToSent(ctx context.Context, raw []byte) error {
	if s.cfg.IMAP.Addr == "" || s.cfg.IMAP.SentFolder == "-" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	c, err := dialIMAP(ctx, s.cfg.IMAP, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := closeOnDone(ctx, c)
	defer stop()
	if err := appendMessage(c, s.cfg.IMAP.SentFolder, raw, []imap.Flag{imap.FlagSeen}); err != nil {
		return fmt.Errorf("email: append to %s: %w", s.cfg.IMAP.SentFolder, err)
	}
	_ = c.Logout().Wait()
	return nil
}
