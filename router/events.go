package router

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// dialogEvent builds an event scoped to a dialog: visible to its assignee,
// or to its team's queue while unassigned.
func dialogEvent(typ string, d storage.Dialog, at time.Time, data any) storage.Event {
	return storage.Event{
		Type: typ, At: at, Data: mustJSON(data),
		DialogID: d.ID, ClientID: d.ClientID, TeamID: d.TeamID, ManagerID: d.AssigneeID,
	}
}

// managerEvent builds an event only one manager (and admins) sees.
func managerEvent(typ string, managerID int64, d storage.Dialog, at time.Time, data any) storage.Event {
	return storage.Event{
		Type: typ, At: at, Data: mustJSON(data),
		DialogID: d.ID, ClientID: d.ClientID, TeamID: d.TeamID, ManagerID: managerID,
	}
}

// pending collects events during a transaction; they are appended last, at
// commit where the store can, so the event-id lock is held only for the
// end of the transaction.
type pending []storage.Event

func (p *pending) add(e storage.Event) { *p = append(*p, e) }

func (p pending) flush(ctx context.Context, tx storage.Queries) error {
	if len(p) == 0 {
		return nil
	}
	return tx.AppendEventsAtCommit(ctx, p)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only router-built values reach here; failing to encode them is a
		// programming error, not bad input.
		panic("router: encode event: " + err.Error())
	}
	return b
}

// dialogData is the payload of dialog events.
type dialogData struct {
	Dialog storage.Dialog `json:"dialog"`
	From   int64          `json:"from_manager_id,omitempty"`
	Reason string         `json:"reason,omitempty"`
}
