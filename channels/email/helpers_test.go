package email

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

// fakeIngester behaves as the documented contract says the router does:
// it commits each (Channel, ExternalID) once, assigns ids, and answers a
// replay with Duplicate. It also threads like the router would for the
// fields this package sets, so tests can check that a reply lands in the
// dialog of the letter it answers.
type fakeIngester struct {
	mu       sync.Mutex
	events   []channels.InboundEvent // committed, in order
	calls    int                     // every Ingest call, replays included
	byExt    map[string]channels.Receipt
	failFrom int   // when > 0, calls from this number on fail
	err      error // the error they fail with
	notify   chan struct{}
	nextID   int64
}

func newFakeIngester() *fakeIngester {
	return &fakeIngester{byExt: map[string]channels.Receipt{}, notify: make(chan struct{}, 1000)}
}

func (f *fakeIngester) Ingest(_ context.Context, ev channels.InboundEvent) (channels.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.failFrom > 0 && f.calls >= f.failFrom {
		if f.err != nil {
			return channels.Receipt{}, f.err
		}
		return channels.Receipt{}, errors.New("fake: database unavailable")
	}
	key := ev.Channel + "\x00" + ev.ExternalID
	if r, ok := f.byExt[key]; ok {
		r.Duplicate = true
		return r, nil
	}
	f.nextID++
	dialog := ev.DialogID
	for _, id := range ev.InReplyTo {
		if r, ok := f.byExt[ev.Channel+"\x00"+id]; ok && dialog == 0 {
			dialog = r.DialogID
		}
	}
	if dialog == 0 {
		dialog = 1000 + f.nextID
	}
	r := channels.Receipt{ClientID: 1, DialogID: dialog, MessageID: f.nextID}
	f.byExt[key] = r
	f.events = append(f.events, ev)
	select {
	case f.notify <- struct{}{}:
	default:
	}
	return r, nil
}

// recordOutbound registers a sent reply under its external id, as the
// outbox does when it stores the SendResult.
func (f *fakeIngester) recordOutbound(channel, externalID string, dialogID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byExt[channel+"\x00"+externalID] = channels.Receipt{DialogID: dialogID}
}

func (f *fakeIngester) setFailFrom(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failFrom = n
	f.calls = 0
}

func (f *fakeIngester) committed() []channels.InboundEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]channels.InboundEvent(nil), f.events...)
}

func (f *fakeIngester) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// waitFor polls until cond holds or the timeout fails the test.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// memState is an in-memory StateStore with storage's not-found contract.
type memState struct {
	mu sync.Mutex
	m  map[string]string
}

func newMemState() *memState { return &memState{m: map[string]string{}} }

func (s *memState) GetState(_ context.Context, scope, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[scope+"/"+key]
	if !ok {
		return "", fmt.Errorf("state %s/%s: %w", scope, key, storage.ErrNotFound)
	}
	return v, nil
}

func (s *memState) SetState(_ context.Context, scope, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[scope+"/"+key] = value
	return nil
}

// testLocker grants the lock once busy is false.
type testLocker struct {
	busy atomic.Bool
	mu   sync.Mutex
	last string
}

func (l *testLocker) TryLock(_ context.Context, name string) (func(), bool, error) {
	l.mu.Lock()
	l.last = name
	l.mu.Unlock()
	if l.busy.Load() {
		return nil, false, nil
	}
	return func() {}, true, nil
}

func (l *testLocker) name() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

func (f *fakeIngester) receipt(channel, externalID string) channels.Receipt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byExt[channel+"\x00"+externalID]
}
