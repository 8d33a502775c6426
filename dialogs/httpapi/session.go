package httpapi

import (
	"net"
	"net/http"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if req.Login == "" || req.Password == "" {
		writeError(w, r, s.log, errBadRequest("login and password are required"))
		return
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	m, token, csrf, err := s.auth.Login(r.Context(), req.Login, req.Password, ip)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	s.auth.SetCookies(w, token, csrf)
	writeJSON(w, http.StatusOK, map[string]any{"manager": m, "csrf_token": csrf})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := s.auth.Logout(r.Context(), w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	teams := make([]storage.Team, 0, len(p.TeamIDs))
	for _, id := range p.TeamIDs {
		t, err := s.store.GetTeam(r.Context(), id)
		if err != nil {
			return err
		}
		teams = append(teams, t)
	}
	out := map[string]any{"manager": p.Manager, "teams": teams}
	if p.Session != nil {
		out["csrf_token"] = p.Session.CSRFToken
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type presenceRequest struct {
	Presence storage.Presence `json:"presence"`
}

func (s *Server) setPresence(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req presenceRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch req.Presence {
	case storage.Online, storage.Away, storage.Offline:
	default:
		return errBadRequest("presence must be online, away or offline")
	}
	m, err := s.router.SetPresence(r.Context(), p.Manager.ID, req.Presence)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"manager": m})
	return nil
}
