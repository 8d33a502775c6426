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
	Close(ctx context.Context, dialogID int64, guard router.Guard) (storage.Dialog, error)
	Reopen(ctx context.Context, dialogID int64, guard router.Guard) (storage.Dialog, error)
	Reply(ctx context.Context, rep router.Reply) (storage.Message, error)
	Merge(ctx context.Context, loser, survivor, actor int64) (storage.Client, error)
	MergeCandidate(ctx context.Context, candidateID, actor int64) (storage.Client, error)
	Dismiss(ctx context.Context, candidateID, actor int64) (storage.Candidate, error)
	SetPresence(ctx context.Context, managerID int64, p storage.Presence) (storage.Manager, error)
}

// Blobs keeps attachment bytes: uploads are put there, downloads and the
// checks of keys a client sends back read from it.
type Blobs interface {
	Put(ctx context.Context, content []byte) (key string, err error)
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
}

// Server serves the agent API.
type Server struct {
	store  storage.Store
	router Router
	auth   *auth.Service
	norm   func(kind, raw string) (string, error)
	blobs  Blobs
	// maxUpload caps one uploaded file.
	maxUpload int64
	log       *slog.Logger
	params    auth.Params
	now       func() time.Time
}

// Options configure a Server.
type Options struct {
	// Normalize normalizes identity-like search input; nil disables
	// identity search.
	Normalize func(kind, raw string) (string, error)
	Blobs     Blobs
	// MaxUploadBytes caps one file uploaded to POST /uploads; 0 means
	// DefaultMaxUploadBytes.
	MaxUploadBytes int64
	Logger         *slog.Logger
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
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = DefaultMaxUploadBytes
	}
	return &Server{store: store, router: r, auth: a, norm: o.Normalize, blobs: o.Blobs, maxUpload: o.MaxUploadBytes,
		log: o.Logger, params: o.PasswordParams, now: func() time.Time { return time.Now().UTC() }}
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

// route is one API endpoint: a ServeMux pattern and its handler.
type route struct {
	pattern string
	handler http.Handler
}

// routes lists every endpoint of the API. It is the one list Register
// mounts and the tests walk, so a route cannot be added without the
// authorization matrix and the OpenAPI check noticing it.
func (s *Server) routes() []route {
	a := func(pattern string, h handlerFunc) route { return route{pattern, s.authed(h)} }
	return []route{
		{"POST /api/v1/auth/login", http.HandlerFunc(s.login)},
		a("POST /api/v1/auth/logout", s.logout),
		a("GET /api/v1/me", s.me),
		a("PUT /api/v1/me/presence", s.setPresence),

		a("GET /api/v1/dialogs", s.listDialogs),
		a("GET /api/v1/dialogs/{id}", s.getDialog),
		a("GET /api/v1/dialogs/{id}/messages", s.listMessages),
		a("POST /api/v1/dialogs/{id}/messages", s.reply),
		a("POST /api/v1/dialogs/{id}/take", s.take),
		a("POST /api/v1/dialogs/{id}/transfer", s.transfer),
		a("POST /api/v1/dialogs/{id}/close", s.closeDialog),
		a("POST /api/v1/dialogs/{id}/reopen", s.reopen),
		a("POST /api/v1/dialogs/{id}/read", s.markRead),
		a("POST /api/v1/dialogs/{id}/canned/{cid}/render", s.renderCanned),
		a("GET /api/v1/attachments/{id}", s.attachment),
		a("GET /api/v1/attachments/cid/{channel}/{message}/{cid}", s.inlineAttachment),
		a("POST /api/v1/uploads", s.upload),

		a("GET /api/v1/clients", s.searchClients),
		a("GET /api/v1/clients/{id}", s.getClient),
		a("GET /api/v1/clients/{id}/timeline", s.timeline),
		a("GET /api/v1/clients/{id}/candidates", s.clientCandidates),
		a("POST /api/v1/clients/{id}/merge", s.mergeClient),
		a("POST /api/v1/candidates/{id}/merge", s.mergeCandidate),
		a("POST /api/v1/candidates/{id}/dismiss", s.dismissCandidate),

		a("GET /api/v1/canned", s.listCanned),
		a("POST /api/v1/canned", s.createCanned),
		a("PUT /api/v1/canned/{id}", s.updateCanned),
		a("DELETE /api/v1/canned/{id}", s.deleteCanned),

		a("GET /api/v1/teams", s.listTeams),
		a("POST /api/v1/teams", s.createTeam),
		a("PATCH /api/v1/teams/{id}", s.updateTeam),
		a("DELETE /api/v1/teams/{id}", s.deleteTeam),
		a("PUT /api/v1/teams/{id}/members/{manager}", s.addMember),
		a("DELETE /api/v1/teams/{id}/members/{manager}", s.removeMember),

		a("GET /api/v1/managers", s.listManagers),
		a("POST /api/v1/managers", s.createManager),
		a("PATCH /api/v1/managers/{id}", s.updateManager),
		a("PUT /api/v1/managers/{id}/password", s.setPassword),

		a("GET /api/v1/tokens", s.listTokens),
		a("POST /api/v1/tokens", s.createToken),
		a("DELETE /api/v1/tokens/{id}", s.deleteToken),

		a("GET /api/v1/supervisor/overview", s.overview),
		{"GET /api/v1/openapi.yaml", http.HandlerFunc(serveOpenAPI)},
	}
}

// Register mounts the API's routes on mux.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, rt.handler)
	}
}
