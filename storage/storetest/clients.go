package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var clientTests = []test{
	{"ClientRoundTrip", testClientRoundTrip},
	{"ClientSearch", testClientSearch},
	{"Identities", testIdentities},
	{"NameKeys", testNameKeys},
}

func testClientRoundTrip(t *testing.T, s storage.Store) {
	c := ctx(t)
	owner := newManager(t, s, "owner", 1)
	company := storage.Client{Kind: storage.Company, Name: "ООО Ромашка", CreatedAt: t0}
	ok(t, s.CreateClient(c, &company))
	p := storage.Client{Kind: storage.Person, Name: "Иван Петров", CompanyID: company.ID, OwnerID: owner.ID,
		CreatedAt: t0, UpdatedAt: at(time.Second)}
	ok(t, s.CreateClient(c, &p))
	if p.ID == 0 || p.ID == company.ID {
		t.Fatalf("bad ids %d, %d", company.ID, p.ID)
	}
	eq(t, "get", must(s.GetClient(c, p.ID))(t), p)
	eq(t, "updated defaults to created", must(s.GetClient(c, company.ID))(t).UpdatedAt, t0)
	_, err := s.GetClient(c, p.ID+1000)
	wantErr(t, "missing", err, storage.ErrNotFound)

	upd := p
	upd.Kind, upd.Name, upd.CompanyID, upd.OwnerID, upd.UpdatedAt = storage.Company, "Петров и сыновья", 0, 0, at(time.Hour)
	ok(t, s.UpdateClient(c, upd))
	eq(t, "after update", must(s.GetClient(c, p.ID))(t), upd)
	wantErr(t, "update missing", s.UpdateClient(c, storage.Client{ID: p.ID + 1000}), storage.ErrNotFound)
	// The search text follows the new name.
	eq(t, "search new name", ids(must(s.SearchClients(c, storage.ClientQuery{Text: "СЫНОВЬЯ"}))(t), clientID), []int64{p.ID})
	eq(t, "old name gone", len(must(s.SearchClients(c, storage.ClientQuery{Text: "иван"}))(t)), 0)
}

func testClientSearch(t *testing.T, s storage.Store) {
	c := ctx(t)
	ivan := newClient(t, s, "Иван Петров")
	maria := newClient(t, s, "Мария Иванова")
	pct := newClient(t, s, "Скидка 100% Ltd")
	under := newClient(t, s, "a_b")
	other := newClient(t, s, "axb")
	merged := newClient(t, s, "Иван Дубль")
	ok(t, s.MergeClients(c, merged.ID, ivan.ID, t0))

	cases := []struct {
		name string
		q    storage.ClientQuery
		want []int64
	}{
		{"case-insensitive Cyrillic, merged excluded", storage.ClientQuery{Text: "ИВАН"}, []int64{ivan.ID, maria.ID}},
		{"percent is literal", storage.ClientQuery{Text: "100%"}, []int64{pct.ID}},
		{"lone percent matches only it", storage.ClientQuery{Text: "%"}, []int64{pct.ID}},
		{"underscore is literal", storage.ClientQuery{Text: "a_b"}, []int64{under.ID}},
		{"limit", storage.ClientQuery{Text: "ив", Limit: 1}, []int64{ivan.ID}},
		{"after id", storage.ClientQuery{Text: "ив", AfterID: ivan.ID}, []int64{maria.ID}},
		{"no filter pages everything live", storage.ClientQuery{}, []int64{ivan.ID, maria.ID, pct.ID, under.ID, other.ID}},
		{"no match", storage.ClientQuery{Text: "zzz"}, nil},
	}
	for _, tc := range cases {
		eq(t, tc.name, ids(must(s.SearchClients(c, tc.q))(t), clientID), tc.want)
	}

	must(s.AddIdentity(c, storage.Identity{ClientID: maria.ID, Kind: "phone", Value: "+79123456789", CreatedAt: t0}))(t)
	byPhone := storage.ClientQuery{Identity: &storage.Identity{Kind: "phone", Value: "+79123456789"}}
	eq(t, "identity", ids(must(s.SearchClients(c, byPhone))(t), clientID), []int64{maria.ID})
	byPhone.Text = "петров"
	eq(t, "identity and text must both match", len(must(s.SearchClients(c, byPhone))(t)), 0)
	wrongKind := storage.ClientQuery{Identity: &storage.Identity{Kind: "email", Value: "+79123456789"}}
	eq(t, "identity kind matters", len(must(s.SearchClients(c, wrongKind))(t)), 0)
}

