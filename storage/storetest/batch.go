package storetest

import (
	"fmt"
	"slices"
	"strings"
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
	{"LookupInbound", testLookupInbound},
	{"ReadsAhead", testReadsAhead},
	{"WritesAhead", testWritesAhead},
	{"CreateClients", testCreateClients},
	{"SetClientOwners", testSetClientOwners},
	{"AddIdentities", testAddIdentities},
	{"NameKeyClients", testNameKeyClients},
	{"AddCandidates", testAddCandidates},
	{"CreateDialogs", testCreateDialogs},
}

// testCreateClients: each client gets its own id, in order, and reads back
// as CreateClient would have written it.
func testCreateClients(t *testing.T, s storage.Store) {
	c := ctx(t)
	one := storage.Client{Name: "Один", CreatedAt: t0}
	ok(t, s.CreateClient(c, &one))
	cs := []*storage.Client{
		{Name: "Анна Петрова", CreatedAt: t0},
		{Kind: storage.Company, Name: "ООО Ромашка", OwnerID: 0, CreatedAt: t0, UpdatedAt: at(time.Minute)},
		{Name: "", CreatedAt: t0},
	}
	ok(t, s.CreateClients(c, cs))
	for i, cl := range cs {
		if cl.ID <= one.ID || (i > 0 && cl.ID <= cs[i-1].ID) {
			t.Fatalf("ids %d, %d, %d after %d: want ascending", cs[0].ID, cs[1].ID, cs[2].ID, one.ID)
		}
		eq(t, fmt.Sprintf("client %d reads back", i), must(s.GetClient(c, cl.ID))(t), *cl)
	}
	eq(t, "kind defaults to person", cs[0].Kind, storage.Person)
	eq(t, "searchable", ids(must(s.SearchClients(c, storage.ClientQuery{Text: "ромаш"}))(t), clientID), []int64{cs[1].ID})
	ok(t, s.CreateClients(c, nil))

	many := make([]*storage.Client, 450) // more than one statement's rows
	for i := range many {
		many[i] = &storage.Client{Name: fmt.Sprintf("Client %03d", i), CreatedAt: t0}
	}
	ok(t, s.CreateClients(c, many))
	for i, cl := range many {
		eq(t, "many: row "+cl.Name, must(s.GetClient(c, cl.ID))(t).Name, fmt.Sprintf("Client %03d", i))
	}
}

func testSetClientOwners(t *testing.T, s storage.Store) {
	c := ctx(t)
	m1, m2 := newManager(t, s, "m1", 5), newManager(t, s, "m2", 5)
	a, b, x := newClient(t, s, "A"), newClient(t, s, "B"), newClient(t, s, "X")
	ok(t, s.SetClientOwners(c, map[int64]int64{a.ID: m1.ID, b.ID: m2.ID}, at(time.Hour)))
	ga, gb := must(s.GetClient(c, a.ID))(t), must(s.GetClient(c, b.ID))(t)
	eq(t, "owners", []int64{ga.OwnerID, gb.OwnerID}, []int64{m1.ID, m2.ID})
	eq(t, "updated", ga.UpdatedAt, at(time.Hour))
	eq(t, "others untouched", must(s.GetClient(c, x.ID))(t), x)
	wantErr(t, "missing client", s.SetClientOwners(c, map[int64]int64{x.ID + 100: m1.ID}, t0), storage.ErrNotFound)
	ok(t, s.SetClientOwners(c, nil, t0))
}

// testAddIdentities agrees with AddIdentity: the first holder of a value
// keeps it, within one call too.
func testAddIdentities(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b := newClient(t, s, "A"), newClient(t, s, "B")
	must(s.AddIdentity(c, storage.Identity{ClientID: a.ID, Kind: "phone", Value: "+79001112233", CreatedAt: t0}))(t)
	in := []storage.Identity{
		{ClientID: b.ID, Kind: "phone", Value: "+79001112233", CreatedAt: t0}, // a's
		{ClientID: b.ID, Kind: "email", Value: "b@corp.example", CreatedAt: t0},
		{ClientID: b.ID, Kind: "telegram", Value: "42", Weak: true, CreatedAt: t0},
		{ClientID: a.ID, Kind: "email", Value: "b@corp.example", CreatedAt: t0}, // given twice: b's
	}
	eq(t, "added", must(s.AddIdentities(c, in))(t), []bool{false, true, true, false})
	found := must(s.FindIdentities(c, in))(t)
	slices.SortFunc(found, func(x, y storage.Identity) int { return strings.Compare(x.Kind, y.Kind) })
	eq(t, "owners", found, []storage.Identity{
		{ClientID: b.ID, Kind: "email", Value: "b@corp.example", CreatedAt: t0},
		{ClientID: a.ID, Kind: "phone", Value: "+79001112233", CreatedAt: t0},
		{ClientID: b.ID, Kind: "telegram", Value: "42", Weak: true, CreatedAt: t0},
	})
	eq(t, "the domain is derived", must(s.ClientsByEmailDomain(c, "corp.example", 0, 10))(t), []int64{b.ID})
	eq(t, "none", len(must(s.AddIdentities(c, nil))(t)), 0)
}

