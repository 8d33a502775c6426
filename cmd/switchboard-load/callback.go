package main

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-hub/switchboard/channels/api"
)

// receiver is the far side of the API channel: it takes the outbox's
// reply deliveries, answers 200 and counts each idempotency key once, so a
// redelivery does not inflate the throughput.
type receiver struct {
	ln    net.Listener
	srv   *http.Server
	stats *stats

	mu   sync.Mutex
	keys map[string]bool
}

// startReceiver listens on addr ("127.0.0.1:0" for any port).
func startReceiver(addr string, st *stats) (*receiver, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &receiver{ln: ln, stats: st, keys: map[string]bool{}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// URL is the callback URL to configure on the channel.
func (r *receiver) URL() string { return "http://" + r.ln.Addr().String() + "/callback" }

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, 1<<20))
	key := req.Header.Get(api.IdempotencyHeader)
	r.mu.Lock()
	first := key != "" && !r.keys[key]
	r.keys[key] = true
	r.mu.Unlock()
	if first {
		r.stats.delivered.Add(1)
	}
	w.WriteHeader(http.StatusOK)
}

// Close stops the receiver.
func (r *receiver) Close() error { return r.srv.Close() }
