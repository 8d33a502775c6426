package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/dialogs/event"
	"github.com/switchboard-hub/switchboard/storage"
)

type managerLoad struct {
	Manager storage.Manager `json:"manager"`
	Open    int             `json:"open"`
}

// overview is the supervisor page's data: load per manager, queues and
// the SLA breaches since midnight UTC. The breach count is hub-wide: the
// event log is counted by type, not team, and a number names no dialog.
func (s *Server) overview(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if !isSupervisor(p) {
		return errForbidden("only supervisors and admins see the overview")
	}
	ms, err := s.store.ListManagers(r.Context())
	if err != nil {
		return err
	}
	loads := make([]managerLoad, 0, len(ms))
	for _, m := range ms {
		if !isAdmin(p) && m.ID != p.Manager.ID {
			teams, err := s.store.ManagerTeams(r.Context(), m.ID)
			if err != nil {
				return err
			}
			if !sharesTeam(p, teams) {
				continue
			}
		}
		loads = append(loads, managerLoad{Manager: m, Open: m.Load})
	}
	qs, err := s.store.QueueStats(r.Context())
	if err != nil {
		return err
	}
	queues := make([]storage.QueueStat, 0, len(qs))
	for _, q := range qs {
		if isAdmin(p) || q.TeamID == 0 || p.InTeam(q.TeamID) {
			queues = append(queues, q)
		}
	}
	now := s.now()
	breaches, err := s.store.CountEvents(r.Context(), event.SLABreached,
		time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"managers": loads, "queues": queues, "sla_breaches_today": breaches})
	return nil
}

func sharesTeam(p auth.Principal, teams []int64) bool {
	for _, t := range teams {
		if p.InTeam(t) {
			return true
		}
	}
	return false
}

// attachment serves a file to those who may see its dialog. Only images
// are shown inline; everything else downloads, so an uploaded HTML file
// never runs in the console's origin.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.store.GetAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	m, err := s.store.GetMessage(r.Context(), a.MessageID)
	if err != nil {
		return err
	}
	return s.serveAttachment(w, r, p, m, a)
}

// serveAttachment answers with a's content if p may see the dialog of m,
// the message a belongs to. An invisible attachment is "not found" so its
// existence does not leak.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request, p auth.Principal, m storage.Message, a storage.Attachment) error {
	d, err := s.store.GetDialog(r.Context(), m.DialogID)
	if err != nil {
		return err
	}
	if !canSee(p, d) {
		return errNotFound("attachment not found")
	}
	if a.Key == "" || s.blobs == nil {
		return errNotFound("attachment content was not kept (over the size limit)")
	}
	f, err := s.blobs.Open(r.Context(), a.Key)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return errNotFound("attachment content is missing")
		}
		return err
	}
	defer f.Close()
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	disposition := "attachment"
	if strings.HasPrefix(ct, "image/") && ct != "image/svg+xml" {
		disposition = "inline"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": path.Base(a.Filename)}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	http.ServeContent(w, r, "", m.CreatedAt, f)
	return nil
}
