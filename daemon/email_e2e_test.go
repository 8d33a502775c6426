package daemon

// End-to-end tests of the email channel: the daemon's real wiring (Serve),
// a real Dovecot for IMAP, a go-smtp sink standing in for the submission
// server, and the agent HTTP API for what a manager does in the console.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"github.com/switchboard-hub/switchboard/channels/email"
	"github.com/switchboard-hub/switchboard/channels/email/emailtest"
	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage"
)

// waitFor bounds every wait for the daemon to do something; tests poll
// for the outcome rather than sleep.
const waitFor = 20 * time.Second

// backlogWait bounds importing the restart test's whole backlog, which
// takes a few seconds under the race detector on a busy machine.
const backlogWait = 60 * time.Second

const salesTeam = "Продажи"

// emailHub is one test's daemon with its mail servers.
type emailHub struct {
	t    *testing.T
	cfg  Config
	dc   *emailtest.Dovecot
	sink *emailtest.Sink
	// st is the test's own handle on the daemon's database, for setup and
	// for checking results; SQLite in WAL mode serves both.
	st       storage.Store
	managers map[string]storage.Manager
	team     storage.Team

	base string // http://<addr> of the running daemon
	stop func() error
}

// newEmailHub starts Dovecot with the accounts "sales" (a shared mailbox of
// the team Продажи) and "ivanov" (the personal mailbox of the manager
// ivanov), an SMTP sink, and builds the configuration; it creates the team
// and the managers petrov and sidorova (team members) and ivanov. folders
// are the shared mailbox's watched folders.
func newEmailHub(t *testing.T, folders ...string) *emailHub {
	t.Helper()
	dc := emailtest.StartDovecot(t,
		emailtest.User{Name: "sales", Password: "sales-pw"},
		emailtest.User{Name: "ivanov", Password: "ivanov-pw"})
	sink := emailtest.StartSink(t)

	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.PublicURL = "http://127.0.0.1"
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	cfg.Log.Level = "error"
	// Cheap password hashing: the tests log in, they do not test argon2.
	cfg.Auth.Argon2Memory, cfg.Auth.Argon2Time = 8*1024, 1
	mailbox := func(name, team, owner string, folders []string) email.MailboxConfig {
		return email.MailboxConfig{
			Name: name, Team: team, Owner: owner,
			IMAP: email.IMAPConfig{
				Addr: dc.Addr, TLS: email.TLSNone, Username: name, Password: dc.Password(name),
				Folders: folders, PollInterval: 500 * time.Millisecond,
			},
			SMTP: email.SMTPConfig{
				Addr: sink.Addr, TLS: email.TLSNone, Username: name, Password: "smtp-" + name,
				FromAddress: name + "@example.com",
			},
		}
	}
	cfg.Channels.Email.Mailboxes = []email.MailboxConfig{
		mailbox("sales", salesTeam, "", folders),
		mailbox("ivanov", "", "ivanov", nil),
	}
	cfg.Channels.Email.Listeners = []email.ListenerConfig{{
		Name: "forms", Team: salesTeam, Addr: freeAddr(t),
		Recipients: []string{"forms@example.com"},
	}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}

	h := &emailHub{t: t, cfg: cfg, dc: dc, sink: sink, managers: map[string]storage.Manager{}}
	ctx := context.Background()
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.st = st
	for _, m := range []struct{ login, name string }{
		{"petrov", "Пётр Петров"}, {"sidorova", "Анна Сидорова"}, {"ivanov", "Иван Иванов"},
	} {
		mgr, err := CreateManager(ctx, st, cfg, m.login, m.name, storage.RoleAgent, 100, m.login+"-pw")
		if err != nil {
			t.Fatal(err)
		}
		h.managers[m.login] = mgr
	}
	h.team = storage.Team{Name: salesTeam, Strategy: storage.RoundRobin, CreatedAt: time.Now().UTC()}
	if err := st.CreateTeam(ctx, &h.team); err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"petrov", "sidorova"} {
		if err := st.AddTeamMember(ctx, h.team.ID, h.managers[login].ID); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// start runs the daemon until the returned stop is called (or the test
// ends) and waits until it serves HTTP.
func (h *emailHub) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, h.cfg, io.Discard, Options{Ready: ready}) }()
	select {
	case addr := <-ready:
		h.base = "http://" + addr
	case err := <-done:
		cancel()
		h.t.Fatalf("Serve: %v", err)
	case <-time.After(waitFor):
		cancel()
		h.t.Fatal("Serve: not ready")
	}
	stopped := false
	h.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(waitFor):
			return errors.New("Serve did not return after its context ended")
		}
	}
	h.t.Cleanup(func() {
		if err := h.stop(); err != nil {
			h.t.Errorf("Serve: %v", err)
		}
	})
}

