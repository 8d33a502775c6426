// Package httpapi is the agent HTTP API under /api/v1: login, presence,
// dialogs and replies, clients and duplicates, teams, managers and tokens.
// Every object is authorized (see access.go), not just the route.
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
)

// Router is the part of the router agents drive.
type Router interface {
	Take(ctx context.Context, dialogID, managerID int64) (storage.Dialog, error)
	Transfer(ctx context.Context, dialogID, toManager, toTeam int64) (storage.Dialog, error)
	Close(ctx context.Context, dialogID int64) (storage.Dialog, error)
	Reopen(ctx context.Context, dialogID int64) (storage.Dialog, error)
	Reply(ctx context.Context, rep router.Reply) (storage.Message, error)
	Merge(ctx context.Context, loser, survivor, actor int64) (storage.Client, error)
	MergeCandidate(ctx context.Context, candidateID, actor int64) (storage.Client, error)
	Dismiss(ctx context.Context, candidateID, actor int64) (storage.Candidate, error)
	SetPresence(ctx context.Context, managerID int64, p storage.Presence) (storage.Manager, error)
}

// Blobs reads attachment bytes.
type Blobs interface {
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
}

// Server serves the agent API.
type Server struct {
	store  storage.Store
	router Router
	auth   *auth.Service
	norm   func(kind, raw string) (string, error)
	blobs  Blobs
	log    *slog.Logger
	params auth.Params
	now    func() time.Time
}

// Options configure a Server.
type Options struct {
	// Normalize normalizes identity-like search input; nil disables
	// identity search.
	Normalize func(kind, raw string) (string, error)
	Blobs     Blobs
	Logger    *slog.Logger
	// PasswordParams are the argon2id costs for passwords set via the API.
	PasswordParams auth.Params
}

// New builds the API server.
func New(store storage.Store, r Router, a *auth.Service, o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PasswordParams == (auth.Params{}) {
		o.PasswordParams = auth.DefaultParams
	}
	return &Server{store: store, router: r, auth: a, norm: o.Normalize, blobs: o.Blobs, log: o.Logger,
		params: o.PasswordParams, now: func() time.Time { return time.Now().UTC() }}
}

// handlerFunc is an API handler that returns its error for the wrapper to
// answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p auth.Principal) error

// authed wraps h with authentication and, for writes with a session
// cookie, the CSRF check.
func (s *Server) authed(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.auth.Authenticate(r)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := auth.CheckCSRF(p, r); err != nil {
				writeError(w, r, s.log, err)
				return
			}
		}
		if err := h(w, r, p); err != nil {
			writeError(w, r, s.log, err)
		}
	})
}

// Register mounts the API's routes on mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/auth/login", s.login)
	mux.Handle("POST /api/v1/auth/logout", s.authed(s.logout))
	mux.Handle("GET /api/v1/me", s.authed(s.me))
	mux.Handle("PUT /api/v1/me/presence", s.authed(s.setPresence))

	mux.Handle("GET /api/v1/dialogs", s.authed(s.listDialogs))
	mux.Handle("GET /api/v1/dialogs/{id}", s.authed(s.getDialog))
	mux.Handle("GET /api/v1/dialogs/{id}/messages", s.authed(s.listMessages))
	mux.Handle("POST /api/v1/dialogs/{id}/messages", s.authed(s.reply))
	mux.Handle("POST /api/v1/dialogs/{id}/take", s.authed(s.take))
	mux.Handle("POST /api/v1/dialogs/{id}/transfer", s.authed(s.transfer))
	mux.Handle("POST /api/v1/dialogs/{id}/close", s.authed(s.closeDialog))
	mux.Handle("POST /api/v1/dialogs/{id}/reopen", s.authed(s.reopen))
	mux.Handle("POST /api/v1/dialogs/{id}/read", s.authed(s.markRead))
	mux.Handle("GET /api/v1/attachments/{id}", s.authed(s.attachment))
	mux.Handle("GET /api/v1/attachments/cid/{channel}/{message}/{cid}", s.authed(s.inlineAttachment))

	mux.Handle("GET /api/v1/clients", s.authed(s.searchClients))
	mux.Handle("GET /api/v1/clients/{id}", s.authed(s.getClient))
	mux.Handle("GET /api/v1/clients/{id}/timeline", s.authed(s.timeline))
	mux.Handle("GET /api/v1/clients/{id}/candidates", s.authed(s.clientCandidates))
	mux.Handle("POST /api/v1/clients/{id}/merge", s.authed(s.mergeClient))
	mux.Handle("POST /api/v1/candidates/{id}/merge", s.authed(s.mergeCandidate))
	mux.Handle("POST /api/v1/candidates/{id}/dismiss", s.authed(s.dismissCandidate))

	mux.Handle("GET /api/v1/teams", s.authed(s.listTeams))
	mux.Handle("POST /api/v1/teams", s.authed(s.createTeam))
	mux.Handle("PATCH /api/v1/teams/{id}", s.authed(s.updateTeam))
	mux.Handle("DELETE /api/v1/teams/{id}", s.authed(s.deleteTeam))
	mux.Handle("PUT /api/v1/teams/{id}/members/{manager}", s.authed(s.addMember))
	mux.Handle("DELETE /api/v1/teams/{id}/members/{manager}", s.authed(s.removeMember))

	mux.Handle("GET /api/v1/managers", s.authed(s.listManagers))
	mux.Handle("POST /api/v1/managers", s.authed(s.createManager))
	mux.Handle("PATCH /api/v1/managers/{id}", s.authed(s.updateManager))
	mux.Handle("PUT /api/v1/managers/{id}/password", s.authed(s.setPassword))

	mux.Handle("GET /api/v1/tokens", s.authed(s.listTokens))
	mux.Handle("POST /api/v1/tokens", s.authed(s.createToken))
	mux.Handle("DELETE /api/v1/tokens/{id}", s.authed(s.deleteToken))

	mux.Handle("GET /api/v1/supervisor/overview", s.authed(s.overview))
	mux.HandleFunc("GET /api/v1/openapi.yaml", serveOpenAPI)
}
