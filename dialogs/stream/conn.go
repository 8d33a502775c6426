package stream

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// Close codes of the stream (see the package doc).
const (
	// CloseSlowConsumer closes a connection whose send queue overflowed.
	CloseSlowConsumer = 4008
	// CloseRevoked closes a connection whose manager lost access.
	CloseRevoked = 4003
)

// outFrame is one queued server frame. Broadcast frames are shared by every
// connection they are queued to and must not be modified.
type outFrame struct {
	// id is the event id, 0 for unstored frames; the writer uses it to drop
	// a frame it already sent from the log.
	id   int64
	data []byte
	// pm, when set, is data framed once for all connections.
	pm *websocket.PreparedMessage
}

// Start phases of a connection without ?since: waiting for a possible
// resume first frame, or decided (by that frame, another one, or timeout).
const (
	phaseWaiting int32 = iota
	phaseDecided
)

type refreshResult struct {
	v   Viewer
	err error
}

// conn is one WebSocket connection. Two goroutines serve it: the writer owns
// every write and the connection's life (replay, queue, pings, refresh,
// close); the reader handles client frames and queues any replies.
type conn struct {
	hub       *Hub
	ws        *websocket.Conn
	sock      *corkConn // ws's socket, corked by writeFrames
	managerID int64
	view      atomic.Pointer[Viewer]
	ctx       context.Context
	cancel    context.CancelFunc

	// The send queue is a slice rather than a buffered channel: a channel
	// of SendQueue slots costs its full size on every idle connection,
	// while the slice only holds what is waiting. wake (capacity 1) tells
	// the writer the queue is not empty.
	qmu   sync.Mutex
	queue []*outFrame
	spare []*outFrame // writer-owned, reused to avoid an allocation per frame
	wake  chan struct{}

	// done is closed by closeWith; code and reason, set before, are the
	// close frame the writer sends (code 0: none, the peer is gone).
	done      chan struct{}
	closeOnce sync.Once
	code      int
	reason    string

	// phase and first hand a resume first frame from the reader to the
	// writer: whoever moves phase to decided owns the outcome, and the
	// reader sends on first (capacity 1) only when it did.
	phase atomic.Int32
	first chan int64

	refreshNow chan struct{}
	refreshed  chan refreshResult
	typing     *rate.Limiter

	// Writer-only state.
	lastID     int64
	refreshing bool
}

func newConn(h *Hub, ws *websocket.Conn, sock *corkConn, v Viewer) *conn {
	ctx, cancel := context.WithCancel(h.base)
	c := &conn{
		hub:        h,
		ws:         ws,
		sock:       sock,
		managerID:  v.ManagerID,
		ctx:        ctx,
		cancel:     cancel,
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		first:      make(chan int64, 1),
		refreshNow: make(chan struct{}, 1),
		refreshed:  make(chan refreshResult, 1),
		typing:     rate.NewLimiter(rate.Limit(h.cfg.TypingRate), h.cfg.TypingBurst),
	}
	c.view.Store(&v)
	return c
}

func (c *conn) viewer() Viewer { return *c.view.Load() }

