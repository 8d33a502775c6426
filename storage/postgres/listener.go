package postgres

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-hub/switchboard/storage/sqldb"
)

// listener LISTENs on the event channel on a connection of its own and
// feeds every announced id to signal, so a commit on any replica wakes the
// event stream on all of them. A change to teams, announced on the same
// channel, goes to teamsChanged.
//
// It also tells whether any other replica listens, so that a hub running
// alone need not announce its commits: a NOTIFY costs the committing
// transaction a lock at commit and wakes the listening backend and this
// process once more per commit, about 8% of the database's CPU per event
// on a small server (docs/PERFORMANCE.md, change 36). Each listener says
// hello on the channel when it connects, which every other one answers,
// and says it is there every peerTimes.beat; another replica is taken to
// listen until peerTimes.ttl after it was last heard. While its own
// connection is down, and for peerTimes.grace after it (re)connects, until
// the answers have come, a listener assumes that another replica listens.
type listener struct {
	cfg          *pgx.ConnConfig
	channel      string
	times        peerTimes
	signal       func(id int64)
	teamsChanged func()
	done         chan struct{}

	// connected is whether LISTEN is in place.
	connected atomic.Bool
	// peersUntil is the time, in Unix nanoseconds, until which another
	// replica is taken to listen.
	peersUntil atomic.Int64
}

// peerTimes paces the replicas' hellos (see listener).
type peerTimes struct {
	beat, ttl, grace time.Duration
}

var defaultPeerTimes = peerTimes{beat: 10 * time.Second, ttl: 35 * time.Second, grace: 2 * time.Second}

// Payloads of the listeners' own notifications. Event notifications carry
// a number, a change to teams sqldb.TeamsChangedPayload.
const (
	helloPayload = "replica:hello" // a listener connected; others answer
	herePayload  = "replica"       // an answer, or a listener's periodic word
)

// Reconnect delays after the listening connection fails.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 10 * time.Second
)

// othersListen reports whether the commits of this process must be
// announced: another replica listens, or this one cannot tell.
func (l *listener) othersListen() bool {
	return !l.connected.Load() || time.Now().UnixNano() < l.peersUntil.Load()
}

// heard notes that another replica listens, for d from now.
func (l *listener) heard(d time.Duration) {
	until := time.Now().Add(d).UnixNano()
	for {
		old := l.peersUntil.Load()
		if old >= until || l.peersUntil.CompareAndSwap(old, until) {
			return
		}
	}
}

// run listens until ctx ends, reconnecting with backoff. Notifications sent
// while it was disconnected are lost, so after each (re)connect it signals
// the newest stored event id: readers then poll the log, which is the
// truth, and catch up on whatever the notifications missed. For the same
// reason it reports teams changed.
func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	wait := listenRetryMin
	for ctx.Err() == nil {
		err := l.listen(ctx, func() { wait = listenRetryMin })
		if ctx.Err() != nil {
			return
		}
		slog.Warn("postgres: event listener disconnected", slog.String("channel", l.channel),
			slog.Duration("retry_in", wait), slog.Any("err", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// listen runs one connection's life; connected is called once LISTEN is in
// place.
func (l *listener) listen(ctx context.Context, connected func()) error {
	cfg := l.cfg.Copy()
	// Named after its channel so an operator (and a test) can tell it in
	// pg_stat_activity.
	cfg.RuntimeParams["application_name"] = l.channel
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		return err
	}
	// The grace is set before the connection counts as listening, so
	// that commits are announced throughout.
	l.heard(l.times.grace)
	l.connected.Store(true)
	defer l.connected.Store(false)
	if err := l.say(ctx, conn, helloPayload); err != nil {
		return err
	}
	nextBeat := time.Now().Add(l.times.beat)
	connected()
	l.teamsChanged()
	var newest int64
	// Fails harmlessly before the first migration created the table.
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&newest); err == nil && newest > 0 {
		l.signal(newest)
	}
	self := conn.PgConn().PID()
	for {
		wctx, cancel := context.WithDeadline(ctx, nextBeat)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			// A read cut short by the beat's deadline leaves the
			// connection usable (pgconn closes it on other errors only).
			if ctx.Err() != nil || wctx.Err() == nil || conn.IsClosed() {
				return err
			}
			if err := l.say(ctx, conn, herePayload); err != nil {
				return err
			}
			nextBeat = time.Now().Add(l.times.beat)
			continue
		}
		switch {
		case n.PID == self:
			// Its own hello and beats.
		case n.Payload == helloPayload:
			l.heard(l.times.ttl)
			if err := l.say(ctx, conn, herePayload); err != nil {
				return err
			}
		case n.Payload == herePayload:
			l.heard(l.times.ttl)
		case n.Payload == sqldb.TeamsChangedPayload:
			l.teamsChanged()
		default:
			id, err := strconv.ParseInt(n.Payload, 10, 64)
			if err != nil {
				slog.Warn("postgres: bad event notification", slog.String("payload", n.Payload))
				continue
			}
			l.signal(id)
		}
	}
}

// say sends payload on the channel from the listening connection.
func (l *listener) say(ctx context.Context, conn *pgx.Conn, payload string) error {
	_, err := conn.Exec(ctx, `SELECT pg_notify($1, $2)`, l.channel, payload)
	return err
}
