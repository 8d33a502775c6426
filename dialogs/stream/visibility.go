package stream

import (
	"slices"

	"github.com/switchboard-hub/switchboard/storage"
)

// Viewer is who is on the other end of a connection: the manager, their role
// and the teams they belong to.
type Viewer struct {
	ManagerID int64
	Role      storage.Role
	TeamIDs   []int64
}

// Visible reports whether v may see e, by the rule in the package doc. A role
// it does not know is treated as an agent, the least it can be.
func Visible(v Viewer, e storage.Event) bool {
	if v.Role == storage.RoleAdmin {
		return true
	}
	if e.ManagerID != 0 && e.ManagerID == v.ManagerID {
		return true
	}
	if e.ManagerID == 0 && e.TeamID == 0 {
		return true
	}
	if e.TeamID == 0 || !slices.Contains(v.TeamIDs, e.TeamID) {
		return false
	}
	// The event is about one of the viewer's teams: a supervisor sees all
	// of it, an agent only the unassigned part (the queue).
	return v.Role == storage.RoleSupervisor || e.ManagerID == 0
}
