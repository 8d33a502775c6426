package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// options is the parsed command line.
type options struct {
	// Target: a running daemon (URL, Channel, Secret, Tokens) or one run
	// in this process (InProcess: "sqlite" or a postgres:// URL).
	URL       string
	Channel   string
	Secret    string
	Tokens    []string
	InProcess string

	// Traffic.
	Clients     int
	NewRatio    float64
	DupRatio    float64
	Rate        float64
	Duration    time.Duration
	Concurrency int
	Timeout     time.Duration
	Seed        int64
	Warm        bool

	// Consoles.
	Consoles    int
	Idle        int
	Managers    int
	Capacity    int
	AnswerRatio float64
	Close       bool

	// Measurement and output.
	CallbackListen string
	PID            int
	JSON           bool
	Quiet          bool
	LogLevel       string
	Keep           bool
	CPUProfile     string
}

// tokenList collects repeated or comma-separated --token values.
type tokenList []string

func (l *tokenList) String() string { return strings.Join(*l, ",") }

func (l *tokenList) Set(v string) error {
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			*l = append(*l, t)
		}
	}
	return nil
}

// parseFlags reads the command line; usage goes to w on error or -h.
func parseFlags(args []string, w io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("switchboard-load", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.StringVar(&o.URL, "url", "", "base URL of a running daemon, e.g. http://127.0.0.1:8080")
	fs.StringVar(&o.Channel, "channel", "", "API channel name (the {channel} of /hooks/api/{channel})")
	fs.StringVar(&o.Secret, "secret", "", "the API channel's signing secret")
	var tokens tokenList
	fs.Var(&tokens, "token", "agent API token(s) for the consoles; repeat or separate with commas")
	fs.StringVar(&o.InProcess, "inprocess", "", `run the daemon in this process on "sqlite" (a temporary file) or a postgres:// URL (a schema of its own)`)

	fs.IntVar(&o.Clients, "clients", 1000, "returning clients are drawn from this many known ones")
	fs.Float64Var(&o.NewRatio, "new-ratio", 0.3, "share of events from a client never seen before")
	fs.Float64Var(&o.DupRatio, "dup-ratio", 0.05, "share of events that replay one already sent")
	fs.Float64Var(&o.Rate, "rate", 200, "events per second in total, each at its slot whether or not a sender is free; 0 posts flat out")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "how long to send")
	fs.IntVar(&o.Concurrency, "concurrency", 8, "events in flight at once (HTTP connections)")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.Int64Var(&o.Seed, "seed", 0, "random seed (0 picks one)")
	fs.BoolVar(&o.Warm, "warm", true, "before counting, send one event from each of the --clients known clients, so that returning clients are known to the hub (with no consoles, their dialogs wait in the queue for a manager to connect)")

	fs.IntVar(&o.Consoles, "consoles", 4, "manager consoles on the WebSocket stream")
	fs.IntVar(&o.Idle, "idle", 0, "extra stream connections that only listen, to measure what idle consoles cost")
	fs.IntVar(&o.Managers, "managers", 4, "in-process: managers to create (consoles are spread over them)")
	fs.IntVar(&o.Capacity, "capacity", 50, "in-process: each manager's capacity")
	fs.Float64Var(&o.AnswerRatio, "answer-ratio", 0.2, "share of assigned dialogs a console answers through the API")
	fs.BoolVar(&o.Close, "close", true, "consoles close dialogs once handled, so capacity frees up as in real work")

	fs.StringVar(&o.CallbackListen, "callback-listen", "", "address for a local callback receiver counting outbox deliveries (in-process: always on)")
	fs.IntVar(&o.PID, "pid", 0, "daemon process id to sample RSS and CPU from /proc (in-process: this process)")
	fs.BoolVar(&o.JSON, "json", false, "print the final report as JSON")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress line")
	fs.StringVar(&o.LogLevel, "log-level", "error", "in-process daemon log level")
	fs.BoolVar(&o.Keep, "keep", false, "in-process: keep the database after the run")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of this process (with --inprocess, the daemon's too) to this file while sending")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	o.Tokens = tokens
	return o, o.validate()
}

// validate checks the options hang together.
func (o options) validate() error {
	var errs []error
	switch {
	case o.InProcess != "":
		if o.URL != "" {
			errs = append(errs, errors.New("give --url or --inprocess, not both"))
		}
		if o.InProcess != "sqlite" && !strings.HasPrefix(o.InProcess, "postgres://") && !strings.HasPrefix(o.InProcess, "postgresql://") {
			errs = append(errs, fmt.Errorf(`--inprocess %q: use "sqlite" or a postgres:// URL`, o.InProcess))
		}
		if o.Managers < 1 {
			errs = append(errs, errors.New("--managers must be at least 1"))
		}
	case o.URL == "":
		errs = append(errs, errors.New("give --url (a running daemon) or --inprocess"))
	default:
		if o.Channel == "" || o.Secret == "" {
			errs = append(errs, errors.New("--channel and --secret are required with --url"))
		}
		if (o.Consoles > 0 || o.Idle > 0) && len(o.Tokens) == 0 {
			errs = append(errs, errors.New("--token is required for consoles (or --consoles 0)"))
		}
	}
	ratio := func(name string, v float64) {
		if v < 0 || v > 1 {
			errs = append(errs, fmt.Errorf("%s must be between 0 and 1", name))
		}
	}
	ratio("--new-ratio", o.NewRatio)
	ratio("--dup-ratio", o.DupRatio)
	ratio("--answer-ratio", o.AnswerRatio)
	if o.Rate < 0 {
		errs = append(errs, errors.New("--rate must not be negative"))
	}
	if o.Duration <= 0 {
		errs = append(errs, errors.New("--duration must be positive"))
	}
	if o.Concurrency < 1 {
		errs = append(errs, errors.New("--concurrency must be at least 1"))
	}
	if o.Clients < 1 {
		errs = append(errs, errors.New("--clients must be at least 1"))
	}
	if o.Consoles < 0 || o.Idle < 0 {
		errs = append(errs, errors.New("--consoles and --idle must not be negative"))
	}
	return errors.Join(errs...)
}
