package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
)

// dialogView is a dialog with what a list needs to show it.
type dialogView struct {
	storage.Dialog
	Client      clientRef    `json:"client"`
	LastMessage *lastMessage `json:"last_message,omitempty"`
}

type clientRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type lastMessage struct {
	Text      string            `json:"text"`
	Direction storage.Direction `json:"direction"`
	CreatedAt string            `json:"created_at"`
}

func (s *Server) view(r *http.Request, d storage.Dialog) (dialogView, error) {
	v := dialogView{Dialog: d}
	c, err := s.store.GetClient(r.Context(), d.ClientID)
	if err != nil {
		return v, err
	}
	v.Client = clientRef{ID: c.ID, Name: c.Name}
	msgs, err := s.store.ListMessages(r.Context(), d.ID, 0, 1)
	if err != nil {
		return v, err
	}
	if len(msgs) == 1 {
		m := msgs[0]
		text := m.Text
		if text == "" {
			text = m.Subject
		}
		v.LastMessage = &lastMessage{Text: preview(text), Direction: m.Direction, CreatedAt: m.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00")}
	}
	return v, nil
}

// preview cuts a message to what fits a list row.
func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 140 {
		return string(r[:140]) + "…"
	}
	return s
}

// listDialogs answers ?view=mine (default), queue or all, filtered by what
// the caller may see.
func (s *Server) listDialogs(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	n, err := limit(r, 50)
	if err != nil {
		return err
	}
	q := storage.DialogQuery{Limit: n}
	if st := r.URL.Query().Get("status"); st != "" {
		for _, v := range strings.Split(st, ",") {
			switch ds := storage.DialogStatus(v); ds {
			case storage.DialogOpen, storage.DialogPending, storage.DialogClosed:
				q.Status = append(q.Status, ds)
			default:
				return errBadRequest("status must be open, pending or closed")
			}
		}
	}
	if b := r.URL.Query().Get("before"); b != "" {
		if q.BeforeAt, q.BeforeID, err = parseDialogCursor(b); err != nil {
			return err
		}
	}
	switch r.URL.Query().Get("view") {
	case "", "mine":
		q.AssigneeID = p.Manager.ID
	case "queue":
		q.Queue = true
		if !isAdmin(p) {
			q.TeamIDs = append([]int64{0}, p.TeamIDs...)
		}
	case "all":
		if !isSupervisor(p) {
			return errForbidden("only supervisors and admins list all dialogs")
		}
		if !isAdmin(p) {
			q.TeamIDs = append([]int64{0}, p.TeamIDs...)
		}
	default:
		return errBadRequest("view must be mine, queue or all")
	}
	ds, err := s.store.ListDialogs(r.Context(), q)
	if err != nil {
		return err
	}
	out := make([]dialogView, 0, len(ds))
	for _, d := range ds {
		if !canSee(p, d) {
			continue
		}
		v, err := s.view(r, d)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	next := ""
	if len(ds) == n {
		last := ds[len(ds)-1]
		next = dialogCursor(last.LastMessageAt, last.ID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialogs": out, "next": next})
	return nil
}

// loadDialog reads a dialog the caller may see; one they may not see is
// "not found", so ids of other agents' dialogs reveal nothing.
func (s *Server) loadDialog(r *http.Request, p auth.Principal) (storage.Dialog, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return storage.Dialog{}, err
	}
	d, err := s.store.GetDialog(r.Context(), id)
	if err != nil {
		return storage.Dialog{}, err
	}
	if !canSee(p, d) {
		return storage.Dialog{}, errNotFound("dialog not found")
	}
	return d, nil
}

func (s *Server) getDialog(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := s.loadDialog(r, p)
	if err != nil {
		return err
	}
	v, err := s.view(r, d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialog": v})
	return nil
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := s.loadDialog(r, p)
	if err != nil {
		return err
	}
	n, err := limit(r, 50)
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	ms, err := s.store.ListMessages(r.Context(), d.ID, before, n)
	if err != nil {
		return err
	}
	next := ""
	if len(ms) == n {
		next = itoa(ms[len(ms)-1].ID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": nonNil(ms), "next": next})
	return nil
}

type replyRequest struct {
	Text    string `json:"text"`
	HTML    string `json:"html"`
	Subject string `json:"subject"`
	// Attachments name uploaded files (POST /uploads) or a canned
	// response's files by key.
	Attachments []attachmentRef `json:"attachments"`
}

// reply queues a manager's answer. An agent answering a queued dialog they
// may see takes it first, as a helpdesk user would expect.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := s.loadDialog(r, p)
	if err != nil {
		return err
	}
	var req replyRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	atts, err := s.resolveAttachments(r.Context(), req.Attachments)
	if err != nil {
		return err
	}
	if !canAct(p, d) {
		if d.AssigneeID != 0 {
			return errForbidden("the dialog is assigned to another manager")
		}
		if _, err := s.router.Take(r.Context(), d.ID, p.Manager.ID); err != nil {
			return err
		}
	}
	// Checked again on the dialog the reply's transaction reads: it may
	// have changed hands since.
	m, err := s.router.Reply(r.Context(), router.Reply{DialogID: d.ID, AuthorID: p.Manager.ID, Text: req.Text, HTML: req.HTML,
		Subject: req.Subject, Attachments: messageAttachments(atts), Guard: actGuard(p)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": m})
	return nil
}

func (s *Server) take(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := s.loadDialog(r, p)
	if err != nil {
		return err
	}
	if d.AssigneeID != 0 && d.AssigneeID != p.Manager.ID && !isSupervisor(p) {
		return &apiError{http.StatusConflict, CodeConflict, "the dialog is already assigned"}
	}
	if d.AssigneeID != 0 && d.AssigneeID != p.Manager.ID {
		d, err = s.router.Transfer(r.Context(), d.ID, p.Manager.ID, 0)
	} else {
		d, err = s.router.Take(r.Context(), d.ID, p.Manager.ID)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialog": d})
	return nil
}

type transferRequest struct {
	ManagerID int64 `json:"manager_id"`
	TeamID    int64 `json:"team_id"`
}

func (s *Server) transfer(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := s.loadDialog(r, p)
	if err != nil {
		return err
	}
	if !canAct(p, d) {
		return errForbidden("only the assignee or a supervisor may transfer this dialog")
	}
	var req transferRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if (req.ManagerID == 0) == (req.TeamID == 0) && req.ManagerID == 0 {
		return errBadRequest("give manager_id or team_id")
	}
	if req.ManagerID != 0 {
		if _, err := s.store.GetManager(r.Context(), req.ManagerID); errors.Is(err, storage.ErrNotFound) {
			return errBadRequest("no such manager")
		}
	}
	if req.TeamID != 0 {
		if _, err := s.store.GetTeam(r.Context(), req.TeamID); errors.Is(err, storage.ErrNotFound) {
			return errBadRequest("no such team")
		}
	}
	d, err = s.router.Transfer(r.Context(), d.ID, req.ManagerID, req.TeamID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialog": d})
	return nil
}

func (s *Server) closeDialog(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return s.act(w, r, p, s.router.Close)
}

func (s *Server) reopen(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return s.act(w, r, p, s.router.Reopen)
}

// actGuard lets an action through when p may see the dialog and change
// it, judged on the dialog as the action's transaction reads it.
func actGuard(p auth.Principal) router.Guard {
	return func(d storage.Dialog) error {
		if !canSee(p, d) {
			return errNotFound("dialog not found")
		}
		if !canAct(p, d) {
			return errForbidden("only the assignee or a supervisor may change this dialog")
		}
		return nil
	}
}

// act runs a router action on the dialog in the path, checking the
// caller's rights on the dialog as the action's transaction reads it.
func (s *Server) act(w http.ResponseWriter, r *http.Request, p auth.Principal, fn func(ctx context.Context, id int64, guard router.Guard) (storage.Dialog, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := fn(r.Context(), id, actGuard(p))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialog": d})
	return nil
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := s.loadDialog(r, p)
	if err != nil {
		return err
	}
	if !canAct(p, d) {
		return errForbidden("only the assignee may mark this dialog read")
	}
	if err := s.store.MarkDialogRead(r.Context(), d.ID); err != nil {
		return err
	}
	d.Unread = 0
	writeJSON(w, http.StatusOK, map[string]any{"dialog": d})
	return nil
}
