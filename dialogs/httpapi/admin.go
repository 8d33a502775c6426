package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
)

func requireAdmin(p auth.Principal) error {
	if !isAdmin(p) {
		return errForbidden("only admins may do this")
	}
	return nil
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ts, err := s.store.ListTeams(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": nonNil(ts)})
	return nil
}

// teamRequest carries the editable fields of a team; absent fields keep
// their value on update.
type teamRequest struct {
	Name             *string           `json:"name"`
	Strategy         *storage.Strategy `json:"strategy"`
	SLASeconds       *int64            `json:"sla_seconds"`
	OwnerWaitSeconds *int64            `json:"owner_wait_seconds"`
	Hours            json.RawMessage   `json:"hours"`
}

func (req teamRequest) apply(t *storage.Team) error {
	if req.Name != nil {
		t.Name = strings.TrimSpace(*req.Name)
	}
	if req.Strategy != nil {
		t.Strategy = *req.Strategy
	}
	if req.SLASeconds != nil {
		t.SLA = time.Duration(*req.SLASeconds) * time.Second
	}
	if req.OwnerWaitSeconds != nil {
		t.OwnerWait = time.Duration(*req.OwnerWaitSeconds) * time.Second
	}
	if req.Hours != nil {
		t.Hours = req.Hours
	}
	switch {
	case t.Name == "" || len(t.Name) > 100:
		return errBadRequest("name must be 1 to 100 characters")
	case t.Strategy != storage.RoundRobin && t.Strategy != storage.LeastLoaded:
		return errBadRequest("strategy must be round_robin or least_loaded")
	case t.SLA < 0 || t.OwnerWait < 0:
		return errBadRequest("sla_seconds and owner_wait_seconds must not be negative")
	}
	if _, err := router.ParseHours(t.Hours); err != nil {
		return errBadRequest(err.Error())
	}
	return nil
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	var req teamRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	t := storage.Team{Strategy: storage.RoundRobin, CreatedAt: s.now()}
	if err := req.apply(&t); err != nil {
		return err
	}
	if err := s.store.CreateTeam(r.Context(), &t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"team": t})
	return nil
}

func (s *Server) updateTeam(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.store.GetTeam(r.Context(), id)
	if err != nil {
		return err
	}
	var req teamRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := req.apply(&t); err != nil {
		return err
	}
	if err := s.store.UpdateTeam(r.Context(), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"team": t})
	return nil
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteTeam(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) memberIDs(r *http.Request) (int64, int64, error) {
	team, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	m, err := pathID(r, "manager")
	if err != nil {
		return 0, 0, err
	}
	if _, err := s.store.GetTeam(r.Context(), team); err != nil {
		return 0, 0, err
	}
	if _, err := s.store.GetManager(r.Context(), m); err != nil {
		return 0, 0, err
	}
	return team, m, nil
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	team, m, err := s.memberIDs(r)
	if err != nil {
		return err
	}
	if err := s.store.Tx(r.Context(), func(tx storage.Queries) error {
		if err := tx.AddTeamMember(r.Context(), team, m); err != nil {
			return err
		}
		return managerUpdated(r.Context(), tx, m, s.now())
	}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	team, m, err := s.memberIDs(r)
	if err != nil {
		return err
	}
	if err := s.store.Tx(r.Context(), func(tx storage.Queries) error {
		if err := tx.RemoveTeamMember(r.Context(), team, m); err != nil {
			return err
		}
		return managerUpdated(r.Context(), tx, m, s.now())
	}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listManagers(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ms, err := s.store.ListManagers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"managers": nonNil(ms)})
	return nil
}

// managerRequest carries the editable fields of a manager; absent fields
// keep their value on update.
type managerRequest struct {
	Login    string        `json:"login"`
	Password string        `json:"password"`
	Name     *string       `json:"name"`
	Role     *storage.Role `json:"role"`
	Capacity *int          `json:"capacity"`
	Phone    *string       `json:"phone"`
	Mailbox  *string       `json:"mailbox"`
	Disabled *bool         `json:"disabled"`
}

func (req managerRequest) apply(m *storage.Manager) error {
	if req.Name != nil {
		m.Name = strings.TrimSpace(*req.Name)
	}
	if req.Role != nil {
		m.Role = *req.Role
	}
	if req.Capacity != nil {
		m.Capacity = *req.Capacity
	}
	if req.Phone != nil {
		m.Phone = *req.Phone
	}
	if req.Mailbox != nil {
		m.Mailbox = *req.Mailbox
	}
	if req.Disabled != nil {
		m.Disabled = *req.Disabled
	}
	switch {
	case m.Role != storage.RoleAgent && m.Role != storage.RoleSupervisor && m.Role != storage.RoleAdmin:
		return errBadRequest("role must be agent, supervisor or admin")
	case m.Capacity < 0 || m.Capacity > 1000:
		return errBadRequest("capacity must be between 0 and 1000")
	case len(m.Name) > 200:
		return errBadRequest("name is longer than 200 characters")
	}
	return nil
}

func (s *Server) createManager(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	var req managerRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	login := strings.TrimSpace(req.Login)
	if login == "" || len(login) > 100 || strings.ContainsAny(login, " \t\n") {
		return errBadRequest("login must be 1 to 100 characters without spaces")
	}
	if len(req.Password) < 8 {
		return errBadRequest("password must be at least 8 characters")
	}
	m := storage.Manager{Login: login, Name: login, Role: storage.RoleAgent, Capacity: 5, Presence: storage.Offline, CreatedAt: s.now()}
	if err := req.apply(&m); err != nil {
		return err
	}
	hash, err := auth.HashPassword(req.Password, s.params)
	if err != nil {
		return err
	}
	m.PasswordHash = hash
	if err := s.store.CreateManager(r.Context(), &m); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"manager": m})
	return nil
}

