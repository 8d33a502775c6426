// Package storetest is the conformance suite every storage.Store passes,
// and helpers that give other packages' tests a fresh store on either
// engine. The PostgreSQL half needs a server:
//
//	SWITCHBOARD_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//		go test -race ./storage/...
package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// test is one behaviour checked against a fresh store.
type test struct {
	name string
	fn   func(t *testing.T, s storage.Store)
}

// Run runs the whole suite, each behaviour as a named parallel subtest on
// a store of its own from open.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	var all []test
	for _, group := range [][]test{
		managerTests, teamTests, authTests, clientTests, candidateTests, mergeTests, dialogTests,
		messageTests, callLeadTests, eventTests, outboxTests, stateTests, lockerTests, txTests,
		concurrencyTests, cannedTests, batchTests,
	} {
		all = append(all, group...)
	}
	for _, tc := range all {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// t0 is the suite's clock: fixed, whole milliseconds, UTC, so records
// compare equal after a round trip.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// ctx returns a context for one test, ended with it.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// must takes a call's two results and returns a func that fails the test
// on the error and returns the value: must(s.GetManager(c, id))(t). (Go
// passes multiple results on only as a call's sole arguments.)
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// ok fails the test on err.
func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// eq fails the test unless got and want are deeply equal.
func eq[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// ids returns the ids of records.
func ids[T any](recs []T, id func(T) int64) []int64 {
	if len(recs) == 0 {
		return nil
	}
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = id(r)
	}
	return out
}

func dialogID(d storage.Dialog) int64   { return d.ID }
func clientID(c storage.Client) int64   { return c.ID }
func managerID(m storage.Manager) int64 { return m.ID }
func messageID(m storage.Message) int64 { return m.ID }

// newManager creates a manager with the given login and capacity.
func newManager(t testing.TB, s storage.Queries, login string, capacity int) storage.Manager {
	t.Helper()
	m := storage.Manager{Login: login, Name: login, Capacity: capacity, CreatedAt: t0}
	ok(t, s.CreateManager(ctx(t), &m))
	return m
}

// newClient creates a person with the given name.
func newClient(t testing.TB, s storage.Queries, name string) storage.Client {
	t.Helper()
	c := storage.Client{Name: name, CreatedAt: t0}
	ok(t, s.CreateClient(ctx(t), &c))
	return c
}

// newTeam creates a team with the given name.
func newTeam(t testing.TB, s storage.Queries, name string) storage.Team {
	t.Helper()
	tm := storage.Team{Name: name, CreatedAt: t0}
	ok(t, s.CreateTeam(ctx(t), &tm))
	return tm
}

// newDialog creates d (its client must exist) and returns it as stored.
func newDialog(t testing.TB, s storage.Queries, d storage.Dialog) storage.Dialog {
	t.Helper()
	if d.Channel == "" {
		d.Channel = "telegram"
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = t0
	}
	ok(t, s.CreateDialog(ctx(t), &d))
	return d
}

// newMessage inserts an inbound message in dialog d.
func newMessage(t testing.TB, s storage.Queries, d storage.Dialog, ext string, created time.Time) storage.Message {
	t.Helper()
	m := storage.Message{DialogID: d.ID, ClientID: d.ClientID, Channel: d.Channel, ExternalID: ext,
		Direction: storage.Inbound, Text: "text " + ext, CreatedAt: created}
	if !must(s.InsertMessage(ctx(t), &m))(t) {
		t.Fatalf("message %s not inserted", ext)
	}
	return m
}
