package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// EventSource is the part of the store the stream reads: the log and the
// commit notifications. storage.Store implements it.
type EventSource interface {
	EventsAfter(ctx context.Context, after int64, limit int) ([]storage.Event, error)
	EventBounds(ctx context.Context) (oldest, newest int64, err error)
	Notify() <-chan int64
}

// Authenticator identifies the manager behind an upgrade request (session
// cookie or bearer token). An error refuses the connection with 401.
type Authenticator func(r *http.Request) (Viewer, error)

// DialogScope returns a dialog's team and assignee (0 when queued). Typing
// frames use it to check the sender may see the dialog and to reach only
// those who may.
type DialogScope func(ctx context.Context, dialogID int64) (teamID, assigneeID int64, err error)

// RefreshFunc reloads a manager's viewer (role and teams may change while a
// console stays connected). Returning an error wrapping ErrRevoked closes
// the manager's connections with 4003.
type RefreshFunc func(ctx context.Context, managerID int64) (Viewer, error)

// Presence is told when a manager's first connection opens and their last
// one closes. Calls for one hub are serialized and must return quickly; the
// implementation applies any grace period before marking a manager offline.
type Presence interface {
	Connected(managerID int64)
	Disconnected(managerID int64)
}

// ErrRevoked is wrapped by a RefreshFunc error when the manager may no longer
// use the console (disabled or deleted).
var ErrRevoked = errors.New("stream: access revoked")

// Config is what a Hub needs. Source and Authenticate are required; zero
// durations and sizes take the defaults noted.
type Config struct {
	Source       EventSource
	Authenticate Authenticator
	// AllowedOrigins are the origins (scheme://host[:port]) a browser may
	// connect from, normally the configured public URL. A request without
	// Origin is allowed: only browsers send it, and a non-browser client
	// cannot be used for cross-site request forgery. When empty, only an
	// Origin naming the request's own host is allowed.
	AllowedOrigins []string
	// DialogScope enables typing frames; without it they are refused.
	DialogScope DialogScope
	// Presence, when set, is told about managers connecting and leaving.
	Presence Presence
	// Refresh, when set, reloads each connection's viewer every
	// RefreshInterval (default 1m, spread with jitter) and at once on a
	// manager.updated event for that manager.
	Refresh         RefreshFunc
	RefreshInterval time.Duration
	// Registerer receives the metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger

	// SendQueue is each connection's queue of frames (default 1024); a
	// connection whose queue overflows is closed with 4008.
	SendQueue int
	// ReadLimit caps a client frame (default 64 KiB).
	ReadLimit int64
	// PongWait is how long a connection may stay silent (default 60s);
	// PingPeriod (default 50s) must be shorter so a live client's pong
	// arrives in time; WriteWait bounds each write (default 10s).
	PongWait, PingPeriod, WriteWait time.Duration
	// PollInterval is the fallback read of the log in case a notification
	// was lost (default 2s).
	PollInterval time.Duration
	// ResumeWait is how long a connection without ?since waits for a
	// {"type":"resume"} first frame before going live (default 500ms;
	// negative disables the first-frame resume).
	ResumeWait time.Duration
	// ReplayPage is the page size of log reads (default 500).
	ReplayPage int
	// TypingRate and TypingBurst limit typing frames per connection
	// (default 5 per second, burst 5); excess frames are dropped silently
	// because typing is best effort.
	TypingRate  float64
	TypingBurst int
}

func (c *Config) setDefaults() error {
	if c.Source == nil || c.Authenticate == nil {
		return errors.New("stream: config needs Source and Authenticate")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.RefreshInterval, time.Minute)
	def(&c.PongWait, 60*time.Second)
	def(&c.PingPeriod, 50*time.Second)
	def(&c.WriteWait, 10*time.Second)
	def(&c.PollInterval, 2*time.Second)
	def(&c.ResumeWait, 500*time.Millisecond)
	if c.PingPeriod >= c.PongWait {
		return fmt.Errorf("stream: ping period %s must be shorter than pong wait %s", c.PingPeriod, c.PongWait)
	}
	if c.SendQueue <= 0 {
		// Two pages of the log: when the reader catches up after falling
		// behind, it queues a whole page (ReplayPage, 500) to every
		// connection at once, faster than any socket drains, so a smaller
		// queue cut healthy consoles as slow. The queue is a slice holding
		// only what waits, so the limit costs an idle connection nothing.
		c.SendQueue = 1024
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 64 << 10
	}
	if c.ReplayPage <= 0 {
		c.ReplayPage = 500
	}
	if c.TypingRate <= 0 {
		c.TypingRate = 5
	}
	if c.TypingBurst <= 0 {
		c.TypingBurst = 5
	}
	return nil
}

