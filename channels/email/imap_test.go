package email

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/channels/email/emailtest"
)

func mailboxConfig(d *emailtest.Dovecot, user string) MailboxConfig {
	return MailboxConfig{
		Name: "sales",
		Team: "sales-team",
		IMAP: IMAPConfig{
			Addr: d.Addr, TLS: TLSNone, Username: user, Password: d.Password(user),
			Folders: []string{"INBOX"}, MarkSeen: true, PollInterval: 200 * time.Millisecond,
		},
	}
}

func letter(i int, subject string) []byte {
	return []byte(fmt.Sprintf("From: Client %d <client%d@example.net>\r\nTo: sales@example.com\r\nSubject: %s\r\n"+
		"Date: Mon, 5 Feb 2024 10:%02d:00 +0000\r\nMessage-ID: <letter-%d@example.net>\r\n\r\nLetter number %d.\r\n", i, i, subject, i%60, i, i))
}

// runMailbox runs m until the returned stop is called.
func runMailbox(t *testing.T, m *Mailbox) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func TestMailboxImportsLetters(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecot(t)
	d.Deliver(t, "sales", "INBOX", readEML(t, "cp1251.eml"), readEML(t, "koi8r.eml"), readEML(t, "nested.eml"))
	ing, state := newFakeIngester(), newMemState()
	cfg := mailboxConfig(d, "sales")
	// A poll period far beyond the test's waits: new mail must come
	// through IDLE, which Dovecot supports.
	cfg.IMAP.PollInterval = time.Hour
	m, err := NewMailbox(cfg, ing, state, WithBatch(2, 0))
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m)
	waitFor(t, "3 letters", 15*time.Second, func() bool { return len(ing.committed()) == 3 })

	evs := ing.committed()
	want(t, "channel", evs[0].Channel, "email:sales")
	want(t, "team", evs[0].Team, "sales-team")
	want(t, "subject 1", evs[0].Subject, "Счёт на бумагу")
	want(t, "subject 2", evs[1].Subject, "Доставка заказа")
	want(t, "subject 3", evs[2].Subject, "Прайс-лист")
	want(t, "folder", evs[0].Meta["folder"], "INBOX")

	// New mail while running arrives through IDLE.
	d.Deliver(t, "sales", "INBOX", letter(1, "New order"))
	waitFor(t, "the 4th letter", 15*time.Second, func() bool { return len(ing.committed()) == 4 })
	want(t, "subject 4", ing.committed()[3].Subject, "New order")

	// Imported letters are marked \Seen and the cursor points past them.
	waitFor(t, "\\Seen flags", 5*time.Second, func() bool {
		for _, l := range d.Fetch(t, "sales", "INBOX") {
			if !l.HasFlag(imap.FlagSeen) {
				return false
			}
		}
		return true
	})
	cur, err := loadCursor(context.Background(), state, "sales/INBOX")
	if err != nil || cur.LastUID != 4 || cur.UIDValidity == 0 {
		t.Fatalf("cursor = %+v, %v; want last uid 4", cur, err)
	}
}

