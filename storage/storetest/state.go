package storetest

import (
	"testing"

	"github.com/switchboard-hub/switchboard/storage"
)

var stateTests = []test{
	{"State", testState},
}

func testState(t *testing.T, s storage.Store) {
	c := ctx(t)
	_, err := s.GetState(c, "imap:sales@example.com:INBOX", "uid")
	wantErr(t, "missing", err, storage.ErrNotFound)
	ok(t, s.SetState(c, "imap:sales@example.com:INBOX", "uid", "100"))
	ok(t, s.SetState(c, "imap:sales@example.com:INBOX", "uidvalidity", "7"))
	ok(t, s.SetState(c, "telegram:bot1", "uid", "555"))
	eq(t, "get", must(s.GetState(c, "imap:sales@example.com:INBOX", "uid"))(t), "100")
	ok(t, s.SetState(c, "imap:sales@example.com:INBOX", "uid", "101"))
	eq(t, "overwritten", must(s.GetState(c, "imap:sales@example.com:INBOX", "uid"))(t), "101")
	eq(t, "other key", must(s.GetState(c, "imap:sales@example.com:INBOX", "uidvalidity"))(t), "7")
	eq(t, "other scope", must(s.GetState(c, "telegram:bot1", "uid"))(t), "555")
	ok(t, s.SetState(c, "telegram:bot1", "uid", ""))
	eq(t, "empty value is a value", must(s.GetState(c, "telegram:bot1", "uid"))(t), "")

	// The cursor commits with what it acknowledges, or not at all.
	_ = s.Tx(c, func(tx storage.Queries) error {
		ok(t, tx.SetState(c, "telegram:bot1", "uid", "999"))
		return errorString("crash before commit")
	})
	eq(t, "rolled back", must(s.GetState(c, "telegram:bot1", "uid"))(t), "")
}
