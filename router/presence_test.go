package router_test

import (
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
)

func TestPresenceGraceDoesNotFlap(t *testing.T) {
	t.Parallel()
	forEachStore(t, router.Config{}, func(e *env) {
		m := e.manager("p", 2, storage.Offline)
		tr := router.NewPresenceTracker(e.r, 200*time.Millisecond)
		defer tr.Stop()
		presence := func() storage.Presence {
			got, err := e.store.GetManager(e.ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Presence
		}
		tr.Connected(m.ID)
		if p := presence(); p != storage.Online {
			t.Fatalf("after connect presence = %s", p)
		}
		// A page reload: the old socket drops, a new one opens within the
		// grace period. The manager never goes offline.
		tr.Disconnected(m.ID)
		tr.Connected(m.ID)
		time.Sleep(400 * time.Millisecond) // past the grace period
		if p := presence(); p != storage.Online {
			t.Fatalf("after a reload presence = %s", p)
		}
		tr.Disconnected(m.ID)
		deadline := time.Now().Add(10 * time.Second)
		for presence() != storage.Offline {
			if time.Now().After(deadline) {
				t.Fatal("manager still online long after the last connection dropped")
			}
			time.Sleep(20 * time.Millisecond)
		}
		// A manager who chose "away" stays away when they reconnect.
		if _, err := e.r.SetPresence(e.ctx, m.ID, storage.Away); err != nil {
			t.Fatal(err)
		}
		tr.Connected(m.ID)
		if p := presence(); p != storage.Away {
			t.Fatalf("reconnect overrode away: %s", p)
		}
	})
}
