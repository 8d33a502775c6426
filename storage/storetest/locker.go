package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var lockerTests = []test{
	{"Locker", testLocker},
}

func testLocker(t *testing.T, s storage.Store) {
	c := ctx(t)
	l, isLocker := s.(storage.Locker)
	if !isLocker {
		t.Fatalf("%s store does not implement storage.Locker", s.Engine())
	}
	try := func(c context.Context, name string) (func(), bool) {
		t.Helper()
		release, got, err := l.TryLock(c, name)
		ok(t, err)
		if got && release == nil {
			t.Fatal("lock granted without a release func")
		}
		return release, got
	}
	release, got := try(c, "imap:sales")
	eq(t, "first take", got, true)
	_, got = try(c, "imap:sales")
	eq(t, "held", got, false)
	relTG, got := try(c, "telegram:bot")
	eq(t, "other name", got, true)
	release()
	release() // twice is harmless
	release2, got := try(c, "imap:sales")
	eq(t, "free after release", got, true)
	release2()
	relTG()

	// Ending the context releases the lock.
	lc, cancel := context.WithCancel(c)
	_, got = try(lc, "ari")
	eq(t, "take with context", got, true)
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	for {
		release, got := try(c, "ari")
		if got {
			release()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("lock still held after its context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
