package emailtest

import (
	"bytes"
	"testing"
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
