package email

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strings"
	"time"
)

// TLSMode says how a connection to a mail server is protected.
type TLSMode string

// TLS modes. TLSNone is meant for loopback test servers and local relays;
// Validate refuses it for other hosts unless AllowPlaintext is set, because
// it sends the password in the clear.
const (
	TLSImplicit TLSMode = "implicit"
	TLSStartTLS TLSMode = "starttls"
	TLSNone     TLSMode = "none"
)

// Defaults applied by the constructors when a field is left zero.
const (
	DefaultMaxAttachmentBytes = 25 << 20
	DefaultMaxMessageBytes    = 50 << 20
	DefaultPollInterval       = time.Minute
	DefaultSentFolder         = "Sent"
)

// Config is the email part of the hub's configuration.
type Config struct {
	Mailboxes []MailboxConfig  `yaml:"mailboxes"`
	Listeners []ListenerConfig `yaml:"listeners"`
}

// MailboxConfig connects one mailbox: IMAP for incoming mail, SMTP for
// replies. A shared mailbox (sales@) names a Team; a manager's personal
// mailbox names its Owner login.
type MailboxConfig struct {
	Name  string     `yaml:"name"`
	Team  string     `yaml:"team"`
	Owner string     `yaml:"owner"`
	IMAP  IMAPConfig `yaml:"imap"`
	SMTP  SMTPConfig `yaml:"smtp"`
	// MaxAttachmentBytes caps one attachment kept in memory and handed to
	// the hub; bigger ones are recorded by name and size only.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// MaxMessageBytes caps one letter fetched from the server; a bigger one
	// is imported from its header only, with a note, and stays on the server.
	MaxMessageBytes int64 `yaml:"max_message_bytes"`
	// ReplyToPlus adds a plus-addressed Reply-To (local+d-<dialog>@domain)
	// to replies. Nil means true; set false for servers that reject
	// subaddresses.
	ReplyToPlus *bool `yaml:"reply_to_plus"`
	// AllowRemoteImages keeps remote <img> sources in sanitized HTML. Off by
	// default: a remote image tells the sender when the letter was read.
	AllowRemoteImages bool `yaml:"allow_remote_images"`
	// LeadRules flag matching letters as leads for the leads package.
	LeadRules []LeadRule `yaml:"lead_rules"`
}

// IMAPConfig is the incoming side of a mailbox.
type IMAPConfig struct {
	Addr     string  `yaml:"addr"`
	TLS      TLSMode `yaml:"tls"`
	Username string  `yaml:"username"`
	Password string  `yaml:"password"`
	// Folders are watched for new mail; default [INBOX].
	Folders []string `yaml:"folders"`
	// SentFolder receives a copy of every reply; "-" disables the copy.
	SentFolder string `yaml:"sent_folder"`
	// MarkSeen sets \Seen on imported letters so the mailbox's other users
	// see what the hub has taken.
	MarkSeen bool `yaml:"mark_seen"`
	// PollInterval is the polling period without IDLE and the safety
	// re-check period with it.
	PollInterval   time.Duration `yaml:"poll_interval"`
	AllowPlaintext bool          `yaml:"allow_plaintext"`
	// CAFile is a PEM bundle of CA certificates trusted for the server's
	// certificate instead of the system pool (a private CA).
	CAFile string `yaml:"ca_file"`
}

// SMTPConfig is the submission server used for replies.
type SMTPConfig struct {
	Addr     string  `yaml:"addr"`
	TLS      TLSMode `yaml:"tls"`
	Username string  `yaml:"username"`
	Password string  `yaml:"password"`
	// FromAddress is the mailbox's own address, e.g. sales@example.com.
	FromAddress string `yaml:"from_address"`
	// FromDomain names the domain of generated Message-IDs; default is the
	// domain of FromAddress.
	FromDomain     string `yaml:"from_domain"`
	AllowPlaintext bool   `yaml:"allow_plaintext"`
	// CAFile is a PEM bundle of CA certificates trusted for the server's
	// certificate instead of the system pool (a private CA).
	CAFile string `yaml:"ca_file"`
}

