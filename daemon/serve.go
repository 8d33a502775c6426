package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/channels/api"
	"github.com/switchboard-hub/switchboard/channels/email"
	"github.com/switchboard-hub/switchboard/channels/outbox"
	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/dialogs/httpapi"
	"github.com/switchboard-hub/switchboard/dialogs/stream"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/blob"
)

// Options are per-run settings of Serve.
type Options struct {
	// Demo seeds demo data and plays a scripted stream of clients.
	Demo bool
	// Ready, when set, receives the listener's address once serving.
	Ready chan<- string
}

// service is a long-running part run under the errgroup.
type service interface {
	Run(ctx context.Context) error
}

// app is the wired daemon.
type app struct {
	cfg     Config
	log     *slog.Logger
	store   storage.Store
	router  *router.Router
	worker  *outbox.Worker
	hub     *stream.Hub
	tracker *router.PresenceTracker
	handler http.Handler
	svcs    []service
}

func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// build wires every component in dependency order.
func build(ctx context.Context, cfg Config, st storage.Store, log *slog.Logger, opts Options) (*app, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if p, ok := st.(storage.PoolReporter); ok {
		reg.MustRegister(newPoolCollector(p))
	}

	norm, err := identity.New(identity.Options{
		DefaultRegion: cfg.Identity.DefaultRegion, FoldEmail: cfg.Identity.FoldEmail, FreeMailDomains: cfg.Identity.FreeMailDomains,
	})
	if err != nil {
		return nil, err
	}
	blobs, err := blob.Open(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return nil, err
	}

	a := &app{cfg: cfg, log: log, store: st}
	senders := map[string]channels.Sender{}
	httpClient := &http.Client{Timeout: 30 * time.Second}
	for _, c := range cfg.Channels.API {
		senders[c.Channel()] = api.NewSender(c, httpClient)
	}
	emailMetrics, err := email.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	if err := addEmailSenders(cfg.Channels.Email, senders, emailMetrics, log); err != nil {
		return nil, err
	}
	if opts.Demo {
		for _, ch := range demoChannels {
			senders[ch] = demoSender{log: log}
		}
	}
	outMetrics, err := outbox.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	reg.MustRegister(outbox.NewBacklogCollector(st, 2*time.Second, log))
	a.worker, err = outbox.NewWorker(st, withAttachments(senders, blobs), cfg.Outbox, outMetrics, log)
	if err != nil {
		return nil, err
	}

	maxBatch, runners := cfg.Router.MaxBatch, cfg.Router.BatchRunners
	if maxBatch <= 0 {
		maxBatch = 32
	}
	if runners <= 0 {
		runners = 1
		if st.Engine() == "postgres" {
			runners = 2
		}
	}
	a.router = router.New(st, norm, blobs, router.Config{
		DefaultTeam: cfg.Router.DefaultTeam, AutoMerge: cfg.Router.AutoMerge, AwayOnSLA: cfg.Router.AwayOnSLA,
		MaxBatch: maxBatch, BatchRunners: runners,
	}, router.WithLogger(log), router.WithMetrics(router.NewMetrics(reg)), router.WithOutboxKick(a.worker.Kick))
	a.tracker = router.NewPresenceTracker(a.router, cfg.Router.PresenceGrace)

	authSvc := auth.NewService(st, auth.Config{
		SessionTTL: cfg.Auth.SessionTTL, SecureCookies: strings.HasPrefix(cfg.HTTP.PublicURL, "https://"),
		Params: PasswordParams(cfg),
	})
	apiSrv := httpapi.New(st, a.router, authSvc, httpapi.Options{
		Normalize: func(kind, raw string) (string, error) { return norm.Normalize(channels.IdentityKind(kind), raw) },
		Blobs:     blobs, MaxUploadBytes: cfg.HTTP.MaxUploadBytes, Logger: log, PasswordParams: PasswordParams(cfg),
	})

	a.hub, err = stream.New(stream.Config{
		Source: st,
		Authenticate: func(r *http.Request) (stream.Viewer, error) {
			p, err := authSvc.Authenticate(r)
			if err != nil {
				return stream.Viewer{}, err
			}
			return stream.Viewer{ManagerID: p.Manager.ID, Role: p.Manager.Role, TeamIDs: p.TeamIDs}, nil
		},
		AllowedOrigins: allowedOrigins(cfg),
		DialogScope: func(ctx context.Context, id int64) (int64, int64, error) {
			d, err := st.GetDialog(ctx, id)
			return d.TeamID, d.AssigneeID, err
		},
		Refresh: func(ctx context.Context, id int64) (stream.Viewer, error) {
			m, err := st.GetManager(ctx, id)
			if err != nil {
				return stream.Viewer{}, err
			}
			if m.Disabled {
				return stream.Viewer{}, fmt.Errorf("manager disabled: %w", stream.ErrRevoked)
			}
			teams, err := st.ManagerTeams(ctx, id)
			return stream.Viewer{ManagerID: m.ID, Role: m.Role, TeamIDs: teams}, err
		},
		Presence:   a.tracker,
		Registerer: reg,
		Logger:     log,
	})
	if err != nil {
		return nil, err
	}

	hooks, err := api.NewHandler(cfg.Channels.API, a.router, api.Options{Logger: log})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	apiSrv.Register(mux)
	mux.Handle("GET /api/v1/stream", a.hub)
	mux.Handle("POST /hooks/api/{channel}", hooks)
	mux.Handle("GET /metrics", promhttpHandler(reg))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writePlain(w, http.StatusOK, "ok") })
	mux.HandleFunc("GET /readyz", a.readyz)
	registerConsole(mux)
	a.handler = instrument(reg, mux)

	a.svcs = []service{a.worker, router.NewTimers(a.router, cfg.Router.TimerTick), a.hub, router.NewNameReindex(a.router),
		&housekeeping{store: st, retention: cfg.Events.Retention, every: time.Hour, log: log}}
	emailSvcs, err := emailServices(cfg.Channels.Email, a.router, st, emailMetrics, log)
	if err != nil {
		return nil, err
	}
	a.svcs = append(a.svcs, emailSvcs...)
	return a, nil
}

