package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// readyWait is how long an upgrade request waits for Run to learn the log's
// position before it is answered 503.
const readyWait = 5 * time.Second

// ServeHTTP upgrades GET /api/v1/stream to a stream connection. Before the
// upgrade it checks, in order: Origin (403), the manager (401), the since
// cursor (400) and that the hub runs (503), each refusal a JSON error
// {"error": code, "message": text}.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.originAllowed(r) {
		h.m.rejectedConns.WithLabelValues("origin").Inc()
		writeError(w, http.StatusForbidden, "forbidden", "origin not allowed")
		return
	}
	v, err := h.cfg.Authenticate(r)
	if err != nil {
		h.m.rejectedConns.WithLabelValues("unauthorized").Inc()
		writeError(w, http.StatusUnauthorized, "unauthorized", "sign in to open the stream")
		return
	}
	since, hasSince := int64(0), false
	if s := r.URL.Query().Get("since"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			h.m.rejectedConns.WithLabelValues("bad_request").Inc()
			writeError(w, http.StatusBadRequest, "bad_request", "since must be a non-negative event id")
			return
		}
		since, hasSince = n, true
	}
	t := time.NewTimer(readyWait)
	defer t.Stop()
	select {
	case <-h.ready:
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	if !isClosed(h.ready) || h.stopped.Load() {
		h.m.rejectedConns.WithLabelValues("unavailable").Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the stream is starting or stopping")
		return
	}

	cw := &corkingWriter{ResponseWriter: w}
	ws, err := h.upgrader.Upgrade(cw, r, nil)
	if err != nil {
		// Upgrade has answered the client with the reason.
		h.m.rejectedConns.WithLabelValues("handshake").Inc()
		return
	}
	c := newConn(h, ws, cw.conn, v)
	if hasSince || h.cfg.ResumeWait < 0 {
		c.phase.Store(phaseDecided)
	}
	// Register before anything is read from the log: from here on, live
	// events after pos are queued to c, and the writer replays up to pos.
	pos, ok := h.register(c)
	if !ok {
		_ = ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"),
			time.Now().Add(h.cfg.WriteWait))
		_ = ws.Close()
		c.cancel()
		return
	}
	// The handler returns so that net/http drops its per-request state;
	// the connection lives on in its two goroutines.
	go c.readLoop()
	go c.writeLoop(since, hasSince, pos)
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
}

// parseOrigins normalizes the allowed origins to scheme://host:port.
func parseOrigins(list []string) (map[string]bool, error) {
	out := make(map[string]bool, len(list))
	for _, s := range list {
		o, err := normalizeOrigin(s)
		if err != nil {
			return nil, fmt.Errorf("stream: allowed origin %q: %w", s, err)
		}
		out[o] = true
	}
	return out, nil
}

// normalizeOrigin lower-cases scheme and host and fills in the default
// port, so https://Example.com and https://example.com:443 compare equal.
func normalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Hostname() == "" {
		return "", errors.New("want http(s)://host[:port]")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port), nil
}

// originAllowed applies the Origin rule of Config.AllowedOrigins: an absent
// Origin passes, a present one must match exactly.
func (h *Hub) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if len(h.origins) == 0 {
		u, err := url.Parse(origin)
		return err == nil && strings.EqualFold(u.Host, r.Host)
	}
	o, err := normalizeOrigin(origin)
	return err == nil && h.origins[o]
}
