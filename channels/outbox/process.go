package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

// EventMessageStatus is the event type recorded when a send settles.
const EventMessageStatus = "message.status"

// Reasons recorded for rows that fail without a send.
const (
	ReasonNoSender   = "no sender for channel"
	ReasonBadPayload = "bad payload"
)

// maxErrText bounds an error text stored on a row or a message.
const maxErrText = 1000

// Outcome labels of attempts_total.
const (
	outcomeSent   = "sent"
	outcomeRetry  = "retry"
	outcomeFailed = "failed"
)

// process sends one claimed row and records the result. It runs on its own
// goroutine and touches only its row, so one row's trouble (a hung or
// panicking sender, a bad payload) never holds up another.
func (w *Worker) process(ctx context.Context, it storage.OutboxItem) {
	// A send that has started is finished and recorded even when the
	// worker is stopping: abandoning it would leave the row to be sent
	// again after its lease.
	bg := context.WithoutCancel(ctx)
	msg, err := DecodePayload(it)
	if err != nil {
		w.fail(bg, it, ReasonBadPayload+": "+err.Error())
		return
	}
	sender, ok := w.senders[it.Channel]
	if !ok {
		w.fail(bg, it, ReasonNoSender)
		return
	}
	// The deadline is shorter than the lease, so the row cannot be claimed
	// again while this send may still reach the far side.
	sendCtx, cancel := context.WithTimeout(bg, w.cfg.SendTimeout)
	start := time.Now()
	res, err := send(sendCtx, sender, msg)
	cancel()
	w.metrics.duration.WithLabelValues(it.Channel).Observe(time.Since(start).Seconds())
	switch {
	case err == nil:
		w.metrics.attempts.WithLabelValues(it.Channel, outcomeSent).Inc()
		w.sent(bg, it, res.ExternalID)
	case channels.IsPermanent(err):
		w.metrics.attempts.WithLabelValues(it.Channel, outcomeFailed).Inc()
		w.fail(bg, it, err.Error())
	case it.Attempts >= w.cfg.MaxAttempts:
		w.metrics.attempts.WithLabelValues(it.Channel, outcomeFailed).Inc()
		w.fail(bg, it, fmt.Sprintf("gave up after %d attempts: %v", it.Attempts, err))
	default:
		w.metrics.attempts.WithLabelValues(it.Channel, outcomeRetry).Inc()
		w.retry(bg, it, err)
	}
}

// send calls the adapter, turning a panic into an error so that one bad
// message cannot take the daemon down; the row is retried and eventually
// fails with the panic as its reason.
func send(ctx context.Context, s channels.Sender, msg channels.OutboundMessage) (res channels.SendResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("outbox: sender panicked: %v", r)
		}
	}()
	return s.Send(ctx, msg)
}

// sent records a delivered row, its message's status and the event in one
// transaction, so the console never sees one without the others.
func (w *Worker) sent(ctx context.Context, it storage.OutboxItem, externalID string) {
	at := w.now()
	err := w.record(ctx, it, func(ctx context.Context) error {
		return w.store.Tx(ctx, func(tx storage.Queries) error {
			if err := tx.MarkOutboxSent(ctx, it.ID, externalID, at); err != nil {
				return err
			}
			if err := tx.SetMessageStatus(ctx, it.MessageID, string(channels.StatusSent), "", externalID); err != nil {
				return err
			}
			return appendStatus(ctx, tx, it, channels.StatusSent, externalID, "", at)
		})
	})
	if err == nil {
		w.metrics.sent.WithLabelValues(it.Channel).Inc()
	}
}

