package stream

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/switchboard-hub/switchboard/storage"
)

// testDialogs is the DialogScope of the typing tests: dialog 100 is agent
// 3's in team 10, dialog 200 is queued in team 20.
func testDialogs(_ context.Context, id int64) (int64, int64, error) {
	switch id {
	case 100:
		return 10, 3, nil
	case 200:
		return 20, 0, nil
	}
	return 0, 0, storage.ErrNotFound
}

func TestTyping(t *testing.T) {
	t.Parallel()
	src := newMemSource(t)
	env := startHub(t, src, func(c *Config) { c.DialogScope = testDialogs })
	conns := map[string]*websocket.Conn{}
	for _, tok := range []string{"admin", "sup", "agent3", "agent4"} {
		conns[tok] = env.connect(t, tok, "")
	}
	ag3 := conns["agent3"]

	sendJSON(t, ag3, map[string]any{"type": "typing", "dialog_id": 100})
	// Not allowed: dialog 200 is another team's, 999 does not exist; both
	// get the same answer.
	for _, id := range []int64{200, 999} {
		sendJSON(t, ag3, map[string]any{"type": "typing", "dialog_id": id})
		if f := mustRead(t, ag3); f.Type != "error" || !jsonHas(f.Data, "error", "forbidden") {
			t.Fatalf("typing in dialog %d answered %s %s", id, f.Type, f.Data)
		}
	}
	// agent4 may type in its team's queued dialog 200.
	sendJSON(t, conns["agent4"], map[string]any{"type": "typing", "dialog_id": 200})

	// A ping answered means every frame before it was handled, so the
	// marker event below is queued after any typing frame.
	for _, tok := range []string{"agent3", "agent4"} {
		sendJSON(t, conns[tok], map[string]any{"type": "ping"})
	}
	for _, tok := range []string{"agent3", "agent4"} {
		for f := mustRead(t, conns[tok]); f.Type != "pong"; f = mustRead(t, conns[tok]) {
			if f.Type == "typing" {
				t.Errorf("%s got typing %s", tok, f.Data)
			}
		}
	}
	marker := appendEvent(t, src, "queue.changed", 0, 0)
	want := map[string][]string{
		"admin":  {`{"dialog_id":100,"manager_id":3}`, `{"dialog_id":200,"manager_id":4}`},
		"sup":    {`{"dialog_id":100,"manager_id":3}`},
		"agent3": nil, // its own typing is not echoed
		"agent4": nil, // dialog 100 is not its team's
	}
	for tok, w := range want {
		_, other := readUntil(t, conns[tok], marker)
		var got []string
		for _, f := range other {
			if f.Type == "typing" {
				got = append(got, string(f.Data))
			}
		}
		if !slices.Equal(got, w) {
			t.Errorf("%s typing frames %v, want %v", tok, got, w)
		}
	}
}

func TestTypingRateLimit(t *testing.T) {
	t.Parallel()
	src := newMemSource(t)
	env := startHub(t, src, func(c *Config) {
		c.DialogScope = testDialogs
		c.TypingRate, c.TypingBurst = 0.001, 3
	})
	sup := env.connect(t, "sup", "")
	ag3 := env.connect(t, "agent3", "")
	for range 20 {
		sendJSON(t, ag3, map[string]any{"type": "typing", "dialog_id": 100})
	}
	sendJSON(t, ag3, map[string]any{"type": "ping"})
	if f := mustRead(t, ag3); f.Type != "pong" {
		t.Fatalf("got %+v, want pong (dropped typing frames are not answered)", f)
	}
	marker := appendEvent(t, src, "queue.changed", 0, 0)
	_, other := readUntil(t, sup, marker)
	if len(other) != 3 {
		t.Fatalf("supervisor got %d typing frames, want the burst of 3", len(other))
	}
}

func TestClientFrameErrors(t *testing.T) {
	t.Parallel()
	env := startHub(t, newMemSource(t), nil)
	ws := env.connect(t, "agent3", "")
	cases := []struct {
		name string
		typ  int
		msg  string
		code string
	}{
		{"unknown type", websocket.TextMessage, `{"type":"subscribe"}`, "unknown_type"},
		{"not JSON", websocket.TextMessage, `hello`, "bad_frame"},
		{"no type", websocket.TextMessage, `{"dialog_id":1}`, "bad_frame"},
		{"binary", websocket.BinaryMessage, `{"type":"ping"}`, "bad_frame"},
		{"typing disabled", websocket.TextMessage, `{"type":"typing","dialog_id":100}`, "unknown_type"},
	}
	for _, tc := range cases {
		if err := ws.WriteMessage(tc.typ, []byte(tc.msg)); err != nil {
			t.Fatal(err)
		}
		if f := mustRead(t, ws); f.Type != "error" || !jsonHas(f.Data, "error", tc.code) || f.ID != 0 {
			t.Errorf("%s: got %+v, want error %s", tc.name, f, tc.code)
		}
	}
	// The connection stays open.
	sendJSON(t, ws, map[string]any{"type": "ping"})
	if f := mustRead(t, ws); f.Type != "pong" {
		t.Fatalf("after errors got %+v, want pong", f)
	}
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	env := startHub(t, newMemSource(t), func(c *Config) { c.ReadLimit = 128 })
	ws := env.connect(t, "agent3", "")
	big := `{"type":"ping","pad":"` + string(make([]byte, 200)) + `"}`
	_ = ws.WriteMessage(websocket.TextMessage, []byte(big))
	_, err := readFrame(ws, 5*time.Second)
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("oversized frame: %v, want close 1009", err)
	}
}

