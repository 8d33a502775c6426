package httpapi

import (
	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// The access rules, in one place:
//   - an admin sees and acts on everything;
//   - a supervisor sees dialogs of their teams and of the shared queue, and
//     may act on them (transfer, close, take);
//   - an agent sees dialogs assigned to them and the unassigned dialogs
//     waiting in their teams' queues (and the shared queue), may take a
//     queued one, and acts only on their own.
//
// Client cards are shared by the whole team (as in a CRM), but a client's
// timeline shows an agent only messages of dialogs they may see.

func isAdmin(p auth.Principal) bool { return p.Manager.Role == storage.RoleAdmin }

func isSupervisor(p auth.Principal) bool {
	return p.Manager.Role == storage.RoleSupervisor || p.Manager.Role == storage.RoleAdmin
}

// canSee reports whether p may read dialog d.
func canSee(p auth.Principal, d storage.Dialog) bool {
	switch {
	case isAdmin(p), d.AssigneeID == p.Manager.ID:
		return true
	case p.Manager.Role == storage.RoleSupervisor:
		return d.TeamID == 0 || p.InTeam(d.TeamID)
	default:
		return d.AssigneeID == 0 && d.Status != storage.DialogClosed && (d.TeamID == 0 || p.InTeam(d.TeamID))
	}
}

// canAct reports whether p may change dialog d (reply, close, transfer).
func canAct(p auth.Principal, d storage.Dialog) bool {
	if d.AssigneeID == p.Manager.ID || isAdmin(p) {
		return true
	}
	return p.Manager.Role == storage.RoleSupervisor && (d.TeamID == 0 || p.InTeam(d.TeamID))
}

// Canned responses: a personal one is its owner's alone (even admins do
// not see others'), a team one is read by the team and edited by its
// supervisors and admins, a global one is read by all and edited by
// admins.

// canReadCanned reports whether p may see and use c.
func canReadCanned(p auth.Principal, c storage.Canned) bool {
	switch c.Scope {
	case storage.CannedPersonal:
		return c.OwnerID == p.Manager.ID
	case storage.CannedTeam:
		return isAdmin(p) || p.InTeam(c.TeamID)
	default:
		return true
	}
}

// canEditCanned reports whether p may create, change or delete c.
func canEditCanned(p auth.Principal, c storage.Canned) bool {
	switch c.Scope {
	case storage.CannedPersonal:
		return c.OwnerID == p.Manager.ID
	case storage.CannedTeam:
		return isAdmin(p) || (p.Manager.Role == storage.RoleSupervisor && p.InTeam(c.TeamID))
	default:
		return isAdmin(p)
	}
}
