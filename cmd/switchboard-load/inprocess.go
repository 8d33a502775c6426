package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-hub/switchboard/channels/api"
	"github.com/switchboard-hub/switchboard/daemon"
	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// target is the daemon under load.
type target struct {
	name    string
	base    string
	channel string
	secret  string
	tokens  []string
	// stop shuts an in-process daemon down and removes its data.
	stop func() error
}

// inProcessChannel and inProcessTeam are what the tool creates.
const (
	inProcessChannel = "load"
	inProcessTeam    = "load"
)

// startInProcess runs daemon.Serve in this process on a throwaway store —
// a temporary SQLite file, or a fresh schema in the PostgreSQL database at
// o.InProcess — with an API channel whose replies go to callbackURL and a
// round-robin team of o.Managers managers with API tokens.
func startInProcess(ctx context.Context, o options, callbackURL string, stderr io.Writer) (*target, error) {
	tmp, err := os.MkdirTemp("", "switchboard-load-")
	if err != nil {
		return nil, err
	}
	var cleanups []func() error
	cleanup := func() error {
		var errs []error
		for i := len(cleanups) - 1; i >= 0; i-- {
			errs = append(errs, cleanups[i]())
		}
		return errors.Join(errs...)
	}
	if !o.Keep {
		cleanups = append(cleanups, func() error { return os.RemoveAll(tmp) })
	}

	cfg := daemon.DefaultConfig()
	cfg.DataDir = tmp
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Log.Level = o.LogLevel
	// The managers are created here and never log in with a password;
	// a cheap hash keeps start-up quick.
	cfg.Auth.Argon2Memory = 8 * 1024
	secret := randomHex(16)
	cfg.Channels.API = []api.Config{{Name: inProcessChannel, Secret: secret, CallbackURL: callbackURL, Team: inProcessTeam}}
	name := "in-process sqlite " + tmp
	if o.InProcess != "sqlite" {
		schema := "load_" + randomHex(4)
		if err := adminExec(ctx, o.InProcess, "CREATE SCHEMA "+schema); err != nil {
			_ = cleanup()
			return nil, err
		}
		if !o.Keep {
			cleanups = append(cleanups, func() error {
				return adminExec(context.Background(), o.InProcess, "DROP SCHEMA "+schema+" CASCADE")
			})
		}
		cfg.Storage.Driver = "postgres"
		cfg.Storage.URL, err = withSearchPath(o.InProcess, schema)
		if err != nil {
			_ = cleanup()
			return nil, err
		}
		name = "in-process postgres, schema " + schema
	}
	if err := cfg.Validate(); err != nil {
		_ = cleanup()
		return nil, err
	}
	tokens, err := seed(ctx, cfg, o.Managers, o.Capacity)
	if err != nil {
		_ = cleanup()
		return nil, err
	}

	srvCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- daemon.Serve(srvCtx, cfg, io.Discard, daemon.Options{Ready: ready}) }()
	select {
	case addr := <-ready:
		stop := func() error {
			cancel()
			err := <-done
			return errors.Join(err, cleanup())
		}
		return &target{name: name, base: "http://" + addr, channel: inProcessChannel, secret: secret, tokens: tokens, stop: stop}, nil
	case err := <-done:
		cancel()
		return nil, errors.Join(fmt.Errorf("in-process daemon: %w", err), cleanup())
	case <-time.After(60 * time.Second):
		cancel()
		return nil, errors.Join(errors.New("in-process daemon did not start within 60s"), cleanup())
	}
}

// seed creates the team, its managers and their tokens before the daemon
// starts, through the store directly.
func seed(ctx context.Context, cfg daemon.Config, managers, capacity int) ([]string, error) {
	st, err := daemon.OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	team := storage.Team{Name: inProcessTeam, Strategy: storage.RoundRobin, CreatedAt: time.Now().UTC()}
	if err := st.CreateTeam(ctx, &team); err != nil {
		return nil, fmt.Errorf("create team: %w", err)
	}
	svc := auth.NewService(st, auth.Config{Params: daemon.PasswordParams(cfg)})
	tokens := make([]string, 0, managers)
	for i := range managers {
		m, err := daemon.CreateManager(ctx, st, cfg, fmt.Sprintf("load-%02d", i+1), "", storage.RoleAgent, capacity, randomHex(12))
		if err != nil {
			return nil, err
		}
		if err := st.AddTeamMember(ctx, team.ID, m.ID); err != nil {
			return nil, err
		}
		plain, _, err := svc.CreateToken(ctx, m.ID, "switchboard-load")
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, plain)
	}
	return tokens, nil
}

// adminExec runs one statement on the PostgreSQL database at u.
func adminExec(ctx context.Context, u, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Parsed as a pool's URL, so that the pool settings the daemon takes
	// (pool_max_conns, …) are not sent to the server as run-time ones.
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("postgres: %s: %w", sql, err)
	}
	return nil
}

// withSearchPath adds search_path to a postgres:// URL; pgx passes unknown
// parameters to the server as run-time settings.
func withSearchPath(raw, schema string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (!strings.HasPrefix(u.Scheme, "postgres")) {
		return "", fmt.Errorf("--inprocess %q is not a postgres:// URL", raw)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
