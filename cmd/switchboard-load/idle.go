package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// idleConsoles holds stream connections that only listen, the way most of
// a contact centre's open consoles sit between events; they measure what
// an idle connection costs the daemon.
type idleConsoles struct {
	open atomic.Int64
	wg   sync.WaitGroup
}

// openIdle dials n stream connections, spread over the tokens, a few at a
// time so the daemon's accept queue is not the thing measured. Each reads
// and discards frames until ctx ends.
func openIdle(ctx context.Context, base string, tokens []string, n int, st *stats) (*idleConsoles, error) {
	ic := &idleConsoles{}
	if n == 0 {
		return ic, nil
	}
	if len(tokens) == 0 {
		return ic, fmt.Errorf("no tokens for the idle consoles")
	}
	u := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/stream"
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024}
	sem := make(chan struct{}, 32)
	var failed atomic.Int64
	var dials sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		dials.Go(func() {
			defer func() { <-sem }()
			ws, _, err := d.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + tokens[i%len(tokens)]}})
			if err != nil {
				failed.Add(1)
				return
			}
			ic.open.Add(1)
			ic.wg.Go(func() {
				defer ws.Close()
				stop := context.AfterFunc(ctx, func() { _ = ws.Close() })
				defer stop()
				for {
					if _, _, err := ws.NextReader(); err != nil {
						if ctx.Err() == nil {
							st.fail("idle_ws_closed")
						}
						return
					}
				}
			})
		})
	}
	dials.Wait()
	if f := failed.Load(); f > 0 {
		st.fail("idle_dial")
		return ic, fmt.Errorf("%d of %d idle connections failed to open (raise ulimit -n on both sides?)", f, n)
	}
	return ic, nil
}
