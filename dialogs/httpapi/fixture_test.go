package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/blob"
)

// testParams keep password hashing cheap; the matrix logs in hundreds of
// times under -race.
var testParams = auth.Params{Time: 1, Memory: 64, Threads: 1}

// password is every fixture manager's password.
const password = "correct horse"

// loginBurst is the fixture's per-account login allowance.
const loginBurst = 5

// fixture is a small hub built through the real router on a real store:
// two teams, agents in each, a supervisor of team A, an admin, dialogs in
// every ownership an authorization rule tells apart, clients with a
// duplicate candidate, API tokens and canned responses of every scope.
//
// Who is who:
//   - agent, agent2: agents of team A (Sales); agentB: agent of team B;
//   - sup: supervisor of team A; admin: no team.
//
// Dialogs: mine (agent's), other (agent2's), queueA and queueB (waiting
// in each team's queue), teamB (agentB's), closed (agent's, closed).
type fixture struct {
	t      testing.TB
	store  storage.Store
	blobs  *blob.Dir
	router *router.Router
	auth   *auth.Service
	srv    *Server
	mux    *http.ServeMux

	teamA, teamB                      storage.Team
	agent, agent2, agentB, sup, admin storage.Manager
	// token is each manager's bearer token by name ("agent", ...).
	token map[string]string
	// tokenID is each manager's token id by name.
	tokenID map[string]int64

	mine, other, queueA, queueB, teamBDialog, closed storage.Dialog
	// dupA and dupB are two clients with an open candidate between them.
	dupA, dupB storage.Client
	candidate  int64
	attachment int64
	// blob is the key of a file in the blob store, as if uploaded: its
	// content is priceList.
	blob string
	// canned holds responses by name: mine (agent's), agent2s, teamA,
	// teamB, global.
	canned map[string]int64
}

// newFixture builds the fixture on st.
func newFixture(t testing.TB, st storage.Store) *fixture {
	t.Helper()
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{token: map[string]string{}, tokenID: map[string]int64{}, canned: map[string]int64{}}
	f.wire(t, st, blobs)
	f.seed()
	return f
}