// enqueue queues f without blocking; a full queue means the client does not
// keep up, and it is cut rather than slowing the broadcaster.
func (c *conn) enqueue(f *outFrame) {
	select {
	case <-c.done:
		return
	default:
	}
	c.qmu.Lock()
	if len(c.queue) >= c.hub.cfg.SendQueue {
		c.qmu.Unlock()
		if c.closeWith(CloseSlowConsumer, "slow consumer") {
			c.hub.m.slowCloses.Inc()
		}
		return
	}
	c.queue = append(c.queue, f)
	c.qmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// takeQueue swaps the queue for the spare buffer and returns what was
// queued, in order.
func (c *conn) takeQueue() []*outFrame {
	c.qmu.Lock()
	batch := c.queue
	c.queue = c.spare[:0]
	c.qmu.Unlock()
	return batch
}

// giveBack keeps a drained batch's buffer for the next swap, unless a burst
// grew it: an idle connection should not hold a large buffer.
func (c *conn) giveBack(batch []*outFrame) {
	clear(batch)
	if cap(batch) > 16 {
		batch = nil
	}
	c.spare = batch
}

// closeWith asks the writer to close the connection with code (0 for no
// close frame), reporting whether this call was the one that did.
func (c *conn) closeWith(code int, reason string) bool {
	closed := false
	c.closeOnce.Do(func() {
		c.code, c.reason = code, reason
		close(c.done)
		closed = true
	})
	return closed
}

func (c *conn) requestRefresh() {
	select {
	case c.refreshNow <- struct{}{}:
	default:
	}
}

// writeLoop runs the connection: hello, the start (resume or live), then
// queued frames, pings and refreshes until closed.
func (c *conn) writeLoop(since int64, hasSince bool, pos int64) {
	defer c.finish()
	if err := c.start(since, hasSince, pos); err != nil {
		if c.ctx.Err() == nil {
			c.hub.log.Warn("stream: start connection", slog.Int64("manager_id", c.managerID), slog.Any("error", err))
		}
		c.closeWith(websocket.CloseTryAgainLater, "try again later")
		c.writeClose()
		return
	}

	ping := time.NewTicker(c.hub.cfg.PingPeriod)
	defer ping.Stop()
	var refreshC <-chan time.Time
	var refresh *time.Timer
	if c.hub.cfg.Refresh != nil {
		refresh = time.NewTimer(c.refreshDelay())
		defer refresh.Stop()
		refreshC = refresh.C
	}
	for {
		// done first: once closing, no more data frames go out, so the
		// close frame follows at most the frame in flight.
		select {
		case <-c.done:
			c.writeClose()
			return
		default:
		}
		var err error
		select {
		case <-c.done:
			continue
		case <-c.wake:
			batch := c.takeQueue()
			err = c.writeFrames(batch, nil)
			c.giveBack(batch)
		case <-ping.C:
			err = c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.hub.cfg.WriteWait))
		case <-refreshC:
			c.startRefresh()
		case <-c.refreshNow:
			c.startRefresh()
		case r := <-c.refreshed:
			c.applyRefresh(r)
			refresh.Reset(c.refreshDelay())
		}
		if err != nil {
			c.closeWith(0, "")
		}
	}
}

// start sends hello and, with a cursor, the missed events from the log up
// to pos; frames of events after pos are already being queued live.
func (c *conn) start(since int64, hasSince bool, pos int64) error {
	now := time.Now()
	if err := c.writeFrame(&outFrame{data: encodeFrame(event.StreamHello, now, event.HelloData{LastID: pos, ServerTime: now})}); err != nil {
		return err
	}
	// Not "phase is still waiting": the reader may have taken a resume
	// frame while hello was being written, leaving its cursor in first.
	if !hasSince && c.hub.cfg.ResumeWait >= 0 {
		since, hasSince = c.awaitResume()
	}
	if !hasSince {
		return nil
	}
	// Frames queued live with an id at or below the cursor were seen by
	// the client already (its cursor can be ahead of this replica).
	c.lastID = since
	oldest, newest, err := c.hub.cfg.Source.EventBounds(c.ctx)
	if err != nil {
		return err
	}
	// A gap between since and oldest may be trimmed events, or ids a
	// rolled-back transaction never used; telling them apart is not
	// possible, so the check errs towards a reset (a reload) over a gap.
	var reason string
	switch {
	case since > newest:
		reason = event.ResetUnknownCursor
	case newest > 0 && oldest > since+1:
		reason = event.ResetHistoryTrimmed
	}
	if reason != "" {
		c.hub.m.resets.Inc()
		c.lastID = pos
		return c.writeFrame(&outFrame{data: encodeFrame(event.StreamReset, time.Now(), event.ResetData{Reason: reason, Oldest: oldest})})
	}
	return c.replay(since, pos)
}

