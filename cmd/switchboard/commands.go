package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/switchboard-hub/switchboard/daemon"
	"io"
	"runtime/debug"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: switchboard [--config FILE] <command> [args]

commands:
  serve [--demo]                      run the daemon (the default command)
  migrate                             apply database migrations and exit
  agent add LOGIN [--name N] [--role agent|supervisor|admin] [--capacity N]
  agent list
  agent passwd LOGIN                  set a new generated password
  token create LOGIN [NAME]           issue an API token for a manager
  version                             print the version

The configuration file may also be named by SWITCHBOARD_CONFIG; every key
can be overridden by an environment variable (see README).
`

// run parses the command line and runs one command.
func run(ctx context.Context, args []string, stdout io.Writer, env func(string) (string, bool)) error {
	fs := flag.NewFlagSet("switchboard", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", "", "configuration file")
	if err := fs.Parse(args); err != nil {
		fmt.Fprint(stdout, usage)
		return err
	}
	if *configPath == "" {
		*configPath, _ = env("SWITCHBOARD_CONFIG")
	}
	rest := fs.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	if cmd == "version" {
		fmt.Fprintln(stdout, "switchboard", buildVersion())
		return nil
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := daemon.LoadConfig(*configPath, env)
	if err != nil {
		return err
	}
	switch cmd {
	case "serve":
		sf := flag.NewFlagSet("serve", flag.ContinueOnError)
		demo := sf.Bool("demo", false, "seed demo data and play a scripted stream of clients")
		if err := sf.Parse(rest); err != nil {
			return err
		}
		return daemon.Serve(ctx, cfg, stdout, daemon.Options{Demo: *demo})
	case "migrate":
		st, err := daemon.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "agent":
		return agentCommand(ctx, cfg, rest, stdout)
	case "token":
		return tokenCommand(ctx, cfg, rest, stdout)
	default:
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func agentCommand(ctx context.Context, cfg daemon.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("agent: give add, list or passwd")
	}
	st, err := daemon.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "add":
		fs := flag.NewFlagSet("agent add", flag.ContinueOnError)
		name := fs.String("name", "", "display name")
		role := fs.String("role", "agent", "agent, supervisor or admin")
		capacity := fs.Int("capacity", 5, "open dialogs at once")
		if len(args) < 2 {
			return errors.New("agent add: give a login")
		}
		login := args[1]
		if err := fs.Parse(args[2:]); err != nil {
			return err
		}
		switch storage.Role(*role) {
		case storage.RoleAgent, storage.RoleSupervisor, storage.RoleAdmin:
		default:
			return fmt.Errorf("agent add: role %q: use agent, supervisor or admin", *role)
		}
		pw := auth.RandomToken(12)
		m, err := daemon.CreateManager(ctx, st, cfg, login, *name, storage.Role(*role), *capacity, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "manager %s (id %d, %s) created; password: %s\n", m.Login, m.ID, m.Role, pw)
		return nil
	case "list":
		ms, err := st.ListManagers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tROLE\tPRESENCE\tLOAD\tDISABLED")
		for _, m := range ms {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d/%d\t%v\n", m.ID, m.Login, m.Name, m.Role, m.Presence, m.Load, m.Capacity, m.Disabled)
		}
		return tw.Flush()
	case "passwd":
		if len(args) < 2 {
			return errors.New("agent passwd: give a login")
		}
		m, err := st.GetManagerByLogin(ctx, args[1])
		if err != nil {
			return fmt.Errorf("agent passwd: %s: %w", args[1], err)
		}
		pw := auth.RandomToken(12)
		hash, err := auth.HashPassword(pw, daemon.PasswordParams(cfg))
		if err != nil {
			return err
		}
		if err := st.SetPassword(ctx, m.ID, hash); err != nil {
			return err
		}
		if err := st.DeleteManagerSessions(ctx, m.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new password for %s: %s\n", m.Login, pw)
		return nil
	default:
		return fmt.Errorf("agent: unknown subcommand %q", args[0])
	}
}

func tokenCommand(ctx context.Context, cfg daemon.Config, args []string, stdout io.Writer) error {
	if len(args) < 2 || args[0] != "create" {
		return errors.New("token: usage: token create LOGIN [NAME]")
	}
	st, err := daemon.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := st.GetManagerByLogin(ctx, args[1])
	if err != nil {
		return fmt.Errorf("token create: %s: %w", args[1], err)
	}
	name := "cli " + strconv.FormatInt(time.Now().Unix(), 10)
	if len(args) > 2 {
		name = args[2]
	}
	svc := auth.NewService(st, auth.Config{Params: auth.TestParams})
	plain, t, err := svc.CreateToken(ctx, m.ID, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "token %d for %s: %s\n", t.ID, m.Login, plain)
	return nil
}
