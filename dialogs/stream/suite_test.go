package stream

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/switchboard-hub/switchboard/storage"
)

// runSuite runs the stream behaviour that depends on the event log against
// one Source implementation.
func runSuite(t *testing.T, newSource func(testing.TB) Source) {
	for name, test := range map[string]func(*testing.T, func(testing.TB) Source){
		"ResumeUnderLoad":  testResumeUnderLoad,
		"VisibilityByRole": testVisibilityByRole,
		"SlowConsumer":     testSlowConsumer,
		"HistoryTrimmed":   testHistoryTrimmed,
		"FirstFrameResume": testFirstFrameResume,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, newSource)
		})
	}
}

// testResumeUnderLoad: writers append events without pause while clients
// read, drop their connection at random points and reconnect with the last
// id they saw; in the end each saw every id visible to it exactly once, in
// order.
func testResumeUnderLoad(t *testing.T, newSource func(testing.TB) Source) {
	src := newSource(t)
	env := startHub(t, src, nil)
	scopes := [][2]int64{{0, 0}, {10, 0}, {10, 3}, {10, 5}, {20, 0}, {20, 4}, {0, 3}, {30, 0}}

	const writers, perWriter = 4, 300
	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range perWriter {
				s := scopes[r.IntN(len(scopes))]
				// Not appendEvent: Fatal may not be called off the test goroutine.
				e := storage.Event{Type: "message.created", TeamID: s[0], ManagerID: s[1]}
				if err := src.AppendEvent(context.Background(), &e); err != nil {
					t.Error(err)
					return
				}
				if r.IntN(4) == 0 {
					time.Sleep(time.Duration(r.IntN(300)) * time.Microsecond)
				}
			}
		})
	}
	writersDone := make(chan struct{})
	go func() { writing.Wait(); close(writersDone) }()

	var clients sync.WaitGroup
	for i, token := range []string{"agent3", "sup", "agent4"} {
		clients.Go(func() {
			seen, reconnects := resumingClient(t, env, token, uint64(i), writersDone)
			want := visibleIDs(t, src, testViewers[token])
			if !slices.Equal(seen, want) {
				t.Errorf("%s saw %d events, want %d; first difference at %d", token, len(seen), len(want), firstDiff(seen, want))
			}
			if reconnects < 5 {
				t.Errorf("%s reconnected only %d times; the test did not exercise resume", token, reconnects)
			}
		})
	}
	clients.Wait()
}

// resumingClient reads as token, dropping the connection after a random
// number of events and resuming from the last id, until the writers are
// done and it has caught up with the log.
func resumingClient(t *testing.T, env *testEnv, token string, seed uint64, writersDone <-chan struct{}) (seen []int64, reconnects int) {
	r := rand.New(rand.NewPCG(seed, 2))
	last := int64(0)
	want := int64(-1) // the last visible id, known once the writers stop
	for {
		ws, _, err := env.dial(token, "since="+strconv.FormatInt(last, 10), nil)
		if err != nil {
			t.Errorf("%s: dial: %v", token, err)
			return seen, reconnects
		}
		dropAfter := 1 + r.IntN(60)
		for n := 0; ; {
			if want < 0 {
				select {
				case <-writersDone:
					ids := visibleIDs(t, env.src, testViewers[token])
					want = ids[len(ids)-1]
				default:
				}
			}
			if want >= 0 && last == want {
				ws.Close()
				return seen, reconnects
			}
			waiting := want < 0
			f, err := readFrame(ws, 5*time.Second)
			if err != nil {
				if waiting && isDone(writersDone) {
					// The writers finished while we waited, after our last
					// visible event: nothing more was coming. Reconnect,
					// which learns the final id and ends the loop.
					break
				}
				t.Errorf("%s: read after id %d: %v", token, last, err)
				ws.Close()
				return seen, reconnects
			}
			switch {
			case f.Type == "stream.reset":
				t.Errorf("%s: unexpected reset %s", token, f.Data)
			case f.ID == 0:
				continue
			case f.ID <= last:
				t.Errorf("%s: id %d after %d: repeated or out of order", token, f.ID, last)
			}
			seen = append(seen, f.ID)
			last = f.ID
			if n++; n == dropAfter {
				break
			}
		}
		// Drop without a close handshake, as a lost network would.
		ws.NetConn().Close()
		reconnects++
	}
}

