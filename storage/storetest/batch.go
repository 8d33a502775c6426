package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// batchTests cover the statements a group commit uses for many inbound
// events at once; each must agree with its one-at-a-time counterpart.
var batchTests = []test{
	{"GetClients", testGetClients},
	{"FindOpenDialogs", testFindOpenDialogs},
	{"TouchDialogs", testTouchDialogs},
	{"InsertMessages", testInsertMessages},
	{"MessageRefs", testMessageRefs},
}

func testGetClients(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b := newClient(t, s, "A"), newClient(t, s, "B")
	got := must(s.GetClients(c, []int64{b.ID, a.ID, b.ID + 1000}))(t)
	slices.SortFunc(got, func(x, y storage.Client) int { return int(x.ID - y.ID) })
	eq(t, "found, missing left out", got, []storage.Client{a, b})
	eq(t, "none", len(must(s.GetClients(c, nil))(t)), 0)
}

func testFindOpenDialogs(t *testing.T, s storage.Store) {
	c := ctx(t)
	x, y := newClient(t, s, "X"), newClient(t, s, "Y")
	old := newDialog(t, s, storage.Dialog{ClientID: x.ID, Channel: "telegram"})
	newer := newDialog(t, s, storage.Dialog{ClientID: x.ID, Channel: "telegram"})
	keyed := newDialog(t, s, storage.Dialog{ClientID: x.ID, Channel: "email", ThreadKey: "t1"})
	closed := newDialog(t, s, storage.Dialog{ClientID: y.ID, Channel: "telegram"})
	ok(t, s.SetDialogStatus(c, closed.ID, storage.DialogClosed, at(time.Minute)))
	_ = old

	threads := []storage.Thread{
		{ClientID: x.ID, Channel: "telegram"},
		{ClientID: x.ID, Channel: "email", Key: "t1"},
		{ClientID: x.ID, Channel: "email", Key: "t2"},
		{ClientID: y.ID, Channel: "telegram"},
	}
	got := must(s.FindOpenDialogs(c, threads))(t)
	slices.SortFunc(got, func(a, b storage.Dialog) int { return int(a.ID - b.ID) })
	eq(t, "newest open per thread", ids(got, func(d storage.Dialog) int64 { return d.ID }), []int64{newer.ID, keyed.ID})
	for _, th := range threads {
		one, err := s.FindOpenDialog(c, th.ClientID, th.Channel, th.Key)
		var want []storage.Dialog
		if err == nil {
			want = []storage.Dialog{one}
		}
		eq(t, fmt.Sprintf("agrees with FindOpenDialog for %+v", th), must(s.FindOpenDialogs(c, []storage.Thread{th}))(t), want)
	}
}

func testTouchDialogs(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "X")
	a := newDialog(t, s, storage.Dialog{ClientID: cl.ID, LastMessageAt: at(time.Hour)})
	b := newDialog(t, s, storage.Dialog{ClientID: cl.ID, LastMessageAt: at(time.Hour)})
	ok(t, s.TouchDialogs(c, []storage.DialogTouch{
		{ID: a.ID, At: at(2 * time.Hour), Unread: 2},
		{ID: b.ID, At: at(time.Minute), Unread: 0}, // older than its last message
	}))
	ga, gb := must(s.GetDialog(c, a.ID))(t), must(s.GetDialog(c, b.ID))(t)
	eq(t, "a last message", ga.LastMessageAt, at(2*time.Hour))
	eq(t, "a unread", ga.Unread, a.Unread+2)
	eq(t, "a updated", ga.UpdatedAt, at(2*time.Hour))
	eq(t, "b keeps its newer last message", gb.LastMessageAt, at(time.Hour))
	eq(t, "b unread", gb.Unread, b.Unread)
	wantErr(t, "missing dialog", s.TouchDialogs(c, []storage.DialogTouch{{ID: b.ID + 1000, At: t0}}), storage.ErrNotFound)
	ok(t, s.TouchDialogs(c, nil))
}

func testInsertMessages(t *testing.T, s storage.Store) {
	c := ctx(t)
	d := newDialog(t, s, storage.Dialog{ClientID: newClient(t, s, "X").ID})
	taken := newMessage(t, s, d, "taken", t0)
	msg := func(ext string) *storage.Message {
		return &storage.Message{DialogID: d.ID, ClientID: d.ClientID, Channel: d.Channel, ExternalID: ext,
			Direction: storage.Inbound, Text: "text " + ext, Status: "received", Meta: map[string]string{"sender": ext},
			CreatedAt: at(time.Minute)}
	}
	ms := []*storage.Message{msg("m1"), msg("taken"), msg("m2")}
	eq(t, "inserted", must(s.InsertMessages(c, ms))(t), []bool{true, false, true})
	eq(t, "taken keeps no id", ms[1].ID, int64(0))
	for _, m := range []*storage.Message{ms[0], ms[2]} {
		got := must(s.GetMessage(c, m.ID))(t)
		want := *m
		want.Attachments = nil
		got.Attachments = nil
		eq(t, "stored as given "+m.ExternalID, got, want)
	}
	eq(t, "the taken one unchanged", must(s.GetMessage(c, taken.ID))(t).Text, "text taken")

	// More rows than one statement takes.
	var many []*storage.Message
	for i := range 450 {
		many = append(many, msg(fmt.Sprintf("bulk%d", i)))
	}
	ins := must(s.InsertMessages(c, many))(t)
	eq(t, "all new inserted", slices.Index(ins, false), -1)
	got := ids(derefs(many), messageID)
	slices.Sort(got)
	eq(t, "ids distinct", len(slices.Compact(got)), 450)

	withFile := msg("file")
	withFile.Attachments = []storage.Attachment{{Filename: "a.txt", Key: "k", Size: 1}}
	if _, err := s.InsertMessages(c, []*storage.Message{withFile}); err == nil {
		t.Fatal("a message with attachments was taken")
	}
}

func derefs(ms []*storage.Message) []storage.Message {
	out := make([]storage.Message, len(ms))
	for i, m := range ms {
		out[i] = *m
	}
	return out
}

func testMessageRefs(t *testing.T, s storage.Store) {
	c := ctx(t)
	d := newDialog(t, s, storage.Dialog{ClientID: newClient(t, s, "X").ID})
	m1, m2 := newMessage(t, s, d, "e1", t0), newMessage(t, s, d, "e2", t0)
	got := must(s.MessageRefs(c, []storage.MessageKey{
		{Channel: d.Channel, ExternalID: "e2"}, {Channel: d.Channel, ExternalID: "e1"},
		{Channel: d.Channel, ExternalID: "nope"}, {Channel: "other", ExternalID: "e1"},
	}))(t)
	slices.SortFunc(got, func(a, b storage.Message) int { return int(a.ID - b.ID) })
	ref := func(m storage.Message) storage.Message {
		return storage.Message{ID: m.ID, DialogID: m.DialogID, ClientID: m.ClientID, Channel: m.Channel, ExternalID: m.ExternalID}
	}
	eq(t, "refs", got, []storage.Message{ref(m1), ref(m2)})
	eq(t, "none", len(must(s.MessageRefs(c, nil))(t)), 0)
}