func testIdentities(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b, third := newClient(t, s, "A"), newClient(t, s, "B"), newClient(t, s, "C")
	phone := storage.Identity{ClientID: a.ID, Kind: "phone", Value: "+79123456789", CreatedAt: t0}
	mail := storage.Identity{ClientID: a.ID, Kind: "email", Value: "ivan@Romashka.ru", Weak: true, CreatedAt: at(time.Second)}
	eq(t, "add phone", must(s.AddIdentity(c, phone))(t), true)
	eq(t, "add email", must(s.AddIdentity(c, mail))(t), true)
	taken := phone
	taken.ClientID = b.ID
	eq(t, "taken by another client", must(s.AddIdentity(c, taken))(t), false)
	eq(t, "added twice", must(s.AddIdentity(c, phone))(t), false)
	sameValueOtherKind := storage.Identity{ClientID: b.ID, Kind: "viber", Value: "+79123456789", CreatedAt: t0}
	eq(t, "same value, other kind", must(s.AddIdentity(c, sameValueOtherKind))(t), true)

	eq(t, "client identities", must(s.ClientIdentities(c, a.ID))(t), []storage.Identity{phone, mail})
	found := must(s.FindIdentities(c, []storage.Identity{
		{Kind: "email", Value: "ivan@Romashka.ru"}, {Kind: "phone", Value: "+70000000000"},
		{Kind: "phone", Value: "+79123456789"}, {Kind: "email", Value: "ivan@Romashka.ru"},
	}))(t)
	eq(t, "find in asked order, with owners", found, []storage.Identity{mail, phone})
	eq(t, "find none", len(must(s.FindIdentities(c, nil))(t)), 0)

	must(s.AddIdentity(c, storage.Identity{ClientID: b.ID, Kind: "email", Value: "olga@romashka.ru", CreatedAt: t0}))(t)
	must(s.AddIdentity(c, storage.Identity{ClientID: b.ID, Kind: "email", Value: "o@ROMASHKA.RU", CreatedAt: t0}))(t)
	// Only email identities have a domain.
	must(s.AddIdentity(c, storage.Identity{ClientID: third.ID, Kind: "webchat", Value: "x@romashka.ru", CreatedAt: t0}))(t)
	eq(t, "domain, distinct", must(s.ClientsByEmailDomain(c, "romashka.ru", 0, 10))(t), []int64{a.ID, b.ID})
	eq(t, "domain excluding", must(s.ClientsByEmailDomain(c, "Romashka.RU", a.ID, 10))(t), []int64{b.ID})
	eq(t, "domain limit", must(s.ClientsByEmailDomain(c, "romashka.ru", 0, 1))(t), []int64{a.ID})
	eq(t, "other domain", len(must(s.ClientsByEmailDomain(c, "example.com", 0, 10))(t)), 0)
}

func testNameKeys(t *testing.T, s storage.Store) {
	c := ctx(t)
	a, b, d := newClient(t, s, "Иван Петров"), newClient(t, s, "Пётр Иванов"), newClient(t, s, "Дубль")
	ok(t, s.SetNameKeys(c, a.ID, []string{"ivn ptr", "x y", "ivn ptr", ""}))
	ok(t, s.SetNameKeys(c, b.ID, []string{"ivn ptr"}))
	ok(t, s.SetNameKeys(c, d.ID, []string{"x y"}))
	eq(t, "any key, newest first", ids(must(s.ClientsByNameKey(c, []string{"ivn ptr", "x y"}, 0, 10))(t), clientID),
		[]int64{d.ID, b.ID, a.ID})
	eq(t, "excluding", ids(must(s.ClientsByNameKey(c, []string{"x y"}, a.ID, 10))(t), clientID), []int64{d.ID})
	eq(t, "excluding the newest still fills the limit", ids(must(s.ClientsByNameKey(c, []string{"ivn ptr"}, b.ID, 1))(t), clientID),
		[]int64{a.ID})
	eq(t, "limit", ids(must(s.ClientsByNameKey(c, []string{"ivn ptr", "x y"}, 0, 1))(t), clientID), []int64{d.ID})
	eq(t, "record", must(s.ClientsByNameKey(c, []string{"ivn ptr"}, b.ID, 10))(t), []storage.Client{a})
	eq(t, "no keys", len(must(s.ClientsByNameKey(c, nil, 0, 10))(t)), 0)

	ok(t, s.AddNameKeys(c, []storage.NameKey{{ClientID: d.ID, Key: "x y"}, {ClientID: d.ID, Key: "a b"},
		{ClientID: d.ID, Key: "a b"}, {ClientID: b.ID, Key: ""}}))
	eq(t, "added, kept", ids(must(s.ClientsByNameKey(c, []string{"x y", "a b"}, 0, 10))(t), clientID), []int64{d.ID, a.ID})
	ok(t, s.AddNameKeys(c, nil))

	ok(t, s.SetNameKeys(c, a.ID, []string{"x y"}))
	eq(t, "replaced", ids(must(s.ClientsByNameKey(c, []string{"x y"}, 0, 10))(t), clientID), []int64{d.ID, a.ID})
	eq(t, "old key gone", ids(must(s.ClientsByNameKey(c, []string{"ivn ptr"}, 0, 10))(t), clientID), []int64{b.ID})

	ok(t, s.MergeClients(c, d.ID, b.ID, t0))
	eq(t, "merged client is no match", ids(must(s.ClientsByNameKey(c, []string{"x y"}, 0, 10))(t), clientID), []int64{b.ID, a.ID})

	// Many namesakes: the newest n are the ones compared.
	var many []int64
	for range 30 {
		cl := newClient(t, s, "Иван Иванов")
		ok(t, s.SetNameKeys(c, cl.ID, []string{"ivn ivn"}))
		many = append(many, cl.ID)
	}
	slices.Reverse(many)
	eq(t, "newest n of many", ids(must(s.ClientsByNameKey(c, []string{"ivn ivn"}, many[0], 5))(t), clientID), many[1:6])
}