// ListenerConfig is an SMTP server that takes mail sent straight to the hub
// (forms@, leads@) and feeds it into the same pipeline as a mailbox.
type ListenerConfig struct {
	Name  string `yaml:"name"`
	Team  string `yaml:"team"`
	Owner string `yaml:"owner"`
	// Addr is the listen address, e.g. ":2525".
	Addr string `yaml:"addr"`
	// Domain is announced in the greeting.
	Domain string `yaml:"domain"`
	// Recipients is the allow-list: full addresses or "@domain" entries.
	Recipients      []string `yaml:"recipients"`
	MaxMessageBytes int64    `yaml:"max_message_bytes"`
	// MaxAttachmentBytes caps one attachment, as for a mailbox.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// Username and Password, when set, make AUTH PLAIN mandatory.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// TLSCert and TLSKey (PEM files) enable STARTTLS.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// AllowInsecureAuth permits AUTH without TLS (loopback, tests).
	AllowInsecureAuth bool       `yaml:"allow_insecure_auth"`
	LeadRules         []LeadRule `yaml:"lead_rules"`
}

// LeadRule marks a letter as a lead when every pattern it sets matches:
// Meta["lead"]="1" and Meta["lead_source"]=Source. Patterns are Go regular
// expressions matched case-insensitively against the sender address and the
// decoded subject.
type LeadRule struct {
	From    string `yaml:"from"`
	Subject string `yaml:"subject"`
	Source  string `yaml:"source"`
}

// Channel returns the mailbox's channel name, "email:<name>".
func (c MailboxConfig) Channel() string { return "email:" + c.Name }

// Channel returns the listener's channel name, "email:<name>".
func (c ListenerConfig) Channel() string { return "email:" + c.Name }

// LogValue masks the passwords when a mailbox config is logged.
func (c MailboxConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", c.Name),
		slog.String("imap", c.IMAP.Addr),
		slog.String("imap_user", c.IMAP.Username),
		slog.String("smtp", c.SMTP.Addr),
		slog.String("from", c.SMTP.FromAddress),
	)
}

// LogValue masks the password when a listener config is logged.
func (c ListenerConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", c.Name), slog.String("addr", c.Addr))
}

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// Validate checks the whole email configuration, including that channel
// names are unique.
func (c Config) Validate() error {
	seen := map[string]bool{}
	var errs []error
	for i, m := range c.Mailboxes {
		if err := m.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("mailboxes[%d]: %w", i, err))
		}
		if seen[m.Name] {
			errs = append(errs, fmt.Errorf("mailboxes[%d]: duplicate name %q", i, m.Name))
		}
		seen[m.Name] = true
	}
	for i, l := range c.Listeners {
		if err := l.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("listeners[%d]: %w", i, err))
		}
		if seen[l.Name] {
			errs = append(errs, fmt.Errorf("listeners[%d]: duplicate name %q", i, l.Name))
		}
		seen[l.Name] = true
	}
	return errors.Join(errs...)
}

// Validate checks one mailbox.
func (c MailboxConfig) Validate() error {
	var errs []error
	if !nameRe.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("email: name %q: want lower-case letters, digits, '.', '_' or '-'", c.Name))
	}
	if c.Team == "" && c.Owner == "" {
		errs = append(errs, errors.New("email: set team (shared mailbox) or owner (personal mailbox)"))
	}
	if c.IMAP.Addr == "" && c.SMTP.Addr == "" {
		errs = append(errs, errors.New("email: set imap.addr, smtp.addr or both"))
	}
	if c.IMAP.Addr != "" {
		errs = append(errs, checkServer("imap", c.IMAP.Addr, c.IMAP.TLS, c.IMAP.AllowPlaintext))
		errs = append(errs, checkCAFile("imap", c.IMAP.CAFile))
		if c.IMAP.Username == "" {
			errs = append(errs, errors.New("email: imap.username is required"))
		}
		if c.IMAP.PollInterval < 0 {
			errs = append(errs, errors.New("email: imap.poll_interval must not be negative"))
		}
		for _, f := range c.IMAP.Folders {
			if strings.TrimSpace(f) == "" {
				errs = append(errs, errors.New("email: imap.folders has an empty name"))
			}
		}
	}
	if c.SMTP.Addr != "" {
		errs = append(errs, checkServer("smtp", c.SMTP.Addr, c.SMTP.TLS, c.SMTP.AllowPlaintext))
		errs = append(errs, checkCAFile("smtp", c.SMTP.CAFile))
		if _, _, ok := splitAddress(c.SMTP.FromAddress); !ok {
			errs = append(errs, fmt.Errorf("email: smtp.from_address %q is not an address", c.SMTP.FromAddress))
		}
	}
	if c.MaxAttachmentBytes < 0 || c.MaxMessageBytes < 0 {
		errs = append(errs, errors.New("email: size limits must not be negative"))
	}
	errs = append(errs, checkLeadRules(c.LeadRules))
	return errors.Join(errs...)
}

