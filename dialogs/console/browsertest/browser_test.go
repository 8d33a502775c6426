package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium; CHROMIUM overrides it.
func chromiumPath(t *testing.T) string {
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not found at %s: CI must run the browser tests (apt-get install chromium)", p)
		}
		t.Skipf("browser tests skipped: chromium not found at %s", p)
	}
	return p
}

// scenarioTimeout bounds each scenario: a hung browser fails the test
// instead of stalling the suite.
const scenarioTimeout = 30 * time.Second

// browser is one headless Chromium with a fresh profile.
type browser struct {
	t   *testing.T
	ctx context.Context // the first tab's chromedp context
}

// newBrowser starts Chromium for the test and closes it at the end.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Timers of background tabs are throttled to once a minute; the
		// second manager's tab must keep its reconnects and pollers.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.WindowSize(1400, 900),
		chromedp.UserDataDir(t.TempDir()),
		// Chromium keeps its singleton socket in a directory of its own
		// under TMPDIR, which a killed browser leaves behind: the test's
		// own temporary directory takes it away.
		chromedp.Env("TMPDIR=" + t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	// Start the browser on the undecorated context: the first run binds the
	// browser's life to its context, which must not be a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// tab is one page of a browser as one manager.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string
}

var shotSeq atomic.Int64

// tab opens a page. isolated gives it a browser context of its own (its own
// cookies and localStorage), as a second person on another machine.
func (b *browser) tab(name, base string, isolated bool) *tab {
	b.t.Helper()
	ctx := b.ctx
	if isolated {
		var cancel context.CancelFunc
		ctx, cancel = chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
		b.t.Cleanup(cancel)
		if err := chromedp.Do(ctx); err != nil {
			b.t.Fatalf("open tab %s: %v", name, err)
		}
	}
	tb := &tab{t: b.t, name: name, ctx: ctx, base: base}
	// Registered after the tab's own cancel, so it runs before it.
	b.t.Cleanup(tb.screenshotOnFailure)
	return tb
}

// screenshotOnFailure saves what the tab shows when the test failed.
func (tb *tab) screenshotOnFailure() {
	if !tb.t.Failed() {
		return
	}
	tb.logState()
	dir := os.Getenv("SWITCHBOARD_TEST_ARTIFACTS")
	if dir == "" {
		// Not t.TempDir: that is deleted when the test ends, taking the
		// screenshot with it.
		var err error
		if dir, err = os.MkdirTemp("", "switchboard-browser-"); err != nil {
			tb.t.Logf("screenshot: %v", err)
			return
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Logf("screenshot: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Logf("screenshot of %s: %v", tb.name, err)
		return
	}
	safe := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(tb.t.Name()+"-"+tb.name, "_")
	file := filepath.Join(dir, fmt.Sprintf("%s-%d.png", safe, shotSeq.Add(1)))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.t.Logf("screenshot: %v", err)
		return
	}
	tb.t.Logf("screenshot of %s after failure: %s", tb.name, file)
}

// do runs steps within the scenario timeout, failing the test with what
// was being done.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, scenarioTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// text reads an element's visible text.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, scenarioTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("%s: read %s: %v", tb.name, sel, err)
	}
	return s
}

// eval evaluates a JavaScript expression and returns its value.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, scenarioTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: eval %s: %v", tb.name, expr, err)
	}
	return v
}

// waitJS waits until the JavaScript expression is truthy. It polls on a
// timer rather than animation frames, which headless background tabs may
// not get.
func (tb *tab) waitJS(what, expr string) {
	tb.t.Helper()
	tb.do(what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(scenarioTimeout))(ctx, t)
		return err
	}))
}

// click clicks the element matching sel once it is there. The lookup and
// the click happen in one step in the page: the console re-renders parts
// such as the conversation header on every event, and a node found by one
// protocol call can be gone by the next.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.waitJS("click "+sel, `(() => { const e = document.querySelector(`+js(sel)+`); if (!e || e.disabled) return false; e.click(); return true })()`)
}

// tid is the CSS selector of a data-testid.
func tid(id string) string { return `[data-testid="` + id + `"]` }

// item is the selector of a dialog in the list.
func item(dialogID int64) string {
	return `[data-testid="dialog-item"][data-dialog-id="` + strconv.FormatInt(dialogID, 10) + `"]`
}

// login signs in through the form and waits for the workspace with the
// stream live.
func (tb *tab) login(user, password string) {
	tb.t.Helper()
	tb.do("open the console", chromedp.Navigate(tb.base+"/"))
	tb.do("sign in as "+user,
		chromedp.WaitVisible(chromedp.CSS(tid("login-login"))),
		chromedp.SendKeys(chromedp.CSS(tid("login-login")), user),
		chromedp.SendKeys(chromedp.CSS(tid("login-password")), password),
	)
	tb.click(tid("login-submit"))
	tb.do("workspace shown", chromedp.WaitVisible(chromedp.CSS(tid("dialog-list"))))
	tb.waitLive()
}

// waitLive waits for the stream to be connected: the stream's hello
// clears the reconnecting banner and registers the manager as online.
func (tb *tab) waitLive() {
	tb.t.Helper()
	tb.waitJS("stream live", `document.documentElement.dataset.stream === 'live'`)
}

// logState logs what the page was doing, next to the screenshot: the
// stream's state, the URL and the messages of the open conversation.
func (tb *tab) logState() {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		stream: document.documentElement.dataset.stream, url: location.href,
		messages: [...document.querySelectorAll('[data-testid="message"]')].map((m) =>
			[m.dataset.messageId, m.dataset.direction, m.dataset.status, m.textContent.slice(0, 40)]),
	})`))
	if err != nil {
		tb.t.Logf("state of %s: %v", tb.name, err)
		return
	}
	tb.t.Logf("state of %s: %s", tb.name, s)
}
