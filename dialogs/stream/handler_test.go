package stream

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
)

func TestUpgradeRefusals(t *testing.T) {
	t.Parallel()
	env := startHub(t, newMemSource(t), func(c *Config) {
		c.AllowedOrigins = []string{"https://crm.example.com"}
	})
	cases := []struct {
		name   string
		token  string
		origin string
		query  string
		status int
		code   string
	}{
		{"foreign origin", "agent3", "https://evil.example.net", "", http.StatusForbidden, "forbidden"},
		{"other port", "agent3", "https://crm.example.com:8443", "", http.StatusForbidden, "forbidden"},
		{"other scheme", "agent3", "http://crm.example.com", "", http.StatusForbidden, "forbidden"},
		{"foreign origin, no auth", "", "https://evil.example.net", "", http.StatusForbidden, "forbidden"},
		{"no auth", "", "", "", http.StatusUnauthorized, "unauthorized"},
		{"bad token", "nobody", "https://crm.example.com", "", http.StatusUnauthorized, "unauthorized"},
		{"bad since", "agent3", "", "since=abc", http.StatusBadRequest, "bad_request"},
		{"negative since", "agent3", "", "since=-1", http.StatusBadRequest, "bad_request"},
		{"allowed origin", "agent3", "https://crm.example.com", "", http.StatusSwitchingProtocols, ""},
		{"allowed origin, other spelling", "agent3", "https://CRM.example.com:443", "", http.StatusSwitchingProtocols, ""},
		{"no origin (not a browser)", "agent3", "", "", http.StatusSwitchingProtocols, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hdr := http.Header{}
			if tc.token != "" {
				hdr.Set("Authorization", "Bearer "+tc.token)
			}
			if tc.origin != "" {
				hdr.Set("Origin", tc.origin)
			}
			u := env.url
			if tc.query != "" {
				u += "?" + tc.query
			}
			ws, resp, err := websocket.DefaultDialer.Dial(u, hdr)
			if ws != nil {
				ws.Close()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.code == "" {
				return
			}
			var body struct{ Error, Message string }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error != tc.code || body.Message == "" {
				t.Fatalf("body %+v (%v), want error %q with a message", body, err, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("content type %q", ct)
			}
		})
	}
}

func TestSameHostOriginWhenNoneConfigured(t *testing.T) {
	t.Parallel()
	env := startHub(t, newMemSource(t), nil)
	for origin, want := range map[string]int{
		"http://" + env.srv.Listener.Addr().String(): http.StatusSwitchingProtocols,
		"http://elsewhere.example":                   http.StatusForbidden,
	} {
		hdr := http.Header{"Authorization": {"Bearer agent3"}, "Origin": {origin}}
		ws, resp, _ := websocket.DefaultDialer.Dial(env.url, hdr)
		if ws != nil {
			ws.Close()
		}
		if resp == nil || resp.StatusCode != want {
			t.Errorf("origin %s: %v, want %d", origin, resp, want)
		}
	}
}

func TestNormalizeOrigin(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://Example.com":      "https://example.com:443",
		"https://example.com:443/": "https://example.com:443",
		"http://example.com":       "http://example.com:80",
		"http://[::1]:8080":        "http://[::1]:8080",
		"ftp://example.com":        "",
		"example.com":              "",
		"https://":                 "",
	} {
		got, err := normalizeOrigin(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("normalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := New(Config{Source: newMemSource(t), Authenticate: testAuth, AllowedOrigins: []string{"crm.example.com"}}); err == nil {
		t.Error("New accepted an origin without a scheme")
	}
}

func TestConfigChecks(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{Authenticate: testAuth}); err == nil {
		t.Error("New accepted a config without a source")
	}
	_, err := New(Config{Source: newMemSource(t), Authenticate: testAuth, PingPeriod: 2e9, PongWait: 1e9})
	if err == nil {
		t.Error("New accepted a ping period longer than the pong wait")
	}
}
