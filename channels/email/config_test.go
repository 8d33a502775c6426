package email

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const sampleConfig = `
mailboxes:
  - name: sales
    team: sales
    imap: {addr: "imap.example.com:993", tls: implicit, username: sales@example.com, password: pw, folders: [INBOX, Orders], mark_seen: true, poll_interval: 2m}
    smtp: {addr: "smtp.example.com:587", tls: starttls, username: sales@example.com, password: pw, from_address: sales@example.com}
    max_attachment_bytes: 1048576
    reply_to_plus: false
  - name: anna
    owner: anna
    imap: {addr: "127.0.0.1:1143", tls: none, username: anna, password: pw}
listeners:
  - name: forms
    team: sales
    addr: ":2525"
    recipients: [forms@hub.example.com, "@leads.example.com"]
    lead_rules: [{from: "@tilda\\.ws$", source: tilda}]
`

func TestConfigYAML(t *testing.T) {
	t.Parallel()
	var c Config
	if err := yaml.Unmarshal([]byte(sampleConfig), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	sales := c.Mailboxes[0]
	if sales.IMAP.PollInterval != 2*time.Minute || sales.IMAP.TLS != TLSImplicit || len(sales.IMAP.Folders) != 2 || sales.replyToPlus() {
		t.Fatalf("sales = %+v", sales)
	}
	anna := c.Mailboxes[1].withDefaults()
	if anna.IMAP.Folders[0] != "INBOX" || anna.IMAP.SentFolder != "Sent" || !anna.replyToPlus() || anna.MaxAttachmentBytes != DefaultMaxAttachmentBytes {
		t.Fatalf("defaults not applied: %+v", anna)
	}
	if c.Listeners[0].Channel() != "email:forms" {
		t.Fatalf("channel = %q", c.Listeners[0].Channel())
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	good := MailboxConfig{Name: "sales", Team: "sales",
		IMAP: IMAPConfig{Addr: "imap.example.com:993", TLS: TLSImplicit, Username: "u"},
		SMTP: SMTPConfig{Addr: "smtp.example.com:465", TLS: TLSImplicit, FromAddress: "sales@example.com"}}
	tests := []struct {
		name   string
		mutate func(*MailboxConfig)
		err    string
	}{
		{"valid", func(*MailboxConfig) {}, ""},
		{"bad name", func(c *MailboxConfig) { c.Name = "Sales Box" }, "name"},
		{"no team or owner", func(c *MailboxConfig) { c.Team = "" }, "team"},
		{"plaintext to a remote host", func(c *MailboxConfig) { c.IMAP.TLS = TLSNone }, "in the clear"},
		{"plaintext allowed explicitly", func(c *MailboxConfig) { c.IMAP.TLS, c.IMAP.AllowPlaintext = TLSNone, true }, ""},
		{"unknown tls", func(c *MailboxConfig) { c.SMTP.TLS = "ssl" }, "want implicit"},
		{"missing tls", func(c *MailboxConfig) { c.SMTP.TLS = "" }, "required"},
		{"bad from", func(c *MailboxConfig) { c.SMTP.FromAddress = "sales" }, "from_address"},
		{"bad lead rule", func(c *MailboxConfig) { c.LeadRules = []LeadRule{{From: "("}} }, "lead_rules"},
		{"empty lead rule", func(c *MailboxConfig) { c.LeadRules = []LeadRule{{Source: "x"}} }, "lead_rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := good
			tt.mutate(&c)
			err := c.Validate()
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("Validate = %v, want error containing %q", err, tt.err)
			}
		})
	}

	l := listenerConfig()
	l.Recipients = nil
	if err := l.Validate(); err == nil || !strings.Contains(err.Error(), "recipients") {
		t.Fatalf("listener without allow-list: %v", err)
	}
	dup := Config{Mailboxes: []MailboxConfig{good, good}}
	if err := dup.Validate(); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("duplicate names: %v", err)
	}
}

func TestConfigLogValueHidesPasswords(t *testing.T) {
	t.Parallel()
	c := MailboxConfig{Name: "x", IMAP: IMAPConfig{Password: "imap-secret"}, SMTP: SMTPConfig{Password: "smtp-secret"}}
	if s := c.LogValue().String(); strings.Contains(s, "secret") {
		t.Fatalf("LogValue leaks a password: %s", s)
	}
}
