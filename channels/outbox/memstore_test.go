package outbox

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// memStore is a test fake of the store: an in-memory outbox, messages and
// event log with the store contract's claim and lease semantics (a row is
// claimable when pending and due, or sending with an expired lease; the
// claim marks it sending until now+lease and counts the attempt). Tx holds
// the store's lock for the whole function and restores a snapshot when it
// fails, so it is atomic and isolated like a real transaction. Only what
// the worker and the shared tests use is implemented; the rest of
// storage.Queries is an embedded nil interface, so an unexpected call
// panics instead of passing silently.
type memStore struct {
	mu       sync.Mutex
	nextID   int64
	rows     map[int64]storage.OutboxItem
	messages map[int64]storage.Message
	dialogs  map[int64]storage.Dialog
	events   []storage.Event
}

func newMemStore(*testing.T) harnessStore {
	return &memStore{rows: map[int64]storage.OutboxItem{}, messages: map[int64]storage.Message{}, dialogs: map[int64]storage.Dialog{}}
}

// memTx is the Queries handed to a Tx function; its methods run under the
// lock Tx holds.
type memTx struct {
	storage.Queries
	s *memStore
}

func (s *memStore) Tx(ctx context.Context, fn func(tx storage.Queries) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, msgs, nEvents, nextID := maps.Clone(s.rows), maps.Clone(s.messages), len(s.events), s.nextID
	if err := fn(memTx{s: s}); err != nil {
		s.rows, s.messages, s.events, s.nextID = rows, msgs, s.events[:nEvents], nextID
		return err
	}
	return nil
}

func (s *memStore) id() int64 { s.nextID++; return s.nextID }

func (s *memStore) CreateClient(_ context.Context, c *storage.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.ID = s.id()
	return nil
}

func (s *memStore) CreateDialog(_ context.Context, d *storage.Dialog) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.ID = s.id()
	s.dialogs[d.ID] = *d
	return nil
}

func (t memTx) GetDialog(_ context.Context, id int64) (storage.Dialog, error) {
	d, ok := t.s.dialogs[id]
	if !ok {
		return storage.Dialog{}, storage.ErrNotFound
	}
	return d, nil
}

func (s *memStore) InsertMessage(_ context.Context, m *storage.Message) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.ID = s.id()
	s.messages[m.ID] = *m
	return true, nil
}

func (s *memStore) GetMessage(_ context.Context, id int64) (storage.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return m, storage.ErrNotFound
	}
	return m, nil
}

func (s *memStore) EnqueueOutbox(_ context.Context, it *storage.OutboxItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	it.ID = s.id()
	if it.Status == "" {
		it.Status = storage.OutboxPending
	}
	s.rows[it.ID] = *it
	return nil
}

func (s *memStore) GetOutbox(_ context.Context, id int64) (storage.OutboxItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.rows[id]
	if !ok {
		return it, storage.ErrNotFound
	}
	return it, nil
}

func (s *memStore) EventsAfter(_ context.Context, after int64, limit int) ([]storage.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.Event
	for _, e := range s.events {
		if e.ID > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memStore) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return memTx{s: s}.ClaimOutbox(ctx, now, lease, limit)
}

func (s *memStore) MarkOutboxSent(ctx context.Context, id int64, externalID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return memTx{s: s}.MarkOutboxSent(ctx, id, externalID, at)
}

func (s *memStore) MarkOutboxRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return memTx{s: s}.MarkOutboxRetry(ctx, id, next, errText)
}

func (s *memStore) MarkOutboxFailed(ctx context.Context, id int64, errText string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return memTx{s: s}.MarkOutboxFailed(ctx, id, errText, at)
}

func (s *memStore) SetMessageStatus(ctx context.Context, id int64, status, errText, externalID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return memTx{s: s}.SetMessageStatus(ctx, id, status, errText, externalID)
}

func (t memTx) ClaimOutbox(_ context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxItem, error) {
	var out []storage.OutboxItem
	for _, id := range slices.Sorted(maps.Keys(t.s.rows)) {
		if len(out) == limit {
			break
		}
		it := t.s.rows[id]
		due := it.Status == storage.OutboxPending && !it.NextAttemptAt.After(now)
		stale := it.Status == storage.OutboxSending && !it.LockedUntil.After(now)
		if !due && !stale {
			continue
		}
		it.Status, it.LockedUntil = storage.OutboxSending, now.Add(lease)
		it.Attempts++
		t.s.rows[id] = it
		out = append(out, it)
	}
	return out, nil
}

func (t memTx) update(id int64, f func(*storage.OutboxItem)) error {
	it, ok := t.s.rows[id]
	if !ok {
		return fmt.Errorf("outbox row %d: %w", id, storage.ErrNotFound)
	}
	f(&it)
	t.s.rows[id] = it
	return nil
}

func (t memTx) MarkOutboxSent(_ context.Context, id int64, externalID string, at time.Time) error {
	return t.update(id, func(it *storage.OutboxItem) {
		it.Status, it.ExternalID, it.SentAt, it.LockedUntil = storage.OutboxSent, externalID, at, time.Time{}
	})
}

func (t memTx) MarkOutboxRetry(_ context.Context, id int64, next time.Time, errText string) error {
	return t.update(id, func(it *storage.OutboxItem) {
		it.Status, it.NextAttemptAt, it.LastError, it.LockedUntil = storage.OutboxPending, next, errText, time.Time{}
	})
}

func (t memTx) MarkOutboxFailed(_ context.Context, id int64, errText string, _ time.Time) error {
	return t.update(id, func(it *storage.OutboxItem) {
		it.Status, it.LastError, it.LockedUntil = storage.OutboxFailed, errText, time.Time{}
	})
}

func (t memTx) SetMessageStatus(_ context.Context, id int64, status, errText, externalID string) error {
	m, ok := t.s.messages[id]
	if !ok {
		return fmt.Errorf("message %d: %w", id, storage.ErrNotFound)
	}
	m.Status, m.Error = status, errText
	if externalID != "" {
		m.ExternalID = externalID
	}
	t.s.messages[id] = m
	return nil
}

func (t memTx) AppendEvent(_ context.Context, e *storage.Event) error {
	e.ID = int64(len(t.s.events)) + 1
	t.s.events = append(t.s.events, *e)
	return nil
}

func (t memTx) AppendEventsAtCommit(ctx context.Context, es []storage.Event) error {
	for i := range es {
		if err := t.AppendEvent(ctx, &es[i]); err != nil {
			return err
		}
	}
	return nil
}

// TestWorkerMemory runs the worker's behaviour tests on the fake store;
// once the stores land, sibling test files here run the same tests on
// SQLite and PostgreSQL.
func TestWorkerMemory(t *testing.T) {
	t.Parallel()
	testWorker(t, newMemStore)
}
