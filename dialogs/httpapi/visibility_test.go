package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// getJSON sends a GET as who, wants 200 and decodes the answer into v.
func (f *fixture) getJSON(who, path string, v any) {
	f.t.Helper()
	w := f.do(f.request(who, http.MethodGet, path, ""))
	if w.Code != http.StatusOK {
		f.t.Fatalf("GET %s as %s: %d %s", path, who, w.Code, w.Body.String())
	}
	decodeBody(f.t, w, v)
}

// dialogIDs lists the dialog ids of a dialog list answer.
func (f *fixture) dialogIDs(who, path string) []int64 {
	f.t.Helper()
	var out struct{ Dialogs []storage.Dialog }
	f.getJSON(who, path, &out)
	var ids []int64
	for _, d := range out.Dialogs {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...int64) []int64 { return slices.Sorted(slices.Values(ids)) }

func wantIDs(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// TestDialogListsShowWhatEachRoleMaySee: an agent lists their own and
// their team's queue, a supervisor their teams only, an admin everything.
func TestDialogListsShowWhatEachRoleMaySee(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	wantIDs(t, "agent, mine", f.dialogIDs("agent", "/api/v1/dialogs"), sorted(f.mine.ID, f.closed.ID))
	wantIDs(t, "agent, open mine", f.dialogIDs("agent", "/api/v1/dialogs?status=open"), sorted(f.mine.ID))
	wantIDs(t, "agent, queue", f.dialogIDs("agent", "/api/v1/dialogs?view=queue"), sorted(f.queueA.ID))
	wantIDs(t, "sup, all", f.dialogIDs("sup", "/api/v1/dialogs?view=all"), sorted(f.mine.ID, f.other.ID, f.queueA.ID, f.closed.ID))
	all := f.dialogIDs("admin", "/api/v1/dialogs?view=all")
	for _, d := range []storage.Dialog{f.mine, f.other, f.queueA, f.queueB, f.teamBDialog, f.closed} {
		if !slices.Contains(all, d.ID) {
			t.Errorf("admin's list %v lacks dialog %d", all, d.ID)
		}
	}
	// Paging: one row a page still walks every dialog the caller sees.
	var seen []int64
	for path := "/api/v1/dialogs?view=all&limit=1"; ; {
		var page struct {
			Dialogs []storage.Dialog
			Next    string
		}
		f.getJSON("sup", path, &page)
		for _, d := range page.Dialogs {
			seen = append(seen, d.ID)
		}
		if page.Next == "" {
			break
		}
		path = "/api/v1/dialogs?view=all&limit=1&before=" + page.Next
	}
	wantIDs(t, "sup, paged", sorted(seen...), sorted(f.mine.ID, f.other.ID, f.queueA.ID, f.closed.ID))
}

// TestTimelineHidesOthersDialogs: a client card is shared, but an agent's
// timeline leaves out messages of dialogs they may not see.
func TestTimelineHidesOthersDialogs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	messages := func(who string) int {
		var out struct{ Entries []storage.TimelineEntry }
		f.getJSON(who, "/api/v1/clients/{client}/timeline", &out)
		n := 0
		for _, e := range out.Entries {
			if e.Message != nil {
				n++
			}
		}
		return n
	}
	if n := messages("agent"); n != 1 {
		t.Errorf("assignee sees %d messages, want 1", n)
	}
	if n := messages("agent2"); n != 0 {
		t.Errorf("another agent sees %d messages of a dialog not theirs", n)
	}
	if n := messages("admin"); n != 1 {
		t.Errorf("admin sees %d messages, want 1", n)
	}
}

func TestOverviewScopesAndBreaches(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.srv.now = func() time.Time { return now }
	for _, at := range []time.Time{now.Add(-9*time.Hour - time.Minute), now.Add(-9 * time.Hour), now.Add(-time.Hour)} {
		e := storage.Event{Type: event.SLABreached, At: at, Data: json.RawMessage(`{}`)}
		if err := f.store.AppendEvent(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
	}
	type overview struct {
		Managers []struct {
			Manager storage.Manager
			Open    int
		}
		Queues []storage.QueueStat
		Breach int `json:"sla_breaches_today"`
	}
	read := func(who string) (managers, teams []int64, o overview) {
		f.getJSON(who, "/api/v1/supervisor/overview", &o)
		for _, m := range o.Managers {
			managers = append(managers, m.Manager.ID)
		}
		for _, q := range o.Queues {
			teams = append(teams, q.TeamID)
		}
		slices.Sort(managers)
		slices.Sort(teams)
		return managers, teams, o
	}
	ms, teams, o := read("sup")
	wantIDs(t, "sup's managers", ms, sorted(f.agent.ID, f.agent2.ID, f.sup.ID))
	wantIDs(t, "sup's queues", teams, []int64{f.teamA.ID})
	if o.Breach != 2 {
		t.Errorf("sla_breaches_today = %d, want 2 (one was yesterday)", o.Breach)
	}
	for _, m := range o.Managers {
		if m.Manager.ID == f.agent.ID && m.Open != 1 {
			t.Errorf("agent's open = %d, want 1", m.Open)
		}
	}
	ms, teams, _ = read("admin")
	wantIDs(t, "admin's managers", ms, sorted(f.agent.ID, f.agent2.ID, f.agentB.ID, f.sup.ID, f.admin.ID))
	wantIDs(t, "admin's queues", teams, sorted(f.teamA.ID, f.teamB.ID))
}

func TestCannedVisibilityAndRender(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	list := func(who, query string) []int64 {
		var out struct{ Canned []storage.Canned }
		f.getJSON(who, "/api/v1/canned"+query, &out)
		var ids []int64
		for _, c := range out.Canned {
			ids = append(ids, c.ID)
		}
		slices.Sort(ids)
		return ids
	}
	c := f.canned
	wantIDs(t, "agent", list("agent", ""), sorted(c["mine"], c["teamA"], c["global"]))
	wantIDs(t, "agentB", list("agentB", ""), sorted(c["teamB"], c["global"]))
	wantIDs(t, "agentB snippets", list("agentB", "?kind=snippet"), sorted(c["teamB"]))
	wantIDs(t, "admin", list("admin", ""), sorted(c["teamA"], c["teamB"], c["global"]))

	// Created personal ones belong to their creator, whatever they ask.
	w := f.do(f.request("agent2", http.MethodPost, "/api/v1/canned", `{"title":"Mine","text":"x","shortcut":"/m"}`))
	var created struct{ Canned storage.Canned }
	decodeBody(t, w, &created)
	if created.Canned.OwnerID != f.agent2.ID || created.Canned.Scope != storage.CannedPersonal {
		t.Errorf("created %+v, want agent2's personal one", created.Canned)
	}

	var out struct{ Text string }
	f.getJSONPost("agent", "/api/v1/dialogs/{mine}/canned/{canned.mine}/render", &out)
	want := "Hello, Client mine! Name of agent here, dialog " + strconv.FormatInt(f.mine.ID, 10) + ". {{unknown}}"
	if out.Text != want {
		t.Errorf("rendered %q, want %q", out.Text, want)
	}
}

// getJSONPost sends a body-less POST as who, wants 200 and decodes.
func (f *fixture) getJSONPost(who, path string, v any) {
	f.t.Helper()
	w := f.do(f.request(who, http.MethodPost, path, ""))
	if w.Code != http.StatusOK {
		f.t.Fatalf("POST %s as %s: %d %s", path, who, w.Code, w.Body.String())
	}
	decodeBody(f.t, w, v)
}

func TestTokensAreOwn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	var out struct{ Tokens []storage.APIToken }
	f.getJSON("agent", "/api/v1/tokens", &out)
	if len(out.Tokens) != 1 || out.Tokens[0].ID != f.tokenID["agent"] {
		t.Fatalf("agent's tokens %+v, want only their own", out.Tokens)
	}
	// A deleted token stops working at once.
	if w := f.do(f.request("agent", http.MethodDelete, "/api/v1/tokens/{token.agent}", "")); w.Code != http.StatusNoContent {
		t.Fatalf("delete own token: %d", w.Code)
	}
	wantError(t, f.do(f.request("agent", http.MethodGet, "/api/v1/me", "")), http.StatusUnauthorized, CodeUnauthorized)
}
