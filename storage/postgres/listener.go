package postgres

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-hub/switchboard/storage/sqldb"
)

// listener LISTENs on the event channel on a connection of its own and
// feeds every announced id to signal, so a commit on any replica wakes the
// event stream on all of them. A change to teams, announced on the same
// channel, goes to teamsChanged.
type listener struct {
	cfg          *pgx.ConnConfig
	channel      string
	signal       func(id int64)
	teamsChanged func()
	done         chan struct{}
}

// Reconnect delays after the listening connection fails.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 10 * time.Second
)

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
	connected()
	l.teamsChanged()
	var newest int64
	// Fails harmlessly before the first migration created the table.
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&newest); err == nil && newest > 0 {
		l.signal(newest)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == sqldb.TeamsChangedPayload {
			l.teamsChanged()
			continue
		}
		id, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			slog.Warn("postgres: bad event notification", slog.String("payload", n.Payload))
			continue
		}
		l.signal(id)
	}
}
