package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels/api"
)

const testSecret = "0123456789abcdef-test"

// syncBuffer is a bytes.Buffer safe to read while Serve writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// callbackSink is an API channel's far side: it checks signatures and
// records replies.
type callbackSink struct {
	mu      sync.Mutex
	bodies  []map[string]any
	keys    []string
	badSigs int
}

func (c *callbackSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if api.VerifySignature(testSecret, body, r.Header.Get(api.SignatureHeader)) != nil {
		c.badSigs++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m map[string]any
	json.Unmarshal(body, &m)
	c.bodies = append(c.bodies, m)
	c.keys = append(c.keys, r.Header.Get(api.IdempotencyHeader))
	w.WriteHeader(http.StatusOK)
}

func (c *callbackSink) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bodies)
}

// startDaemon runs Serve in-process and returns its base URL and the
// output it printed.
func startDaemon(t *testing.T, cfg Config) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, out, Options{Ready: ready}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v on shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Serve did not stop within 30s of cancel")
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr, out
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("daemon not ready within 30s")
	}
	return "", nil
}

func testConfig(t *testing.T, callback string) Config {
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.PublicURL = "http://127.0.0.1"
	cfg.Auth.Argon2Memory, cfg.Auth.Argon2Time = 64, 1
	cfg.Outbox.Poll = 50 * time.Millisecond
	cfg.Log.Level = "warn"
	cfg.Channels.API = []api.Config{{Name: "shop", Secret: testSecret, CallbackURL: callback}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func postEvent(t *testing.T, base, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/hooks/api/shop", strings.NewReader(body))
	req.Header.Set(api.SignatureHeader, api.Sign(testSecret, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestServeEndToEnd walks the one flow through the real wiring: a signed
// event is committed and answered 202, its replay 200, the admin from the
// first start logs in, goes online, gets the dialog, replies, and the reply
// reaches the channel's callback signed and with its idempotency key.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	sink := &callbackSink{}
	cb := httptest.NewServer(sink)
	defer cb.Close()
	base, out := startDaemon(t, testConfig(t, cb.URL))

	m := regexp.MustCompile(`manager "admin" with password (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("first start printed no admin password:\n%s", out)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s = %v, %v", path, resp, err)
		}
		resp.Body.Close()
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	do := func(method, path, body, csrf string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	code, login := do("POST", "/api/v1/auth/login", fmt.Sprintf(`{"login":"admin","password":%q}`, m[1]), "")
	if code != 200 {
		t.Fatalf("login = %d %v", code, login)
	}
	csrf := login["csrf_token"].(string)
	if code, _ := do("PUT", "/api/v1/me/presence", `{"presence":"online"}`, ""); code != http.StatusForbidden {
		t.Fatalf("cookie write without CSRF token = %d, want 403", code)
	}
	if code, _ := do("PUT", "/api/v1/me/presence", `{"presence":"online"}`, csrf); code != 200 {
		t.Fatalf("presence = %d", code)
	}

	ev := `{"id":"evt-1","from":{"name":"Пётр","phone":"8 912 345-67-89"},"text":"Нужен счёт"}`
	code, rc := postEvent(t, base, ev)
	if code != http.StatusAccepted || rc["duplicate"] != false {
		t.Fatalf("event = %d %v", code, rc)
	}
	code, again := postEvent(t, base, ev)
	if code != http.StatusOK || again["duplicate"] != true || again["message_id"] != rc["message_id"] {
		t.Fatalf("replay = %d %v", code, again)
	}
	code, other := postEvent(t, base, `{"id":"evt-2","from":{"phone":"+7 (912) 345 67 89"},"text":"И ещё"}`)
	if code != http.StatusAccepted || other["client_id"] != rc["client_id"] {
		t.Fatalf("same phone written differently = %d %v, first %v", code, other, rc)
	}

	dialog := int64(rc["dialog_id"].(float64))
	code, mine := do("GET", "/api/v1/dialogs?view=mine", "", "")
	if code != 200 || len(mine["dialogs"].([]any)) != 1 {
		t.Fatalf("my dialogs = %d %v", code, mine)
	}
	code, sent := do("POST", fmt.Sprintf("/api/v1/dialogs/%d/messages", dialog), `{"text":"Счёт отправлен"}`, csrf)
	if code != http.StatusCreated {
		t.Fatalf("reply = %d %v", code, sent)
	}
	deadline := time.Now().Add(15 * time.Second)
	for sink.count() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("reply never reached the callback")
		}
		time.Sleep(20 * time.Millisecond)
	}
	sink.mu.Lock()
	got, key, bad := sink.bodies[0], sink.keys[0], sink.badSigs
	sink.mu.Unlock()
	if got["text"] != "Счёт отправлен" || key == "" || got["id"] != key || bad != 0 {
		t.Fatalf("callback got %v key %q (bad signatures %d)", got, key, bad)
	}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"switchboard_router_inbound_events_total", "switchboard_http_requests_total", "switchboard_outbox_backlog",
		`switchboard_storage_pool_connections{state="in_use"}`, "switchboard_storage_pool_waits_total",
		"switchboard_storage_pool_wait_seconds_total",
		// SQLite's one connection.
		"switchboard_storage_pool_max_connections 1\n"} {
		if !strings.Contains(string(metrics), name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}
