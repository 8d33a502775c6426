package stream

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// writeCounter is a socket that records each Write.
type writeCounter struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes = append(w.writes, append([]byte(nil), p...))
	w.mu.Unlock()
	return len(p), nil
}

func (w *writeCounter) got() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte(nil), w.writes...)
}

func TestCorkConn(t *testing.T) {
	sock := &writeCounter{}
	c := &corkConn{Conn: sock}

	write := func(s string) {
		t.Helper()
		if n, err := c.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	write("a")
	c.cork()
	write("b")
	write("c")
	if n := len(sock.got()); n != 1 {
		t.Fatalf("%d writes reached the socket while corked, want only the one before", n)
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	write("d")
	if err := c.uncork(); err != nil { // not corked: nothing to do
		t.Fatal(err)
	}
	want := []string{"a", "bc", "d"}
	got := sock.got()
	if len(got) != len(want) {
		t.Fatalf("socket writes %q, want %q", got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Fatalf("socket writes %q, want %q", got, want)
		}
	}

	// Past the limit, what was collected goes out first, in order; a write
	// bigger than the limit goes straight through.
	sock.writes = nil
	c.cork()
	small := bytes.Repeat([]byte("s"), corkLimit-10)
	big := bytes.Repeat([]byte("B"), corkLimit+1)
	write(string(small))
	write("0123456789x")
	write(string(big))
	write("tail")
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	got = sock.got()
	if len(got) != 4 || !bytes.Equal(got[0], small) || string(got[1]) != "0123456789x" ||
		!bytes.Equal(got[2], big) || string(got[3]) != "tail" {
		lens := make([]int, len(got))
		for i, g := range got {
			lens[i] = len(g)
		}
		t.Fatalf("socket writes of lengths %v, want %d, 11, %d, 4", lens, len(small), len(big))
	}

	var nilConn *corkConn
	nilConn.cork()
	if err := nilConn.uncork(); err != nil {
		t.Fatal(err)
	}
}

// TestCorkConnConcurrent writes from two goroutines, as the reader's pongs
// do beside the writer's batches, under the race detector.
func TestCorkConnConcurrent(t *testing.T) {
	sock := &writeCounter{}
	c := &corkConn{Conn: sock}
	var wg sync.WaitGroup
	var sent atomic.Int64
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if g == 0 && i%10 == 0 {
					c.cork()
				}
				if _, err := c.Write([]byte("x")); err != nil {
					t.Error(err)
					return
				}
				sent.Add(1)
				if g == 0 && i%10 == 9 {
					if err := c.uncork(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, w := range sock.got() {
		total += len(w)
	}
	if int64(total) != sent.Load() {
		t.Fatalf("socket got %d bytes, %d were written", total, sent.Load())
	}
}

// countingListener hands out sockets that count their writes.
type countingListener struct {
	net.Listener
	mu    sync.Mutex
	socks []*countedConn
}

type countedConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func (l *countingListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &countedConn{Conn: nc}
	l.mu.Lock()
	l.socks = append(l.socks, c)
	l.mu.Unlock()
	return c, nil
}

func (l *countingListener) writes() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, c := range l.socks {
		n += c.writes.Load()
	}
	return n
}

// TestReplayCorked: a console resuming from a cursor gets the events it
// missed in one write per replay page, not one per frame.
func TestReplayCorked(t *testing.T) {
	src := newMemSource(t)
	var last int64
	for i := 0; i < 40; i++ {
		last = appendEvent(t, src, "message.created", 10, 0)
	}
	var ln *countingListener
	env := startHubOn(t, src, func(c *Config) { c.ReplayPage = 100 }, func(l net.Listener) net.Listener {
		ln = &countingListener{Listener: l}
		return ln
	})
	ws := env.connect(t, "admin", "since=0")
	ids, _ := readUntil(t, ws, last)
	if len(ids) != 40 {
		t.Fatalf("replayed %d events, want 40", len(ids))
	}
	// The upgrade's response, hello, and the page.
	if n := ln.writes(); n > 3 {
		t.Fatalf("the server wrote %d times for a handshake, hello and 40 replayed frames, want at most 3", n)
	}
}
