package stream

import (
	"testing"

	"github.com/switchboard-hub/switchboard/storage"
)

func TestVisible(t *testing.T) {
	t.Parallel()
	// Who sees what, written out by hand rather than derived from the rule.
	cases := []struct {
		name                 string
		team, manager        int64
		admin, sup, ag3, ag4 bool
	}{
		{"global (presence, queue summary)", 0, 0, true, true, true, true},
		{"team 10 queue", 10, 0, true, true, true, false},
		{"team 20 queue", 20, 0, true, false, false, true},
		{"agent 3's dialog in team 10", 10, 3, true, true, true, false},
		{"agent 5's dialog in team 10", 10, 5, true, true, false, false},
		{"agent 4's dialog in team 20", 20, 4, true, false, false, true},
		{"agent 3's dialog in team 20", 20, 3, true, false, true, false},
		{"unassigned to agent 3, no team", 0, 3, true, false, true, false},
		{"team 30 queue", 30, 0, true, false, false, false},
		{"supervisor's own dialog", 30, 2, true, true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := storage.Event{TeamID: tc.team, ManagerID: tc.manager}
			for token, want := range map[string]bool{"admin": tc.admin, "sup": tc.sup, "agent3": tc.ag3, "agent4": tc.ag4} {
				if got := Visible(testViewers[token], e); got != want {
					t.Errorf("%s: Visible = %v, want %v", token, got, want)
				}
			}
		})
	}
}

func TestVisibleUnknownRoleIsAgent(t *testing.T) {
	t.Parallel()
	v := Viewer{ManagerID: 9, Role: "", TeamIDs: []int64{10}}
	if Visible(v, storage.Event{TeamID: 10, ManagerID: 5}) {
		t.Error("a viewer without a role saw a team mate's dialog")
	}
	if !Visible(v, storage.Event{TeamID: 10}) {
		t.Error("a viewer without a role missed its team's queue")
	}
}
