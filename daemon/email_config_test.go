package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const emailConfigYAML = `
data_dir: /tmp/sb
channels:
  email:
    mailboxes:
      - name: sales
        team: Продажи
        imap: {addr: "imap.example.com:993", tls: implicit, username: sales@example.com, password: imap-secret, poll_interval: 30s}
        smtp: {addr: "smtp.example.com:587", tls: starttls, username: sales@example.com, password: smtp-secret, from_address: sales@example.com}
    listeners:
      - name: forms
        team: Продажи
        addr: "127.0.0.1:2525"
        recipients: ["forms@example.com"]
        username: form
        password: listener-secret
`

func TestEmailConfig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(path, []byte(emailConfigYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	mb := cfg.Channels.Email.Mailboxes
	if len(mb) != 1 || mb[0].Channel() != "email:sales" || mb[0].IMAP.PollInterval != 30*time.Second || mb[0].Team != "Продажи" {
		t.Fatalf("mailboxes = %+v", mb)
	}
	if ls := cfg.Channels.Email.Listeners; len(ls) != 1 || ls[0].Channel() != "email:forms" {
		t.Fatalf("listeners = %+v", ls)
	}

	masked := cfg.Masked()
	for _, secret := range []string{"imap-secret", "smtp-secret", "listener-secret"} {
		if strings.Contains(masked, secret) {
			t.Errorf("Masked() shows %q:\n%s", secret, masked)
		}
	}
	if !strings.Contains(masked, "sales@example.com") {
		t.Errorf("Masked() lost the non-secret fields:\n%s", masked)
	}
	if cfg.Channels.Email.Mailboxes[0].IMAP.Password != "imap-secret" {
		t.Error("Masked() changed the configuration it was called on")
	}

	// A bad mailbox fails validation with its path in the message.
	cfg.Channels.Email.Mailboxes[0].IMAP.TLS = "sometimes"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "channels.email") {
		t.Errorf("Validate() = %v, want a channels.email error", err)
	}
}

// TestExampleConfig keeps the shipped example configuration loadable.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(filepath.Join("..", "deploy", "switchboard.example.yaml"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if n := len(cfg.Channels.Email.Mailboxes); n != 2 {
		t.Errorf("example has %d mailboxes, want 2", n)
	}
	if n := len(cfg.Channels.Email.Listeners); n != 1 {
		t.Errorf("example has %d listeners, want 1", n)
	}
}
