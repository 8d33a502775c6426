package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

var outboxTests = []test{
	{"OutboxRoundTrip", testOutboxRoundTrip},
	{"OutboxLifecycle", testOutboxLifecycle},
}

func testOutboxRoundTrip(t *testing.T, s storage.Store) {
	c := ctx(t)
	it := storage.OutboxItem{MessageID: 7, DialogID: 8, Channel: "telegram", IdempotencyKey: "msg-7",
		Payload: json.RawMessage(`{"chat_id":1,"text":"hi"}`), NextAttemptAt: at(time.Minute), CreatedAt: t0}
	ok(t, s.EnqueueOutbox(c, &it))
	if it.ID == 0 {
		t.Fatal("EnqueueOutbox did not set the id")
	}
	want := it
	want.Status = storage.OutboxPending
	eq(t, "get", must(s.GetOutbox(c, it.ID))(t), want)
	dup := storage.OutboxItem{Channel: "telegram", IdempotencyKey: "msg-7", Payload: json.RawMessage(`{}`), CreatedAt: t0}
	wantErr(t, "idempotency key reused", s.EnqueueOutbox(c, &dup), storage.ErrConflict)
	_, err := s.GetOutbox(c, it.ID+1000)
	wantErr(t, "missing", err, storage.ErrNotFound)

	now := storage.OutboxItem{Channel: "sms", IdempotencyKey: "k2", Payload: json.RawMessage(`{}`), CreatedAt: at(time.Second)}
	ok(t, s.EnqueueOutbox(c, &now))
	eq(t, "due at creation by default", must(s.GetOutbox(c, now.ID))(t).NextAttemptAt, at(time.Second))
}

func testOutboxLifecycle(t *testing.T, s storage.Store) {
	c := ctx(t)
	enqueue := func(key string, due time.Duration) storage.OutboxItem {
		it := storage.OutboxItem{Channel: "email", IdempotencyKey: key, Payload: json.RawMessage(`{}`), NextAttemptAt: at(due), CreatedAt: t0}
		ok(t, s.EnqueueOutbox(c, &it))
		return it
	}
	b := enqueue("b", 2*time.Second)
	a := enqueue("a", time.Second)
	later := enqueue("later", time.Hour)
	outID := func(x storage.OutboxItem) int64 { return x.ID }
	eq(t, "backlog", must(s.OutboxBacklog(c))(t), map[storage.OutboxStatus]int{storage.OutboxPending: 3, storage.OutboxSending: 0})

	const lease = 30 * time.Second
	now := at(time.Minute)
	claimed := must(s.ClaimOutbox(c, now, lease, 10))(t)
	eq(t, "due rows, oldest due first", ids(claimed, outID), []int64{a.ID, b.ID})
	for _, it := range claimed {
		eq(t, "sending", it.Status, storage.OutboxSending)
		eq(t, "leased", it.LockedUntil, now.Add(lease))
		eq(t, "attempt counted", it.Attempts, 1)
	}
	eq(t, "stored as claimed", must(s.GetOutbox(c, a.ID))(t), claimed[0])
	eq(t, "leased rows are not claimed again", len(must(s.ClaimOutbox(c, now.Add(time.Second), lease, 10))(t)), 0)
	eq(t, "backlog while sending", must(s.OutboxBacklog(c))(t), map[storage.OutboxStatus]int{storage.OutboxPending: 1, storage.OutboxSending: 2})

	// a is sent; b's worker dies and its lease runs out.
	ok(t, s.MarkOutboxSent(c, a.ID, "ext-a", now.Add(time.Second)))
	got := must(s.GetOutbox(c, a.ID))(t)
	eq(t, "sent", [3]any{got.Status, got.ExternalID, got.SentAt}, [3]any{storage.OutboxSent, "ext-a", now.Add(time.Second)})
	eq(t, "lease cleared", got.LockedUntil, time.Time{})
	reclaimed := must(s.ClaimOutbox(c, now.Add(lease), lease, 10))(t)
	eq(t, "expired lease reclaimed", ids(reclaimed, outID), []int64{b.ID})
	eq(t, "second attempt", reclaimed[0].Attempts, 2)

	ok(t, s.MarkOutboxRetry(c, b.ID, now.Add(5*time.Minute), "421 try later"))
	got = must(s.GetOutbox(c, b.ID))(t)
	eq(t, "retry", [4]any{got.Status, got.NextAttemptAt, got.LastError, got.LockedUntil},
		[4]any{storage.OutboxPending, now.Add(5 * time.Minute), "421 try later", time.Time{}})
	eq(t, "not before its time", len(must(s.ClaimOutbox(c, now.Add(4*time.Minute), lease, 10))(t)), 0)
	eq(t, "limit", ids(must(s.ClaimOutbox(c, at(2*time.Hour), lease, 1))(t), outID), []int64{b.ID})
	eq(t, "attempts keep counting", must(s.GetOutbox(c, b.ID))(t).Attempts, 3)

	ok(t, s.MarkOutboxFailed(c, b.ID, "550 no such user", at(2*time.Hour)))
	got = must(s.GetOutbox(c, b.ID))(t)
	eq(t, "failed", [3]any{got.Status, got.LastError, got.FailedAt}, [3]any{storage.OutboxFailed, "550 no such user", at(2 * time.Hour)})
	eq(t, "done rows are never claimed", ids(must(s.ClaimOutbox(c, at(3*time.Hour), lease, 10))(t), outID), []int64{later.ID})
	eq(t, "backlog counts only live rows", must(s.OutboxBacklog(c))(t), map[storage.OutboxStatus]int{storage.OutboxPending: 0, storage.OutboxSending: 1})

	wantErr(t, "sent missing", s.MarkOutboxSent(c, a.ID+1000, "", t0), storage.ErrNotFound)
	wantErr(t, "retry missing", s.MarkOutboxRetry(c, a.ID+1000, t0, ""), storage.ErrNotFound)
	wantErr(t, "failed missing", s.MarkOutboxFailed(c, a.ID+1000, "", t0), storage.ErrNotFound)
}