// Hub reads the event log once per process and fans each event out to the
// connections that may see it. It is an http.Handler for the upgrade and a
// service (Run).
type Hub struct {
	cfg      Config
	log      *slog.Logger
	m        *metrics
	origins  map[string]bool
	upgrader websocket.Upgrader

	// ready is closed once Run knows the log's position; base is the
	// context connections live under (cancelled when Run ends).
	ready   chan struct{}
	stopped atomic.Bool
	base    context.Context

	// mu guards conns. Broadcasts hold it for reading while queueing, so a
	// connection registering (write lock) sees a pos that matches exactly
	// the events it will not receive live.
	mu    sync.RWMutex
	conns map[*conn]struct{}
	// pos is the id of the newest event broadcast; written only by Run
	// while holding mu for reading.
	pos atomic.Int64

	// presenceMu serializes presence counting and the calls it makes, so
	// Connected and Disconnected of one manager arrive in order, without
	// holding mu.
	presenceMu sync.Mutex
	perManager map[int64]int
}

// New checks cfg and builds a hub. It does no I/O: Run reads the log.
func New(cfg Config) (*Hub, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	origins, err := parseOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	h := &Hub{
		cfg:        cfg,
		log:        cfg.Logger,
		m:          m,
		origins:    origins,
		ready:      make(chan struct{}),
		conns:      make(map[*conn]struct{}),
		perManager: make(map[int64]int),
	}
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		// Small buffers and a shared write pool keep an idle connection
		// down to a few KiB: a connection holds a write buffer only while
		// writing, and frames from broadcasts skip it altogether
		// (prepared messages).
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
		// ServeHTTP checks Origin itself before authenticating, with a
		// JSON 403; by the time Upgrade runs it has passed.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return h, nil
}

// Run reads the log's position, then follows it until ctx ends, fanning out
// new events; on return it closes every connection with 1001. A failing
// read is logged and retried at the next notification or poll: the stream
// recovers when the database does.
func (h *Hub) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h.base = ctx
	defer h.shutdown()

	poll := time.NewTicker(h.cfg.PollInterval)
	defer poll.Stop()
	for {
		_, newest, err := h.cfg.Source.EventBounds(ctx)
		if err == nil {
			h.pos.Store(newest)
			break
		}
		h.m.readErrors.Inc()
		h.log.Warn("stream: read log bounds", slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
	}
	close(h.ready)

	notify := h.cfg.Source.Notify()
	for {
		select {
		case <-ctx.Done():
			return nil
		case newest := <-notify:
			if newest <= h.pos.Load() || h.sendRecent() {
				continue
			}
		case <-poll.C:
		}
		h.catchUp(ctx)
	}
}

// RecentSource is an EventSource that also keeps the events its own
// process committed last, as storage/sqldb's store does. Woken by a
// commit, the hub sends them from there and reads the log only for what it
// does not hold: events of another replica, or from before it.
type RecentSource interface {
	// RecentEventsAfter returns the events after id after, up to n, when
	// it holds every one up to the newest committed it knows of; ok is
	// false when it does not.
	RecentEventsAfter(after int64, n int) (events []storage.Event, ok bool)
}

// recentGapWait is how long the hub waits for the source to hold events
// it lacks before it reads them from the log. Two transactions committing
// one after the other can report back in the other order, the earlier one
// a few microseconds later; events of another replica never come.
const recentGapWait = 500 * time.Microsecond