func TestMailboxRestartMidImportImportsNothingTwice(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecot(t)
	const total = 23
	var raws [][]byte
	for i := 1; i <= total; i++ {
		raws = append(raws, letter(i, "Order"))
	}
	d.Deliver(t, "sales", "INBOX", raws...)
	ing, state := newFakeIngester(), newMemState()
	cfg := mailboxConfig(d, "sales")
	cfg.IMAP.MarkSeen = false

	// First run: the store "goes down" at the 8th letter.
	ing.setFailFrom(8)
	m1, err := NewMailbox(cfg, ing, state, WithBatch(5, 0), WithBackoff(50*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	stop := runMailbox(t, m1)
	waitFor(t, "failed attempts", 10*time.Second, func() bool { return ing.callCount() >= 9 })
	stop()
	if n := len(ing.committed()); n != 7 {
		t.Fatalf("committed %d letters before the failure, want 7", n)
	}
	cur, _ := loadCursor(context.Background(), state, "sales/INBOX")
	if cur.LastUID != 7 {
		t.Fatalf("cursor after crash = %+v, want last uid 7", cur)
	}

	// Restart with a healthy store: the rest arrives, each letter once.
	ing.setFailFrom(0)
	m2, err := NewMailbox(cfg, ing, state, WithBatch(5, 0))
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m2)
	waitFor(t, "all letters", 15*time.Second, func() bool { return len(ing.committed()) == total })
	time.Sleep(300 * time.Millisecond) // a poll cycle more: nothing new may come
	if calls := ing.callCount(); calls != total-7 {
		t.Fatalf("second run made %d Ingest calls, want %d (no replays)", calls, total-7)
	}
	seen := map[string]bool{}
	for _, ev := range ing.committed() {
		if seen[ev.ExternalID] {
			t.Fatalf("%s imported twice", ev.ExternalID)
		}
		seen[ev.ExternalID] = true
	}
}

func TestMailboxUIDValidityChange(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecot(t)
	d.Deliver(t, "sales", "Orders", letter(1, "A"), letter(2, "B"))
	ing, state := newFakeIngester(), newMemState()
	cfg := mailboxConfig(d, "sales")
	cfg.IMAP.Folders = []string{"Orders"}
	m, err := NewMailbox(cfg, ing, state, WithBackoff(50*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	stop := runMailbox(t, m)
	waitFor(t, "2 letters", 15*time.Second, func() bool { return len(ing.committed()) == 2 })
	stop()
	before, _ := loadCursor(context.Background(), state, "sales/Orders")

	// Rebuild the folder: a new UIDVALIDITY, the old letters plus a new one.
	d.Recreate(t, "sales", "Orders", letter(1, "A"), letter(2, "B"), letter(3, "C"))
	m2, err := NewMailbox(cfg, ing, state)
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m2)
	waitFor(t, "the new letter", 15*time.Second, func() bool { return len(ing.committed()) == 3 })
	after, _ := loadCursor(context.Background(), state, "sales/Orders")
	if after.UIDValidity == before.UIDValidity || after.LastUID != 3 {
		t.Fatalf("cursor %+v → %+v: want a new uidvalidity and last uid 3", before, after)
	}
	// The two old letters were offered again and were idempotent replays.
	if calls := ing.callCount(); calls != 5 {
		t.Fatalf("Ingest calls = %d, want 5 (2 + 2 replays + 1 new)", calls)
	}
	want(t, "new letter", ing.committed()[2].ExternalID, "letter-3@example.net")
}

func TestMailboxOversizeLetterKeptAsHeader(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecot(t)
	big := []byte("From: a@example.net\r\nSubject: Big scan\r\nMessage-ID: <big-1@example.net>\r\n\r\n" + strings.Repeat("0123456789\r\n", 2000))
	d.Deliver(t, "sales", "INBOX", big, letter(2, "small"))
	ing := newFakeIngester()
	cfg := mailboxConfig(d, "sales")
	cfg.MaxMessageBytes = 4096
	m, err := NewMailbox(cfg, ing, newMemState())
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m)
	waitFor(t, "2 letters", 15*time.Second, func() bool { return len(ing.committed()) == 2 })
	ev := ing.committed()[0]
	want(t, "subject", ev.Subject, "Big scan")
	want(t, "external id", ev.ExternalID, "big-1@example.net")
	if ev.Meta["oversize"] == "" || !strings.Contains(ev.Text, "left on the mail server") {
		t.Fatalf("oversize letter not noted: %q %v", ev.Text, ev.Meta)
	}
}

func TestMailboxPoisonLetterDoesNotWedge(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecot(t)
	d.Deliver(t, "sales", "INBOX", letter(1, "poison"), letter(2, "fine"))
	ing := &rejectingIngester{fakeIngester: newFakeIngester(), reject: "letter-1@example.net"}
	m, err := NewMailbox(mailboxConfig(d, "sales"), ing, newMemState(), WithBackoff(10*time.Millisecond, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m)
	waitFor(t, "both letters", 15*time.Second, func() bool { return len(ing.committed()) == 2 })
	if ev := ing.committed()[0]; ev.Meta["ingest_error"] == "" || ev.ExternalID != "letter-1@example.net" {
		t.Fatalf("poison letter recorded as %+v", ev)
	}
}

// rejectingIngester refuses full events for one external id, as a router
// might for content it cannot store, but takes the minimal one.
type rejectingIngester struct {
	*fakeIngester
	reject string
}

func (r *rejectingIngester) Ingest(ctx context.Context, ev channels.InboundEvent) (channels.Receipt, error) {
	if ev.ExternalID == r.reject && ev.Meta["ingest_error"] == "" {
		return channels.Receipt{}, fmt.Errorf("router: cannot store this")
	}
	return r.fakeIngester.Ingest(ctx, ev)
}

func TestMailboxWaitsForLock(t *testing.T) {
	t.Parallel()
	d := emailtest.StartDovecot(t)
	d.Deliver(t, "sales", "INBOX", letter(1, "x"))
	ing := newFakeIngester()
	lock := &testLocker{}
	lock.busy.Store(true)
	m, err := NewMailbox(mailboxConfig(d, "sales"), ing, newMemState(), WithLocker(lock, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	runMailbox(t, m)
	time.Sleep(400 * time.Millisecond)
	if n := len(ing.committed()); n != 0 {
		t.Fatalf("imported %d letters without the lock", n)
	}
	lock.busy.Store(false)
	waitFor(t, "import after the lock is free", 15*time.Second, func() bool { return len(ing.committed()) == 1 })
	if got := lock.name(); got != "email:sales" {
		t.Fatalf("lock name = %q", got)
	}
}