// agent is a manager logged in to the HTTP API with a session cookie.
type agent struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

func (h *emailHub) login(login string) *agent {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &agent{t: h.t, c: &http.Client{Jar: jar, Timeout: waitFor}, base: h.base}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	a.do(http.MethodPost, "/api/v1/auth/login", map[string]string{"login": login, "password": login + "-pw"}, http.StatusOK, &out)
	a.csrf = out.CSRF
	return a
}

// do sends a JSON request, checks the status and decodes the answer.
func (a *agent) do(method, path string, body any, wantStatus int, out any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if a.csrf != "" {
		req.Header.Set(auth.CSRFHeader, a.csrf)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		a.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, wantStatus)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// get fetches path and returns the status, content type and body.
func (a *agent) get(path string) (int, string, []byte) {
	a.t.Helper()
	resp, err := a.c.Get(a.base + path)
	if err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func (a *agent) online() {
	a.t.Helper()
	a.do(http.MethodPut, "/api/v1/me/presence", map[string]string{"presence": "online"}, http.StatusOK, nil)
}

// eventually polls cond until it holds or waitFor passes; cond returns a
// description of what it saw, for the failure message.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	eventuallyWithin(t, waitFor, what, cond)
}

// eventuallyWithin is eventually with its own bound, for waits whose work
// grows with the test's data (importing a whole backlog).
func eventuallyWithin(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v (%s)", what, limit, saw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stored waits for the letter with messageID to be committed on channel
// and returns it with its dialog.
func (h *emailHub) stored(channel, messageID string) (storage.Message, storage.Dialog) {
	h.t.Helper()
	ctx := context.Background()
	var m storage.Message
	eventually(h.t, "letter "+messageID+" on "+channel, func() (bool, string) {
		var err error
		m, err = h.st.GetMessageByExternal(ctx, channel, messageID)
		return err == nil, fmt.Sprint(err)
	})
	d, err := h.st.GetDialog(ctx, m.DialogID)
	if err != nil {
		h.t.Fatal(err)
	}
	return m, d
}

// letter builds a raw letter; extra headers come before the body, which is
// plain UTF-8 text unless extra sets Content-Type.
func letter(from, to, subject, messageID, body string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s>\nDate: %s\nMIME-Version: 1.0\n",
		from, to, mime.BEncoding.Encode("utf-8", subject), messageID, time.Now().Format(time.RFC1123Z))
	hasType := false
	for _, h := range extra {
		b.WriteString(h + "\n")
		hasType = hasType || strings.HasPrefix(strings.ToLower(h), "content-type:")
	}
	if !hasType {
		b.WriteString("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n")
	}
	b.WriteString("\n" + body + "\n")
	return emailtest.CRLF([]byte(b.String()))
}

func person(name, addr string) string {
	return mime.BEncoding.Encode("utf-8", name) + " <" + addr + ">"
}

// logoPNG is the inline image of the first letter: a PNG signature and some
// bytes are enough for a content type check.
var logoPNG = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 3}, 64)...)

