package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/postgres"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store { return storetest.Postgres(t) })
}

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestChannel(t *testing.T) {
	t.Parallel()
	cases := []struct{ searchPath, want string }{
		{"", "switchboard_events"},
		{"public", "switchboard_events"},
		{"t_0a1b", "switchboard_events_t_0a1b"},
		{`"Tenant-1", public`, "switchboard_events_tenant_1_public"},
		{"a_very_long_schema_name_that_goes_on_and_on_and_on", "switchboard_events_a_very_long_schema_name_that_goes_on_and_on_"},
	}
	for _, tc := range cases {
		if got := postgres.Channel(tc.searchPath); got != tc.want {
			t.Errorf("Channel(%q) = %q, want %q", tc.searchPath, got, tc.want)
		}
	}
}

// Events committed on one replica reach the other through NOTIFY.
func TestNotifyAcrossReplicas(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	_, a, b := twoReplicas(t)
	e := storage.Event{Type: "x", At: time.Now()}
	if err := a.AppendEvent(c, &e); err != nil {
		t.Fatal(err)
	}
	waitNotify(t, b, e.ID)
}

// The listener reconnects after its connection is killed, and announces
// the newest event on reconnect so that nothing sent meanwhile is missed.
func TestListenerReconnects(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	url, a, b := twoReplicas(t)

	conn, err := pgx.Connect(c, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(c)
	var schema string
	if err := conn.QueryRow(c, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// Kill both listeners of this schema's stores.
	var killed int
	if err := conn.QueryRow(c, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, postgres.Channel(schema)).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 2 {
		t.Fatalf("killed %d listeners, want 2", killed)
	}
	e := storage.Event{Type: "while down", At: time.Now()}
	if err := a.AppendEvent(c, &e); err != nil {
		t.Fatal(err)
	}
	waitNotify(t, b, e.ID)

	// And it keeps listening afterwards.
	e2 := storage.Event{Type: "after", At: time.Now()}
	if err := a.AppendEvent(c, &e2); err != nil {
		t.Fatal(err)
	}
	waitNotify(t, b, e2.ID)
}

// A replica that cached teams hears of another's change to them, and after
// its listener reconnects forgets what it may have missed meanwhile.
func TestTeamChangesAcrossReplicas(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	url, a, b := twoReplicas(t)

	team := storage.Team{Name: "Sales", CreatedAt: time.Now()}
	if err := a.CreateTeam(c, &team); err != nil {
		t.Fatal(err)
	}
	m := storage.Manager{Login: "m", Name: "M", Role: storage.RoleAgent, Capacity: 1, CreatedAt: time.Now()}
	if err := a.CreateManager(c, &m); err != nil {
		t.Fatal(err)
	}
	// b reads both, so it has them cached.
	if _, err := b.GetTeam(c, team.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ManagerTeams(c, m.ID); err != nil {
		t.Fatal(err)
	}

	team.Name = "Sales B2B"
	if err := a.UpdateTeam(c, team); err != nil {
		t.Fatal(err)
	}
	if err := a.AddTeamMember(c, team.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	waitTeam(t, b, team.ID, "Sales B2B")
	waitFor(t, "b sees the membership", func() bool {
		ids, err := b.ManagerTeams(c, m.ID)
		return err == nil && len(ids) == 1 && ids[0] == team.ID
	})

	// A change that announces nothing (plain SQL), then the listeners'
	// connections killed: on reconnect b forgets its teams.
	conn, err := pgx.Connect(c, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(c)
	if _, err := conn.Exec(c, `UPDATE teams SET name = 'Renamed by hand' WHERE id = $1`, team.ID); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := conn.QueryRow(c, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(c, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
		postgres.Channel(schema)); err != nil {
		t.Fatal(err)
	}
	waitTeam(t, b, team.ID, "Renamed by hand")
}

// twoReplicas opens two stores on one fresh schema, as two replicas of the
// hub, once their listeners have had time to connect.
func twoReplicas(t *testing.T) (url string, a, b storage.Store) {
	t.Helper()
	url = storetest.PostgresURL(t)
	a, b = storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	time.Sleep(200 * time.Millisecond)
	return url, a, b
}

func waitTeam(t *testing.T, s storage.Store, id int64, name string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("team %d named %q", id, name), func() bool {
		got, err := s.GetTeam(context.Background(), id)
		return err == nil && got.Name == name
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An advisory lock held by one replica is refused to another until it is
// released.
func TestLockAcrossReplicas(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	url := storetest.PostgresURL(t)
	a := storetest.OpenPostgres(t, url).(storage.Locker)
	b := storetest.OpenPostgres(t, url).(storage.Locker)
	release, ok, err := a.TryLock(c, "imap:sales")
	if err != nil || !ok {
		t.Fatalf("a: ok=%v err=%v", ok, err)
	}
	if _, ok, err := b.TryLock(c, "imap:sales"); err != nil || ok {
		t.Fatalf("b took a held lock: ok=%v err=%v", ok, err)
	}
	rel2, ok, err := b.TryLock(c, "telegram")
	if err != nil || !ok {
		t.Fatalf("b, other name: ok=%v err=%v", ok, err)
	}
	defer rel2()
	release()
	rel3, ok, err := b.TryLock(c, "imap:sales")
	if err != nil || !ok {
		t.Fatalf("b after release: ok=%v err=%v", ok, err)
	}
	rel3()

	// Locks of different schemas (hubs sharing a server) are distinct.
	other := storetest.Postgres(t).(storage.Locker)
	rel4, ok, err := a.TryLock(c, "x")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer rel4()
	rel5, ok, err := other.TryLock(c, "x")
	if err != nil || !ok {
		t.Fatalf("other schema: ok=%v err=%v", ok, err)
	}
	rel5()
}

// Two processes starting at once migrate once, without errors.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	url := storetest.PostgresURL(t)
	var stores []storage.Store
	for range 4 {
		s, err := postgres.Open(c, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores = append(stores, s)
	}
	pending, err := stores[0].MigrationsPending(c)
	if err != nil || !pending {
		t.Fatalf("fresh schema: pending=%v err=%v", pending, err)
	}
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			if err := s.Migrate(c); err != nil {
				t.Errorf("migrate %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for _, s := range stores {
		if pending, err := s.MigrationsPending(c); err != nil || pending {
			t.Fatalf("after migrate: pending=%v err=%v", pending, err)
		}
	}
}

// A server that cannot be reached is storage.ErrUnavailable, for a 503.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	_, err := postgres.Open(c, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
}

// Tx runs fn again after a serialization failure or deadlock.
func TestTxRetries(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	s := storetest.Postgres(t)

	attempts := 0
	err := s.Tx(c, func(tx storage.Queries) error {
		attempts++
		if attempts < 3 {
			return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "40001", Message: "could not serialize access"})
		}
		return tx.SetState(c, "retry", "k", "v")
	})
	if err != nil || attempts != 3 {
		t.Fatalf("attempts=%d err=%v", attempts, err)
	}
	attempts = 0
	err = s.Tx(c, func(tx storage.Queries) error {
		attempts++
		return &pgconn.PgError{Code: "23514", Message: "check violation"}
	})
	if err == nil || attempts != 1 {
		t.Fatalf("other errors are not retried: attempts=%d err=%v", attempts, err)
	}

	// A real deadlock: two transactions take two managers' rows in
	// opposite order. PostgreSQL aborts one, Tx runs it again, both land.
	ma := storage.Manager{Login: "a", Capacity: 9, CreatedAt: time.Now()}
	mb := storage.Manager{Login: "b", Capacity: 9, CreatedAt: time.Now()}
	if err := s.CreateManager(c, &ma); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateManager(c, &mb); err != nil {
		t.Fatal(err)
	}
	var barrier sync.WaitGroup
	barrier.Add(2)
	var once [2]sync.Once
	lockBoth := func(i int, first, second int64) error {
		return s.Tx(c, func(tx storage.Queries) error {
			if _, err := tx.ReserveCapacity(c, first, time.Now()); err != nil {
				return err
			}
			once[i].Do(func() { barrier.Done(); barrier.Wait() })
			_, err := tx.ReserveCapacity(c, second, time.Now())
			return err
		})
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := lockBoth(0, ma.ID, mb.ID); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		if err := lockBoth(1, mb.ID, ma.ID); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	for _, id := range []int64{ma.ID, mb.ID} {
		m, err := s.GetManager(c, id)
		if err != nil || m.Load != 2 {
			t.Fatalf("manager %d: load=%d err=%v", id, m.Load, err)
		}
	}
}

func waitNotify(t *testing.T, s storage.Store, id int64) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case got := <-s.Notify():
			if got >= id {
				return
			}
		case <-deadline:
			t.Fatalf("no notification of event %d", id)
		}
	}
}

// The store reports pgxpool's connections, where requests wait (database/sql
// keeps none of its own), sized by the URL.
func TestPoolStats(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	storetest.PoolWaits(t, storetest.OpenPostgres(t, url+"&pool_max_conns=1"))
}

// Round-robin turns are taken in blocks per process: a transaction's turn
// usually costs no statement, two processes never hand out the same
// number, and a request larger than what is left of a block takes a new
// one.
func TestTurnBlocks(t *testing.T) {
	t.Parallel()
	c := testCtx(t)
	url, a, b := twoReplicas(t)
	tm := storage.Team{Name: "sales", Strategy: storage.RoundRobin}
	if err := a.CreateTeam(c, &tm); err != nil {
		t.Fatal(err)
	}
	turn := func(s storage.Store, n int64) int64 {
		t.Helper()
		var last int64
		if err := s.Tx(c, func(tx storage.Queries) error {
			var err error
			last, err = tx.NextTeamTurn(c, tm.ID, n)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return last
	}
	counter := func() int64 {
		t.Helper()
		conn, err := pgx.Connect(c, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(c)
		var n int64
		if err := conn.QueryRow(c, `SELECT rr_turn FROM teams WHERE id = $1`, tm.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		s          storage.Store
		who        string
		n          int64
		last, held int64
	}{
		{a, "a", 1, 1, 32},    // a takes 1-32
		{a, "a", 1, 2, 32},    // from its block
		{b, "b", 1, 33, 64},   // b takes 33-64
		{a, "a", 5, 7, 64},    // 3-7 from a's block
		{a, "a", 30, 94, 125}, // 8-32 is too few: 65-94 and 95-125 kept
		{b, "b", 31, 64, 125}, // 34-64, b's block used up
		{b, "b", 1, 126, 157},
	}
	for i, st := range steps {
		if got := turn(st.s, st.n); got != st.last {
			t.Fatalf("step %d: %s took %d turns ending at %d, want %d", i, st.who, st.n, got, st.last)
		}
		if got := counter(); got != st.held {
			t.Fatalf("step %d: counter at %d, want %d", i, got, st.held)
		}
	}
}
