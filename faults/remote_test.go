package faults

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestRemoteFailures has the far side of an API channel fail every reply
// in each way a real one does — a 500, a 429 with Retry-After, a hang past
// the send timeout, a connection reset — before it recovers. The outbox
// retries through all of it, honours the Retry-After, and in the end the
// far side has each reply exactly once by idempotency key.
func TestRemoteFailures(t *testing.T) {
	dir := t.TempDir()
	far := newFarSide(t, func(key string, n int) action {
		switch n {
		case 1:
			return action{Status: http.StatusInternalServerError}
		case 2:
			return action{Status: http.StatusTooManyRequests, RetryAfter: "1"}
		case 3:
			return action{Hang: true}
		case 4:
			return action{Reset: true}
		default:
			return action{}
		}
	})
	cfgPath := writeConfig(t, dir, baseConfig(filepath.Join(dir, "data"), far.URL()))
	tok := addAgent(t, cfgPath, "alice", 10)
	d := startProc(t, cfgPath, procOptions{})
	alice := agent{d.URL, tok}
	alice.online(t)

	const replies = 4
	type sent struct{ dialog, message int64 }
	var out []sent
	for i := range replies {
		a, err := postEvent(d.URL, event{ID: fmt.Sprintf("remote-%d", i), From: eventFrom{Phone: phone(6000000+i, i)}, Text: "hi"})
		if err != nil || a.Status != http.StatusAccepted {
			t.Fatalf("event %d: %v %d %s", i, err, a.Status, a.Body)
		}
		m, err := alice.reply(a.Receipt.DialogID, fmt.Sprintf("answer %d", i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sent{a.Receipt.DialogID, m.ID})
	}
	for _, s := range out {
		var st string
		if err := poll(30*time.Second, func() bool {
			st, _ = alice.messageStatus(s.dialog, s.message)
			return st == "sent"
		}); err != nil {
			t.Fatalf("message %d: status %q: %v", s.message, st, err)
		}
	}

	attempts := far.Attempts()
	delivered := far.Delivered()
	if len(delivered) != replies {
		t.Errorf("far side has %d replies, want %d", len(delivered), replies)
	}
	for _, s := range out {
		key := far.KeyOf(s.message)
		if delivered[key] != 1 {
			t.Errorf("reply %d delivered %d times", s.message, delivered[key])
		}
		var n int
		var after429 time.Time
		var deliveredAt time.Time
		for _, a := range attempts {
			if a.Key != key {
				continue
			}
			n++
			if !deliveredAt.IsZero() {
				t.Errorf("reply %d was sent again after it was delivered", s.message)
			}
			if a.Answered == http.StatusTooManyRequests {
				after429 = a.At
			} else if !after429.IsZero() && n == 3 && a.At.Sub(after429) < 900*time.Millisecond {
				t.Errorf("reply %d retried %s after a 429 asking for 1s", s.message, a.At.Sub(after429))
			}
			if a.Answered/100 == 2 {
				deliveredAt = a.At
			}
		}
		if n < 5 {
			t.Errorf("reply %d took %d attempts; the script fails the first four", s.message, n)
		}
	}
}