// TestEmailEndToEnd follows the scenario through the running
// daemon: letters into a shared mailbox become dialogs distributed
// round-robin, a manager's reply goes out threaded, is filed in Sent, and
// the client's answers thread back; a personal mailbox's letter goes to its
// owner; an auto-reply opens no work; a form mail to the SMTP listener
// becomes a dialog; an inline image is served only to those who may see the
// letter.
func TestEmailEndToEnd(t *testing.T) {
	t.Parallel()
	h := newEmailHub(t)
	h.start()
	ctx := context.Background()
	agents := map[string]*agent{}
	for _, login := range []string{"petrov", "sidorova", "ivanov"} {
		agents[login] = h.login(login)
		agents[login].online()
	}

	// Two clients write to the shared mailbox: round-robin gives one
	// dialog to each online member of the team.
	first := letter(person("Иван Петров", "ivan@romashka.ru"), "sales@example.com", "Счёт на бумагу", "first-1@romashka.ru",
		"--rel\nContent-Type: text/html; charset=utf-8\n\n<p>Прошу выставить счёт на 10 коробок.</p><img src=\"cid:logo@romashka.ru\" alt=\"logo\">\n"+
			"--rel\nContent-Type: image/png\nContent-Transfer-Encoding: base64\nContent-ID: <logo@romashka.ru>\nContent-Disposition: inline; filename=\"logo.png\"\n\n"+
			base64.StdEncoding.EncodeToString(logoPNG)+"\n--rel--",
		`Content-Type: multipart/related; boundary="rel"`)
	second := letter(person("Мария Лесная", "maria@lesnoy.ru"), "sales@example.com", "Доставка", "second-1@lesnoy.ru", "Нужна доставка до пятницы.")
	h.dc.Deliver(t, "sales", "INBOX", first, second)

	msgA, dlgA := h.stored("email:sales", "first-1@romashka.ru")
	_, dlgB := h.stored("email:sales", "second-1@lesnoy.ru")
	petrov, sidorova := h.managers["petrov"].ID, h.managers["sidorova"].ID
	for _, d := range []storage.Dialog{dlgA, dlgB} {
		if d.TeamID != h.team.ID || d.Status != storage.DialogOpen || (d.AssigneeID != petrov && d.AssigneeID != sidorova) {
			t.Fatalf("dialog %+v: want open, in team %d, assigned to a team member", d, h.team.ID)
		}
	}
	if dlgA.AssigneeID == dlgB.AssigneeID {
		t.Fatalf("both dialogs assigned to manager %d; round-robin should alternate", dlgA.AssigneeID)
	}
	if msgA.Meta["sender"] != "ivan@romashka.ru" || !strings.Contains(msgA.Text, "Прошу выставить счёт") {
		t.Fatalf("first letter stored as %+v", msgA)
	}
	assigneeLogin, otherLogin := "petrov", "sidorova"
	if dlgA.AssigneeID == sidorova {
		assigneeLogin, otherLogin = otherLogin, assigneeLogin
	}
	owner, other := agents[assigneeLogin], agents[otherLogin]

	// The assignee sees the dialog in their list and the inline image;
	// the other agent, who may not see the dialog, gets 404 for both.
	var mine struct {
		Dialogs []storage.Dialog `json:"dialogs"`
	}
	owner.do(http.MethodGet, "/api/v1/dialogs", nil, http.StatusOK, &mine)
	if !containsDialog(mine.Dialogs, dlgA.ID) {
		t.Fatalf("GET /api/v1/dialogs for %s lacks dialog %d: %+v", assigneeLogin, dlgA.ID, mine.Dialogs)
	}
	var msgs struct {
		Messages []storage.Message `json:"messages"`
	}
	owner.do(http.MethodGet, fmt.Sprintf("/api/v1/dialogs/%d/messages", dlgA.ID), nil, http.StatusOK, &msgs)
	if len(msgs.Messages) != 1 {
		t.Fatalf("dialog %d has %d messages, want 1", dlgA.ID, len(msgs.Messages))
	}
	src := regexp.MustCompile(`<img[^>]* src="([^"]+)"`).FindStringSubmatch(msgs.Messages[0].HTML)
	if src == nil || !strings.HasPrefix(src[1], "/api/v1/attachments/cid/") {
		t.Fatalf("HTML has no inline image URL: %s", msgs.Messages[0].HTML)
	}
	imgURL := strings.ReplaceAll(src[1], "&amp;", "&")
	if code, ct, body := owner.get(imgURL); code != http.StatusOK || ct != "image/png" || !bytes.Equal(body, logoPNG) {
		t.Fatalf("GET %s as the assignee: %d %s (%d bytes)", imgURL, code, ct, len(body))
	}
	if code, _, _ := other.get(imgURL); code != http.StatusNotFound {
		t.Fatalf("GET %s as another agent: %d, want 404", imgURL, code)
	}

	// The assignee replies through the API; the outbox sends it through
	// the mailbox's SMTP server with threading headers.
	var replied struct {
		Message storage.Message `json:"message"`
	}
	owner.do(http.MethodPost, fmt.Sprintf("/api/v1/dialogs/%d/messages", dlgA.ID),
		map[string]string{"text": "Добрый день! Счёт отправим сегодня."}, http.StatusCreated, &replied)
	sent := h.sink.Wait(t, 1, waitFor)
	if len(sent) != 1 {
		t.Fatalf("sink got %d letters, want 1", len(sent))
	}
	out := sent[0]
	if out.From != "sales@example.com" || len(out.To) != 1 || out.To[0] != "ivan@romashka.ru" || out.User != "sales" {
		t.Fatalf("envelope from %q to %v (auth %q)", out.From, out.To, out.User)
	}
	hdr := readHeader(t, out.Raw)
	replyID, err := hdr.MessageID()
	if err != nil || replyID == "" {
		t.Fatalf("reply Message-ID %q: %v", replyID, err)
	}
	if irt, _ := hdr.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "first-1@romashka.ru" {
		t.Errorf("In-Reply-To = %v", irt)
	}
	if refs, _ := hdr.MsgIDList("References"); len(refs) == 0 || refs[len(refs)-1] != "first-1@romashka.ru" {
		t.Errorf("References = %v", refs)
	}
	plus := fmt.Sprintf("sales+d-%d@example.com", dlgA.ID)
	if rt, _ := hdr.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != plus {
		t.Errorf("Reply-To = %v, want %s", rt, plus)
	}
	if from, _ := hdr.AddressList("From"); len(from) != 1 || from[0].Address != "sales@example.com" || from[0].Name != h.managers[assigneeLogin].Name {
		t.Errorf("From = %v, want %q <sales@example.com>", from, h.managers[assigneeLogin].Name)
	}
	if subj, _ := hdr.Subject(); subj != "Re: Счёт на бумагу" {
		t.Errorf("Subject = %q", subj)
	}

	// Once the outbox has recorded the send, the stored reply carries the
	// Message-ID and a copy is in the mailbox's Sent folder.
	eventually(t, "reply marked sent", func() (bool, string) {
		m, err := h.st.GetMessage(ctx, replied.Message.ID)
		return err == nil && m.Status == "sent" && m.ExternalID == replyID, fmt.Sprintf("%+v %v", m, err)
	})
	inSent := h.dc.Fetch(t, "sales", "Sent")
	if len(inSent) != 1 || !bytes.Contains(inSent[0].Raw, []byte(replyID)) {
		t.Fatalf("Sent holds %d letters, want the reply %s", len(inSent), replyID)
	}

	// The client answers to the plus address, naming the reply: same
	// dialog. A second answer from a mail program that drops the plus
	// address and changes the subject threads by In-Reply-To alone.
	answer := letter(person("Иван Петров", "ivan@romashka.ru"), plus, "Re: Re: Счёт на бумагу", "answer-1@romashka.ru",
		"Спасибо, ждём.", "In-Reply-To: <"+replyID+">", "References: <first-1@romashka.ru> <"+replyID+">")
	answer2 := letter(person("Иван Петров", "ivan@romashka.ru"), "sales@example.com", "Вопрос по оплате", "answer-2@romashka.ru",
		"А можно оплатить частями?", "In-Reply-To: <"+replyID+">")
	h.dc.Deliver(t, "sales", "INBOX", answer, answer2)
	for _, id := range []string{"answer-1@romashka.ru", "answer-2@romashka.ru"} {
		if m, d := h.stored("email:sales", id); d.ID != dlgA.ID || d.AssigneeID != dlgA.AssigneeID {
			t.Errorf("answer %s went to dialog %d (assignee %d), want %d (%d)", id, m.DialogID, d.AssigneeID, dlgA.ID, dlgA.AssigneeID)
		}
	}

	// A letter to the personal mailbox goes to its owner, not the team.
	h.dc.Deliver(t, "ivanov", "INBOX", letter(person("Ольга", "olga@zavod.ru"), "ivanov@example.com", "Встреча", "personal-1@zavod.ru", "Иван, давайте встретимся в среду."))
	if _, d := h.stored("email:ivanov", "personal-1@zavod.ru"); d.AssigneeID != h.managers["ivanov"].ID || d.Status != storage.DialogOpen {
		t.Errorf("personal letter: dialog %+v, want open and assigned to ivanov (%d)", d, h.managers["ivanov"].ID)
	}

	// An auto-reply from someone new is kept but opens no work.
	h.dc.Deliver(t, "sales", "INBOX", letter("robot@faraway.ru", "sales@example.com", "Автоответ: нет на месте", "auto-1@faraway.ru",
		"Я в отпуске до понедельника.", "Auto-Submitted: auto-replied"))
	if m, d := h.stored("email:sales", "auto-1@faraway.ru"); !m.Automated || d.Status != storage.DialogClosed || d.AssigneeID != 0 {
		t.Errorf("auto-reply: automated=%v, dialog %+v; want a closed, unassigned dialog", m.Automated, d)
	}

	// A web form's mail to the SMTP listener becomes a dialog of the team,
	// committed before the listener answers 250.
	form := letter(person("Форма на сайте", "noreply@shop.example.com"), "forms@example.com", "Заявка с сайта", "form-1@shop.example.com",
		"Имя: Анна\nТелефон: +7 912 345-67-89\nХочу оптовый прайс.")
	// Serve reports ready before its services run, so the listener may
	// not be listening yet; a resend is harmless, the Message-ID dedups it.
	eventually(t, "form mail accepted by the listener", func() (bool, string) {
		err := sendPlain(h.cfg.Channels.Email.Listeners[0].Addr, "noreply@shop.example.com", "forms@example.com", form)
		return err == nil, fmt.Sprint(err)
	})
	m, err := h.st.GetMessageByExternal(ctx, "email:forms", "form-1@shop.example.com")
	if err != nil {
		t.Fatalf("form mail not stored when the listener accepted it: %v", err)
	}
	d, err := h.st.GetDialog(ctx, m.DialogID)
	if err != nil || d.TeamID != h.team.ID || d.Status != storage.DialogOpen || (d.AssigneeID != petrov && d.AssigneeID != sidorova) {
		t.Errorf("form dialog %+v (%v): want open, in the team, assigned to a member", d, err)
	}

	// Nothing but the one reply went out.
	if n := len(h.sink.Letters()); n != 1 {
		t.Errorf("sink got %d letters, want 1", n)
	}
}

