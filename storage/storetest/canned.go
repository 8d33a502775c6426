package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var cannedTests = []test{
	{"CannedRoundTrip", testCannedRoundTrip},
	{"CannedVisibility", testCannedVisibility},
	{"CannedAttachments", testCannedAttachments},
}

func cannedID(c storage.Canned) int64 { return c.ID }

func testCannedRoundTrip(t *testing.T, s storage.Store) {
	c := ctx(t)
	m := newManager(t, s, "anna", 1)
	cr := storage.Canned{Scope: storage.CannedPersonal, OwnerID: m.ID, Title: "Приветствие", Shortcut: "hi",
		Body: "Здравствуйте, {{client.name}}!", Kind: storage.KindSnippet, CreatedAt: t0}
	ok(t, s.CreateCanned(c, &cr))
	if cr.ID == 0 {
		t.Fatal("CreateCanned did not set the id")
	}
	eq(t, "update time defaults to creation", cr.UpdatedAt, t0)
	eq(t, "get", must(s.GetCanned(c, cr.ID))(t), cr)

	plain := storage.Canned{Scope: storage.CannedGlobal, Title: "Bye", Body: "Goodbye", CreatedAt: t0}
	ok(t, s.CreateCanned(c, &plain))
	eq(t, "default kind", must(s.GetCanned(c, plain.ID))(t).Kind, storage.KindCanned)

	upd := cr
	upd.Title, upd.Shortcut, upd.Body, upd.Kind, upd.UpdatedAt = "Hello", "", "Hello, {{client.name}}", storage.KindCanned, at(time.Hour)
	// Fields UpdateCanned does not write must be left alone.
	upd.Scope, upd.OwnerID, upd.TeamID, upd.CreatedAt = storage.CannedGlobal, 0, 7, at(time.Minute)
	ok(t, s.UpdateCanned(c, upd))
	want := cr
	want.Title, want.Shortcut, want.Body, want.Kind, want.UpdatedAt = "Hello", "", "Hello, {{client.name}}", storage.KindCanned, at(time.Hour)
	eq(t, "after update", must(s.GetCanned(c, cr.ID))(t), want)
	wantErr(t, "update missing", s.UpdateCanned(c, storage.Canned{ID: cr.ID + 1000, Title: "x", Body: "x"}), storage.ErrNotFound)

	bad := storage.Canned{Scope: "public", Title: "x", Body: "x", CreatedAt: t0}
	if err := s.CreateCanned(c, &bad); err == nil {
		t.Fatal("a scope outside personal/team/global was stored")
	}

	ok(t, s.DeleteCanned(c, cr.ID))
	_, err := s.GetCanned(c, cr.ID)
	wantErr(t, "deleted", err, storage.ErrNotFound)
	wantErr(t, "delete again", s.DeleteCanned(c, cr.ID), storage.ErrNotFound)
}

func testCannedVisibility(t *testing.T, s storage.Store) {
	c := ctx(t)
	anna, boris := newManager(t, s, "anna", 1), newManager(t, s, "boris", 1)
	sales, support := newTeam(t, s, "Sales"), newTeam(t, s, "Support")
	mk := func(scope storage.CannedScope, owner, team int64, title string) storage.Canned {
		t.Helper()
		cr := storage.Canned{Scope: scope, OwnerID: owner, TeamID: team, Title: title, Body: "text " + title, CreatedAt: t0}
		ok(t, s.CreateCanned(c, &cr))
		return cr
	}
	annas := mk(storage.CannedPersonal, anna.ID, 0, "delivery")
	mk(storage.CannedPersonal, boris.ID, 0, "boris only")
	salesOne := mk(storage.CannedTeam, 0, sales.ID, "Prices")
	supportOne := mk(storage.CannedTeam, 0, support.ID, "refunds")
	global := mk(storage.CannedGlobal, 0, 0, "Address")
	second := mk(storage.CannedGlobal, 0, 0, "address")

	// Ordered by case-folded title, ties by id, the same on both engines.
	eq(t, "anna in sales", ids(must(s.ListCanned(c, anna.ID, []int64{sales.ID}))(t), cannedID),
		[]int64{global.ID, second.ID, annas.ID, salesOne.ID})
	eq(t, "anna in both teams", ids(must(s.ListCanned(c, anna.ID, []int64{sales.ID, support.ID}))(t), cannedID),
		[]int64{global.ID, second.ID, annas.ID, salesOne.ID, supportOne.ID})
	eq(t, "no teams: personal and global", ids(must(s.ListCanned(c, anna.ID, nil))(t), cannedID),
		[]int64{global.ID, second.ID, annas.ID})
	eq(t, "a manager with nothing personal", ids(must(s.ListCanned(c, anna.ID+boris.ID+100, nil))(t), cannedID),
		[]int64{global.ID, second.ID})
}

// testCannedAttachments: a response's files survive create, get, list and
// update in order and in full, and an update can drop them all.
func testCannedAttachments(t *testing.T, s storage.Store) {
	c := ctx(t)
	m := newManager(t, s, "anna", 1)
	price := storage.CannedAttachment{Key: strings.Repeat("a1", 32), Filename: "Прайс-лист 2026.xlsx",
		ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Size: 48213}
	offer := storage.CannedAttachment{Key: strings.Repeat("b2", 32), Filename: "offer \"final\".pdf", ContentType: "application/pdf", Size: 1 << 20}
	cr := storage.Canned{Scope: storage.CannedPersonal, OwnerID: m.ID, Title: "Коммерческое предложение",
		Body: "Высылаем предложение и прайс-лист.", Attachments: []storage.CannedAttachment{offer, price}, CreatedAt: t0}
	ok(t, s.CreateCanned(c, &cr))
	eq(t, "get", must(s.GetCanned(c, cr.ID))(t), cr)
	listed := must(s.ListCanned(c, m.ID, nil))(t)
	if len(listed) != 1 {
		t.Fatalf("listed %d responses, want 1", len(listed))
	}
	eq(t, "listed", listed[0].Attachments, []storage.CannedAttachment{offer, price})

	upd := cr
	upd.Attachments, upd.UpdatedAt = []storage.CannedAttachment{price}, at(time.Hour)
	ok(t, s.UpdateCanned(c, upd))
	eq(t, "after replacing the files", must(s.GetCanned(c, cr.ID))(t), upd)

	upd.Attachments, upd.UpdatedAt = nil, at(2*time.Hour)
	ok(t, s.UpdateCanned(c, upd))
	eq(t, "after dropping the files", must(s.GetCanned(c, cr.ID))(t).Attachments, []storage.CannedAttachment(nil))
}