// testNameKeyClients agrees with ClientsByNameKey key by key.
func testNameKeyClients(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b, d, gone := newClient(t, s, "A"), newClient(t, s, "B"), newClient(t, s, "D"), newClient(t, s, "Gone")
	ok(t, s.AddNameKeys(c, []storage.NameKey{{ClientID: a.ID, Key: "ivn ptr"}, {ClientID: b.ID, Key: "ivn ptr"},
		{ClientID: d.ID, Key: "x y"}, {ClientID: a.ID, Key: "x y"}, {ClientID: gone.ID, Key: "ivn ptr"}}))
	ok(t, s.MergeClients(c, gone.ID, a.ID, at(time.Minute)))
	a = must(s.GetClient(c, a.ID))(t)
	b = must(s.GetClient(c, b.ID))(t)
	got := must(s.NameKeyClients(c, []string{"x y", "ivn ptr", "none", "x y"}, 10))(t)
	eq(t, "per key, newest first, merged left out", got, map[string][]storage.Client{
		"ivn ptr": {b, a},
		"x y":     {d, a},
	})
	for _, k := range []string{"ivn ptr", "x y"} {
		eq(t, "agrees with ClientsByNameKey: "+k, got[k], must(s.ClientsByNameKey(c, []string{k}, 0, 10))(t))
	}
	eq(t, "limit per key", must(s.NameKeyClients(c, []string{"ivn ptr", "x y"}, 1))(t), map[string][]storage.Client{
		"ivn ptr": {b},
		"x y":     {d},
	})
	eq(t, "no keys", len(must(s.NameKeyClients(c, nil, 10))(t)), 0)
}

// testAddCandidates: new pairs are added and filled, recorded ones left
// as they are, a pair given twice added once.
func testAddCandidates(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b, d := newClient(t, s, "A"), newClient(t, s, "B"), newClient(t, s, "D")
	old := storage.Candidate{ClientA: a.ID, ClientB: b.ID, Reason: "name", Score: 0.9, CreatedAt: t0}
	must(s.UpsertCandidate(c, &old))(t)
	cs := []*storage.Candidate{
		{ClientA: b.ID, ClientB: a.ID, Reason: "identity", Score: 1, CreatedAt: at(time.Minute)},
		{ClientA: d.ID, ClientB: a.ID, Reason: "name", Score: 0.8, CreatedAt: at(time.Minute)},
		{ClientA: a.ID, ClientB: d.ID, Reason: "domain", Score: 0.5, CreatedAt: at(time.Minute)},
	}
	eq(t, "added", must(s.AddCandidates(c, cs))(t), []bool{false, true, false})
	eq(t, "ordered and filled", *cs[1], storage.Candidate{ID: cs[1].ID, ClientA: a.ID, ClientB: d.ID, Reason: "name",
		Score: 0.8, Status: storage.CandidateOpen, CreatedAt: at(time.Minute)})
	eq(t, "reads back", must(s.GetCandidate(c, cs[1].ID))(t), *cs[1])
	eq(t, "recorded pair unchanged", must(s.GetCandidate(c, old.ID))(t), old)
	if _, err := s.AddCandidates(c, []*storage.Candidate{{ClientA: a.ID, ClientB: a.ID}}); err == nil {
		t.Error("a client paired with itself: want an error")
	}
	eq(t, "none", len(must(s.AddCandidates(c, nil))(t)), 0)
}

