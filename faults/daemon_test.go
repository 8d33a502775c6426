package faults

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/switchboard-hub/switchboard/channels/api"
	"github.com/switchboard-hub/switchboard/daemon"
)

// channelName and channelSecret are the API channel every test configures.
const (
	channelName   = "load"
	channelSecret = "fault-injection-secret-0123456789"
)

// baseConfig is a daemon configuration for tests: SQLite in dataDir, a
// free loopback port, JSON logs (the start line is parsed), cheap
// password hashing and an outbox that retries within seconds instead of
// minutes.
func baseConfig(dataDir, callbackURL string) daemon.Config {
	cfg := daemon.DefaultConfig()
	cfg.DataDir = dataDir
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	cfg.Log = daemon.LogConfig{Level: "info", Format: "json"}
	cfg.Auth.Argon2Memory = 8 * 1024
	cfg.Outbox.Poll = 100 * time.Millisecond
	cfg.Outbox.SendTimeout = time.Second
	cfg.Outbox.Lease = 2 * time.Second
	cfg.Outbox.BackoffBase = 50 * time.Millisecond
	cfg.Outbox.BackoffMax = 500 * time.Millisecond
	cfg.Router.TimerTick = 200 * time.Millisecond
	cfg.Channels.API = []api.Config{{Name: channelName, Secret: channelSecret, CallbackURL: callbackURL}}
	return cfg
}

// writeConfig stores cfg as YAML in dir and returns its path.
func writeConfig(t *testing.T, dir string, cfg daemon.Config) string {
	t.Helper()
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCLI runs one switchboard subcommand to completion.
func runCLI(t *testing.T, cfgPath string, args ...string) string {
	t.Helper()
	// Built before the clock starts: a cold build takes longer than any
	// subcommand may.
	bin := binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--config", cfgPath}, args...)...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("switchboard %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

var (
	tokenLine    = regexp.MustCompile(`token \d+ for \S+: (sbt_\S+)`)
	passwordLine = regexp.MustCompile(`created; password: (\S+)`)
)

// addAgent creates an agent through the CLI and returns an API token for it.
func addAgent(t *testing.T, cfgPath, login string, capacity int) string {
	t.Helper()
	token, _ := addAgentWithPassword(t, cfgPath, login, capacity)
	return token
}

// addAgentWithPassword is addAgent also returning the agent's password.
func addAgentWithPassword(t *testing.T, cfgPath, login string, capacity int) (token, password string) {
	t.Helper()
	p := passwordLine.FindStringSubmatch(runCLI(t, cfgPath, "agent", "add", login, "--capacity", itoa(capacity)))
	if p == nil {
		t.Fatalf("agent add %s: no password in the output", login)
	}
	m := tokenLine.FindStringSubmatch(runCLI(t, cfgPath, "token", "create", login))
	if m == nil {
		t.Fatalf("token create %s: no token in the output", login)
	}
	return m[1], p[1]
}

// cleanEnv is the test's environment without SWITCHBOARD_ variables, so a
// developer's settings cannot change what the child daemon runs on.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWITCHBOARD_") {
			out = append(out, kv)
		}
	}
	return out
}

// proc is a daemon running as a child process.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	URL  string
	done chan struct{}
	// exitErr is set when done is closed.
	exitErr error

	mu   sync.Mutex
	tail []string
}

// procOptions tunes startProc.
type procOptions struct {
	// Credential runs the daemon as another user (root only).
	Credential *syscall.Credential
	// NoReady returns as soon as the process listens, without waiting for
	// /readyz, for starts that are expected to be degraded.
	NoReady bool
}

// startProc starts `switchboard --config cfgPath serve` and waits until it
// listens and is ready. The process is killed when the test ends.
func startProc(t *testing.T, cfgPath string, opts procOptions) *proc {
	t.Helper()
	p, err := tryStartProc(t, cfgPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tryStartProc is startProc returning the failure (the process's exit and
// its last log lines) instead of failing the test.
func tryStartProc(t *testing.T, cfgPath string, opts procOptions) (*proc, error) {
	t.Helper()
	cmd := exec.Command(binary(t), "--config", cfgPath, "serve")
	cmd.Env = cleanEnv()
	if opts.Credential != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: opts.Credential}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{t: t, cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go p.readLogs(stderr, addr)
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("daemon log tail:\n%s", p.Tail())
		}
	})

	select {
	case a := <-addr:
		p.URL = "http://" + a
	case <-p.done:
		return nil, errors.New("daemon exited before listening: " + p.exitErr.Error() + "\n" + p.Tail())
	case <-time.After(30 * time.Second):
		return nil, errors.New("daemon did not listen within 30s\n" + p.Tail())
	}
	if opts.NoReady {
		return p, nil
	}
	if err := poll(10*time.Second, func() bool { return readyz(p.URL) == http.StatusOK }); err != nil {
		return nil, errors.New("daemon not ready: " + err.Error() + "\n" + p.Tail())
	}
	return p, nil
}

// readLogs keeps the last lines of the daemon's log and reports the
// address from its start line.
func (p *proc) readLogs(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.tail = append(p.tail, line)
		if len(p.tail) > 60 {
			p.tail = p.tail[len(p.tail)-60:]
		}
		p.mu.Unlock()
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "switchboard serving" {
			select {
			case addr <- rec.Addr:
			default:
			}
		}
	}
	p.exitErr = p.cmd.Wait()
	if p.exitErr == nil {
		p.exitErr = errors.New("exit status 0")
	}
	close(p.done)
}

// Tail returns the last log lines.
func (p *proc) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the daemon to shut down gracefully and waits for it.
func (p *proc) Stop() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.Kill()
		p.t.Fatalf("daemon did not stop within 20s after SIGTERM\n%s", p.Tail())
	}
}

// readyz returns the status of GET /readyz, or 0 when there is no answer.
func readyz(base string) int {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(base + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// poll checks cond every 20ms until it holds or d has passed.
func poll(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("condition not met within " + d.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