// awaitResume waits up to ResumeWait for a resume first frame.
func (c *conn) awaitResume() (since int64, ok bool) {
	t := time.NewTimer(c.hub.cfg.ResumeWait)
	defer t.Stop()
	select {
	case s := <-c.first:
		return s, s >= 0
	case <-t.C:
		if c.phase.CompareAndSwap(phaseWaiting, phaseDecided) {
			return 0, false
		}
		// The reader decided just now; its value is on its way.
		select {
		case s := <-c.first:
			return s, s >= 0
		case <-c.done:
			return 0, false
		}
	case <-c.done:
		return 0, false
	}
}

// replay sends the visible events in (since, pos] from the log, in order.
func (c *conn) replay(since, pos int64) error {
	cursor := since
	var page []*outFrame
	for cursor < pos {
		events, err := c.hub.cfg.Source.EventsAfter(c.ctx, cursor, c.hub.cfg.ReplayPage)
		if err != nil {
			return err
		}
		page = page[:0]
		reached := false
		for _, e := range events {
			if e.ID > pos {
				reached = true
				break
			}
			cursor = e.ID
			if Visible(c.viewer(), e) {
				data, _ := encodeEvent(e)
				page = append(page, &outFrame{id: e.ID, data: data})
			}
		}
		if err := c.writeFrames(page, c.hub.m.replayed.Inc); err != nil {
			return err
		}
		if reached || isClosed(c.done) || len(events) < c.hub.cfg.ReplayPage {
			return nil
		}
	}
	return nil
}

// writeFrames writes the frames in order, collected into as few system
// calls as the socket takes, until one fails or the connection closes;
// sent, if not nil, is called for each frame written.
func (c *conn) writeFrames(frames []*outFrame, sent func()) error {
	c.sock.cork()
	var err error
	for _, f := range frames {
		if isClosed(c.done) {
			break
		}
		if err = c.writeFrame(f); err != nil {
			break
		}
		if sent != nil {
			sent()
		}
	}
	if ferr := c.sock.uncork(); err == nil {
		err = ferr
	}
	return err
}

// writeFrame writes f unless the client already has it.
func (c *conn) writeFrame(f *outFrame) error {
	if f.id > 0 {
		if f.id <= c.lastID {
			return nil
		}
		c.lastID = f.id
	}
	if err := c.ws.SetWriteDeadline(time.Now().Add(c.hub.cfg.WriteWait)); err != nil {
		return err
	}
	var err error
	if f.pm != nil {
		err = c.ws.WritePreparedMessage(f.pm)
	} else {
		err = c.ws.WriteMessage(websocket.TextMessage, f.data)
	}
	if err == nil {
		c.hub.m.framesSent.Inc()
	}
	return err
}

// writeClose sends the close frame asked for, if any.
func (c *conn) writeClose() {
	if c.code == 0 {
		return
	}
	msg := websocket.FormatCloseMessage(c.code, c.reason)
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.hub.cfg.WriteWait))
}

// finish releases the connection once the writer ends; the reader then
// fails on the closed socket and ends too.
func (c *conn) finish() {
	c.closeWith(0, "")
	c.cancel()
	c.hub.unregister(c)
	_ = c.ws.Close()
}

// refreshDelay spreads refreshes over [interval/2, 3*interval/2) so that
// consoles connected together do not hit the database together.
func (c *conn) refreshDelay() time.Duration {
	d := c.hub.cfg.RefreshInterval
	return d/2 + rand.N(d)
}

// startRefresh reloads the viewer in a short-lived goroutine so a slow
// database never holds up this connection's frames.
func (c *conn) startRefresh() {
	if c.refreshing || c.hub.cfg.Refresh == nil {
		return
	}
	c.refreshing = true
	go func() {
		ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
		v, err := c.hub.cfg.Refresh(ctx, c.managerID)
		cancel()
		c.refreshed <- refreshResult{v, err}
	}()
}

