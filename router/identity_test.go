package router_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
)

func TestOneClientAcrossFormatsAndChannels(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		a := e.ingest(msg("api:shop", "e1", "Пётр Иванов", phone("8 912 345-67-89")))
		b := e.ingest(msg("api:shop", "e2", "", phone("+7 (912) 345 67 89"), email("Petr@Example.COM")))
		if a.ClientID != b.ClientID {
			t.Fatalf("phone written differently made two clients: %d and %d", a.ClientID, b.ClientID)
		}
		c := e.ingest(msg("email:sales", "e3", "Petr", email("petr@example.com")))
		if c.ClientID != a.ClientID {
			t.Fatalf("email on another channel went to client %d, want %d", c.ClientID, a.ClientID)
		}
		if c.DialogID == a.DialogID {
			t.Fatal("another channel continued the api dialog")
		}
		if b.DialogID != a.DialogID {
			t.Fatal("second message on the same channel opened a new dialog")
		}
		ids, err := e.store.ClientIdentities(e.ctx, a.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, id := range ids {
			got[id.Kind+"="+id.Value] = true
		}
		for _, want := range []string{"phone=+79123456789", "email=petr@example.com"} {
			if !got[want] {
				t.Errorf("client lacks identity %s; has %v", want, got)
			}
		}
	})
}

func TestReplayStoresNothingNew(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		ev := msg("api:shop", "evt-1", "Anna", phone("89123456780"))
		first := e.ingest(ev)
		before := len(e.eventTypes())
		for i := 0; i < 3; i++ {
			again := e.ingest(ev)
			if !again.Duplicate || again.MessageID != first.MessageID || again.DialogID != first.DialogID {
				t.Fatalf("replay %d = %+v, want duplicate of %+v", i, again, first)
			}
		}
		if after := len(e.eventTypes()); after != before {
			t.Fatalf("replays appended %d events", after-before)
		}
		msgs, err := e.store.ListMessages(e.ctx, first.DialogID, 0, 10)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("dialog has %d messages (%v), want 1", len(msgs), err)
		}
	})
}

func TestConflictRaisesCandidateMergeAndDismiss(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		a := e.ingest(msg("api:shop", "a1", "Anna Petrova", phone("+79123456781")))
		b := e.ingest(msg("api:shop", "b1", "Boris Orlov", email("boris@example.org")))
		// One event carrying both clients' identities: a conflict.
		c := e.ingest(msg("api:shop", "c1", "", phone("+79123456781"), email("boris@example.org")))
		if c.ClientID != a.ClientID {
			t.Fatalf("conflicting event went to %d, want the older client %d", c.ClientID, a.ClientID)
		}
		cands, err := e.store.ListCandidates(e.ctx, a.ClientID, storage.CandidateOpen, 10)
		if err != nil || len(cands) != 1 {
			t.Fatalf("candidates = %v, %v; want one", cands, err)
		}
		if !strings.Contains(cands[0].Reason, "email boris@example.org") || cands[0].Score != 1 {
			t.Fatalf("candidate = %+v", cands[0])
		}

		survivor, err := e.r.MergeCandidate(e.ctx, cands[0].ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if survivor.ID != a.ClientID {
			t.Fatalf("survivor = %d, want %d", survivor.ID, a.ClientID)
		}
		if _, err := e.r.Merge(e.ctx, b.ClientID, a.ClientID, 0); err != nil {
			t.Fatalf("second merge: %v", err)
		}
		loser, _ := e.store.GetClient(e.ctx, b.ClientID)
		if loser.MergedInto != a.ClientID {
			t.Fatalf("loser merged_into = %d", loser.MergedInto)
		}
		moved := e.dialog(b.DialogID)
		if moved.ClientID != a.ClientID {
			t.Fatalf("loser's dialog still on client %d", moved.ClientID)
		}
		// The loser's identity now finds the survivor.
		d := e.ingest(msg("api:shop", "d1", "", email("boris@example.org")))
		if d.ClientID != a.ClientID {
			t.Fatalf("merged identity resolved to %d", d.ClientID)
		}
		if n := count(e.eventTypes(), "client.merged"); n != 1 {
			t.Fatalf("client.merged events = %d, want 1", n)
		}

		// Dismiss: a weak pair stays dismissed when seen again.
		x := e.ingest(msg("email:s", "x1", "Ivan Sidorov", email("ivan@romashka.ru")))
		y := e.ingest(msg("email:s", "y1", "Olga K", email("olga@romashka.ru")))
		cands, _ = e.store.ListCandidates(e.ctx, y.ClientID, storage.CandidateOpen, 10)
		if len(cands) != 1 || !strings.Contains(cands[0].Reason, "romashka.ru") {
			t.Fatalf("domain candidates = %+v", cands)
		}
		if _, err := e.r.Dismiss(e.ctx, cands[0].ID, 0); err != nil {
			t.Fatal(err)
		}
		_ = x
		e.ingest(msg("email:s", "y2", "Olga K", email("olga@romashka.ru"), channels.Identity{Kind: channels.Phone, Value: "+79990001122"}))
		if open, _ := e.store.ListCandidates(e.ctx, y.ClientID, storage.CandidateOpen, 10); len(open) != 0 {
			t.Fatalf("dismissed candidate came back: %+v", open)
		}
	})
}

