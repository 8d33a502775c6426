package router

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

// Group commit: concurrent ingests share one transaction.
//
// A commit costs a disk flush (SQLite's synchronous=FULL, PostgreSQL's
// WAL fsync) and, on PostgreSQL, holding the event-sequence and team locks
// until it is done; an ingest's own statements cost far less. So while one
// transaction commits, the events arriving meanwhile queue up, and the next
// transaction takes all of them (up to Config.MaxBatch; the daemon uses 32
// on SQLite, enough to amortize a flush at a 2-core machine's rates yet
// short enough to let the stream's reads in between): under load many
// events share each flush, and a lone event still goes at once, with no
// waiting for company. Every event is still committed before Ingest
// returns, i.e. before its sender gets a 2xx.
//
// The batch needs no leader goroutine: the ingest that finds no batch
// running runs one; when it is done and more events have queued, a new
// goroutine runs the next batch while the first caller returns.
//
// An event whose ingest fails inside a batch (it lost a race to another
// writer, or its data breaks a rule) would abort the shared transaction,
// so the batch is rolled back and run again without it, and the event then
// runs in a transaction of its own with the usual retries: one event's
// trouble never fails another's delivery. A statement written for many
// events that fails cannot tell whose row broke it, so then every event
// runs alone. Only a batch that fails because the database went away fails
// every event in it, each answered 503 by its channel and retried by its
// sender.

// errDropFromBatch rolls a batch back so it can run again without the
// event that failed.
var errDropFromBatch = errors.New("router: drop event from batch")

// ingestJob is one event waiting for a group commit.
type ingestJob struct {
	ev        channels.InboundEvent
	ids, weak []storage.Identity
	atts      []storage.Attachment

	rc   channels.Receipt
	err  error
	done chan struct{}
	// apart: the batch left this event to a transaction of its own.
	apart bool
}

// grouper queues events for the next batch.
type grouper struct {
	mu      sync.Mutex
	queue   []*ingestJob
	running int // batches being committed, at most Config.BatchRunners
}

// ingestGrouped commits the event in the next batch and waits for it.
func (r *Router) ingestGrouped(ctx context.Context, ev channels.InboundEvent, ids, weak []storage.Identity, atts []storage.Attachment) (channels.Receipt, error) {
	j := &ingestJob{ev: ev, ids: ids, weak: weak, atts: atts, done: make(chan struct{})}
	g := &r.group
	g.mu.Lock()
	g.queue = append(g.queue, j)
	lead := g.running < r.cfg.BatchRunners
	if lead {
		g.running++
	}
	g.mu.Unlock()
	if lead {
		// The batch outlives this caller's request if it goes away: other
		// events depend on it.
		r.runBatches(context.WithoutCancel(ctx), true)
	}
	select {
	case <-j.done:
		return j.rc, j.err
	case <-ctx.Done():
		// The event may still commit; a sender that retries gets its
		// receipt as a duplicate.
		return channels.Receipt{}, ctx.Err()
	}
}

// runBatches takes the queued events and commits them as one batch. If
// more have queued meanwhile, the next batch runs on a new goroutine when
// first is set (the caller wants its own answer now), else here.
func (r *Router) runBatches(ctx context.Context, first bool) {
	g := &r.group
	for {
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.running--
			g.mu.Unlock()
			return
		}
		n := min(len(g.queue), r.cfg.MaxBatch)
		batch := slices.Clone(g.queue[:n])
		g.queue = slices.Delete(g.queue, 0, n)
		g.mu.Unlock()

		r.commitBatch(ctx, batch)

		if first {
			g.mu.Lock()
			more := len(g.queue) > 0
			if !more {
				g.running--
			}
			g.mu.Unlock()
			if more {
				go r.runBatches(ctx, false)
			}
			return
		}
	}
}

// commitBatch ingests the batch's events, setting each job's result and
// closing its done channel.
func (r *Router) commitBatch(ctx context.Context, batch []*ingestJob) {
	if len(batch) == 1 {
		r.ingestAlone(ctx, batch[0])
		return
	}
	for _, j := range r.commitShared(ctx, batch) {
		go r.ingestAlone(ctx, j)
	}
}

// commitShared ingests jobs in one transaction, then appends the log
// events they caused. On an event's failure the transaction runs again
// without it, and the event alone afterwards; a failure of the whole batch
// runs every event alone, unless the database is unavailable, which fails
// them all. It finishes every job except those the batch left to a
// transaction of their own, which it returns.
func (r *Router) commitShared(ctx context.Context, jobs []*ingestJob) (apart []*ingestJob) {
	several := r.cfg.BatchRunners > 1
	var alone []*ingestJob
	for len(jobs) > 0 {
		failed, failErr := -1, error(nil)
		err := r.store.Tx(ctx, func(tx storage.Queries) error {
			// The store may run this again after a conflict: start over.
			failed, failErr = -1, nil
			var evs pending
			if i, err := r.ingestBatch(ctx, tx, jobs, several, &evs); err != nil {
				if i < 0 {
					return err
				}
				failed, failErr = i, err
				return errDropFromBatch
			}
			// One append for the whole batch, last: see ingestEvent.
			return evs.flush(ctx, tx)
		})
		if errors.Is(err, errDropFromBatch) && failErr != nil {
			err = failErr
		}
		switch {
		case err == nil:
			for _, j := range jobs {
				if j.apart {
					apart = append(apart, j)
				} else {
					close(j.done)
				}
			}
			jobs = nil
		case errors.Is(err, storage.ErrUnavailable):
			for _, j := range jobs {
				j.err = err
				close(j.done)
			}
			jobs = nil
		case failed >= 0:
			alone = append(alone, jobs[failed])
			jobs = slices.Delete(slices.Clone(jobs), failed, failed+1)
		default:
			r.log.Warn("group commit failed; ingesting its events one by one", "events", len(jobs), "err", err)
			alone = append(alone, jobs...)
			jobs = nil
		}
	}
	for _, j := range alone {
		j.apart = false
		r.ingestAlone(ctx, j)
	}
	return apart
}

// ingestAlone commits one event in a transaction of its own.
func (r *Router) ingestAlone(ctx context.Context, j *ingestJob) {
	j.err = r.retryTx(ctx, func(tx storage.Queries) error {
		var err error
		j.rc, err = r.ingestTx(ctx, tx, j.ev, j.ids, j.weak, j.atts)
		return err
	})
	close(j.done)
}