// sendRecent broadcasts the events after pos from the source's recent
// commits, reporting false when it does not hold them all (the rest is
// then read from the log).
func (h *Hub) sendRecent() bool {
	rs, ok := h.cfg.Source.(RecentSource)
	if !ok {
		return false
	}
	waited := false
	for {
		events, ok := rs.RecentEventsAfter(h.pos.Load(), h.cfg.ReplayPage)
		if !ok && !waited {
			waited = true
			time.Sleep(recentGapWait)
			continue
		}
		if !ok {
			return false
		}
		h.m.recentSends.Inc()
		for _, e := range events {
			h.broadcast(e)
		}
		if len(events) < h.cfg.ReplayPage {
			return true
		}
	}
}

// catchUp reads and broadcasts every event after pos, a page at a time.
func (h *Hub) catchUp(ctx context.Context) {
	for {
		h.m.logReads.Inc()
		events, err := h.cfg.Source.EventsAfter(ctx, h.pos.Load(), h.cfg.ReplayPage)
		if err != nil {
			if ctx.Err() == nil {
				h.m.readErrors.Inc()
				h.log.Warn("stream: read log", slog.Int64("after", h.pos.Load()), slog.Any("error", err))
			}
			return
		}
		for _, e := range events {
			h.broadcast(e)
		}
		if len(events) < h.cfg.ReplayPage {
			return
		}
	}
}

// broadcast serializes e once and queues it to every connection that may see
// it. It never blocks: a full queue closes that connection instead.
func (h *Hub) broadcast(e storage.Event) {
	start := time.Now()
	data, ok := encodeEvent(e)
	if !ok {
		h.log.Error("stream: event data is not JSON", slog.Int64("id", e.ID), slog.String("type", e.Type))
	}
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		h.log.Error("stream: prepare frame", slog.Int64("id", e.ID), slog.Any("error", err))
	}
	f := &outFrame{id: e.ID, data: data, pm: pm}

	h.mu.RLock()
	for c := range h.conns {
		if Visible(c.viewer(), e) {
			c.enqueue(f)
			if e.Type == event.ManagerUpdated && e.ManagerID == c.managerID {
				c.requestRefresh()
			}
		}
	}
	h.pos.Store(e.ID)
	h.mu.RUnlock()

	if !e.At.IsZero() {
		h.m.eventLag.Observe(start.Sub(e.At).Seconds())
	}
	h.m.broadcast.Observe(time.Since(start).Seconds())
}

// broadcastEphemeral queues an unstored frame (id 0) to the connections that
// may see scope, except skip's manager.
func (h *Hub) broadcastEphemeral(scope storage.Event, data []byte, skipManager int64) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		h.log.Error("stream: prepare frame", slog.Any("error", err))
	}
	f := &outFrame{data: data, pm: pm}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns {
		if c.managerID != skipManager && Visible(c.viewer(), scope) {
			c.enqueue(f)
		}
	}
}

// register adds c to the broadcast set and returns the position it joined
// at: c receives every event after it live and none at or before it.
func (h *Hub) register(c *conn) (pos int64, ok bool) {
	h.mu.Lock()
	if h.stopped.Load() {
		h.mu.Unlock()
		return 0, false
	}
	h.conns[c] = struct{}{}
	pos = h.pos.Load()
	h.mu.Unlock()

	h.m.connections.Inc()
	h.presenceChange(c.managerID, +1)
	return pos, true
}

// unregister removes c; it is called once, when c's writer ends.
func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.m.connections.Dec()
	h.presenceChange(c.managerID, -1)
}

func (h *Hub) presenceChange(managerID int64, delta int) {
	if managerID == 0 {
		return
	}
	h.presenceMu.Lock()
	defer h.presenceMu.Unlock()
	n := h.perManager[managerID] + delta
	if n <= 0 {
		delete(h.perManager, managerID)
	} else {
		h.perManager[managerID] = n
	}
	if h.cfg.Presence == nil {
		return
	}
	switch {
	case delta > 0 && n == 1:
		h.cfg.Presence.Connected(managerID)
	case delta < 0 && n == 0:
		h.cfg.Presence.Disconnected(managerID)
	}
}

// shutdown refuses new connections and closes the open ones with 1001.
func (h *Hub) shutdown() {
	h.mu.Lock()
	h.stopped.Store(true)
	for c := range h.conns {
		c.closeWith(websocket.CloseGoingAway, "server shutting down")
	}
	h.mu.Unlock()
}

// Connections returns the number of open connections.
func (h *Hub) Connections() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}
