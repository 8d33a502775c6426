package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// Limits of a canned response's fields.
const (
	maxCannedTitle    = 200
	maxCannedShortcut = 50
	maxCannedText     = 20000
)

// listCanned answers the caller's personal responses, their teams' and
// the global ones; admins see every team's. ?kind= narrows to replies or
// snippets.
func (s *Server) listCanned(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	kind := storage.CannedKind(r.URL.Query().Get("kind"))
	if kind != "" && kind != storage.KindCanned && kind != storage.KindSnippet {
		return errBadRequest("kind must be canned or snippet")
	}
	teams := p.TeamIDs
	if isAdmin(p) {
		all, err := s.store.ListTeams(r.Context())
		if err != nil {
			return err
		}
		teams = make([]int64, len(all))
		for i, t := range all {
			teams[i] = t.ID
		}
	}
	cs, err := s.store.ListCanned(r.Context(), p.Manager.ID, teams)
	if err != nil {
		return err
	}
	out := make([]storage.Canned, 0, len(cs))
	for _, c := range cs {
		if kind == "" || c.Kind == kind {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"canned": out})
	return nil
}

// cannedRequest carries a canned response's fields; absent fields keep
// their value on update. Scope and team are set at creation only: an
// update may repeat them (a client sending back what it read) but not
// change them.
type cannedRequest struct {
	Scope    *storage.CannedScope `json:"scope"`
	TeamID   *int64               `json:"team_id"`
	Title    *string              `json:"title"`
	Shortcut *string              `json:"shortcut"`
	Text     *string              `json:"text"`
	Kind     *storage.CannedKind  `json:"kind"`
	// Attachments replace the response's files; an empty list drops them.
	Attachments *[]attachmentRef `json:"attachments"`
}

// resolveCannedAttachments checks the request's files against the blob store; it is done
// before apply because apply has no store to ask.
func (s *Server) resolveCannedAttachments(r *http.Request, req cannedRequest) ([]storage.CannedAttachment, error) {
	if req.Attachments == nil {
		return nil, nil
	}
	atts, err := s.resolveAttachments(r.Context(), *req.Attachments)
	if len(atts) == 0 {
		atts = nil
	}
	return atts, err
}

// apply copies the editable fields onto c and checks the result.
func (req cannedRequest) apply(c *storage.Canned) error {
	if req.Title != nil {
		c.Title = strings.TrimSpace(*req.Title)
	}
	if req.Shortcut != nil {
		c.Shortcut = strings.TrimSpace(*req.Shortcut)
	}
	if req.Text != nil {
		c.Body = *req.Text
	}
	if req.Kind != nil {
		c.Kind = *req.Kind
	}
	switch {
	case c.Title == "" || utf8.RuneCountInString(c.Title) > maxCannedTitle:
		return errBadRequest("title must be 1 to 200 characters")
	case utf8.RuneCountInString(c.Shortcut) > maxCannedShortcut || strings.ContainsAny(c.Shortcut, " \t\r\n"):
		return errBadRequest("shortcut must be at most 50 characters without spaces")
	case strings.TrimSpace(c.Body) == "" || utf8.RuneCountInString(c.Body) > maxCannedText:
		return errBadRequest("text must be 1 to 20000 characters")
	case c.Kind != storage.KindCanned && c.Kind != storage.KindSnippet:
		return errBadRequest("kind must be canned or snippet")
	}
	return nil
}

func (s *Server) createCanned(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req cannedRequest
	err := decode(w, r, &req)
	if err != nil {
		return err
	}
	now := s.now()
	c := storage.Canned{Scope: storage.CannedPersonal, Kind: storage.KindCanned, CreatedAt: now, UpdatedAt: now}
	if req.Scope != nil {
		c.Scope = *req.Scope
	}
	if req.TeamID != nil {
		c.TeamID = *req.TeamID
	}
	switch c.Scope {
	case storage.CannedPersonal:
		c.OwnerID = p.Manager.ID
	case storage.CannedTeam, storage.CannedGlobal:
	default:
		return errBadRequest("scope must be personal, team or global")
	}
	if (c.Scope == storage.CannedTeam) != (c.TeamID != 0) {
		return errBadRequest("team_id is required for scope team and only for it")
	}
	if err := req.apply(&c); err != nil {
		return err
	}
	if !canEditCanned(p, c) {
		return errForbidden("agents create personal responses; team ones are for the team's supervisors, global ones for admins")
	}
	if c.Attachments, err = s.resolveCannedAttachments(r, req); err != nil {
		return err
	}
	if c.Scope == storage.CannedTeam {
		if _, err := s.store.GetTeam(r.Context(), c.TeamID); errors.Is(err, storage.ErrNotFound) {
			return errBadRequest("no such team")
		} else if err != nil {
			return err
		}
	}
	if err := s.store.CreateCanned(r.Context(), &c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"canned": c})
	return nil
}

// loadCanned reads the canned response named by the path parameter name;
// one the caller may not see is "not found", like another's dialog.
func (s *Server) loadCanned(r *http.Request, p auth.Principal, name string) (storage.Canned, error) {
	id, err := pathID(r, name)
	if err != nil {
		return storage.Canned{}, err
	}
	c, err := s.store.GetCanned(r.Context(), id)
	if err != nil {
		return storage.Canned{}, err
	}
	if !canReadCanned(p, c) {
		return storage.Canned{}, errNotFound("canned response not found")
	}
	return c, nil
}

// loadCannedForEdit is loadCanned plus the edit right.
func (s *Server) loadCannedForEdit(r *http.Request, p auth.Principal) (storage.Canned, error) {
	c, err := s.loadCanned(r, p, "id")
	if err != nil {
		return c, err
	}
	if !canEditCanned(p, c) {
		return c, errForbidden("only the team's supervisors (team) or admins (global) change this response")
	}
	return c, nil
}

func (s *Server) updateCanned(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c, err := s.loadCannedForEdit(r, p)
	if err != nil {
		return err
	}
	var req cannedRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if (req.Scope != nil && *req.Scope != c.Scope) || (req.TeamID != nil && *req.TeamID != c.TeamID) {
		return errBadRequest("scope and team_id cannot change; create a new response instead")
	}
	if err := req.apply(&c); err != nil {
		return err
	}
	if req.Attachments != nil {
		if c.Attachments, err = s.resolveCannedAttachments(r, req); err != nil {
			return err
		}
	}
	c.UpdatedAt = s.now()
	if err := s.store.UpdateCanned(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"canned": c})
	return nil
}

func (s *Server) deleteCanned(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c, err := s.loadCannedForEdit(r, p)
	if err != nil {
		return err
	}
	if err := s.store.DeleteCanned(r.Context(), c.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