// TestEmailRestartAndUIDValidity stops the daemon while it imports a large
// backlog, starts it again on the same data, and checks every letter is
// stored exactly once; then the folder is rebuilt with the same letters
// (a new UIDVALIDITY) and nothing is stored twice.
func TestEmailRestartAndUIDValidity(t *testing.T) {
	t.Parallel()
	const folder, total = "Bulk", 300
	h := newEmailHub(t, folder)
	ctx := context.Background()
	letters := make([][]byte, total)
	for i := range letters {
		letters[i] = letter(person("Оптовик", "buyer@opt.ru"), "sales@example.com", "Заказ", fmt.Sprintf("bulk-%d@opt.ru", i),
			fmt.Sprintf("Позиция %d: бумага А4, %s", i, strings.Repeat("подробности ", 20)))
	}
	h.dc.Deliver(t, "sales", folder, letters...)

	// Progress is read from the folder's cursor (the last committed UID),
	// which is cheap to poll, unlike the messages themselves.
	key := "sales/" + folder
	lastUID := func() int {
		_, last, _ := strings.Cut(h.cursor(key), ":")
		var n int
		fmt.Sscan(last, &n)
		return n
	}

	// Stop as soon as some letters are in. The outcome must not depend on
	// where in the backlog the stop lands, so the test only reports it.
	h.start()
	eventually(t, "import started", func() (bool, string) {
		n := lastUID()
		return n >= 10, fmt.Sprintf("last uid %d", n)
	})
	if err := h.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	t.Logf("stopped with %d of %d letters imported", len(h.bulkTexts("email:sales")), total)

	h.start()
	eventuallyWithin(t, backlogWait, "whole backlog imported", func() (bool, string) {
		n := lastUID()
		return n == total, fmt.Sprintf("last uid %d", n)
	})
	h.checkOnce(total)
	cur1 := h.cursor(key)

	// The folder is rebuilt with the same letters: the mailbox re-reads it
	// under the new UIDVALIDITY and the Message-IDs make every letter a
	// duplicate.
	h.dc.Recreate(t, "sales", folder, letters...)
	eventuallyWithin(t, backlogWait, "folder re-read under the new UIDVALIDITY", func() (bool, string) {
		cur := h.cursor(key)
		v1, _, _ := strings.Cut(cur1, ":")
		v2, last, _ := strings.Cut(cur, ":")
		return v2 != v1 && last == fmt.Sprint(total), "cursor " + cur + ", was " + cur1
	})
	h.checkOnce(total)

	dialogs, err := h.st.ListDialogs(ctx, storage.DialogQuery{Limit: 100})
	if err != nil || len(dialogs) != 1 {
		t.Fatalf("dialogs = %d (%v), want the one dialog of the backlog", len(dialogs), err)
	}
}

