package emailtest

import (
	"bytes"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestStartDeliverFetch(t *testing.T) {
	t.Parallel()
	s := StartDovecot(t, User{Name: "sales", Password: "pw1"})
	raw := []byte("From: a@example.com\nTo: sales@example.com\nSubject: hi\nMessage-ID: <x1@example.com>\n\nhello\n")
	s.Deliver(t, "sales", "INBOX", raw)
	s.Deliver(t, "sales", "Archive", raw)
	got := s.Fetch(t, "sales", "INBOX")
	if len(got) != 1 || !bytes.Contains(got[0].Raw, []byte("hello\r\n")) {
		t.Fatalf("INBOX = %+v", got)
	}
	if got := s.Fetch(t, "sales", "Archive"); len(got) != 1 {
		t.Fatalf("Archive has %d letters, want 1", len(got))
	}
}

func TestNoIdleHidesIdle(t *testing.T) {
	t.Parallel()
	s := StartDovecotWith(t, DovecotOptions{NoIdle: true})
	c := s.Dial(t, "sales")
	caps := c.Caps()
	if caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2) {
		t.Fatalf("caps = %v, want no IDLE", caps)
	}
	if !caps.Has(imap.CapIMAP4rev1) {
		t.Fatalf("caps = %v, want IMAP4rev1", caps)
	}
	// Delivery and fetch still work without IDLE.
	s.Deliver(t, "sales", "INBOX", []byte("Subject: x\n\nbody\n"))
	if got := s.Fetch(t, "sales", "INBOX"); len(got) != 1 {
		t.Fatalf("INBOX has %d letters, want 1", len(got))
	}
}