// fail records a row that will not be sent, with reason, on the row, its
// message and the event log, in one transaction.
func (w *Worker) fail(ctx context.Context, it storage.OutboxItem, reason string) {
	reason = clip(reason)
	at := w.now()
	w.log.WarnContext(ctx, "outbox: send failed for good",
		slog.Int64("outbox_id", it.ID), slog.String("channel", it.Channel),
		slog.Int("attempts", it.Attempts), slog.String("reason", reason))
	err := w.record(ctx, it, func(ctx context.Context) error {
		return w.store.Tx(ctx, func(tx storage.Queries) error {
			if err := tx.MarkOutboxFailed(ctx, it.ID, reason, at); err != nil {
				return err
			}
			if err := tx.SetMessageStatus(ctx, it.MessageID, string(channels.StatusFailed), reason, ""); err != nil {
				return err
			}
			return appendStatus(ctx, tx, it, channels.StatusFailed, "", reason, at)
		})
	})
	if err == nil {
		w.metrics.failed.WithLabelValues(it.Channel).Inc()
	}
}

// retry schedules the next attempt: exponential backoff with full jitter,
// but never sooner than a retry-after the channel asked for.
func (w *Worker) retry(ctx context.Context, it storage.OutboxItem, sendErr error) {
	delay := backoff(it.Attempts, w.cfg.BackoffBase, w.cfg.BackoffMax, w.jitter())
	if ra, ok := channels.RetryAfter(sendErr); ok {
		delay = max(delay, ra)
	}
	next := w.now().Add(delay)
	w.log.InfoContext(ctx, "outbox: send will be retried",
		slog.Int64("outbox_id", it.ID), slog.String("channel", it.Channel),
		slog.Int("attempts", it.Attempts), slog.Duration("delay", delay), slog.Any("err", sendErr))
	_ = w.record(ctx, it, func(ctx context.Context) error {
		return w.store.MarkOutboxRetry(ctx, it.ID, next, clip(sendErr.Error()))
	})
}

// recordTries bounds how hard a result is written before giving up, with
// a pause growing by Worker.recordPause between tries. A result that
// cannot be written leaves the row "sending" until its lease ends, and a
// delivered one would then be sent again (with its idempotency key), so a
// passing database hiccup is worth riding out.
const recordTries = 3

// record runs write until it succeeds or recordTries are used up.
func (w *Worker) record(ctx context.Context, it storage.OutboxItem, write func(context.Context) error) error {
	var err error
	for try := 1; try <= recordTries; try++ {
		if err = write(ctx); err == nil {
			return nil
		}
		if try < recordTries {
			time.Sleep(time.Duration(try) * w.recordPause)
		}
	}
	w.log.ErrorContext(ctx, "outbox: cannot record send result",
		slog.Int64("outbox_id", it.ID), slog.String("channel", it.Channel), slog.Any("err", err))
	return err
}

// statusData is the payload of a message.status event.
type statusData struct {
	MessageID  int64  `json:"message_id"`
	DialogID   int64  `json:"dialog_id"`
	Status     string `json:"status"`
	ExternalID string `json:"external_id,omitempty"`
	Error      string `json:"error,omitempty"`
}

// appendStatus appends the message.status event, visible to whoever may
// see the dialog.
func appendStatus(ctx context.Context, tx storage.Queries, it storage.OutboxItem, st channels.Status, externalID, reason string, at time.Time) error {
	data, err := json.Marshal(statusData{MessageID: it.MessageID, DialogID: it.DialogID, Status: string(st), ExternalID: externalID, Error: reason})
	if err != nil {
		return fmt.Errorf("outbox: encode event: %w", err)
	}
	e := storage.Event{Type: EventMessageStatus, At: at, Data: data, DialogID: it.DialogID}
	// Scoped like the dialog's other events, so only those who may see the
	// dialog learn how its replies fared.
	d, err := tx.GetDialog(ctx, it.DialogID)
	switch {
	case err == nil:
		e.ClientID, e.TeamID, e.ManagerID = d.ClientID, d.TeamID, d.AssigneeID
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	return tx.AppendEventsAtCommit(ctx, []storage.Event{e})
}

// clip bounds an error text on a rune boundary.
func clip(s string) string {
	if len(s) <= maxErrText {
		return s
	}
	n := maxErrText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