func TestWeakSignals(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		a := e.ingest(msg("api:shop", "n1", "Иванов Пётр", phone("+79123450001")))
		b := e.ingest(msg("api:shop", "n2", "Petr Ivanov", phone("+79123450002")))
		if a.ClientID == b.ClientID {
			t.Fatal("a similar name merged two clients")
		}
		cands, err := e.store.ListCandidates(e.ctx, b.ClientID, storage.CandidateOpen, 10)
		if err != nil || len(cands) != 1 || !strings.Contains(cands[0].Reason, "similar name") {
			t.Fatalf("name candidates = %+v, %v", cands, err)
		}
		// Free mail never signals a company.
		c := e.ingest(msg("email:s", "f1", "Oleg", email("oleg@gmail.com")))
		d := e.ingest(msg("email:s", "f2", "Vera", email("vera@gmail.com")))
		if cs, _ := e.store.ListCandidates(e.ctx, d.ClientID, storage.CandidateOpen, 10); len(cs) != 0 {
			t.Fatalf("gmail.com raised candidates: %+v", cs)
		}
		_ = c
	})
}

func TestAnonymousSenderIsKept(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		ev := channels.InboundEvent{Channel: "webchat:site", ExternalID: "w1", SenderID: "visitor-1", Text: "hi",
			From: channels.Contact{Identities: []channels.Identity{phone("not a phone")}}}
		a := e.ingest(ev)
		ev.ExternalID = "w2"
		b := e.ingest(ev)
		if a.ClientID == 0 || a.ClientID != b.ClientID || a.DialogID != b.DialogID {
			t.Fatalf("anonymous sender: %+v then %+v", a, b)
		}
		if _, err := e.r.Ingest(e.ctx, channels.InboundEvent{Channel: "webchat:site"}); err == nil {
			t.Fatal("event without external id accepted")
		}
	})
}

// A new client writing from several devices at once, each event in a
// transaction of its own: the events race for the client's phone. The
// first to commit creates the client; the others find, when their
// identities are checked after the round trip that carried them, that the
// phone was taken, and run again onto that client and its one dialog.
func TestFirstContactsAtOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{MaxBatch: 1}, func(e *env) {
		m := e.manager("m1", 100, storage.Online)
		const n = 8
		// The store's connections are opened first, so that the rounds'
		// events run side by side rather than one per new connection.
		var warm sync.WaitGroup
		for i := range n {
			warm.Go(func() {
				ev := msg("api:shop", fmt.Sprint("warm-", i), "", phone(fmt.Sprintf("+7 912 555-01-%02d", i)))
				if _, err := e.r.Ingest(e.ctx, ev); err != nil {
					e.t.Errorf("warm-up %d: %v", i, err)
				}
			})
		}
		warm.Wait()
		for round := range 4 {
			tel := phone(fmt.Sprintf("+7 912 555-00-%02d", round))
			rcs := make([]channels.Receipt, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					ev := msg("api:shop", fmt.Sprintf("first-%d-%d", round, i), "Вера Иванова", tel,
						email(fmt.Sprintf("vera%d-%d@example.com", round, i)))
					rcs[i], errs[i] = e.r.Ingest(e.ctx, ev)
				})
			}
			close(start)
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("round %d, event %d: %v", round, i, errs[i])
				}
				if rcs[i].ClientID != rcs[0].ClientID || rcs[i].DialogID != rcs[0].DialogID || rcs[i].Duplicate {
					t.Errorf("round %d, event %d: %+v, want client %d, dialog %d", round, i, rcs[i], rcs[0].ClientID, rcs[0].DialogID)
				}
			}
			ids, err := e.store.ClientIdentities(e.ctx, rcs[0].ClientID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != n+1 {
				t.Errorf("round %d: the client holds %d identities, want the phone and %d addresses", round, len(ids), n)
			}
			msgs, err := e.store.ListMessages(e.ctx, rcs[0].DialogID, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != n {
				t.Errorf("round %d: %d messages in the dialog, want %d", round, len(msgs), n)
			}
		}
		if got := e.load(m.ID); got != n+4 {
			t.Errorf("manager load %d, want %d: a dialog per client", got, n+4)
		}
		if got := count(e.eventTypes(), "client.updated"); got != n+4 {
			t.Errorf("%d client.updated events, want %d: one per client", got, n+4)
		}
	})
}