func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// visibleIDs lists, from the log, the ids v may see.
func visibleIDs(tb testing.TB, src Source, v Viewer) []int64 {
	var ids []int64
	for after := int64(0); ; {
		evs, err := src.EventsAfter(context.Background(), after, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(evs) == 0 {
			return ids
		}
		for _, e := range evs {
			if Visible(v, e) {
				ids = append(ids, e.ID)
			}
			after = e.ID
		}
	}
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// testVisibilityByRole: connected agents, a supervisor and an admin receive
// exactly the events their role and teams allow.
func testVisibilityByRole(t *testing.T, newSource func(testing.TB) Source) {
	src := newSource(t)
	env := startHub(t, src, nil)
	tokens := []string{"admin", "sup", "agent3", "agent4"}
	conns := map[string]*websocket.Conn{}
	for _, tok := range tokens {
		conns[tok] = env.connect(t, tok, "")
	}
	// Who receives each event, by hand.
	events := []struct {
		typ           string
		team, manager int64
		see           []string
	}{
		{"presence.changed", 0, 0, tokens},
		{"dialog.queued", 10, 0, []string{"admin", "sup", "agent3"}},
		{"dialog.assigned", 10, 3, []string{"admin", "sup", "agent3"}},
		{"message.created", 10, 5, []string{"admin", "sup"}},
		{"dialog.queued", 20, 0, []string{"admin", "agent4"}},
		{"dialog.unassigned", 20, 3, []string{"admin", "agent3"}},
		{"call.ringing", 0, 4, []string{"admin", "agent4"}},
		{"sla.breached", 30, 7, []string{"admin"}},
	}
	want := map[string][]int64{}
	for _, e := range events {
		id := appendEvent(t, src, e.typ, e.team, e.manager)
		for _, tok := range e.see {
			want[tok] = append(want[tok], id)
		}
	}
	marker := appendEvent(t, src, "queue.changed", 0, 0)
	for _, tok := range tokens {
		got, _ := readUntil(t, conns[tok], marker)
		if w := append(want[tok], marker); !slices.Equal(got, w) {
			t.Errorf("%s got %v, want %v", tok, got, w)
		}
	}
	// A resume replays with the same rule.
	for _, tok := range tokens {
		ws := env.connect(t, tok, "since=0")
		got, _ := readUntil(t, ws, marker)
		if w := append(want[tok], marker); !slices.Equal(got, w) {
			t.Errorf("%s replay got %v, want %v", tok, got, w)
		}
	}
}

// testSlowConsumer: a client that stops reading is cut with 4008 while a
// fast one keeps receiving everything, and the cut one then resumes by id
// without losing an event.
func testSlowConsumer(t *testing.T, newSource func(testing.TB) Source) {
	src := newSource(t)
	env := startHub(t, src, func(c *Config) { c.SendQueue = 16 })
	fast := env.connect(t, "admin", "")

	// The slow client never reads until it is cut: the server's writes to
	// it block once the socket buffers are full, and its queue overflows.
	// It asks for everything from the first event: without a cursor it
	// would start from whatever was newest when the hub registered it,
	// which the dial's return does not wait for.
	slow, _, err := env.dial("admin", "since=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()

	var fastIDs []int64
	var fastLast atomic.Int64
	fastDone := make(chan struct{})
	var stop atomic.Int64 // the id the fast reader stops at, once known
	stop.Store(-1)
	go func() {
		defer close(fastDone)
		for {
			f, err := readFrame(fast, 10*time.Second)
			if err != nil {
				t.Errorf("fast client: %v", err)
				return
			}
			if f.ID == 0 {
				continue
			}
			fastIDs = append(fastIDs, f.ID)
			fastLast.Store(f.ID)
			if f.ID == stop.Load() {
				return
			}
		}
	}()

	big := make([]byte, 16<<10)
	for i := range big {
		big[i] = 'a'
	}
	data := []byte(`{"text":"` + string(big) + `"}`)
	var last int64
	for i := 0; value(t, env.hub.m.slowCloses) == 0; i++ {
		if i == 20000 {
			t.Fatal("the slow client was never cut")
		}
		e := storage.Event{Type: "message.created", Data: data}
		if err := src.AppendEvent(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
		last = e.ID
		// Keep the fast client within half its queue: it reads as fast
		// as it can, and only the slow one falls behind. (A burst larger
		// than the queue would cut any client, by design.)
		for last-fastLast.Load() > 8 {
			select {
			case <-fastDone:
				t.Fatal("fast client stopped")
			case <-time.After(time.Millisecond):
			}
		}
	}
	t.Logf("slow client cut after %d events", last)
	// A few more after the cut, fewer than the fast client's queue. Ids
	// are consecutive, so the fast reader learns where to stop before they
	// exist: told after, it could have read them all already and wait on.
	stop.Store(last + 5)
	for range 5 {
		last = appendEvent(t, src, "message.created", 0, 0)
	}
	if last != stop.Load() {
		t.Fatalf("last id %d, want %d: ids not consecutive", last, stop.Load())
	}
	<-fastDone
	if want := seq(1, last); !slices.Equal(fastIDs, want) {
		t.Fatalf("fast client got %d events (first difference at %d), want %d", len(fastIDs), firstDiff(fastIDs, want), len(want))
	}

	// The slow client reads what reached it, then the close frame.
	var slowIDs []int64
	for {
		f, err := readFrame(slow, 10*time.Second)
		if err != nil {
			if !websocket.IsCloseError(err, CloseSlowConsumer) {
				t.Fatalf("slow client ended with %v, want close %d", err, CloseSlowConsumer)
			}
			break
		}
		if f.ID != 0 {
			slowIDs = append(slowIDs, f.ID)
		}
	}
	if len(slowIDs) == 0 || int64(len(slowIDs)) == last {
		t.Fatalf("slow client got %d of %d events before the cut", len(slowIDs), last)
	}
	resumed := env.connect(t, "admin", "since="+strconv.FormatInt(slowIDs[len(slowIDs)-1], 10))
	rest, _ := readUntil(t, resumed, last)
	if all := append(slowIDs, rest...); !slices.Equal(all, seq(1, last)) {
		t.Fatalf("slow client after resume has %d events (first difference at %d), want %d", len(all), firstDiff(all, seq(1, last)), last)
	}
}

func seq(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// testHistoryTrimmed: a cursor older than the log keeps gets stream.reset
// and then live events; cursors inside the log replay normally.
func testHistoryTrimmed(t *testing.T, newSource func(testing.TB) Source) {
	src := newSource(t)
	env := startHub(t, src, nil)
	ctx := context.Background()
	old := time.Now().Add(-2 * time.Hour)
	for range 10 {
		if err := src.AppendEvent(ctx, &storage.Event{Type: "message.created", At: old}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	for range 5 {
		ids = append(ids, appendEvent(t, src, "message.created", 0, 0))
	}
	if _, err := src.TrimEvents(ctx, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	oldest, newest, _ := src.EventBounds(ctx)
	if oldest != ids[0] {
		t.Fatalf("oldest after trim = %d, want %d", oldest, ids[0])
	}
	// The hub must have seen the newest event before we connect, so that
	// live frames start after it.
	eventually(t, "hub to catch up", func() bool { return env.hub.pos.Load() == newest })

	// since is computed when the case runs: every case appends one live
	// event, which moves the log on.
	cases := []struct {
		name  string
		since func() int64
		reset string
	}{
		{"trimmed", func() int64 { return oldest - 2 }, "history_trimmed"},
		{"just before the oldest", func() int64 { return oldest - 1 }, ""},
		{"inside", func() int64 { return ids[2] }, ""},
		{"up to date", func() int64 { return ids[len(ids)-1] }, ""},
		{"ahead of the log", func() int64 { return ids[len(ids)-1] + 100 }, "unknown_cursor"},
	}
	for _, tc := range cases {
		since := tc.since()
		ws := env.connect(t, "agent3", "since="+strconv.FormatInt(since, 10))
		var want []int64
		if tc.reset != "" {
			f := mustRead(t, ws)
			if f.Type != "stream.reset" || string(f.Data) != `{"reason":"`+tc.reset+`","oldest":`+strconv.FormatInt(oldest, 10)+`}` {
				t.Errorf("%s: got %s %s, want stream.reset %s", tc.name, f.Type, f.Data, tc.reset)
			}
		} else {
			for _, id := range ids {
				if id > since {
					want = append(want, id)
				}
			}
		}
		live := appendEvent(t, src, "presence.changed", 0, 0)
		got, other := readUntil(t, ws, live)
		if want = append(want, live); !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, want)
		}
		if len(other) > 0 {
			t.Errorf("%s: unexpected frames %+v", tc.name, other)
		}
		ws.Close()
		ids = append(ids, live)
	}
}

// testFirstFrameResume: without ?since, a {"type":"resume"} first frame
// gives the same replay; a late resume frame is refused.
func testFirstFrameResume(t *testing.T, newSource func(testing.TB) Source) {
	src := newSource(t)
	env := startHub(t, src, func(c *Config) { c.ResumeWait = 5 * time.Second })
	var ids []int64
	for range 5 {
		ids = append(ids, appendEvent(t, src, "message.created", 10, 3))
	}
	eventually(t, "hub to catch up", func() bool { return env.hub.pos.Load() == ids[4] })

	ws := env.connect(t, "agent3", "")
	sendJSON(t, ws, map[string]any{"type": "resume", "since": ids[1]})
	live := appendEvent(t, src, "message.created", 10, 3)
	got, other := readUntil(t, ws, live)
	if want := append(slices.Clone(ids[2:]), live); !slices.Equal(got, want) {
		t.Fatalf("after resume frame got %v, want %v (other frames %+v)", got, want, other)
	}
	sendJSON(t, ws, map[string]any{"type": "resume", "since": 0})
	if f := mustRead(t, ws); f.Type != "error" || !jsonHas(f.Data, "error", "bad_resume") {
		t.Fatalf("late resume answered %s %s", f.Type, f.Data)
	}

	// A first frame of another kind ends the wait at once: live follows.
	ws2 := env.connect(t, "agent3", "")
	sendJSON(t, ws2, map[string]any{"type": "ping"})
	if f := mustRead(t, ws2); f.Type != "pong" {
		t.Fatalf("ping answered %+v", f)
	}
	live2 := appendEvent(t, src, "message.created", 10, 3)
	if got, _ := readUntil(t, ws2, live2); !slices.Equal(got, []int64{live2}) {
		t.Fatalf("live after ping got %v, want [%d]", got, live2)
	}
}
