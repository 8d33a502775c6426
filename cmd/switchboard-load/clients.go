package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-hub/switchboard/channels/api"
)

// payload is an API-channel event body.
type payload struct {
	ID   string      `json:"id"`
	From payloadFrom `json:"from"`
	Text string      `json:"text"`
}

type payloadFrom struct {
	Name       string `json:"name,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// phoneFormats are the ways one Russian mobile number is written; the hub
// must take them all as one identity.
var phoneFormats = []func(d string) string{
	func(d string) string { return "+7 (" + d[0:3] + ") " + d[3:6] + "-" + d[6:8] + "-" + d[8:10] },
	func(d string) string { return "8 " + d[0:3] + " " + d[3:6] + " " + d[6:8] + " " + d[8:10] },
	func(d string) string { return "7" + d },
	func(d string) string { return "+7" + d[0:3] + "-" + d[3:6] + "-" + d[6:10] },
	func(d string) string { return " 8(" + d[0:3] + ")" + d[3:10] + " " },
}

// clientPhone returns client n's number, a 10-digit mobile, written the
// variant-th way.
func clientPhone(n, variant int) string {
	digits := fmt.Sprintf("9%09d", n%1_000_000_000)
	return phoneFormats[variant%len(phoneFormats)](digits)
}

// First and last names the synthetic clients are called by. Real names
// repeat (many an Ivan, several Petrovs), so clients that share a full
// name — and are raised as duplicate candidates, as they would be in a
// real contact centre — happen, but rarely: 40 × 50 names.
var (
	firstNames = []string{"Иван", "Пётр", "Анна", "Мария", "Алексей", "Ольга", "Дмитрий", "Елена", "Сергей", "Наталья",
		"Андрей", "Татьяна", "Михаил", "Ирина", "Николай", "Светлана", "Павел", "Юлия", "Артём", "Ксения",
		"John", "Mary", "James", "Linda", "Robert", "Susan", "Michael", "Karen", "David", "Laura",
		"Amir", "Leyla", "Timur", "Aigul", "Rustam", "Dina", "Oleg", "Vera", "Boris", "Zoya"}
	lastNames = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров",
		"Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев",
		"Orlov", "Andreev", "Makarov", "Nikitin", "Zakharov", "Zaitsev", "Solovyov", "Borisov", "Yakovlev", "Grigoriev",
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark",
		"Garcia", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green"}
)

// clientName is client n's name, the same every time.
func clientName(n int) string {
	return firstNames[n%len(firstNames)] + " " + lastNames[(n/len(firstNames)*7+n)%len(lastNames)]
}

// generator makes the event mix: new clients, returning ones and replays.
// It is shared by the senders, so it locks.
type generator struct {
	mu  sync.Mutex
	rng *rand.Rand
	run string
	seq int
	// pool is the number of clients known before the run, numbered from
	// 0; fresh counts the new ones, numbered from firstNew, a place of
	// this run's own so that a client new here is new to a database
	// earlier runs have filled.
	pool     int
	firstNew int
	fresh    int
	newRatio float64
	dupRatio float64
	// recent keeps bodies of sent events for replays.
	recent []payload
}

// newGenerator starts with pool known clients: "returning" events draw
// from them and from the clients created during the run.
func newGenerator(seed uint64, run string, pool int, newRatio, dupRatio float64) *generator {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	// Phones hold nine digits of a client's number: new clients start
	// at one of 900 blocks of a million above the pool's.
	firstNew := pool + (1+rng.IntN(900))*1_000_000
	return &generator{rng: rng, run: run, pool: pool, firstNew: firstNew, newRatio: newRatio, dupRatio: dupRatio}
}

// next returns the next event and whether it replays an earlier one.
func (g *generator) next() (payload, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.recent) > 0 && g.rng.Float64() < g.dupRatio {
		return g.recent[g.rng.IntN(len(g.recent))], true
	}
	var client int
	if g.rng.Float64() < g.newRatio {
		client = g.firstNew + g.fresh
		g.fresh++
	} else if n := g.rng.IntN(g.pool + g.fresh); n < g.pool {
		client = n
	} else {
		client = g.firstNew + n - g.pool
	}
	g.seq++
	return g.event(client, fmt.Sprintf("%s-%d", g.run, g.seq)), false
}

// newClients is how many of the events sent so far came from a client new
// to the run.
func (g *generator) newClients() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.fresh
}

// warm returns the event that makes known client n known to the hub,
// sent before the run so that "returning" means returning.
func (g *generator) warm(n int) payload {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.event(n, fmt.Sprintf("%s-warm-%d", g.run, n))
}

// event is a message from client n; g.mu is held.
func (g *generator) event(client int, id string) payload {
	p := payload{
		ID:   id,
		From: payloadFrom{Name: clientName(client), Phone: clientPhone(client, g.rng.IntN(len(phoneFormats)))},
		Text: fmt.Sprintf("Hello, this is message %d: is my order on its way?", g.seq),
	}
	if client%3 == 0 {
		p.From.Email = fmt.Sprintf("client%d@example.com", client)
	}
	return p
}

// stored makes an accepted event available for replays. Only accepted
// ones: a replay racing its still-unanswered original would be stored as
// the first delivery and the original answered as its duplicate.
func (g *generator) stored(p payload) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.recent) < 1000 {
		g.recent = append(g.recent, p)
	} else {
		g.recent[g.rng.IntN(len(g.recent))] = p
	}
}

// sender posts events to one API channel.
type sender struct {
	url    string
	secret string
	client *http.Client
	stats  *stats
}

// run posts events from gen until ctx ends: each at a slot of sched, or
// flat out when sched is nil.
func (s *sender) run(ctx context.Context, gen *generator, sched *schedule) {
	for ctx.Err() == nil {
		var due time.Time
		if sched != nil {
			var ok bool
			if due, ok = sched.take(); !ok || !wait(ctx, due) {
				return
			}
			sched.sent.Add(1)
		}
		p, dup := gen.next()
		// The run's end stops new events, not the ones in flight: each
		// sent event gets its answer counted.
		if s.post(context.WithoutCancel(ctx), p, dup, due) && !dup {
			gen.stored(p)
		}
	}
}

// receipt is the hook's 2xx answer.
type receipt struct {
	MessageID int64 `json:"message_id"`
	Duplicate bool  `json:"duplicate"`
}

// post sends one event, due at its slot (zero: no schedule), and counts
// the outcome, reporting whether the hub accepted it as expected.
func (s *sender) post(ctx context.Context, p payload, dup bool, due time.Time) bool {
	body, err := json.Marshal(p)
	if err != nil {
		s.stats.fail("encode")
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		s.stats.fail("request")
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.SignatureHeader, api.Sign(s.secret, body))
	s.stats.sent.Add(1)
	t := sendTimes{sent: time.Now(), due: due}
	if !due.IsZero() {
		s.stats.late(t.sent.Sub(due))
	}
	if !dup {
		s.stats.sending(p.ID, t)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.stats.forget(p.ID)
		s.stats.fail(transportKind(err))
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusOK:
		var rc receipt
		if json.Unmarshal(b, &rc) != nil {
			s.stats.fail("bad_receipt")
			return false
		}
		switch {
		case rc.Duplicate && dup:
			s.stats.duplicates.Add(1)
		case rc.Duplicate:
			// A new id answered as a replay: the hub would have dropped a
			// message.
			s.stats.forget(p.ID)
			s.stats.fail("unexpected_duplicate")
		case dup:
			s.stats.fail("replay_stored_again")
		default:
			s.stats.accepted.Add(1)
			s.stats.acked(t, time.Now())
		}
		return true
	default:
		s.stats.forget(p.ID)
		s.stats.fail(fmt.Sprintf("http_%d", resp.StatusCode))
	}
	return false
}

// transportKind names a transport failure.
func transportKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection_closed"
	default:
		return "transport"
	}
}
