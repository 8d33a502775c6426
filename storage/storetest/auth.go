package storetest

import (
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var authTests = []test{
	{"Sessions", testSessions},
	{"APITokens", testAPITokens},
}

func testSessions(t *testing.T, s storage.Store) {
	c := ctx(t)
	m, other := newManager(t, s, "sess", 1), newManager(t, s, "other", 1)
	live := storage.Session{TokenHash: "h1", ManagerID: m.ID, CSRFToken: "csrf1", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	old := storage.Session{TokenHash: "h2", ManagerID: m.ID, CSRFToken: "csrf2", CreatedAt: t0, ExpiresAt: at(time.Minute)}
	theirs := storage.Session{TokenHash: "h3", ManagerID: other.ID, CSRFToken: "csrf3", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	for _, x := range []storage.Session{live, old, theirs} {
		ok(t, s.CreateSession(c, x))
	}
	wantErr(t, "duplicate token", s.CreateSession(c, live), storage.ErrConflict)
	eq(t, "get", must(s.GetSession(c, "h1", at(30*time.Minute)))(t), live)
	se, owner, err := s.GetSessionOwner(c, "h3", at(30*time.Minute))
	ok(t, err)
	eq(t, "with its manager", [2]any{se, owner}, [2]any{theirs, must(s.GetManager(c, other.ID))(t)})
	_, _, err = s.GetSessionOwner(c, "h2", at(30*time.Minute))
	wantErr(t, "expired, with its manager", err, storage.ErrNotFound)
	_, err = s.GetSession(c, "h2", at(30*time.Minute))
	wantErr(t, "expired", err, storage.ErrNotFound)
	_, err = s.GetSession(c, "nope", t0)
	wantErr(t, "missing", err, storage.ErrNotFound)

	eq(t, "expired deleted", must(s.DeleteExpiredSessions(c, at(30*time.Minute)))(t), int64(1))
	_, err = s.GetSession(c, "h2", t0)
	wantErr(t, "expired is gone", err, storage.ErrNotFound)

	ok(t, s.DeleteSession(c, "h1"))
	ok(t, s.DeleteSession(c, "h1")) // logging out twice is fine
	_, err = s.GetSession(c, "h1", t0)
	wantErr(t, "deleted", err, storage.ErrNotFound)

	ok(t, s.CreateSession(c, live))
	ok(t, s.DeleteManagerSessions(c, m.ID))
	_, err = s.GetSession(c, "h1", t0)
	wantErr(t, "manager logged out", err, storage.ErrNotFound)
	eq(t, "other manager untouched", must(s.GetSession(c, "h3", t0))(t), theirs)
}

func testAPITokens(t *testing.T, s storage.Store) {
	c := ctx(t)
	m, other := newManager(t, s, "tok", 1), newManager(t, s, "tok2", 1)
	a := storage.APIToken{ManagerID: m.ID, Name: "crm", TokenHash: "th1", CreatedAt: t0}
	b := storage.APIToken{ManagerID: m.ID, Name: "1c", TokenHash: "th2", CreatedAt: at(time.Second)}
	x := storage.APIToken{ManagerID: other.ID, Name: "x", TokenHash: "th3", CreatedAt: t0}
	for _, tok := range []*storage.APIToken{&a, &b, &x} {
		ok(t, s.CreateAPIToken(c, tok))
		if tok.ID == 0 {
			t.Fatal("CreateAPIToken did not set the id")
		}
	}
	wantErr(t, "duplicate hash", s.CreateAPIToken(c, &storage.APIToken{ManagerID: m.ID, TokenHash: "th1"}), storage.ErrConflict)
	eq(t, "get by hash", must(s.GetAPITokenByHash(c, "th1"))(t), a)
	_, err := s.GetAPITokenByHash(c, "nope")
	wantErr(t, "missing", err, storage.ErrNotFound)
	eq(t, "list", must(s.ListAPITokens(c, m.ID))(t), []storage.APIToken{a, b})

	ok(t, s.TouchAPIToken(c, a.ID, at(time.Hour)))
	eq(t, "touched", must(s.GetAPITokenByHash(c, "th1"))(t).LastUsedAt, at(time.Hour))
	// The manager as GetManager reads it, changed fields and times included.
	m.Name, m.Presence, m.Load, m.Disabled = "Tok Owner", storage.Online, 3, true
	ok(t, s.UpdateManager(c, m))
	ok(t, s.SetPresence(c, m.ID, storage.Online, at(2*time.Hour)))
	tok, owner, err := s.GetAPITokenOwner(c, "th1")
	ok(t, err)
	a.LastUsedAt = at(time.Hour)
	eq(t, "with its manager", [2]any{tok, owner}, [2]any{a, must(s.GetManager(c, m.ID))(t)})
	eq(t, "the manager's presence time", owner.PresenceAt, at(2*time.Hour))
	_, _, err = s.GetAPITokenOwner(c, "nope")
	wantErr(t, "missing, with its manager", err, storage.ErrNotFound)
	wantErr(t, "touch missing", s.TouchAPIToken(c, x.ID+1000, t0), storage.ErrNotFound)

	wantErr(t, "delete someone else's", s.DeleteAPIToken(c, m.ID, x.ID), storage.ErrNotFound)
	ok(t, s.DeleteAPIToken(c, m.ID, a.ID))
	eq(t, "after delete", must(s.ListAPITokens(c, m.ID))(t), []storage.APIToken{b})
	eq(t, "other untouched", must(s.GetAPITokenByHash(c, "th3"))(t), x)
}