// testCreateDialogs: CreateDialog's defaults, ids in order.
func testCreateDialogs(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "X")
	m := newManager(t, s, "m", 5)
	ds := []*storage.Dialog{
		{ClientID: cl.ID, Channel: "telegram", CreatedAt: t0, Unread: 1},
		{ClientID: cl.ID, Channel: "email", ThreadKey: "k", Subject: "Счёт", AssigneeID: m.ID,
			SLADueAt: at(time.Hour), CreatedAt: t0},
		{ClientID: cl.ID, Channel: "api", Status: storage.DialogClosed, ClosedAt: t0, CreatedAt: t0},
	}
	ok(t, s.CreateDialogs(c, ds))
	for i, d := range ds {
		if i > 0 && d.ID <= ds[i-1].ID {
			t.Fatalf("ids %d then %d: want ascending", ds[i-1].ID, d.ID)
		}
		eq(t, fmt.Sprintf("dialog %d reads back", i), must(s.GetDialog(c, d.ID))(t), *d)
		single := *d
		single.ID = 0
		ok(t, s.CreateDialog(c, &single))
		single.ID = d.ID
		eq(t, fmt.Sprintf("dialog %d as CreateDialog makes it", i), single, *d)
	}
	eq(t, "unassigned open is queued", ds[0].QueuedAt, t0)
	eq(t, "assigned is not", ds[1].QueuedAt.IsZero(), true)
	eq(t, "closed is not", ds[2].QueuedAt.IsZero(), true)
	wantErr(t, "missing client", s.CreateDialogs(c, []*storage.Dialog{{ClientID: cl.ID + 100, Channel: "x"}}), storage.ErrNotFound)
	ok(t, s.CreateDialogs(c, nil))
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
	// Open, but under a key asked for with the other client: not theirs.
	newDialog(t, s, storage.Dialog{ClientID: x.ID, Channel: "email", ThreadKey: "t2"})
	newDialog(t, s, storage.Dialog{ClientID: y.ID, Channel: "email", ThreadKey: "t1"})

	threads := []storage.Thread{
		{ClientID: x.ID, Channel: "telegram"},
		{ClientID: x.ID, Channel: "email", Key: "t1"},
		{ClientID: y.ID, Channel: "email", Key: "t2"},
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

	// LookupThreads answers as GetClients and FindOpenDialogs, outside a
	// transaction and in one, after a write it sees.
	byID := func(d []storage.Dialog) []int64 {
		out := ids(d, dialogID)
		slices.Sort(out)
		return out
	}
	clientIDs := []int64{y.ID, x.ID, x.ID + 1000}
	cs, ds := must2(s.LookupThreads(c, clientIDs, threads))(t)
	sorted := func(v []int64) []int64 { slices.Sort(v); return v }
	eq(t, "clients", sorted(ids(cs, clientID)), []int64{x.ID, y.ID})
	eq(t, "open dialogs", byID(ds), []int64{newer.ID, keyed.ID})
	err := s.Tx(c, func(tx storage.Queries) error {
		reopened := newDialog(t, tx, storage.Dialog{ClientID: y.ID, Channel: "telegram"})
		cs, ds, err := tx.LookupThreads(c, clientIDs[:1], threads)
		if err != nil {
			return err
		}
		eq(t, "client in a transaction", ids(cs, clientID), []int64{y.ID})
		eq(t, "open dialogs in a transaction", byID(ds), []int64{newer.ID, keyed.ID, reopened.ID})
		return errorString("roll back")
	})
	wantErr(t, "rolled back", err, errorString("roll back"))
	cs, ds = must2(s.LookupThreads(c, nil, nil))(t)
	eq(t, "nothing asked", [2]int{len(cs), len(ds)}, [2]int{0, 0})
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

// testLookupInbound: the duplicate check and the identity lookup answer as
// MessageRefs and FindIdentities do, outside a transaction and in one,
// whether or not another statement follows before the answers are read,
// and a lookup that fails fails its transaction.
func testLookupInbound(t *testing.T, s storage.Store) {
	c := ctx(t)
	cl := newClient(t, s, "X")
	d := newDialog(t, s, storage.Dialog{ClientID: cl.ID})
	m := newMessage(t, s, d, "e1", t0)
	_, err := s.AddIdentity(c, storage.Identity{Kind: "phone", Value: "+79990001122", ClientID: cl.ID, CreatedAt: t0})
	ok(t, err)
	keys := []storage.MessageKey{{Channel: d.Channel, ExternalID: "e1"}, {Channel: d.Channel, ExternalID: "e9"}}
	look := []storage.Identity{{Kind: "phone", Value: "+79990001122"}, {Kind: "email", Value: "x@example.org"}}
	check := func(what string, refs []storage.Message, found []storage.Identity) {
		t.Helper()
		eq(t, what+": refs", ids(refs, messageID), []int64{m.ID})
		eq(t, what+": found", len(found), 1)
		eq(t, what+": owner", found[0].ClientID, cl.ID)
	}
	refs, found := must2(s.LookupInbound(c, keys, look))(t)
	check("outside a transaction", refs, found)

	err = s.Tx(c, func(tx storage.Queries) error {
		refs, found, err := tx.LookupInbound(c, keys, look)
		if err != nil {
			return err
		}
		check("first in a transaction", refs, found)
		// Again after a write, both answers seeing it.
		if err := tx.SetState(c, "s", "k", "v"); err != nil {
			return err
		}
		more := newMessage(t, tx, d, "e9", t0)
		refs, found, err = tx.LookupInbound(c, keys, look)
		if err != nil {
			return err
		}
		got := ids(refs, messageID)
		slices.Sort(got)
		eq(t, "after a write", got, []int64{m.ID, more.ID})
		eq(t, "found after a write", len(found), 1)
		return errorString("roll back")
	})
	wantErr(t, "rolled back", err, errorString("roll back"))
	eq(t, "nothing kept", len(must(s.MessageRefs(c, keys[1:]))(t)), 0)

	// Nothing found, and no identities to look up.
	refs, found = must2(s.LookupInbound(c, keys[1:], nil))(t)
	eq(t, "nothing", [2]int{len(refs), len(found)}, [2]int{0, 0})
}

// testReadsAhead: a read sent ahead answers as the same read made at once,
// at the point of the transaction where it was issued, whether a write
// came before its answer was taken or not; outside a transaction it is
// the plain read.
func testReadsAhead(t *testing.T, s storage.Store) {
	c := ctx(t)
	team := newTeam(t, s, "sales")
	m1 := newManager(t, s, "m1", 5)
	ok(t, s.AddTeamMember(c, team.ID, m1.ID))
	keys := []string{"vr ivnv"}
	c1 := newClient(t, s, "Вера Иванова")
	ok(t, s.AddNameKeys(c, []storage.NameKey{{ClientID: c1.ID, Key: keys[0]}}))
	_, err := s.AddIdentity(c, storage.Identity{Kind: "email", Value: "v1@krug.example", ClientID: c1.ID, CreatedAt: t0})
	ok(t, err)

	type reads struct{ members, managers, byDomain, namesakes []int64 }
	ahead := func(q storage.Queries) func() reads {
		members := q.TeamMembersAhead(c, team.ID)
		managers := q.ListManagersAhead(c)
		byDomain := q.ClientsByEmailDomainAhead(c, "krug.example", 0, 10)
		namesakes := q.ClientsByNameKeyAhead(c, keys, 0, 10)
		return func() reads {
			return reads{ids(must(members())(t), managerID), ids(must(managers())(t), managerID),
				must(byDomain())(t), ids(must(namesakes())(t), clientID)}
		}
	}
	plain := func(q storage.Queries) reads {
		return reads{
			ids(must(q.TeamMembers(c, team.ID))(t), managerID),
			ids(must(q.ListManagers(c))(t), managerID),
			must(q.ClientsByEmailDomain(c, "krug.example", 0, 10))(t),
			ids(must(q.ClientsByNameKey(c, keys, 0, 10))(t), clientID),
		}
	}
	before := reads{[]int64{m1.ID}, []int64{m1.ID}, []int64{c1.ID}, []int64{c1.ID}}
	eq(t, "outside a transaction", ahead(s)(), before)

	var m2, c2 int64
	err = s.Tx(c, func(tx storage.Queries) error {
		eq(t, "taken at once", ahead(tx)(), before)
		got := ahead(tx)
		// Writes after the reads were issued: a second member, and a
		// second client at the domain with the same name.
		m := newManager(t, tx, "m2", 5)
		if err := tx.AddTeamMember(c, team.ID, m.ID); err != nil {
			return err
		}
		cl := newClient(t, tx, "Вера Иванова")
		if err := tx.AddNameKeys(c, []storage.NameKey{{ClientID: cl.ID, Key: keys[0]}}); err != nil {
			return err
		}
		if _, err := tx.AddIdentity(c, storage.Identity{Kind: "email", Value: "v2@krug.example", ClientID: cl.ID, CreatedAt: t0}); err != nil {
			return err
		}
		m2, c2 = m.ID, cl.ID
		eq(t, "taken after writes", got(), before)
		eq(t, "read after the writes", plain(tx), reads{[]int64{m1.ID, m2}, []int64{m1.ID, m2}, []int64{c1.ID, c2}, []int64{c2, c1.ID}})
		return nil
	})
	ok(t, err)
	eq(t, "committed", plain(s), reads{[]int64{m1.ID, m2}, []int64{m1.ID, m2}, []int64{c1.ID, c2}, []int64{c2, c1.ID}})
}

// testWritesAhead: a new client's rows written with reserved ids and with
// inserts sent ahead read back as rows written at once. Each reserved id
// is handed out once, and is not handed out again by the inserts that take
// their own.
// A write sent ahead that breaks a rule fails its transaction.
func testWritesAhead(t *testing.T, s storage.Store) {
	c := ctx(t)
	old := newClient(t, s, "Вера Иванова")
	must(s.AddIdentity(c, storage.Identity{ClientID: old.ID, Kind: "phone", Value: "+79001112233", CreatedAt: t0}))(t)
	s.ReserveIDs(c) // outside a transaction there is nothing to reserve for
	plain := newClient(t, s, "Plain")

	var cl, second storage.Client
	var d, d2 storage.Dialog
	var cands []*storage.Candidate
	ok(t, s.Tx(c, func(tx storage.Queries) error {
		tx.ReserveIDs(c)
		tx.ReserveIDs(c) // a second call reserves nothing more
		cl = storage.Client{Name: "Вера Иванова", CreatedAt: t0}
		second = storage.Client{Name: "Second", CreatedAt: t0}
		for _, x := range []*storage.Client{&cl, &second} {
			if err := tx.CreateClient(c, x); err != nil {
				return err
			}
		}
		added := tx.AddIdentitiesAhead(c, []storage.Identity{
			{ClientID: cl.ID, Kind: "phone", Value: "+79001112233", CreatedAt: t0}, // old's
			{ClientID: cl.ID, Kind: "email", Value: "v@krug.example", CreatedAt: t0},
		})
		d = storage.Dialog{ClientID: cl.ID, Channel: "api", CreatedAt: t0, Unread: 1}
		d2 = storage.Dialog{ClientID: second.ID, Channel: "api", CreatedAt: t0}
		for _, x := range []*storage.Dialog{&d, &d2} {
			if err := tx.CreateDialog(c, x); err != nil {
				return err
			}
		}
		cands = []*storage.Candidate{{ClientA: cl.ID, ClientB: old.ID, Reason: "name", Score: 0.8, CreatedAt: t0}}
		recorded := tx.AddCandidatesAhead(c, cands)
		eq(t, "identities added", must(added())(t), []bool{false, true})
		eq(t, "candidates added", must(recorded())(t), []bool{true})
		eq(t, "the dialog read in the transaction", must(tx.GetDialog(c, d.ID))(t), d)
		return nil
	}))
	all := []int64{old.ID, plain.ID, cl.ID, second.ID}
	slices.Sort(all)
	if len(slices.Compact(all)) != 4 || d.ID == d2.ID || d.ID == 0 || d2.ID == 0 {
		t.Fatalf("ids: clients %d %d %d %d, dialogs %d %d: want distinct", old.ID, plain.ID, cl.ID, second.ID, d.ID, d2.ID)
	}
	eq(t, "client reads back", must(s.GetClient(c, cl.ID))(t), cl)
	eq(t, "second client reads back", must(s.GetClient(c, second.ID))(t), second)
	eq(t, "dialog reads back", must(s.GetDialog(c, d.ID))(t), d)
	eq(t, "candidate reads back", must(s.GetCandidate(c, cands[0].ID))(t), *cands[0])
	eq(t, "identity", ids(must(s.FindIdentities(c, []storage.Identity{{Kind: "email", Value: "v@krug.example"}}))(t),
		func(i storage.Identity) int64 { return i.ClientID }), []int64{cl.ID})

	// The reserved ids came from the sequence the inserts' defaults take
	// theirs from: the next client's does not collide with them.
	next := newClient(t, s, "Next")
	if next.ID <= max(cl.ID, second.ID) {
		t.Errorf("client created after: id %d, want above %d and %d", next.ID, cl.ID, second.ID)
	}

	// A dialog of no client, with its insert sent ahead: the transaction
	// fails, from that insert or from the statement it went with.
	err := s.Tx(c, func(tx storage.Queries) error {
		tx.ReserveIDs(c)
		bad := storage.Dialog{ClientID: next.ID + 1000, Channel: "api", CreatedAt: t0}
		if err := tx.CreateDialog(c, &bad); err != nil {
			return err
		}
		_, err := tx.GetClient(c, old.ID)
		return err
	})
	wantErr(t, "dialog of no client", err, storage.ErrNotFound)
}
