package httpapi

import (
	"errors"
	"net/http"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// inlineAttachment serves an image a letter's HTML shows inline: the email
// channel rewrites "cid:" sources to
// /api/v1/attachments/cid/{channel}/{message}/{cid}, naming the message by
// its channel and external id (the letter's Message-ID), because the
// stored message id does not exist yet when the letter is parsed. The
// answer and its authorization are those of GET /api/v1/attachments/{id}.
func (s *Server) inlineAttachment(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	channel, ext, cid := r.PathValue("channel"), r.PathValue("message"), r.PathValue("cid")
	if channel == "" || ext == "" || cid == "" {
		return errBadRequest("channel, message and cid are required")
	}
	// Every miss answers like an invisible attachment, so a caller cannot
	// probe which letters or Content-IDs exist in dialogs it may not see.
	m, err := s.store.GetMessageByExternal(r.Context(), channel, ext)
	if errors.Is(err, storage.ErrNotFound) {
		return errNotFound("attachment not found")
	}
	if err != nil {
		return err
	}
	for _, a := range m.Attachments {
		if a.ContentID == cid {
			return s.serveAttachment(w, r, p, m, a)
		}
	}
	return errNotFound("attachment not found")
}
