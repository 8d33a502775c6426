package router

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

// Merge folds loser into survivor: identities, dialogs, messages, calls and
// leads move to the survivor and loser keeps a merged_into tombstone. It is
// safe to run twice. actor is the manager who merged (0 for the system).
func (r *Router) Merge(ctx context.Context, loser, survivor, actor int64) (storage.Client, error) {
	var out storage.Client
	err := r.retryTx(ctx, func(tx storage.Queries) error {
		var evs pending
		if err := r.mergeTx(ctx, tx, loser, survivor, actor, r.now(), &evs); err != nil {
			return err
		}
		var err error
		if out, err = tx.GetClient(ctx, survivor); err != nil {
			return err
		}
		return evs.flush(ctx, tx)
	})
	return out, err
}

func (r *Router) mergeTx(ctx context.Context, tx storage.Queries, loser, survivor, actor int64, now time.Time, evs *pending) error {
	if loser == survivor {
		return fmt.Errorf("%w: a client cannot be merged into itself", channels.ErrInvalidEvent)
	}
	l, err := tx.GetClient(ctx, loser)
	if err != nil {
		return err
	}
	if l.MergedInto == survivor {
		return nil
	}
	if err := tx.MergeClients(ctx, loser, survivor, now); err != nil {
		return err
	}
	r.metrics.merge()
	evs.add(storage.Event{Type: event.ClientMerged, At: now, ClientID: survivor,
		Data: mustJSON(map[string]any{"loser_id": loser, "survivor_id": survivor, "by_manager_id": actor})})
	return nil
}

// Dismiss marks a duplicate candidate as not a duplicate; it stays
// dismissed when the same pair is seen again.
func (r *Router) Dismiss(ctx context.Context, candidateID, actor int64) (storage.Candidate, error) {
	var out storage.Candidate
	err := r.store.Tx(ctx, func(tx storage.Queries) error {
		c, err := tx.GetCandidate(ctx, candidateID)
		if err != nil {
			return err
		}
		if err := tx.SetCandidateStatus(ctx, c.ID, storage.CandidateDismissed); err != nil {
			return err
		}
		c.Status = storage.CandidateDismissed
		out = c
		return pending{{Type: event.DuplicateDismissed, At: r.now(), ClientID: c.ClientA,
			Data: mustJSON(map[string]any{"candidate": c, "by_manager_id": actor})}}.flush(ctx, tx)
	})
	return out, err
}

// MergeCandidate merges a candidate pair, the older client surviving.
func (r *Router) MergeCandidate(ctx context.Context, candidateID, actor int64) (storage.Client, error) {
	var cand storage.Candidate
	err := r.store.Tx(ctx, func(tx storage.Queries) error {
		var err error
		cand, err = tx.GetCandidate(ctx, candidateID)
		return err
	})
	if err != nil {
		return storage.Client{}, err
	}
	return r.Merge(ctx, cand.ClientB, cand.ClientA, actor)
}