func (c *conn) applyRefresh(r refreshResult) {
	c.refreshing = false
	switch {
	case errors.Is(r.err, ErrRevoked):
		c.closeWith(CloseRevoked, "access revoked")
	case r.err != nil:
		if c.ctx.Err() == nil {
			c.hub.log.Warn("stream: refresh viewer", slog.Int64("manager_id", c.managerID), slog.Any("error", r.err))
		}
	case r.v.ManagerID == c.managerID:
		v := r.v
		c.view.Store(&v)
	}
}

// readLoop reads client frames until the connection fails or goes silent
// for longer than PongWait.
func (c *conn) readLoop() {
	defer c.closeWith(0, "")
	wait := c.hub.cfg.PongWait
	c.ws.SetReadLimit(c.hub.cfg.ReadLimit)
	_ = c.ws.SetReadDeadline(time.Now().Add(wait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(wait))
	})
	for first := true; ; first = false {
		typ, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		// Any frame shows the client is alive, as a pong does.
		_ = c.ws.SetReadDeadline(time.Now().Add(wait))
		c.handle(typ, msg, first)
	}
}

// handle acts on one client frame.
func (c *conn) handle(typ int, msg []byte, first bool) {
	f, err := decodeClientFrame(typ, msg)
	if err != nil {
		c.decideStart(-1)
		c.sendError(errBadFrame, err.Error())
		return
	}
	if first && f.Type == clientResume && f.Since != nil && *f.Since >= 0 && c.decideStart(*f.Since) {
		return
	}
	c.decideStart(-1)
	switch f.Type {
	case clientPing:
		c.enqueue(&outFrame{data: encodeFrame(event.Pong, time.Now(), nil)})
	case clientTyping:
		c.handleTyping(f.DialogID)
	case clientResume:
		c.sendError(errBadResume, "resume must be the first frame, with a non-negative since, on a connection without ?since")
	default:
		c.sendError(errUnknownType, "unknown frame type "+f.Type)
	}
}

// decideStart ends the wait for a resume first frame, handing since (or -1
// for none) to the writer, if the wait was still open.
func (c *conn) decideStart(since int64) bool {
	if !c.phase.CompareAndSwap(phaseWaiting, phaseDecided) {
		return false
	}
	c.first <- since
	return true
}

// handleTyping checks the manager may see the dialog and tells the others
// who may. Frames over the rate limit are dropped: typing is best effort.
func (c *conn) handleTyping(dialogID int64) {
	if !c.typing.Allow() {
		return
	}
	if c.hub.cfg.DialogScope == nil {
		c.sendError(errUnknownType, "typing is not enabled")
		return
	}
	if dialogID <= 0 {
		c.sendError(errBadFrame, "typing needs a dialog_id")
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	teamID, assigneeID, err := c.hub.cfg.DialogScope(ctx, dialogID)
	cancel()
	if errors.Is(err, storage.ErrNotFound) {
		c.sendError(errForbidden, "no such dialog")
		return
	}
	if err != nil {
		c.hub.log.Warn("stream: dialog scope", slog.Int64("dialog_id", dialogID), slog.Any("error", err))
		c.sendError(errUnavailable, "try again later")
		return
	}
	scope := storage.Event{Type: event.Typing, DialogID: dialogID, TeamID: teamID, ManagerID: assigneeID}
	if !Visible(c.viewer(), scope) {
		// Same answer as for a missing dialog: do not reveal which ids exist.
		c.sendError(errForbidden, "no such dialog")
		return
	}
	data := encodeFrame(event.Typing, time.Now(), event.TypingData{DialogID: dialogID, ManagerID: c.managerID})
	c.hub.broadcastEphemeral(scope, data, c.managerID)
}

func (c *conn) sendError(code, msg string) {
	c.enqueue(&outFrame{data: encodeFrame(event.Error, time.Now(), event.ErrorData{Error: code, Message: msg})})
}
