package storage

import (
	"encoding/json"
	"time"
)

// teamJSON is Team's wire form: durations in whole seconds, as their field
// names say.
type teamJSON struct {
	ID               int64           `json:"id"`
	Name             string          `json:"name"`
	Strategy         Strategy        `json:"strategy"`
	SLASeconds       int64           `json:"sla_seconds"`
	OwnerWaitSeconds int64           `json:"owner_wait_seconds"`
	Hours            json.RawMessage `json:"hours,omitempty"`
	CreatedAt        time.Time       `json:"created_at"`
}

// MarshalJSON writes the team with durations in seconds.
func (t Team) MarshalJSON() ([]byte, error) {
	return json.Marshal(teamJSON{ID: t.ID, Name: t.Name, Strategy: t.Strategy,
		SLASeconds: int64(t.SLA / time.Second), OwnerWaitSeconds: int64(t.OwnerWait / time.Second),
		Hours: t.Hours, CreatedAt: t.CreatedAt})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (t *Team) UnmarshalJSON(b []byte) error {
	var w teamJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = Team{ID: w.ID, Name: w.Name, Strategy: w.Strategy, SLA: time.Duration(w.SLASeconds) * time.Second,
		OwnerWait: time.Duration(w.OwnerWaitSeconds) * time.Second, Hours: w.Hours, CreatedAt: w.CreatedAt}
	return nil
}
