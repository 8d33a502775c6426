package router

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
)

// nameKeysVersion names the rules identity.NameKeys follows. Stored keys
// computed under other rules (or before there were keys) find the wrong
// namesakes, so a change of the rules bumps it and every client's keys are
// computed again.
const nameKeysVersion = "1"

// reindexPage is how many clients one reindex transaction covers: big
// enough to be quick over a million clients, small enough not to hold up
// ingest on SQLite's single writer.
const reindexPage = 500

// ReindexNames brings every client's name keys up to the current rules
// when the store says they were computed under other ones, and is a single
// read otherwise. Running it twice, or on two replicas at once, is
// harmless: each client's keys are replaced, not added to.
func (r *Router) ReindexNames(ctx context.Context) error {
	var v string
	err := r.store.Tx(ctx, func(tx storage.Queries) error {
		var err error
		v, err = tx.GetState(ctx, "router", "name_keys")
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil || v == nameKeysVersion {
		return err
	}
	var after int64
	total := 0
	for {
		var page []storage.Client
		err := r.store.Tx(ctx, func(tx storage.Queries) error {
			var err error
			page, err = tx.SearchClients(ctx, storage.ClientQuery{AfterID: after, Limit: reindexPage})
			if err != nil {
				return err
			}
			for _, c := range page {
				if err := tx.SetNameKeys(ctx, c.ID, identity.NameKeys(c.Name)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		total += len(page)
		after = page[len(page)-1].ID
	}
	if total > 0 {
		r.log.Info("client names reindexed", "clients", total, "rules", nameKeysVersion)
	}
	return r.store.Tx(ctx, func(tx storage.Queries) error {
		return tx.SetState(ctx, "router", "name_keys", nameKeysVersion)
	})
}

// NameReindex runs ReindexNames as a service: once at start, again after a
// minute while it fails (the store may be coming up), then it is done.
type NameReindex struct {
	r     *Router
	retry time.Duration
}

// NewNameReindex returns the service for r.
func NewNameReindex(r *Router) *NameReindex { return &NameReindex{r: r, retry: time.Minute} }

// Run reindexes names if needed and returns when done or when ctx ends.
func (n *NameReindex) Run(ctx context.Context) error {
	for {
		err := n.r.ReindexNames(ctx)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		n.r.log.Error("reindex client names", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(n.retry):
		}
	}
}
