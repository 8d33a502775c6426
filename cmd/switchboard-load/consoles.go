package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// console is one manager's browser console: it follows the stream, and
// handles dialogs assigned to its manager (answering some through the
// API, then closing them).
type console struct {
	base   string
	token  string
	stats  *stats
	client *http.Client
	answer float64
	close  bool
	rng    *rand.Rand

	managerID int64
	login     string
	work      chan int64
}

// me is the part of GET /api/v1/me the console needs.
type me struct {
	Manager struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	} `json:"manager"`
}

// prepare learns who the token belongs to and sets them online.
func (c *console) prepare(ctx context.Context) error {
	var m me
	if err := c.call(ctx, http.MethodGet, "/api/v1/me", nil, &m); err != nil {
		return err
	}
	c.managerID, c.login = m.Manager.ID, m.Manager.Login
	c.stats.manager(c.managerID, c.login)
	return c.call(ctx, http.MethodPut, "/api/v1/me/presence", map[string]string{"presence": "online"}, nil)
}

// call sends one agent API request with the bearer token.
func (c *console) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return &apiError{status: resp.StatusCode, body: strings.TrimSpace(string(b))}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// apiError is a non-2xx answer of the agent API.
type apiError struct {
	status int
	body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("answered %d: %s", e.status, e.body) }

// frame is a stream frame; data is decoded per type.
type frame struct {
	ID   int64           `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

type messageData struct {
	Message struct {
		ExternalID string `json:"external_id"`
		Direction  string `json:"direction"`
	} `json:"message"`
}

type dialogData struct {
	Dialog struct {
		ID         int64 `json:"id"`
		AssigneeID int64 `json:"assignee_id"`
	} `json:"dialog"`
}

// run follows the stream until ctx ends, reconnecting with the cursor
// when the connection drops; connected is closed once it follows live. It
// returns after the dialog in hand is finished.
func (c *console) run(ctx context.Context, connected chan<- struct{}) {
	c.work = make(chan int64, 4096)
	handled := make(chan struct{})
	go func() {
		defer close(handled)
		c.handle(ctx)
	}()
	defer func() { <-handled }()
	var last int64
	first := true
	for ctx.Err() == nil {
		err := c.follow(ctx, &last, first, connected)
		first = false
		if ctx.Err() != nil {
			return
		}
		c.stats.fail("ws_" + err.Error())
		// Reconnect soon, with the cursor, as the real console does.
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// follow keeps one connection until it ends, returning why.
func (c *console) follow(ctx context.Context, last *int64, first bool, connected chan<- struct{}) error {
	u := "ws" + strings.TrimPrefix(c.base, "http") + "/api/v1/stream"
	if !first {
		u += "?since=" + strconv.FormatInt(*last, 10)
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	ws, resp, err := d.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + c.token}})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("handshake_%d", resp.StatusCode)
		}
		return fmt.Errorf("dial")
	}
	defer ws.Close()
	stop := context.AfterFunc(ctx, func() { _ = ws.Close() })
	defer stop()
	ws.SetReadLimit(8 << 20)
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				return fmt.Errorf("closed_%d", ce.Code)
			}
			return fmt.Errorf("read")
		}
		now := time.Now()
		var f frame
		if json.Unmarshal(msg, &f) != nil {
			return fmt.Errorf("bad_frame")
		}
		if f.ID > 0 {
			*last = f.ID
		}
		switch f.Type {
		case "stream.hello":
			if first {
				// Resume from the hello's position: the stream then goes
				// live at once instead of after its resume wait, and
				// nothing committed after the hello is missed.
				var h struct {
					LastID int64 `json:"last_id"`
				}
				_ = json.Unmarshal(f.Data, &h)
				*last = h.LastID
				if err := ws.WriteJSON(map[string]any{"type": "resume", "since": h.LastID}); err != nil {
					return fmt.Errorf("write")
				}
				if connected != nil {
					close(connected)
				}
			}
		case "message.created":
			var m messageData
			if json.Unmarshal(f.Data, &m) == nil && m.Message.Direction == "in" {
				c.stats.frame(m.Message.ExternalID, now)
			}
		case "dialog.assigned":
			var dd dialogData
			if json.Unmarshal(f.Data, &dd) == nil && dd.Dialog.AssigneeID == c.managerID &&
				c.stats.assigned(dd.Dialog.ID, c.managerID) {
				select {
				case c.work <- dd.Dialog.ID:
				default:
					c.stats.fail("console_backlog")
				}
			}
		}
	}
}

// handle works through the console's assigned dialogs like a manager
// would: answer some, close each.
func (c *console) handle(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-c.work:
			// A dialog in hand is finished even when the run ends.
			ctx := context.WithoutCancel(ctx)
			path := "/api/v1/dialogs/" + strconv.FormatInt(id, 10)
			if c.rng.Float64() < c.answer {
				if err := c.call(ctx, http.MethodPost, path+"/messages", map[string]string{"text": "Thank you, we are on it."}, nil); err != nil {
					c.apiFail("reply", err)
				} else {
					c.stats.replies.Add(1)
				}
			}
			if c.close {
				if err := c.call(ctx, http.MethodPost, path+"/close", nil, nil); err != nil {
					c.apiFail("close", err)
				}
			}
		}
	}
}

// apiFail counts a failed agent API call.
func (c *console) apiFail(what string, err error) {
	if ae, ok := err.(*apiError); ok {
		c.stats.fail(fmt.Sprintf("%s_http_%d", what, ae.status))
		return
	}
	c.stats.fail(what + "_" + transportKind(err))
}