// bulkTexts returns the text of every inbound message on channel.
func (h *emailHub) bulkTexts(channel string) []string {
	h.t.Helper()
	ctx := context.Background()
	ds, err := h.st.ListDialogs(ctx, storage.DialogQuery{Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		if d.Channel != channel {
			continue
		}
		for before := int64(0); ; {
			ms, err := h.st.ListMessages(ctx, d.ID, before, 500)
			if err != nil {
				h.t.Fatal(err)
			}
			if len(ms) == 0 {
				break
			}
			for _, m := range ms {
				if m.Direction == storage.Inbound {
					out = append(out, m.Text)
				}
				before = m.ID
			}
		}
	}
	return out
}

// checkOnce asserts that each of the total bulk letters is stored exactly
// once.
func (h *emailHub) checkOnce(total int) {
	h.t.Helper()
	texts := h.bulkTexts("email:sales")
	seen := map[string]int{}
	re := regexp.MustCompile(`^Позиция (\d+):`)
	for _, s := range texts {
		m := re.FindStringSubmatch(s)
		if m == nil {
			h.t.Fatalf("unexpected message text %q", s[:min(len(s), 80)])
		}
		seen[m[1]]++
	}
	for i := range total {
		if n := seen[fmt.Sprint(i)]; n != 1 {
			h.t.Errorf("letter %d stored %d times, want once", i, n)
		}
	}
	if len(texts) != total {
		h.t.Errorf("%d messages stored, want %d", len(texts), total)
	}
}

// cursor returns a folder's stored import cursor, "uidvalidity:last uid".
func (h *emailHub) cursor(key string) string {
	h.t.Helper()
	v, err := h.st.GetState(context.Background(), "email", key)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.t.Fatal(err)
	}
	return v
}

func containsDialog(ds []storage.Dialog, id int64) bool {
	for _, d := range ds {
		if d.ID == id {
			return true
		}
	}
	return false
}

func readHeader(t *testing.T, raw []byte) mail.Header {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read sent letter: %v", err)
	}
	defer r.Close()
	return r.Header
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for a listener the daemon opens itself.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// sendPlain submits raw over plain SMTP, as a web server's local mailer
// does; go-smtp's SendMail insists on STARTTLS, which the listener offers
// only with a certificate.
func sendPlain(addr, from, to string, raw []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, []string{to}, bytes.NewReader(raw)); err != nil {
		return err
	}
	return c.Quit()
}