// readyz answers 200 when the store is reachable and fully migrated.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		writePlain(w, http.StatusServiceUnavailable, "store unreachable")
		return
	}
	pending, err := a.store.MigrationsPending(ctx)
	if err != nil || pending {
		writePlain(w, http.StatusServiceUnavailable, "migrations pending")
		return
	}
	writePlain(w, http.StatusOK, "ready")
}

func writePlain(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, s)
}

// Serve runs the daemon until ctx ends, then stops in reverse order: the
// listener first (in-flight requests finish), then the services.
func Serve(ctx context.Context, cfg Config, stdout io.Writer, opts Options) error {
	log := newLogger(cfg.Log, os.Stderr)
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := EnsureAdmin(ctx, st, cfg, stdout); err != nil {
		return err
	}
	a, err := build(ctx, cfg, st, log, opts)
	if err != nil {
		return err
	}
	defer a.tracker.Stop()
	if opts.Demo {
		if err := seedDemo(ctx, a, stdout); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("switchboard serving", "addr", ln.Addr().String(), "store", st.Engine(), "console", consoleURL(cfg, ln.Addr().String()))
	if opts.Ready != nil {
		opts.Ready <- ln.Addr().String()
	}

	svcCtx, stopSvcs := context.WithCancel(context.Background())
	defer stopSvcs()
	g, gctx := errgroup.WithContext(svcCtx)
	for _, s := range a.svcs {
		g.Go(func() error { return s.Run(gctx) })
	}
	if opts.Demo {
		g.Go(func() error { return playDemo(gctx, a) })
	}
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()

	select {
	case <-ctx.Done():
	case err = <-httpErr:
	case <-gctx.Done():
	}
	log.Info("switchboard stopping")
	shCtx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(shCtx); serr != nil && err == nil {
		err = serr
	}
	stopSvcs()
	if gerr := g.Wait(); gerr != nil && !errors.Is(gerr, context.Canceled) && err == nil {
		err = gerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// allowedOrigins is the public URL, or none (same host) when unset.
func allowedOrigins(cfg Config) []string {
	if cfg.HTTP.PublicURL == "" {
		return nil
	}
	return []string{strings.TrimSuffix(cfg.HTTP.PublicURL, "/")}
}

func consoleURL(cfg Config, addr string) string {
	if cfg.HTTP.PublicURL != "" {
		return strings.TrimSuffix(cfg.HTTP.PublicURL, "/") + "/"
	}
	return "http://" + addr + "/"
}
