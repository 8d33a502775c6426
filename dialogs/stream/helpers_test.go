package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/switchboard-hub/switchboard/storage"
)

// The test managers: the bearer token is the key.
var testViewers = map[string]Viewer{
	"admin":  {ManagerID: 1, Role: storage.RoleAdmin},
	"sup":    {ManagerID: 2, Role: storage.RoleSupervisor, TeamIDs: []int64{10}},
	"agent3": {ManagerID: 3, Role: storage.RoleAgent, TeamIDs: []int64{10}},
	"agent4": {ManagerID: 4, Role: storage.RoleAgent, TeamIDs: []int64{20}},
}

func testAuth(r *http.Request) (Viewer, error) {
	v, ok := testViewers[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		return Viewer{}, errors.New("no such token")
	}
	return v, nil
}

type testEnv struct {
	src Source
	hub *Hub
	srv *httptest.Server
	reg *prometheus.Registry
	url string
}

// startHub runs a hub on src behind a test server, stopping both when the
// test ends. The first-frame resume wait is off unless mod turns it on, so
// live frames follow hello at once.
func startHub(tb testing.TB, src Source, mod func(*Config)) *testEnv {
	tb.Helper()
	return startHubOn(tb, src, mod, nil)
}

// startHubOn is startHub with the server's listener wrapped by wrap.
func startHubOn(tb testing.TB, src Source, mod func(*Config), wrap func(net.Listener) net.Listener) *testEnv {
	tb.Helper()
	reg := prometheus.NewRegistry()
	cfg := Config{
		Source:       src,
		Authenticate: testAuth,
		Registerer:   reg,
		ResumeWait:   -1,
		PollInterval: 200 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	srv := httptest.NewUnstartedServer(h)
	if wrap != nil {
		srv.Listener = wrap(srv.Listener)
	}
	srv.Start()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
		srv.Close()
	})
	return &testEnv{src: src, hub: h, srv: srv, reg: reg, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// dial opens a stream connection as token with the raw query q.
func (e *testEnv) dial(token, q string, d *websocket.Dialer) (*websocket.Conn, *http.Response, error) {
	if d == nil {
		d = websocket.DefaultDialer
	}
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	u := e.url
	if q != "" {
		u += "?" + q
	}
	return d.Dial(u, hdr)
}

// connect dials and reads the hello frame, after which the connection is
// registered and receives every later event it may see.
func (e *testEnv) connect(tb testing.TB, token, q string) *websocket.Conn {
	tb.Helper()
	ws, _, err := e.dial(token, q, nil)
	if err != nil {
		tb.Fatalf("dial %s: %v", token, err)
	}
	tb.Cleanup(func() { ws.Close() })
	if f := mustRead(tb, ws); f.Type != "stream.hello" {
		tb.Fatalf("first frame = %+v, want stream.hello", f)
	}
	_ = ws.SetReadDeadline(time.Time{}) // readFrame sets its own each time
	return ws
}

// value reads a counter or gauge.
func value(tb testing.TB, m prometheus.Metric) float64 {
	tb.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		tb.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// frame is a server frame as a client decodes it.
type frame struct {
	ID   int64           `json:"id"`
	Type string          `json:"type"`
	At   string          `json:"at"`
	Data json.RawMessage `json:"data"`
}

func readFrame(ws *websocket.Conn, timeout time.Duration) (frame, error) {
	var f frame
	_ = ws.SetReadDeadline(time.Now().Add(timeout))
	typ, msg, err := ws.ReadMessage()
	if err != nil {
		return f, err
	}
	if typ != websocket.TextMessage {
		return f, fmt.Errorf("message type %d, want text", typ)
	}
	if err := json.Unmarshal(msg, &f); err != nil {
		return f, fmt.Errorf("frame %q: %w", msg, err)
	}
	return f, nil
}

func mustRead(tb testing.TB, ws *websocket.Conn) frame {
	tb.Helper()
	f, err := readFrame(ws, 5*time.Second)
	if err != nil {
		tb.Fatalf("read frame: %v", err)
	}
	return f
}

// readUntil reads frames until one with the given id, returning the ids of
// stored events seen (including it) and the other frames.
func readUntil(tb testing.TB, ws *websocket.Conn, id int64) (ids []int64, other []frame) {
	tb.Helper()
	for {
		f := mustRead(tb, ws)
		if f.ID == 0 {
			other = append(other, f)
			continue
		}
		ids = append(ids, f.ID)
		if f.ID == id {
			return ids, other
		}
		if f.ID > id {
			tb.Fatalf("read past id %d: got %d", id, f.ID)
		}
	}
}

func sendJSON(tb testing.TB, ws *websocket.Conn, v any) {
	tb.Helper()
	if err := ws.WriteJSON(v); err != nil {
		tb.Fatalf("write: %v", err)
	}
}

// appendEvent stores an event with the given scope and returns its id.
func appendEvent(tb testing.TB, src Source, typ string, teamID, managerID int64) int64 {
	tb.Helper()
	e := storage.Event{Type: typ, TeamID: teamID, ManagerID: managerID, Data: json.RawMessage(`{"n":1}`)}
	if err := src.AppendEvent(context.Background(), &e); err != nil {
		tb.Fatal(err)
	}
	return e.ID
}

// eventually polls cond until it holds or 10s pass.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// jsonHas reports whether the JSON object data has key set to the string want.
func jsonHas(data json.RawMessage, key, want string) bool {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	s, ok := m[key].(string)
	return ok && s == want
}

// newTestServer serves h and returns its ws:// URL.
func newTestServer(tb testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}
