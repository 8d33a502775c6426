package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

const testSecret = "0123456789abcdef-shop"

// fakeIngester records events and answers with a canned receipt or error;
// the router is not part of this package's tests.
type fakeIngester struct {
	mu     sync.Mutex
	events []channels.InboundEvent
	rc     channels.Receipt
	err    error
}

func (f *fakeIngester) Ingest(_ context.Context, ev channels.InboundEvent) (channels.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	return f.rc, f.err
}

func (f *fakeIngester) got() []channels.InboundEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]channels.InboundEvent(nil), f.events...)
}

var fixedNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func newTestServer(t *testing.T, ing channels.Ingester) *httptest.Server {
	t.Helper()
	h, err := NewHandler([]Config{{Name: "shop", Secret: testSecret, Team: "sales"}}, ing, Options{
		MaxBody: 4 << 10,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:     func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Pattern, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

const goodBody = `{"id":"ev-1","from":{"name":"Ann Lee","phone":"8 912 345-67-89","email":"Ann@X.ru","external_id":"user-7"},"text":"Where is my order?","thread":"order-5","at":"2026-03-01T10:00:00Z"}`

func TestHandler(t *testing.T) {
	t.Parallel()
	receipt := channels.Receipt{ClientID: 3, DialogID: 4, MessageID: 5}
	tests := []struct {
		name       string
		path       string
		body       string
		sig        string // "" signs body correctly; "-" sends no header
		rc         channels.Receipt
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string
		wantIngest bool
	}{
		{name: "good event", body: goodBody, rc: receipt, wantStatus: http.StatusAccepted, wantIngest: true},
		{name: "duplicate", body: goodBody, rc: channels.Receipt{ClientID: 3, DialogID: 4, MessageID: 5, Duplicate: true}, wantStatus: http.StatusOK, wantIngest: true},
		{name: "unknown channel", path: "/hooks/api/nope", body: goodBody, wantStatus: http.StatusNotFound, wantCode: codeUnknownChannel},
		{name: "missing signature", body: goodBody, sig: "-", wantStatus: http.StatusUnauthorized, wantCode: codeMissingSignature},
		{name: "wrong signature", body: goodBody, sig: Sign("another-secret-of-16", []byte(goodBody)), wantStatus: http.StatusUnauthorized, wantCode: codeInvalidSignature},
		{name: "signature without prefix", body: goodBody, sig: strings.TrimPrefix(Sign(testSecret, []byte(goodBody)), "sha256="), wantStatus: http.StatusUnauthorized, wantCode: codeInvalidSignature},
		{name: "signature not hex", body: goodBody, sig: "sha256=zz", wantStatus: http.StatusUnauthorized, wantCode: codeInvalidSignature},
		{name: "oversized", body: `{"id":"x","text":"` + strings.Repeat("a", 5<<10) + `"}`, wantStatus: http.StatusRequestEntityTooLarge, wantCode: codeBodyTooLarge},
		{name: "malformed json", body: `{"id":"x",`, wantStatus: http.StatusBadRequest, wantCode: codeInvalidJSON, wantMsg: "syntax error"},
		{name: "missing id", body: `{"text":"hi","from":{"email":"a@x.ru"}}`, wantStatus: http.StatusBadRequest, wantCode: codeInvalidPayload, wantMsg: "id is required"},
		{name: "bad time", body: `{"id":"e","text":"hi","from":{"email":"a@x.ru"},"at":"01.03.2026"}`, wantStatus: http.StatusBadRequest, wantCode: codeInvalidPayload, wantMsg: "RFC 3339"},
		{name: "router refuses event", body: goodBody, err: fmt.Errorf("router: phone: %w", channels.ErrInvalidEvent), wantStatus: http.StatusBadRequest, wantCode: codeInvalidEvent, wantMsg: "invalid event", wantIngest: true},
		{name: "store unavailable", body: goodBody, err: fmt.Errorf("router: begin: %w", storage.ErrUnavailable), wantStatus: http.StatusServiceUnavailable, wantCode: codeUnavailable, wantIngest: true},
		{name: "internal error", body: goodBody, err: fmt.Errorf("router: disk on fire"), wantStatus: http.StatusInternalServerError, wantCode: codeInternal, wantMsg: "internal error", wantIngest: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ing := &fakeIngester{rc: tt.rc, err: tt.err}
			srv := newTestServer(t, ing)
			path := tt.path
			if path == "" {
				path = "/hooks/api/shop"
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(tt.body))
			switch tt.sig {
			case "":
				req.Header.Set(SignatureHeader, Sign(testSecret, []byte(tt.body)))
			case "-":
			default:
				req.Header.Set(SignatureHeader, tt.sig)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, raw)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := len(ing.got()) > 0; got != tt.wantIngest {
				t.Fatalf("ingested = %v, want %v", got, tt.wantIngest)
			}
			if tt.wantCode != "" {
				var eb errorBody
				if err := json.Unmarshal(raw, &eb); err != nil {
					t.Fatalf("error body %s: %v", raw, err)
				}
				if eb.Error != tt.wantCode || !strings.Contains(eb.Message, tt.wantMsg) || eb.Message == "" {
					t.Errorf("error = %+v, want %s containing %q", eb, tt.wantCode, tt.wantMsg)
				}
				if tt.wantStatus == http.StatusInternalServerError && strings.Contains(eb.Message, "fire") {
					t.Errorf("500 leaks the internal error: %q", eb.Message)
				}
				if tt.wantStatus == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "5" {
					t.Errorf("Retry-After = %q, want 5", resp.Header.Get("Retry-After"))
				}
				return
			}
			var got channels.Receipt
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("receipt %s: %v", raw, err)
			}
			if got != tt.rc {
				t.Errorf("receipt = %+v, want %+v", got, tt.rc)
			}
			for _, key := range []string{`"client_id"`, `"dialog_id"`, `"message_id"`, `"duplicate"`} {
				if !strings.Contains(string(raw), key) {
					t.Errorf("receipt %s lacks %s", raw, key)
				}
			}
		})
	}
}

func TestHandlerMapsEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want channels.InboundEvent
	}{
		{
			name: "all fields",
			body: goodBody,
			want: channels.InboundEvent{
				Channel: "api:shop", ExternalID: "ev-1", SenderID: "user-7",
				From: channels.Contact{Name: "Ann Lee", Identities: []channels.Identity{
					{Kind: channels.Phone, Value: "8 912 345-67-89"},
					{Kind: channels.Email, Value: "Ann@X.ru"},
				}},
				At: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Text: "Where is my order?", ThreadKey: "order-5", Team: "sales",
			},
		},
		{
			name: "phone only, no time",
			body: `{"id":"ev-2","from":{"phone":"+7 912 000"},"text":"hi"}`,
			want: channels.InboundEvent{
				Channel: "api:shop", ExternalID: "ev-2", SenderID: "+7 912 000",
				From: channels.Contact{Identities: []channels.Identity{{Kind: channels.Phone, Value: "+7 912 000"}}},
				At:   fixedNow, Text: "hi", Team: "sales",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ing := &fakeIngester{}
			srv := newTestServer(t, ing)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/api/shop", strings.NewReader(tt.body))
			req.Header.Set(SignatureHeader, Sign(testSecret, []byte(tt.body)))
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			evs := ing.got()
			if len(evs) != 1 {
				t.Fatalf("ingested %d events", len(evs))
			}
			gotJSON, _ := json.Marshal(evs[0])
			wantJSON, _ := json.Marshal(tt.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("event\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestHandlerRejectsGet(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &fakeIngester{})
	resp, err := srv.Client().Get(srv.URL + "/hooks/api/shop")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("status = %d, want 405", resp.StatusCode)
	}
}

func TestNewHandlerValidates(t *testing.T) {
	t.Parallel()
	ing := &fakeIngester{}
	tests := []struct {
		name string
		cfgs []Config
	}{
		{name: "bad name", cfgs: []Config{{Name: "Shop/1", Secret: testSecret}}},
		{name: "short secret", cfgs: []Config{{Name: "shop", Secret: "short"}}},
		{name: "relative callback", cfgs: []Config{{Name: "shop", Secret: testSecret, CallbackURL: "/reply"}}},
		{name: "duplicate", cfgs: []Config{{Name: "shop", Secret: testSecret}, {Name: "shop", Secret: testSecret}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewHandler(tt.cfgs, ing, Options{}); err == nil {
				t.Fatal("NewHandler accepted a bad config")
			}
		})
	}
}

func TestConfigStringMasksSecret(t *testing.T) {
	t.Parallel()
	s := fmt.Sprintf("%v", Config{Name: "shop", Secret: testSecret})
	if strings.Contains(s, testSecret) {
		t.Errorf("config prints its secret: %s", s)
	}
}
