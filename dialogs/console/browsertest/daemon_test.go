package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/channels/api"
	"github.com/switchboard-hub/switchboard/daemon"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/blob"
)

// Test accounts seeded into every daemon. The supervisor has no capacity,
// so the router never hands them a dialog and assignments stay
// predictable.
var accounts = []struct {
	login, name, password string
	role                  storage.Role
	capacity              int
}{
	{"anna", "Anna Agent", "anna-password", storage.RoleAgent, 5},
	{"boris", "Boris Agent", "boris-password", storage.RoleAgent, 5},
	{"sveta", "Sveta Supervisor", "sveta-password", storage.RoleSupervisor, 0},
}

const (
	teamName      = "Support"
	channelName   = "shop"
	channelSecret = "browser-test-secret-0123456789"
)

// callback is one reply the API channel's callback server received.
type callback struct {
	Signature string
	Body      struct {
		ID        string `json:"id"`
		DialogID  int64  `json:"dialog_id"`
		MessageID int64  `json:"message_id"`
		To        string `json:"to"`
		Text      string `json:"text"`
	}
}

// hub is a whole daemon run in the test process on a fixed port and data
// dir, so it can be stopped and started again as a restart would.
type hub struct {
	t        *testing.T
	cfg      daemon.Config
	URL      string
	managers map[string]int64 // login → id
	replies  chan callback

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan error
}

// startHub seeds a data dir with a team, the test accounts and an API
// channel whose callback server records replies, and starts the daemon.
func startHub(t *testing.T) *hub {
	t.Helper()
	h := &hub{t: t, managers: map[string]int64{}, replies: make(chan callback, 16)}

	cb := httptest.NewServer(http.HandlerFunc(h.receive))
	t.Cleanup(cb.Close)

	// The console's WebSocket Origin is checked against PublicURL, so the
	// port must be known before the daemon starts: take a free one.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	cfg := daemon.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = addr
	cfg.HTTP.PublicURL = "http://" + addr
	cfg.HTTP.ShutdownTimeout = 2 * time.Second
	cfg.Log.Level = "warn"
	// Cheap password hashing: the tests log in often and run under -race.
	cfg.Auth.Argon2Memory = 1024
	cfg.Outbox.Poll = 200 * time.Millisecond
	cfg.Channels.API = []api.Config{{Name: channelName, Secret: channelSecret, CallbackURL: cb.URL, Team: teamName}}
	h.cfg, h.URL = cfg, cfg.HTTP.PublicURL

	h.seed()
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *hub) seed() {
	t := h.t
	ctx := context.Background()
	st, err := daemon.OpenStore(ctx, h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	team := storage.Team{Name: teamName, Strategy: storage.RoundRobin, SLA: 30 * time.Minute, CreatedAt: time.Now().UTC()}
	if err := st.CreateTeam(ctx, &team); err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		m, err := daemon.CreateManager(ctx, st, h.cfg, a.login, a.name, a.role, a.capacity, a.password)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddTeamMember(ctx, team.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		h.managers[a.login] = m.ID
	}
}

// start runs the daemon and waits until it listens.
func (h *hub) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- daemon.Serve(ctx, h.cfg, io.Discard, daemon.Options{Ready: ready}) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		h.t.Fatalf("daemon did not start: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		h.t.Fatal("daemon did not start within 20s")
	}
	h.mu.Lock()
	h.cancel, h.done = cancel, done
	h.mu.Unlock()
}

// stop shuts the daemon down and waits for it; stopping a stopped daemon
// does nothing.
func (h *hub) stop() {
	h.mu.Lock()
	cancel, done := h.cancel, h.done
	h.cancel, h.done = nil, nil
	h.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			h.t.Errorf("daemon stopped with %v", err)
		}
	case <-time.After(20 * time.Second):
		h.t.Error("daemon did not stop within 20s")
	}
}

// receive is the API channel's callback server: it checks the signature
// and records the reply.
func (h *hub) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var c callback
	c.Signature = r.Header.Get(api.SignatureHeader)
	if err := api.VerifySignature(channelSecret, body, c.Signature); err != nil {
		h.t.Errorf("callback signature: %v", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if err := json.Unmarshal(body, &c.Body); err != nil {
		h.t.Errorf("callback body %q: %v", body, err)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	select {
	case h.replies <- c:
	default:
		h.t.Errorf("unexpected extra callback %s", body)
	}
	w.WriteHeader(http.StatusOK)
}

// reply waits for the next reply at the callback server.
func (h *hub) reply(timeout time.Duration) callback {
	h.t.Helper()
	select {
	case c := <-h.replies:
		return c
	case <-time.After(timeout):
		h.t.Fatalf("no reply reached the channel's callback server within %s", timeout)
		return callback{}
	}
}

// post sends a client message to the API channel's hook, signed as the
// channel's system would.
func (h *hub) post(id, name, phone, text string) {
	h.t.Helper()
	body, _ := json.Marshal(map[string]any{"id": id, "from": map[string]string{"name": name, "phone": phone}, "text": text})
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/hooks/api/"+channelName, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.SignatureHeader, api.Sign(channelSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("post to hook: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("hook answered %d: %s", resp.StatusCode, b)
	}
}

// ingestOffline writes a client message straight into the stopped
// daemon's store through a router of its own, as another replica would
// while this one is down. It returns the dialog id.
func (h *hub) ingestOffline(id, name, phone, text string) int64 {
	h.t.Helper()
	h.mu.Lock()
	running := h.cancel != nil
	h.mu.Unlock()
	if running {
		h.t.Fatal("ingestOffline needs the daemon stopped: SQLite has one writer")
	}
	ctx := context.Background()
	st, err := daemon.OpenStore(ctx, h.cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	defer st.Close()
	norm, err := identity.New(identity.Options{DefaultRegion: h.cfg.Identity.DefaultRegion})
	if err != nil {
		h.t.Fatal(err)
	}
	blobs, err := blob.Open(filepath.Join(h.cfg.DataDir, "blobs"))
	if err != nil {
		h.t.Fatal(err)
	}
	r := router.New(st, norm, blobs, router.Config{})
	rc, err := r.Ingest(ctx, channels.InboundEvent{
		Channel: api.ChannelPrefix + channelName, ExternalID: id, SenderID: phone,
		From: channels.Contact{Name: name, Identities: []channels.Identity{{Kind: channels.Phone, Value: phone}}},
		Text: text, Team: teamName, At: time.Now().UTC(),
	})
	if err != nil {
		h.t.Fatalf("ingest while stopped: %v", err)
	}
	return rc.DialogID
}

func (h *hub) managerID(login string) string {
	id, ok := h.managers[login]
	if !ok {
		panic(fmt.Sprintf("no test account %q", login))
	}
	return strconv.FormatInt(id, 10)
}
