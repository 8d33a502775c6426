package httpapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// TestMembershipChangeIsLogged: changing a manager's teams or role appends
// manager.updated scoped to them, which makes their open streams reload
// what they may see.
func TestMembershipChangeIsLogged(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	for _, req := range []struct{ method, path, body string }{
		{"PUT", "/api/v1/teams/{teamB}/members/{agent}", ""},
		{"DELETE", "/api/v1/teams/{teamB}/members/{agent}", ""},
		{"PATCH", "/api/v1/managers/{agent}", `{"role":"supervisor"}`},
	} {
		_, before, _ := st.EventBounds(context.Background())
		if w := f.do(f.request("admin", req.method, req.path, req.body)); w.Code >= 300 {
			t.Fatalf("%s %s = %d %s", req.method, req.path, w.Code, w.Body)
		}
		evs, err := st.EventsAfter(context.Background(), before, 10)
		if err != nil || len(evs) != 1 || evs[0].Type != "manager.updated" || evs[0].ManagerID != f.agent.ID {
			t.Fatalf("%s %s logged %+v, %v", req.method, req.path, evs, err)
		}
		var data struct {
			Manager struct{ ID int64 } `json:"manager"`
			TeamIDs []int64            `json:"team_ids"`
		}
		if err := json.Unmarshal(evs[0].Data, &data); err != nil || data.Manager.ID != f.agent.ID || data.TeamIDs == nil {
			t.Fatalf("manager.updated data = %s (%v)", evs[0].Data, err)
		}
	}
}
