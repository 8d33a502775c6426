package stream

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkFanout measures one event reaching 1,000 connected clients over
// real sockets: ns/op is from the commit to the last client's frame.
func BenchmarkFanout(b *testing.B) {
	const clients = 1000
	src := newMemSource(b)
	env := startHub(b, src, nil)
	var got atomic.Int64
	var want atomic.Int64
	all := make(chan struct{}, 1)
	var readers sync.WaitGroup
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		conns[i] = env.connect(b, "admin", "")
	}
	for _, ws := range conns {
		readers.Go(func() {
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
				if got.Add(1) == want.Load() {
					all <- struct{}{}
				}
			}
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		want.Store(int64(clients * (i + 1)))
		appendEvent(b, src, "message.created", 0, 0)
		select {
		case <-all:
		case <-time.After(30 * time.Second):
			b.Fatalf("only %d of %d frames arrived (connections %d, slow closes %v, frames sent %v)", got.Load(), want.Load(), env.hub.Connections(), value(b, env.hub.m.slowCloses), value(b, env.hub.m.framesSent))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*clients), "ns/frame")
	for _, ws := range conns {
		ws.Close()
	}
	readers.Wait()
}

// BenchmarkCommitToFrame measures the latency from appending an event to a
// connected client reading its frame, one event at a time, and reports the
// median and 99th percentile. On the in-memory log it is the stream's own
// cost; run through runSuite-style constructors it covers a real store.
func BenchmarkCommitToFrame(b *testing.B) {
	benchCommitToFrame(b, newMemSource)
}

func benchCommitToFrame(b *testing.B, newSource func(testing.TB) Source) {
	benchCommitToFrameWith(b, newSource, 0)
}

// benchCommitToFrameWith measures commit-to-frame at one console while
// others consoles that see the same events are connected and reading.
func benchCommitToFrameWith(b *testing.B, newSource func(testing.TB) Source, others int) {
	src := newSource(b)
	env := startHub(b, src, nil)
	for range others {
		c := env.connect(b, "agent3", "")
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	ws := env.connect(b, "agent3", "")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		id := appendEvent(b, src, "message.created", 10, 3)
		for {
			f, err := readFrame(ws, 10*time.Second)
			if err != nil {
				b.Fatal(err)
			}
			if f.ID == id {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkIdleConnection opens b.N (at most 5,000) idle connections and
// reports the heap and goroutine stack they hold per connection. Run it
// with -benchtime=1000x. The clients are bare TCP sockets that did the
// handshake by hand, so nearly all of the memory counted is the server's.
func BenchmarkIdleConnection(b *testing.B) {
	n := min(b.N, 5000)
	env := startHub(b, newMemSource(b), nil)
	addr := env.srv.Listener.Addr().String()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := rawHandshake(addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
	}
	eventually(b, "all connections registered", func() bool { return env.hub.Connections() == n })
	// A few collections: the handshake's garbage goes, and idle goroutine
	// stacks shrink to what they use, as they would in a long-running daemon.
	for range 4 {
		time.Sleep(20 * time.Millisecond)
		runtime.GC()
	}
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapInuse) - float64(before.HeapInuse)
	stack := float64(after.StackInuse) - float64(before.StackInuse)
	b.ReportMetric(heap/float64(n), "heap-B/conn")
	b.ReportMetric(stack/float64(n), "stack-B/conn")
	b.ReportMetric((heap+stack)/float64(n), "B/conn")
}

// rawHandshake opens a stream connection as agent3 with a hand-written
// upgrade request and reads the response and the hello frame, keeping
// nothing but the socket.
func rawHandshake(addr string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	req := "GET /api/v1/stream HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer agent3\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 512)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("handshake status %d", resp.StatusCode)
	}
	// The hello frame: a short unmasked text frame, 2-byte header.
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(br, hdr); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := io.ReadFull(br, make([]byte, hdr[1]&0x7f)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
