package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/switchboard-hub/switchboard/channels/api"
)

// TestHostileInput sends what attackers and broken clients send to every
// public endpoint — oversized bodies, bad or missing signatures and
// credentials, malformed payloads, foreign WebSocket origins, password
// guessing — and checks each gets its 4xx with a JSON reason, never a 2xx
// or a 5xx.
func TestHostileInput(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	cfg := baseConfig(filepath.Join(dir, "data"), "")
	cfg.HTTP.Addr = "127.0.0.1:" + strconv.Itoa(port)
	cfg.HTTP.PublicURL = "http://127.0.0.1:" + strconv.Itoa(port)
	cfgPath := writeConfig(t, dir, cfg)
	tokA, passA := addAgentWithPassword(t, cfgPath, "alice", 5)
	tokB := addAgent(t, cfgPath, "bob", 5)
	d := startProc(t, cfgPath, procOptions{})
	agent{d.URL, tokA}.online(t)

	a, err := postEvent(d.URL, event{ID: "sec-1", From: eventFrom{Phone: phone(8000001, 0)}, Text: "hi"})
	if err != nil || a.Status != http.StatusAccepted {
		t.Fatalf("valid event: %v %d %s", err, a.Status, a.Body)
	}
	alicesDialog := strconv.FormatInt(a.Receipt.DialogID, 10)

	signed := func(body string) map[string]string {
		return map[string]string{api.SignatureHeader: api.Sign(channelSecret, []byte(body))}
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	big := `{"id":"big","text":"` + strings.Repeat("x", 1<<20) + `"}`
	valid := `{"id":"sec-2","from":{"phone":"+79120000002"},"text":"hi"}`
	hook := "/hooks/api/" + channelName

	cases := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		body    string
		want    int
	}{
		{"hook unknown channel", "POST", "/hooks/api/nope", signed(valid), valid, 404},
		{"hook without signature", "POST", hook, nil, valid, 401},
		{"hook wrong signature", "POST", hook, map[string]string{api.SignatureHeader: api.Sign("another-secret-0123456789", []byte(valid))}, valid, 401},
		{"hook garbage signature", "POST", hook, map[string]string{api.SignatureHeader: "sha256=zz"}, valid, 401},
		{"hook signature without scheme", "POST", hook, map[string]string{api.SignatureHeader: strings.TrimPrefix(api.Sign(channelSecret, []byte(valid)), "sha256=")}, valid, 401},
		{"hook body signed but changed", "POST", hook, signed(valid), strings.Replace(valid, "hi", "ha", 1), 401},
		{"hook oversized body", "POST", hook, signed(big), big, 413},
		{"hook not JSON", "POST", hook, signed("id=1&text=hi"), "id=1&text=hi", 400},
		{"hook JSON array", "POST", hook, signed("[1,2]"), "[1,2]", 400},
		{"hook without id", "POST", hook, signed(`{"text":"hi"}`), `{"text":"hi"}`, 400},
		{"hook id of wrong type", "POST", hook, signed(`{"id":5,"text":"hi"}`), `{"id":5,"text":"hi"}`, 400},
		{"hook truncated JSON", "POST", hook, signed(`{"id":"x","text":"h`), `{"id":"x","text":"h`, 400},
		// GET falls through to the console, which owns every other path.
		{"hook wrong method", "GET", hook, nil, "", 404},

		{"login not JSON", "POST", "/api/v1/auth/login", nil, "login=alice", 400},
		{"login without password", "POST", "/api/v1/auth/login", nil, `{"login":"alice"}`, 400},
		{"login unknown field", "POST", "/api/v1/auth/login", nil, `{"login":"alice","password":"x","admin":true}`, 400},
		{"login oversized", "POST", "/api/v1/auth/login", nil, `{"login":"` + strings.Repeat("a", 1<<20) + `"}`, 413},
		{"login wrong password", "POST", "/api/v1/auth/login", nil, `{"login":"alice","password":"wrong"}`, 401},

		{"api without credentials", "GET", "/api/v1/dialogs", nil, "", 401},
		{"api unknown token", "GET", "/api/v1/dialogs", bearer("sbt_notatoken"), "", 401},
		{"api malformed authorization", "GET", "/api/v1/dialogs", map[string]string{"Authorization": "Basic YWxpY2U6eA=="}, "", 401},
		{"reply not JSON", "POST", "/api/v1/dialogs/" + alicesDialog + "/messages", bearer(tokA), "text", 400},
		{"reply unknown field", "POST", "/api/v1/dialogs/" + alicesDialog + "/messages", bearer(tokA), `{"text":"x","author_id":1}`, 400},
		{"reply oversized", "POST", "/api/v1/dialogs/" + alicesDialog + "/messages", bearer(tokA), `{"text":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
		{"reply empty", "POST", "/api/v1/dialogs/" + alicesDialog + "/messages", bearer(tokA), `{"text":"  "}`, 400},
		{"reply bad dialog id", "POST", "/api/v1/dialogs/abc/messages", bearer(tokA), `{"text":"x"}`, 400},
		{"reply to another agent's dialog", "POST", "/api/v1/dialogs/" + alicesDialog + "/messages", bearer(tokB), `{"text":"x"}`, 404},
		{"read another agent's dialog", "GET", "/api/v1/dialogs/" + alicesDialog, bearer(tokB), "", 404},
		{"agent creating a manager", "POST", "/api/v1/managers", bearer(tokA), `{"login":"eve","password":"p4ssw0rd-long-enough","role":"admin"}`, 403},
		{"presence out of range", "PUT", "/api/v1/me/presence", bearer(tokA), `{"presence":"invisible"}`, 400},
		{"stream bad since", "GET", "/api/v1/stream?since=-1", bearer(tokA), "", 400},
		{"stream without credentials", "GET", "/api/v1/stream", nil, "", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawRequest(t, d.URL, c.method, c.path, c.headers, c.body)
			if status != c.want {
				t.Fatalf("answered %d %s, want %d", status, body, c.want)
			}
			if c.method == http.MethodPost || c.headers != nil {
				var e struct {
					Error string `json:"error"`
				}
				if json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
					t.Errorf("answer is not a JSON error with a code: %s", body)
				}
			}
		})
	}
	t.Run("session write without CSRF token", func(t *testing.T) {
		status, body, cookies := login(t, d.URL, "alice", passA)
		if status != http.StatusOK {
			t.Fatalf("login: %d %s", status, body)
		}
		req, _ := http.NewRequest(http.MethodPut, d.URL+"/api/v1/me/presence", strings.NewReader(`{"presence":"away"}`))
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cookie write without X-CSRF-Token answered %d, want 403", resp.StatusCode)
		}
	})

	t.Run("websocket origins", func(t *testing.T) {
		ws := "ws://127.0.0.1:" + strconv.Itoa(port) + "/api/v1/stream"
		for _, c := range []struct {
			origin string
			want   int
		}{
			{"http://evil.example", http.StatusForbidden},
			{"http://127.0.0.1:" + strconv.Itoa(port+1), http.StatusForbidden},
			{"null", http.StatusForbidden},
			{cfg.HTTP.PublicURL, http.StatusSwitchingProtocols},
		} {
			h := http.Header{"Authorization": {"Bearer " + tokA}, "Origin": {c.origin}}
			conn, resp, err := websocket.DefaultDialer.Dial(ws, h)
			if conn != nil {
				conn.Close()
			}
			got := 0
			if resp != nil {
				got = resp.StatusCode
			}
			if got != c.want {
				t.Errorf("Origin %s: handshake answered %d (%v), want %d", c.origin, got, err, c.want)
			}
		}
	})

	t.Run("password guessing", func(t *testing.T) {
		// One account: refused after its burst of attempts, even with
		// the right password.
		throttled := false
		for i := range 15 {
			status, _, _ := login(t, d.URL, "bob", fmt.Sprintf("guess-%d", i))
			if status == http.StatusTooManyRequests {
				throttled = true
				break
			}
			if status != http.StatusUnauthorized {
				t.Fatalf("wrong password answered %d", status)
			}
		}
		if !throttled {
			t.Fatal("15 wrong passwords for one account were never throttled")
		}
		if status, _, _ := login(t, d.URL, "bob", "still-guessing"); status != http.StatusTooManyRequests {
			t.Errorf("the throttled account answered %d", status)
		}
		// One address spraying many accounts: refused too.
		throttled = false
		for i := range 80 {
			status, _, _ := login(t, d.URL, fmt.Sprintf("spray-%d", i), "password")
			if status == http.StatusTooManyRequests {
				throttled = true
				break
			}
		}
		if !throttled {
			t.Error("80 logins to different accounts from one address were never throttled")
		}
	})
}

// rawRequest sends one request and returns status and body.
func rawRequest(t *testing.T, base, method, path string, headers map[string]string, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(bytes.TrimSpace(b))
}

// login posts credentials and returns the status, body and cookies.
func login(t *testing.T, base, user, password string) (int, string, []*http.Cookie) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"login": user, "password": password})
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Cookies()
}