func (s *Server) updateManager(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.store.GetManager(r.Context(), id)
	if err != nil {
		return err
	}
	var req managerRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Login != "" || req.Password != "" {
		return errBadRequest("login cannot change; set passwords with PUT /managers/{id}/password")
	}
	if err := req.apply(&m); err != nil {
		return err
	}
	if err := s.store.Tx(r.Context(), func(tx storage.Queries) error {
		if err := tx.UpdateManager(r.Context(), m); err != nil {
			return err
		}
		return managerUpdated(r.Context(), tx, m.ID, s.now())
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"manager": m})
	return nil
}

type passwordRequest struct {
	Password string `json:"password"`
}

// setPassword lets a manager change their own password and an admin
// anyone's; all of that manager's sessions end.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if id != p.Manager.ID && !isAdmin(p) {
		return errForbidden("only admins set other managers' passwords")
	}
	var req passwordRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if len(req.Password) < 8 {
		return errBadRequest("password must be at least 8 characters")
	}
	if _, err := s.store.GetManager(r.Context(), id); err != nil {
		return err
	}
	hash, err := auth.HashPassword(req.Password, s.params)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(r.Context(), id, hash); err != nil {
		return err
	}
	if err := s.store.DeleteManagerSessions(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ts, err := s.store.ListAPITokens(r.Context(), p.Manager.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": nonNil(ts)})
	return nil
}

type tokenRequest struct {
	Name string `json:"name"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req tokenRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if len(req.Name) > 100 {
		return errBadRequest("name is longer than 100 characters")
	}
	plain, t, err := s.auth.CreateToken(r.Context(), p.Manager.ID, req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": plain, "info": t})
	return nil
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteAPIToken(r.Context(), p.Manager.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// managerUpdated logs that a manager's role, state or teams changed, so
// their open streams reload what they may see at once.
func managerUpdated(ctx context.Context, tx storage.Queries, id int64, at time.Time) error {
	m, err := tx.GetManager(ctx, id)
	if err != nil {
		return err
	}
	teams, err := tx.ManagerTeams(ctx, id)
	if err != nil {
		return err
	}
	data, err := json.Marshal(map[string]any{"manager": m, "team_ids": nonNil(teams)})
	if err != nil {
		return err
	}
	return tx.AppendEvent(ctx, &storage.Event{Type: event.ManagerUpdated, At: at, ManagerID: id, Data: data})
}
