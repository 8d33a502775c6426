package faults

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels/api"
)

// action is how the far side answers one delivery attempt.
type action struct {
	// Status answers with this code (0 means 200).
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Hang holds the request until the sender gives up (or release is
	// closed) and answers nothing.
	Hang bool
	// Reset drops the TCP connection with an RST instead of answering.
	Reset bool
}

// attempt is one request the far side saw.
type attempt struct {
	Key string
	// MessageID is the hub's message id from the body.
	MessageID int64
	At        time.Time
	// Answered is the status sent back, 0 when none was (hang, reset, or
	// the sender went away first).
	Answered int
}

// farSide is an API channel's callback receiver that records deliveries by
// Idempotency-Key and answers as script says.
type farSide struct {
	srv *httptest.Server
	// script picks the answer to the n-th attempt (1-based) for a key.
	script func(key string, n int) action

	mu       sync.Mutex
	attempts []attempt
	perKey   map[string]int
	// arrived is signalled (without blocking) on every request.
	arrived chan string
	// release ends every hanging request.
	release chan struct{}
	relOnce sync.Once
}

// newFarSide starts a receiver; script nil answers 200 to everything.
func newFarSide(t *testing.T, script func(key string, n int) action) *farSide {
	f := &farSide{script: script, perKey: map[string]int{}, arrived: make(chan string, 1024), release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.Release()
		f.srv.Close()
	})
	return f
}

// URL is the callback URL to configure.
func (f *farSide) URL() string { return f.srv.URL + "/callback" }

// Release ends every hanging request.
func (f *farSide) Release() { f.relOnce.Do(func() { close(f.release) }) }

func (f *farSide) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Header.Get(api.IdempotencyHeader)
	if api.VerifySignature(channelSecret, body, r.Header.Get(api.SignatureHeader)) != nil || key == "" {
		http.Error(w, "bad signature or no key", http.StatusBadRequest)
		return
	}
	var msg struct {
		MessageID int64 `json:"message_id"`
	}
	_ = json.Unmarshal(body, &msg)
	f.mu.Lock()
	f.perKey[key]++
	n := f.perKey[key]
	idx := len(f.attempts)
	f.attempts = append(f.attempts, attempt{Key: key, MessageID: msg.MessageID, At: time.Now()})
	f.mu.Unlock()
	select {
	case f.arrived <- key:
	default:
	}

	act := action{}
	if f.script != nil {
		act = f.script(key, n)
	}
	switch {
	case act.Hang:
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	case act.Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // close with RST
				}
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	code := act.Status
	if code == 0 {
		code = http.StatusOK
	}
	if act.RetryAfter != "" {
		w.Header().Set("Retry-After", act.RetryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, `{"status":`+strconv.Itoa(code)+`}`)
	// Record the answer only once it is written: a 2xx counts as a
	// delivery from here on.
	f.mu.Lock()
	f.attempts[idx].Answered = code
	f.mu.Unlock()
}

// Attempts returns a copy of every request seen so far.
func (f *farSide) Attempts() []attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]attempt(nil), f.attempts...)
}

// Seen counts requests per key.
func (f *farSide) Seen() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.perKey))
	for k, v := range f.perKey {
		out[k] = v
	}
	return out
}

// Delivered counts 2xx answers per key.
func (f *farSide) Delivered() map[string]int {
	out := map[string]int{}
	for _, a := range f.Attempts() {
		if a.Answered/100 == 2 {
			out[a.Key]++
		}
	}
	return out
}

// KeyOf returns the idempotency key the far side saw for a message.
func (f *farSide) KeyOf(messageID int64) string {
	for _, a := range f.Attempts() {
		if a.MessageID == messageID {
			return a.Key
		}
	}
	return ""
}