// TestKeepAlive: with short timings, a client that answers pings stays
// connected over several pong waits, and one that does not is dropped.
func TestKeepAlive(t *testing.T) {
	t.Parallel()
	src := newMemSource(t)
	env := startHub(t, src, func(c *Config) {
		c.PingPeriod, c.PongWait = 30*time.Millisecond, 150*time.Millisecond
	})

	deaf := env.connect(t, "agent3", "")
	deaf.SetPingHandler(func(string) error { return nil }) // never pongs
	start := time.Now()
	if _, err := readFrame(deaf, 5*time.Second); err == nil {
		t.Fatal("a client that ignores pings got a frame instead of being dropped")
	} else if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		t.Fatalf("a client that ignores pings was not dropped: %v", err)
	}
	t.Logf("silent client dropped after %s", time.Since(start))

	alive := env.connect(t, "agent3", "")
	frames := make(chan frame, 16)
	go func() {
		// Reading runs the default ping handler, which answers pongs.
		for {
			f, err := readFrame(alive, 5*time.Second)
			if err != nil {
				close(frames)
				return
			}
			frames <- f
		}
	}()
	time.Sleep(600 * time.Millisecond) // four pong waits
	id := appendEvent(t, src, "presence.changed", 0, 0)
	f, ok := <-frames
	if !ok || f.ID != id {
		t.Fatalf("live client after four pong waits got %+v (open %v), want event %d", f, ok, id)
	}
}

type presenceLog struct {
	mu    sync.Mutex
	calls []string
}

func (p *presenceLog) Connected(id int64)    { p.add("+", id) }
func (p *presenceLog) Disconnected(id int64) { p.add("-", id) }
func (p *presenceLog) add(op string, id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, op+string(rune('0'+id)))
}

func (p *presenceLog) get() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

func TestPresence(t *testing.T) {
	t.Parallel()
	p := &presenceLog{}
	env := startHub(t, newMemSource(t), func(c *Config) { c.Presence = p })
	a := env.connect(t, "agent3", "")
	b := env.connect(t, "agent3", "")
	c := env.connect(t, "agent4", "")
	if got := p.get(); !slices.Equal(got, []string{"+3", "+4"}) {
		t.Fatalf("after connecting: %v", got)
	}
	a.Close()
	c.Close()
	eventually(t, "agent 4 to leave", func() bool { return slices.Contains(p.get(), "-4") })
	if got := p.get(); slices.Contains(got, "-3") {
		t.Fatalf("agent 3 reported gone with a connection open: %v", got)
	}
	b.Close()
	eventually(t, "agent 3 to leave", func() bool { return slices.Equal(p.get(), []string{"+3", "+4", "-4", "-3"}) })
	eventually(t, "connections gauge at 0", func() bool { return value(t, env.hub.m.connections) == 0 })
}

// TestRefresh: a manager.updated event for a connected manager reloads its
// teams at once; a revoked manager is closed with 4003.
func TestRefresh(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	teams := []int64{20}
	revoked := false
	src := newMemSource(t)
	env := startHub(t, src, func(c *Config) {
		c.RefreshInterval = time.Hour // only the event triggers it here
		c.Refresh = func(_ context.Context, id int64) (Viewer, error) {
			mu.Lock()
			defer mu.Unlock()
			if revoked {
				return Viewer{}, ErrRevoked
			}
			return Viewer{ManagerID: id, Role: storage.RoleAgent, TeamIDs: slices.Clone(teams)}, nil
		}
	})
	ws := env.connect(t, "agent4", "")

	mu.Lock()
	teams = []int64{10}
	mu.Unlock()
	upd := appendEvent(t, src, "manager.updated", 0, 4)
	readUntil(t, ws, upd)
	// The refresh runs beside the stream; a team 10 queue event shows when
	// it has landed.
	var got int64
	eventually(t, "team 10 to become visible", func() bool {
		id := appendEvent(t, src, "dialog.queued", 10, 0)
		marker := appendEvent(t, src, "queue.changed", 0, 0)
		ids, _ := readUntil(t, ws, marker)
		if slices.Contains(ids, id) {
			got = id
			return true
		}
		return false
	})
	if got == 0 {
		t.Fatal("no team 10 event seen")
	}

	mu.Lock()
	revoked = true
	mu.Unlock()
	appendEvent(t, src, "manager.updated", 0, 4)
	for {
		if _, err := readFrame(ws, 5*time.Second); err != nil {
			if !websocket.IsCloseError(err, CloseRevoked) {
				t.Fatalf("revoked manager's connection ended with %v, want %d", err, CloseRevoked)
			}
			break
		}
	}
}

// TestShutdown: stopping the hub closes connections with 1001 so consoles
// reconnect with their cursor.
func TestShutdown(t *testing.T) {
	t.Parallel()
	h, err := New(Config{Source: newMemSource(t), Authenticate: testAuth, ResumeWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	env := &testEnv{hub: h}
	srv := newTestServer(t, h)
	env.url = srv
	ws := env.connect(t, "agent3", "")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	_, err = readFrame(ws, 5*time.Second)
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after shutdown: %v, want close 1001", err)
	}
	if _, resp, err := env.dial("agent3", "", nil); err == nil || resp == nil || resp.StatusCode != 503 {
		t.Fatalf("dial after shutdown: %v %v, want 503", resp, err)
	}
}
