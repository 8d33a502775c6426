package storetest

import (
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var messageTests = []test{
	{"MessageRoundTrip", testMessageRoundTrip},
	{"MessageDedup", testMessageDedup},
	{"MessageListAndStatus", testMessageListAndStatus},
	{"Timeline", testTimeline},
}

func testMessageRoundTrip(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	m1 := newManager(t, s, "m", 1)
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "email"})
	m := storage.Message{
		DialogID: d.ID, ClientID: cl.ID, Channel: "email", ExternalID: "<a@example.com>", Direction: storage.Outbound,
		AuthorID: m1.ID, Subject: "Re: счёт", Text: "Добрый день", HTML: "<p>Добрый день</p>", Status: "queued",
		Error: "", Meta: map[string]string{"in_reply_to": "<root@example.com>", "to": "c@example.com"}, Automated: true,
		CreatedAt: at(time.Minute),
		Attachments: []storage.Attachment{
			{Filename: "счёт.pdf", ContentType: "application/pdf", Size: 12345, Key: "blobs/ab/cd"},
			{Filename: "logo.png", ContentType: "image/png", Size: 10, ContentID: "logo@x", Key: "blobs/ef"},
		},
	}
	eq(t, "inserted", must(s.InsertMessage(c, &m))(t), true)
	if m.ID == 0 {
		t.Fatal("InsertMessage did not set the id")
	}
	for _, a := range m.Attachments {
		if a.ID == 0 || a.MessageID != m.ID {
			t.Fatalf("attachment not filled back: %+v", a)
		}
	}
	eq(t, "get", must(s.GetMessage(c, m.ID))(t), m)
	eq(t, "get by external", must(s.GetMessageByExternal(c, "email", "<a@example.com>"))(t), m)
	eq(t, "attachment", must(s.GetAttachment(c, m.Attachments[1].ID))(t), m.Attachments[1])
	_, err := s.GetMessage(c, m.ID+1000)
	wantErr(t, "missing", err, storage.ErrNotFound)
	_, err = s.GetMessageByExternal(c, "telegram", "<a@example.com>")
	wantErr(t, "external id is per channel", err, storage.ErrNotFound)
	_, err = s.GetAttachment(c, m.Attachments[1].ID+1000)
	wantErr(t, "missing attachment", err, storage.ErrNotFound)

	bare := storage.Message{DialogID: d.ID, ClientID: cl.ID, Channel: "email", ExternalID: "b", Direction: storage.Inbound, CreatedAt: t0}
	must(s.InsertMessage(c, &bare))(t)
	eq(t, "no meta, no attachments", must(s.GetMessage(c, bare.ID))(t), bare)
}

func testMessageDedup(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	first := storage.Message{DialogID: d.ID, ClientID: cl.ID, Channel: "telegram", ExternalID: "42:7", Direction: storage.Inbound,
		Text: "first", CreatedAt: t0, Attachments: []storage.Attachment{{Filename: "a", ContentType: "text/plain", Size: 1, Key: "k"}}}
	eq(t, "first delivery", must(s.InsertMessage(c, &first))(t), true)
	again := first
	again.ID, again.Text = 0, "redelivered"
	again.Attachments = []storage.Attachment{{Filename: "b", ContentType: "text/plain", Size: 1, Key: "k2"}}
	eq(t, "redelivery", must(s.InsertMessage(c, &again))(t), false)
	eq(t, "redelivery gets no id", again.ID, int64(0))
	got := must(s.ListMessages(c, d.ID, 0, 10))(t)
	eq(t, "stored once, first version", ids(got, messageID), []int64{first.ID})
	eq(t, "first text", got[0].Text, "first")
	eq(t, "attachments of the first only", len(got[0].Attachments), 1)

	other := first
	other.ID, other.Channel, other.Attachments = 0, "viber", nil
	eq(t, "same id on another channel", must(s.InsertMessage(c, &other))(t), true)

	// Inside a transaction the duplicate does not break the transaction.
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		dup := first
		dup.ID, dup.Attachments = 0, nil
		if ins, err := tx.InsertMessage(c, &dup); err != nil || ins {
			t.Errorf("duplicate in tx: inserted=%v err=%v", ins, err)
		}
		return tx.TouchDialog(c, d.ID, at(time.Minute), true)
	}))
	eq(t, "tx committed", must(s.GetDialog(c, d.ID))(t).Unread, 1)

	noDialog := storage.Message{DialogID: d.ID + 1000, ClientID: cl.ID, Channel: "sms", ExternalID: "x", Direction: storage.Inbound}
	_, err := s.InsertMessage(c, &noDialog)
	wantErr(t, "unknown dialog", err, storage.ErrNotFound)
}

