package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// PoolWaits checks a store's pool report on a store whose pool has one
// connection: a read made while a transaction holds it is counted as a
// wait, with the time it waited, and the connection is reported in use
// meanwhile and idle or closed after.
func PoolWaits(t *testing.T, s storage.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, ok := s.(storage.PoolReporter)
	if !ok {
		t.Fatalf("%T does not report its pool", s)
	}
	before := p.PoolStats()
	if before.MaxConns != 1 {
		t.Fatalf("pool of %d connections, want the store opened with 1", before.MaxConns)
	}

	// pgxpool counts a wait when it ends, so the transaction cannot watch
	// for it: it holds on long enough for the read to be waiting.
	read, reading := make(chan error, 1), make(chan struct{})
	const hold = 200 * time.Millisecond
	err := s.Tx(ctx, func(tx storage.Queries) error {
		if _, err := tx.CountManagers(ctx); err != nil {
			return err
		}
		if st := p.PoolStats(); st.InUse != 1 {
			t.Errorf("in a transaction: %d connections in use, want 1", st.InUse)
		}
		go func() {
			close(reading)
			_, err := s.CountManagers(ctx)
			read <- err
		}()
		<-reading
		time.Sleep(hold)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil {
		t.Fatalf("the read that waited: %v", err)
	}
	after := p.PoolStats()
	if got := after.Waits - before.Waits; got != 1 {
		t.Errorf("waits went up by %d, want 1", got)
	}
	if got := after.WaitTime - before.WaitTime; got < hold/2 {
		t.Errorf("wait time went up by %v; the transaction held the connection %v after the read began", got, hold)
	}
	if after.InUse != 0 {
		t.Errorf("after both: %d connections in use", after.InUse)
	}
}
