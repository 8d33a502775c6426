package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// searchClients finds clients by ?q=: input that normalizes as a phone,
// email or INN is matched exactly on identities; anything else by name.
func (s *Server) searchClients(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	n, err := limit(r, 50)
	if err != nil {
		return err
	}
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len([]rune(q)) > 200 {
		return errBadRequest("q is longer than 200 characters")
	}
	query := storage.ClientQuery{Text: strings.ToLower(q), Limit: n, AfterID: after}
	if q != "" && s.norm != nil {
		kinds := []string{"inn", "phone"}
		if strings.Contains(q, "@") {
			kinds = []string{"email"}
		}
		for _, kind := range kinds {
			if v, err := s.norm(kind, q); err == nil {
				query.Identity, query.Text = &storage.Identity{Kind: kind, Value: v}, ""
				break
			}
		}
	}
	cs, err := s.store.SearchClients(r.Context(), query)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"clients": nonNil(cs)})
	return nil
}

func (s *Server) loadClient(r *http.Request) (storage.Client, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return storage.Client{}, err
	}
	return s.store.GetClient(r.Context(), id)
}

func (s *Server) getClient(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c, err := s.loadClient(r)
	if err != nil {
		return err
	}
	ids, err := s.store.ClientIdentities(r.Context(), c.ID)
	if err != nil {
		return err
	}
	out := map[string]any{"client": c, "identities": nonNil(ids), "owner": nil}
	if c.OwnerID != 0 {
		if o, err := s.store.GetManager(r.Context(), c.OwnerID); err == nil {
			out["owner"] = o
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// timeline shows a client's history across channels; an agent sees only
// messages of dialogs they may see.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c, err := s.loadClient(r)
	if err != nil {
		return err
	}
	n, err := limit(r, 50)
	if err != nil {
		return err
	}
	var before time.Time
	if b := r.URL.Query().Get("before"); b != "" {
		if before, err = time.Parse(time.RFC3339Nano, b); err != nil {
			return errBadRequest("before must be an RFC 3339 time")
		}
	}
	entries, err := s.store.Timeline(r.Context(), c.ID, before, n)
	if err != nil {
		return err
	}
	visible := map[int64]bool{}
	out := make([]storage.TimelineEntry, 0, len(entries))
	for _, e := range entries {
		if e.Message != nil && !isAdmin(p) {
			ok, seen := visible[e.Message.DialogID]
			if !seen {
				d, err := s.store.GetDialog(r.Context(), e.Message.DialogID)
				if err != nil {
					return err
				}
				ok = canSee(p, d)
				visible[d.ID] = ok
			}
			if !ok {
				continue
			}
		}
		out = append(out, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
	return nil
}

type candidateView struct {
	storage.Candidate
	Other storage.Client `json:"other"`
}

func (s *Server) clientCandidates(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c, err := s.loadClient(r)
	if err != nil {
		return err
	}
	cands, err := s.store.ListCandidates(r.Context(), c.ID, storage.CandidateOpen, 50)
	if err != nil {
		return err
	}
	out := make([]candidateView, 0, len(cands))
	for _, cd := range cands {
		other := cd.ClientA
		if other == c.ID {
			other = cd.ClientB
		}
		oc, err := s.store.GetClient(r.Context(), other)
		if err != nil {
			return err
		}
		out = append(out, candidateView{Candidate: cd, Other: oc})
	}
	writeJSON(w, http.StatusOK, map[string]any{"candidates": out})
	return nil
}

type mergeRequest struct {
	// LoserID is the client folded into the one in the path.
	LoserID int64 `json:"loser_id"`
}

func (s *Server) mergeClient(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if !isSupervisor(p) {
		return errForbidden("only supervisors and admins merge clients")
	}
	c, err := s.loadClient(r)
	if err != nil {
		return err
	}
	var req mergeRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.LoserID <= 0 {
		return errBadRequest("loser_id is required")
	}
	out, err := s.router.Merge(r.Context(), req.LoserID, c.ID, p.Manager.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"client": out})
	return nil
}

func (s *Server) mergeCandidate(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if !isSupervisor(p) {
		return errForbidden("only supervisors and admins merge clients")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	out, err := s.router.MergeCandidate(r.Context(), id, p.Manager.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"client": out})
	return nil
}

func (s *Server) dismissCandidate(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if !isSupervisor(p) {
		return errForbidden("only supervisors and admins dismiss duplicate candidates")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	out, err := s.router.Dismiss(r.Context(), id, p.Manager.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"candidate": out})
	return nil
}