func testMessageListAndStatus(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "C")
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "email"})
	d2 := newDialog(t, s, storage.Dialog{ClientID: cl.ID, Channel: "email"})
	var msgs []storage.Message
	for i, ext := range []string{"e1", "e2", "e3", "e4"} {
		msgs = append(msgs, newMessage(t, s, d, ext, at(time.Duration(i)*time.Minute)))
	}
	newMessage(t, s, d2, "o1", t0)

	eq(t, "newest first", ids(must(s.ListMessages(c, d.ID, 0, 10))(t), messageID),
		[]int64{msgs[3].ID, msgs[2].ID, msgs[1].ID, msgs[0].ID})
	eq(t, "page", ids(must(s.ListMessages(c, d.ID, msgs[2].ID, 2))(t), messageID), []int64{msgs[1].ID, msgs[0].ID})
	eq(t, "empty dialog", len(must(s.ListMessages(c, d.ID+1000, 0, 10))(t)), 0)

	eq(t, "dialog by first known reference", must(s.DialogByExternal(c, "email", []string{"zz", "o1", "e1"}))(t).ID, d2.ID)
	eq(t, "dialog by reference order", must(s.DialogByExternal(c, "email", []string{"e2", "o1"}))(t).ID, d.ID)
	_, err := s.DialogByExternal(c, "telegram", []string{"e1"})
	wantErr(t, "other channel", err, storage.ErrNotFound)
	_, err = s.DialogByExternal(c, "email", nil)
	wantErr(t, "no references", err, storage.ErrNotFound)

	out := storage.Message{DialogID: d.ID, ClientID: cl.ID, Channel: "email", ExternalID: "local-1", Direction: storage.Outbound,
		Status: "queued", CreatedAt: at(time.Hour)}
	must(s.InsertMessage(c, &out))(t)
	ok(t, s.SetMessageStatus(c, out.ID, "failed", "timeout", ""))
	got := must(s.GetMessage(c, out.ID))(t)
	eq(t, "status without external id", [3]string{got.Status, got.Error, got.ExternalID}, [3]string{"failed", "timeout", "local-1"})
	ok(t, s.SetMessageStatus(c, out.ID, "sent", "", "<far@example.com>"))
	got = must(s.GetMessage(c, out.ID))(t)
	eq(t, "status with external id", [3]string{got.Status, got.Error, got.ExternalID}, [3]string{"sent", "", "<far@example.com>"})
	wantErr(t, "status missing", s.SetMessageStatus(c, out.ID+1000, "sent", "", ""), storage.ErrNotFound)
	wantErr(t, "external id taken", s.SetMessageStatus(c, out.ID, "sent", "", "e1"), storage.ErrConflict)

	got = must(s.SetMessageStatusByExternal(c, "email", "<far@example.com>", "delivered", ""))(t)
	eq(t, "by external returns it", [2]any{got.ID, got.Status}, [2]any{out.ID, "delivered"})
	eq(t, "by external stored", must(s.GetMessage(c, out.ID))(t).Status, "delivered")
	_, err = s.SetMessageStatusByExternal(c, "email", "e1", "delivered", "")
	wantErr(t, "inbound messages have no delivery status", err, storage.ErrNotFound)
	_, err = s.SetMessageStatusByExternal(c, "email", "nope", "delivered", "")
	wantErr(t, "unknown external", err, storage.ErrNotFound)
}

func testTimeline(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl, other := newClient(t, s, "C"), newClient(t, s, "O")
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	m1 := newMessage(t, s, d, "m1", at(1*time.Minute))
	m2 := storage.Message{DialogID: d.ID, ClientID: cl.ID, Channel: d.Channel, ExternalID: "m2", Direction: storage.Inbound,
		CreatedAt: at(4 * time.Minute), Attachments: []storage.Attachment{{Filename: "f", ContentType: "x/y", Size: 3, Key: "k"}}}
	must(s.InsertMessage(c, &m2))(t)
	call := storage.Call{ClientID: cl.ID, Channel: "ari", ExternalID: "c1", Direction: storage.Inbound, RingAt: at(2 * time.Minute)}
	must(s.UpsertCall(c, &call))(t)
	lead := storage.Lead{Source: "site", ExternalID: "l1", ClientID: cl.ID, CreatedAt: at(3 * time.Minute)}
	must(s.InsertLead(c, &lead))(t)
	od := newDialog(t, s, storage.Dialog{ClientID: other.ID})
	newMessage(t, s, od, "x", at(5*time.Minute))

	tl := must(s.Timeline(c, cl.ID, time.Time{}, 10))(t)
	kinds := make([]string, len(tl))
	for i, e := range tl {
		kinds[i] = e.Kind
	}
	eq(t, "kinds newest first", kinds, []string{"message", "lead", "call", "message"})
	eq(t, "message entry", *tl[0].Message, m2)
	eq(t, "lead entry", *tl[1].Lead, lead)
	eq(t, "call entry", *tl[2].Call, call)
	eq(t, "entry time", tl[3].At, m1.CreatedAt)

	page := must(s.Timeline(c, cl.ID, at(3*time.Minute), 10))(t)
	eq(t, "before is exclusive", len(page), 2)
	eq(t, "before page", [2]string{page[0].Kind, page[1].Kind}, [2]string{"call", "message"})
	eq(t, "limit across kinds", len(must(s.Timeline(c, cl.ID, time.Time{}, 2))(t)), 2)
	eq(t, "unknown client", len(must(s.Timeline(c, other.ID+1000, time.Time{}, 10))(t)), 0)
}