// wire builds the router and the API server on st, the way the daemon
// does, with cheap password hashing and a login throttle of loginBurst.
func (f *fixture) wire(t testing.TB, st storage.Store, blobs *blob.Dir) {
	t.Helper()
	norm, err := identity.New(identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.t, f.store, f.blobs = t, st, blobs
	f.router = router.New(st, norm, blobs, router.Config{}, router.WithLogger(log))
	f.auth = auth.NewService(st, auth.Config{
		Params:   testParams,
		Throttle: auth.NewThrottle(loginBurst, time.Hour, 1000, time.Millisecond),
	})
	f.srv = New(st, f.router, f.auth, Options{
		Normalize: func(kind, raw string) (string, error) { return norm.Normalize(channels.IdentityKind(kind), raw) },
		Blobs:     blobs, Logger: log, PasswordParams: testParams,
	})
	f.mux = http.NewServeMux()
	f.srv.Register(f.mux)
}

// seed fills the store through the router.
func (f *fixture) seed() {
	t, st, ctx := f.t, f.store, context.Background()
	var err error
	f.teamA, f.teamB = f.newTeam("Sales"), f.newTeam("Support")
	f.agent = f.newManager("agent", storage.RoleAgent, f.teamA)
	f.agent2 = f.newManager("agent2", storage.RoleAgent, f.teamA)
	f.agentB = f.newManager("agentB", storage.RoleAgent, f.teamB)
	f.sup = f.newManager("sup", storage.RoleSupervisor, f.teamA)
	f.admin = f.newManager("admin", storage.RoleAdmin)
	for name, m := range f.managers() {
		plain, tok, err := f.auth.CreateToken(ctx, m.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		f.token[name], f.tokenID[name] = plain, tok.ID
	}

	// Everyone is offline, so every new dialog waits in its team's queue
	// until taken: the assignments below are exactly the ones made here.
	f.mine = f.take(f.ingest("mine", "Sales", "+79120000001", true), f.agent)
	f.other = f.take(f.ingest("other", "Sales", "+79120000002", false), f.agent2)
	f.queueA = f.dialog(f.ingest("queueA", "Sales", "+79120000003", false))
	f.queueB = f.dialog(f.ingest("queueB", "Support", "+79120000004", false))
	f.teamBDialog = f.take(f.ingest("teamB", "Support", "+79120000005", false), f.agentB)
	closed := f.take(f.ingest("closed", "Sales", "+79120000006", false), f.agent)
	if f.closed, err = f.router.Close(ctx, closed.ID, nil); err != nil {
		t.Fatal(err)
	}
	msgs, err := st.ListMessages(ctx, f.mine.ID, 0, 10)
	if err != nil || len(msgs) != 1 || len(msgs[0].Attachments) != 1 {
		t.Fatalf("fixture: the first dialog's attachment: %v %+v", err, msgs)
	}
	f.attachment = msgs[0].Attachments[0].ID
	if f.blob, err = f.blobs.Put(ctx, []byte(priceList)); err != nil {
		t.Fatal(err)
	}
	f.seedClients()
	f.seedCanned()
}

func (f *fixture) seedClients() {
	t, st, ctx := f.t, f.store, context.Background()

	// A client known by phone writes from an address another client
	// already owns: the router raises a candidate for the pair.
	a := f.ingest("dupA", "Support", "+79120000007", false)
	b := f.ingestEvent(channels.InboundEvent{Channel: "api:test", ExternalID: "dupB", SenderID: "dupB", Team: "Support",
		From: channels.Contact{Name: "dupB", Identities: []channels.Identity{{Kind: channels.Email, Value: "dup@example.com"}}}, Text: "hi"})
	f.ingestEvent(channels.InboundEvent{Channel: "api:test", ExternalID: "dupAB", SenderID: "dupAB", Team: "Support",
		From: channels.Contact{Name: "dupA", Identities: []channels.Identity{
			{Kind: channels.Phone, Value: "+79120000007"}, {Kind: channels.Email, Value: "dup@example.com"}}}, Text: "hi"})
	f.dupA, f.dupB = f.client(a.ClientID), f.client(b.ClientID)
	cands, err := st.ListCandidates(ctx, f.dupA.ID, storage.CandidateOpen, 10)
	if err != nil || len(cands) != 1 {
		t.Fatalf("fixture: candidate: %v %+v", err, cands)
	}
	f.candidate = cands[0].ID
}

func (f *fixture) seedCanned() {
	for name, c := range map[string]storage.Canned{
		"mine":    {Scope: storage.CannedPersonal, OwnerID: f.agent.ID, Title: "Hello", Body: "Hello, {{client.name}}! {{manager.name}} here, dialog {{dialog.id}}. {{unknown}}"},
		"agent2s": {Scope: storage.CannedPersonal, OwnerID: f.agent2.ID, Title: "Agent 2", Body: "mine only"},
		"teamA":   {Scope: storage.CannedTeam, TeamID: f.teamA.ID, Title: "Prices", Body: "Our prices"},
		"teamB":   {Scope: storage.CannedTeam, TeamID: f.teamB.ID, Title: "Refunds", Body: "Refund policy", Kind: storage.KindSnippet},
		"global":  {Scope: storage.CannedGlobal, Title: "Address", Body: "Our address"},
	} {
		c.CreatedAt = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		if err := f.store.CreateCanned(context.Background(), &c); err != nil {
			f.t.Fatal(err)
		}
		f.canned[name] = c.ID
	}
}

func (f *fixture) managers() map[string]storage.Manager {
	return map[string]storage.Manager{"agent": f.agent, "agent2": f.agent2, "agentB": f.agentB, "sup": f.sup, "admin": f.admin}
}

func (f *fixture) newTeam(name string) storage.Team {
	f.t.Helper()
	tm := storage.Team{Name: name, CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if err := f.store.CreateTeam(context.Background(), &tm); err != nil {
		f.t.Fatal(err)
	}
	return tm
}

func (f *fixture) newManager(login string, role storage.Role, teams ...storage.Team) storage.Manager {
	f.t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword(password, testParams)
	if err != nil {
		f.t.Fatal(err)
	}
	m := storage.Manager{Login: login, Name: "Name of " + login, PasswordHash: hash, Role: role, Capacity: 5,
		Presence: storage.Offline, CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if err := f.store.CreateManager(ctx, &m); err != nil {
		f.t.Fatal(err)
	}
	for _, tm := range teams {
		if err := f.store.AddTeamMember(ctx, tm.ID, m.ID); err != nil {
			f.t.Fatal(err)
		}
	}
	return m
}

// ingest posts an API-channel message from a new client with the given
// phone into team's queue, with an attachment if asked.
func (f *fixture) ingest(id, team, phone string, attach bool) channels.Receipt {
	ev := channels.InboundEvent{Channel: "api:test", ExternalID: id, SenderID: id, Team: team,
		From: channels.Contact{Name: "Client " + id, Identities: []channels.Identity{{Kind: channels.Phone, Value: phone}}},
		Text: "hello from " + id}
	if attach {
		ev.Attachments = []channels.Attachment{{Filename: "photo.png", ContentType: "image/png", Size: 4, ContentID: "photo@x", Content: []byte("\x89PNG")}}
	}
	return f.ingestEvent(ev)
}

func (f *fixture) ingestEvent(ev channels.InboundEvent) channels.Receipt {
	f.t.Helper()
	rc, err := f.router.Ingest(context.Background(), ev)
	if err != nil {
		f.t.Fatalf("ingest %s: %v", ev.ExternalID, err)
	}
	return rc
}

func (f *fixture) dialog(rc channels.Receipt) storage.Dialog {
	f.t.Helper()
	d, err := f.store.GetDialog(context.Background(), rc.DialogID)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *fixture) client(id int64) storage.Client {
	f.t.Helper()
	c, err := f.store.GetClient(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) take(rc channels.Receipt, m storage.Manager) storage.Dialog {
	f.t.Helper()
	d, err := f.router.Take(context.Background(), rc.DialogID, m.ID)
	if err != nil {
		f.t.Fatalf("take %d: %v", rc.DialogID, err)
	}
	return d
}

// expand fills a path or body template: {mine}, {teamA}, {agent},
// {canned.teamB}, {token.agent2}, ... name fixture ids.
func (f *fixture) expand(s string) string {
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	pairs := []string{
		"{mine}", i64(f.mine.ID), "{other}", i64(f.other.ID), "{queueA}", i64(f.queueA.ID),
		"{queueB}", i64(f.queueB.ID), "{teamBDialog}", i64(f.teamBDialog.ID), "{closed}", i64(f.closed.ID),
		"{client}", i64(f.mine.ClientID), "{dupA}", i64(f.dupA.ID), "{dupB}", i64(f.dupB.ID),
		"{candidate}", i64(f.candidate), "{attachment}", i64(f.attachment),
		"{teamA}", i64(f.teamA.ID), "{teamB}", i64(f.teamB.ID), "{blob}", f.blob,
		"{missing}", "999999",
	}
	for name, m := range f.managers() {
		pairs = append(pairs, "{"+name+"}", i64(m.ID), "{token."+name+"}", i64(f.tokenID[name]))
	}
	for name, id := range f.canned {
		pairs = append(pairs, "{canned."+name+"}", i64(id))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// request builds a request as who: "anon" sends no credentials, anyone
// else their bearer token.
func (f *fixture) request(who, method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(f.expand(body))
	}
	r := httptest.NewRequest(method, f.expand(path), rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if who != "anon" {
		tok, ok := f.token[who]
		if !ok {
			f.t.Fatalf("no such fixture manager %q", who)
		}
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return r
}

// priceList is the content of the fixture's uploaded file (f.blob).
const priceList = "Price list 2026\nPaper A4: 300 RUB\n"

// uploadRequest builds a multipart/form-data upload of content as the
// form field field, named filename, as who (see request).
func (f *fixture) uploadRequest(who, path, field, filename, contentType, content string) *http.Request {
	f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": field, "filename": filename}))
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	pw, err := mw.CreatePart(h)
	if err != nil {
		f.t.Fatal(err)
	}
	_, _ = io.WriteString(pw, content)
	if err := mw.Close(); err != nil {
		f.t.Fatal(err)
	}
	r := f.request(who, http.MethodPost, path, "")
	r.Body = io.NopCloser(&body)
	r.ContentLength = int64(body.Len())
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// do serves r and returns the recorded answer.
func (f *fixture) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	return w
}