// Validate checks one listener.
func (c ListenerConfig) Validate() error {
	var errs []error
	if !nameRe.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("email: listener name %q: want lower-case letters, digits, '.', '_' or '-'", c.Name))
	}
	if c.Team == "" && c.Owner == "" {
		errs = append(errs, errors.New("email: listener: set team or owner"))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("email: listener addr %q: %w", c.Addr, err))
	}
	if len(c.Recipients) == 0 {
		errs = append(errs, errors.New("email: listener recipients must not be empty: an open relay for the hub accepts spam for any address"))
	}
	for _, r := range c.Recipients {
		if !strings.HasPrefix(r, "@") {
			if _, _, ok := splitAddress(r); !ok {
				errs = append(errs, fmt.Errorf("email: listener recipient %q is neither an address nor @domain", r))
			}
		}
	}
	if (c.Username == "") != (c.Password == "") {
		errs = append(errs, errors.New("email: listener username and password go together"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("email: listener tls_cert and tls_key go together"))
	}
	if c.MaxMessageBytes < 0 || c.MaxAttachmentBytes < 0 {
		errs = append(errs, errors.New("email: listener size limits must not be negative"))
	}
	errs = append(errs, checkLeadRules(c.LeadRules))
	return errors.Join(errs...)
}

func checkServer(what, addr string, mode TLSMode, allowPlain bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("email: %s.addr %q: %w", what, addr, err)
	}
	switch mode {
	case TLSImplicit, TLSStartTLS:
		return nil
	case TLSNone:
		if isLoopback(host) || allowPlain {
			return nil
		}
		return fmt.Errorf("email: %s.tls none sends the password in the clear to %s; set allow_plaintext to mean it", what, host)
	case "":
		return fmt.Errorf("email: %s.tls is required: implicit, starttls or none", what)
	default:
		return fmt.Errorf("email: %s.tls %q: want implicit, starttls or none", what, mode)
	}
}

func checkCAFile(what, path string) error {
	if path == "" {
		return nil
	}
	if _, err := loadCAPool(path); err != nil {
		return fmt.Errorf("email: %s.ca_file: %w", what, err)
	}
	return nil
}

// loadCAPool reads a PEM bundle of CA certificates.
func loadCAPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificates found", path)
	}
	return pool, nil
}

// clientTLS is the TLS configuration for a connection to a mail server at
// host: the system roots, or those of caFile when set.
func clientTLS(host, caFile string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := loadCAPool(caFile)
		if err != nil {
			return nil, fmt.Errorf("email: ca_file: %w", err)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func checkLeadRules(rules []LeadRule) error {
	var errs []error
	for i, r := range rules {
		if r.From == "" && r.Subject == "" {
			errs = append(errs, fmt.Errorf("email: lead_rules[%d]: set from, subject or both", i))
		}
		for _, p := range []string{r.From, r.Subject} {
			if _, err := regexp.Compile(p); err != nil {
				errs = append(errs, fmt.Errorf("email: lead_rules[%d]: %w", i, err))
			}
		}
	}
	return errors.Join(errs...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withDefaults fills the zero fields of a mailbox config.
func (c MailboxConfig) withDefaults() MailboxConfig {
	if len(c.IMAP.Folders) == 0 {
		c.IMAP.Folders = []string{"INBOX"}
	}
	if c.IMAP.SentFolder == "" {
		c.IMAP.SentFolder = DefaultSentFolder
	}
	if c.IMAP.PollInterval == 0 {
		c.IMAP.PollInterval = DefaultPollInterval
	}
	if c.MaxAttachmentBytes == 0 {
		c.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.SMTP.FromDomain == "" {
		_, c.SMTP.FromDomain, _ = splitAddress(c.SMTP.FromAddress)
	}
	return c
}

// replyToPlus reports whether replies carry a plus-addressed Reply-To.
func (c MailboxConfig) replyToPlus() bool { return c.ReplyToPlus == nil || *c.ReplyToPlus }

func (c ListenerConfig) withDefaults() ListenerConfig {
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.MaxAttachmentBytes == 0 {
		c.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if c.Domain == "" {
		c.Domain = "localhost"
	}
	return c
}

// splitAddress splits a bare address into local part and lower-cased domain.
func splitAddress(addr string) (local, domain string, ok bool) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || strings.ContainsAny(addr, " <>\t\r\n") {
		return "", "", false
	}
	return addr[:at], strings.ToLower(addr[at+1:]), true
}
