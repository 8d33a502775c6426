package storetest

import (
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/switchboard-hub/switchboard/storage"
)

// TripCounter forwards connections to a PostgreSQL server and counts round
// trips: each time a client sends after the server last spoke. Statements
// pipelined in one batch are one trip however the client writes them.
type TripCounter struct {
	ln     net.Listener
	target string
	trips  atomic.Int64
	wg     sync.WaitGroup
}

// NewTripCounter listens on a loopback port and forwards to target
// (host:port) until the test ends.
func NewTripCounter(t testing.TB, target string) *TripCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &TripCounter{ln: ln, target: target}
	p.wg.Go(p.serve)
	t.Cleanup(func() { _ = ln.Close(); p.wg.Wait() })
	return p
}

// Addr is the address to connect to instead of the server's.
func (p *TripCounter) Addr() string { return p.ln.Addr().String() }

// Trips is the number of round trips so far, over every connection.
func (p *TripCounter) Trips() int64 { return p.trips.Load() }

func (p *TripCounter) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.pipe(c) })
	}
}

func (p *TripCounter) pipe(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	var clientSpoke atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				// Noted before the client can see the answer and reply.
				clientSpoke.Store(false)
				if _, werr := client.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				_ = client.Close()
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if !clientSpoke.Swap(true) {
				p.trips.Add(1)
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = server.Close()
	<-done
}

// Proxied returns rawURL (a postgres:// URL) pointed at a new trip counter
// in front of its server.
func Proxied(t testing.TB, rawURL string) (string, *TripCounter) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p := NewTripCounter(t, u.Host)
	u.Host = p.Addr()
	return u.String(), p
}

// PostgresCounted is Postgres with every connection of the store going
// through a trip counter.
func PostgresCounted(t testing.TB) (storage.Store, *TripCounter) {
	t.Helper()
	u, p := Proxied(t, PostgresURL(t))
	return OpenPostgres(t, u), p
}
