package httpapi

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
)

// placeholder matches {{name}} with optional inner spaces.
var placeholder = regexp.MustCompile(`\{\{\s*([a-z_.]+)\s*\}\}`)

// expand fills a canned text's placeholders from vars. An unknown
// placeholder is left as written, so a typo shows in the composer instead
// of silently vanishing from the reply.
func expand(text string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := vars[placeholder.FindStringSubmatch(m)[1]]; ok {
			return v
		}
		return m
	})
}

// renderCanned expands a canned response for a dialog the way the console
// does client-side, for API users who compose replies elsewhere. The
// manager is the caller, who is about to send it.
func (s *Server) renderCanned(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := s.loadDialog(r, p)
	if err != nil {
		return err
	}
	c, err := s.loadCanned(r, p, "cid")
	if err != nil {
		return err
	}
	client, err := s.store.GetClient(r.Context(), d.ClientID)
	if err != nil {
		return err
	}
	text := expand(c.Body, map[string]string{
		"client.name":  client.Name,
		"manager.name": p.Manager.Name,
		"dialog.id":    strconv.FormatInt(d.ID, 10),
	})
	writeJSON(w, http.StatusOK, map[string]any{"text": text})
	return nil
}
