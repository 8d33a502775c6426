package stream

import (
	"bufio"
	"net"
	"net/http"
	"sync"
)

// corkLimit bounds what a corked connection holds before it writes anyway.
const corkLimit = 64 << 10

// corkBufs lends corked connections their buffer for the length of one
// batch, so an idle connection holds none.
var corkBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// corkConn is the WebSocket's socket. While corked, writes collect in memory
// and go out in one system call at uncork: a writer with several frames
// queued (a group commit's events, a replay) then costs the daemon one
// write and the console one wake-up instead of one per frame.
type corkConn struct {
	net.Conn

	// mu guards the buffer: besides the connection's writer, the reader
	// answers pings, and the WebSocket library serializes their frames
	// but not cork and uncork.
	mu  sync.Mutex
	buf *[]byte // non-nil while corked
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return c.Conn.Write(p)
	}
	if len(*c.buf)+len(p) > corkLimit {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > corkLimit {
			return c.Conn.Write(p)
		}
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// cork starts collecting writes. On a nil corkConn, cork and uncork do
// nothing.
func (c *corkConn) cork() {
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.buf == nil {
		c.buf = corkBufs.Get().(*[]byte)
	}
	c.mu.Unlock()
}

// uncork writes what was collected, under the write deadline the last frame
// set, and writes straight through again.
func (c *corkConn) uncork() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return nil
	}
	err := c.flushLocked()
	if cap(*c.buf) <= corkLimit {
		corkBufs.Put(c.buf)
	}
	c.buf = nil
	return err
}

func (c *corkConn) flushLocked() error {
	b := *c.buf
	*c.buf = b[:0]
	if len(b) == 0 {
		return nil
	}
	_, err := c.Conn.Write(b)
	return err
}

// corkingWriter hands the WebSocket upgrade a corkConn in place of the
// hijacked socket, and keeps it for the stream connection.
type corkingWriter struct {
	http.ResponseWriter
	conn *corkConn
}

func (w *corkingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = &corkConn{Conn: nc}
	return w.conn, rw, nil
}

func (w *corkingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
