package httpapi

// acase is one request of the authorization matrix: who sends it (anon,
// agent, agent2, agentB, sup or admin; see fixture), the path and body as
// templates (see fixture.expand), and the status it must get. smoke marks
// the cases also run on PostgreSQL.
type acase struct {
	who   string
	path  string
	body  string
	want  int
	smoke bool
	// upload, when set, is sent as the file of a multipart/form-data
	// body instead of body.
	upload string
}

// authzRow is one route of the API with its cases.
type authzRow struct {
	pattern string
	cases   []acase
}

const (
	// unknownKey is a well-formed blob key no file has.
	unknownKey = "0000000000000000000000000000000000000000000000000000000000000000"
	loginAgent = `{"login":"agent","password":"correct horse"}`
	reply      = `{"text":"hello"}`
)

// matrix has a row for every route the Server registers; a test fails
// when a route has no row, or a row lacks a case for one of the roles.
//
// Dialogs are named from the agent's side: mine (agent's), other
// (agent2's, same team), queueA (team A's queue), queueB (team B's queue),
// teamBDialog (agentB's), closed (agent's, closed). Another's dialog, or
// one in a queue the caller cannot see, is 404 rather than 403, so ids
// reveal nothing; a visible dialog the caller may not change is 403.
var matrix = []authzRow{
	{"POST /api/v1/auth/login", []acase{
		{who: "anon", path: "/api/v1/auth/login", body: loginAgent, want: 200, smoke: true},
		{who: "anon", path: "/api/v1/auth/login", body: `{"login":"agent","password":"wrong horse"}`, want: 401},
		{who: "anon", path: "/api/v1/auth/login", body: `{"login":"nobody","password":"wrong horse"}`, want: 401},
		{who: "anon", path: "/api/v1/auth/login", body: `{"login":"agent"}`, want: 400},
		{who: "anon", path: "/api/v1/auth/login", body: `{"login":`, want: 400},
		{who: "agent", path: "/api/v1/auth/login", body: loginAgent, want: 200},
		{who: "sup", path: "/api/v1/auth/login", body: `{"login":"sup","password":"correct horse"}`, want: 200},
		{who: "admin", path: "/api/v1/auth/login", body: `{"login":"admin","password":"correct horse"}`, want: 200},
	}},
	{"POST /api/v1/auth/logout", []acase{
		{who: "anon", path: "/api/v1/auth/logout", want: 401},
		{who: "agent", path: "/api/v1/auth/logout", want: 204},
		{who: "sup", path: "/api/v1/auth/logout", want: 204},
		{who: "admin", path: "/api/v1/auth/logout", want: 204},
	}},
	{"GET /api/v1/me", []acase{
		{who: "anon", path: "/api/v1/me", want: 401, smoke: true},
		{who: "agent", path: "/api/v1/me", want: 200, smoke: true},
		{who: "sup", path: "/api/v1/me", want: 200},
		{who: "admin", path: "/api/v1/me", want: 200},
	}},
	{"PUT /api/v1/me/presence", []acase{
		{who: "anon", path: "/api/v1/me/presence", body: `{"presence":"away"}`, want: 401},
		{who: "agent", path: "/api/v1/me/presence", body: `{"presence":"online"}`, want: 200},
		{who: "agent", path: "/api/v1/me/presence", body: `{"presence":"busy"}`, want: 400},
		{who: "sup", path: "/api/v1/me/presence", body: `{"presence":"away"}`, want: 200},
		{who: "admin", path: "/api/v1/me/presence", body: `{"presence":"offline"}`, want: 200},
	}},

	{"GET /api/v1/dialogs", []acase{
		{who: "anon", path: "/api/v1/dialogs", want: 401},
		{who: "agent", path: "/api/v1/dialogs", want: 200},
		{who: "agent", path: "/api/v1/dialogs?view=queue", want: 200},
		{who: "agent", path: "/api/v1/dialogs?view=all", want: 403, smoke: true},
		{who: "agent", path: "/api/v1/dialogs?view=everything", want: 400},
		{who: "agent", path: "/api/v1/dialogs?status=lost", want: 400},
		{who: "agent", path: "/api/v1/dialogs?limit=many", want: 400},
		{who: "agent", path: "/api/v1/dialogs?before=yesterday", want: 400},
		{who: "sup", path: "/api/v1/dialogs?view=all", want: 200, smoke: true},
		{who: "admin", path: "/api/v1/dialogs?view=all", want: 200},
	}},
	{"GET /api/v1/dialogs/{id}", []acase{
		{who: "anon", path: "/api/v1/dialogs/{mine}", want: 401},
		{who: "agent", path: "/api/v1/dialogs/{mine}", want: 200, smoke: true},
		{who: "agent", path: "/api/v1/dialogs/{other}", want: 404, smoke: true},
		{who: "agent", path: "/api/v1/dialogs/{queueA}", want: 200},
		{who: "agent", path: "/api/v1/dialogs/{queueB}", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{teamBDialog}", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{closed}", want: 200},
		{who: "agent2", path: "/api/v1/dialogs/{closed}", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{missing}", want: 404},
		{who: "agent", path: "/api/v1/dialogs/abc", want: 400},
		{who: "agent", path: "/api/v1/dialogs/0", want: 400},
		{who: "agent", path: "/api/v1/dialogs/-1", want: 400},
		{who: "sup", path: "/api/v1/dialogs/{other}", want: 200},
		{who: "sup", path: "/api/v1/dialogs/{queueB}", want: 404},
		{who: "sup", path: "/api/v1/dialogs/{teamBDialog}", want: 404},
		{who: "admin", path: "/api/v1/dialogs/{teamBDialog}", want: 200},
	}},
	{"GET /api/v1/dialogs/{id}/messages", []acase{
		{who: "anon", path: "/api/v1/dialogs/{mine}/messages", want: 401},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages", want: 200},
		{who: "agent", path: "/api/v1/dialogs/{other}/messages", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages?before=x", want: 400},
		{who: "sup", path: "/api/v1/dialogs/{other}/messages", want: 200},
		{who: "sup", path: "/api/v1/dialogs/{teamBDialog}/messages", want: 404},
		{who: "admin", path: "/api/v1/dialogs/{teamBDialog}/messages", want: 200},
	}},
	{"POST /api/v1/dialogs/{id}/messages", []acase{
		{who: "anon", path: "/api/v1/dialogs/{mine}/messages", body: reply, want: 401},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages", body: reply, want: 201, smoke: true},
		{who: "agent", path: "/api/v1/dialogs/{other}/messages", body: reply, want: 404},
		{who: "agent", path: "/api/v1/dialogs/{queueA}/messages", body: reply, want: 201},
		{who: "agent", path: "/api/v1/dialogs/{queueB}/messages", body: reply, want: 404},
		// A follow-up on one's own closed dialog is allowed (the router
		// sends it without reopening).
		{who: "agent", path: "/api/v1/dialogs/{closed}/messages", body: reply, want: 201},
		{who: "agent2", path: "/api/v1/dialogs/{closed}/messages", body: reply, want: 404},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages", body: `{"text":`, want: 400},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages", body: `{"txet":"typo"}`, want: 400},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages", body: `{"text":"see attached","attachments":[{"key":"{blob}","filename":"price.txt"}]}`, want: 201, smoke: true},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages", body: `{"attachments":[{"key":"{blob}"}]}`, want: 201},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages", body: `{"text":"x","attachments":[{"key":"` + unknownKey + `","filename":"a.pdf"}]}`, want: 400},
		{who: "agent", path: "/api/v1/dialogs/{mine}/messages", body: `{"text":"x","attachments":[{"key":"../../etc/passwd"}]}`, want: 400},
		{who: "agent", path: "/api/v1/dialogs/{other}/messages", body: `{"text":"x","attachments":[{"key":"{blob}"}]}`, want: 404},
		{who: "agent", path: "/api/v1/dialogs/{missing}/messages", body: reply, want: 404},
		{who: "sup", path: "/api/v1/dialogs/{other}/messages", body: reply, want: 201},
		{who: "sup", path: "/api/v1/dialogs/{teamBDialog}/messages", body: reply, want: 404},
		{who: "admin", path: "/api/v1/dialogs/{teamBDialog}/messages", body: reply, want: 201},
	}},
	{"POST /api/v1/dialogs/{id}/take", []acase{
		{who: "anon", path: "/api/v1/dialogs/{queueA}/take", want: 401},
		{who: "agent", path: "/api/v1/dialogs/{queueA}/take", want: 200, smoke: true},
		{who: "agent", path: "/api/v1/dialogs/{mine}/take", want: 200},
		{who: "agent", path: "/api/v1/dialogs/{queueB}/take", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{other}/take", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{closed}/take", want: 409},
		{who: "sup", path: "/api/v1/dialogs/{other}/take", want: 200},
		{who: "sup", path: "/api/v1/dialogs/{queueB}/take", want: 404},
		{who: "admin", path: "/api/v1/dialogs/{teamBDialog}/take", want: 200},
	}},
	{"POST /api/v1/dialogs/{id}/transfer", []acase{
		{who: "anon", path: "/api/v1/dialogs/{mine}/transfer", body: `{"manager_id":{agent2}}`, want: 401},
		{who: "agent", path: "/api/v1/dialogs/{mine}/transfer", body: `{"manager_id":{agent2}}`, want: 200},
		{who: "agent", path: "/api/v1/dialogs/{mine}/transfer", body: `{"team_id":{teamB}}`, want: 200},
		{who: "agent", path: "/api/v1/dialogs/{mine}/transfer", body: `{}`, want: 400},
		{who: "agent", path: "/api/v1/dialogs/{mine}/transfer", body: `{"manager_id":{missing}}`, want: 400},
		{who: "agent", path: "/api/v1/dialogs/{mine}/transfer", body: `{"team_id":{missing}}`, want: 400},
		{who: "agent", path: "/api/v1/dialogs/{other}/transfer", body: `{"manager_id":{agent}}`, want: 404},
		{who: "agent", path: "/api/v1/dialogs/{queueA}/transfer", body: `{"manager_id":{agent}}`, want: 403},
		{who: "sup", path: "/api/v1/dialogs/{other}/transfer", body: `{"manager_id":{agent}}`, want: 200},
		{who: "sup", path: "/api/v1/dialogs/{teamBDialog}/transfer", body: `{"manager_id":{agent}}`, want: 404},
		{who: "admin", path: "/api/v1/dialogs/{teamBDialog}/transfer", body: `{"team_id":{teamA}}`, want: 200},
	}},
	{"POST /api/v1/dialogs/{id}/close", []acase{
		{who: "anon", path: "/api/v1/dialogs/{mine}/close", want: 401},
		{who: "agent", path: "/api/v1/dialogs/{mine}/close", want: 200},
		{who: "agent", path: "/api/v1/dialogs/{other}/close", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{queueA}/close", want: 403},
		{who: "sup", path: "/api/v1/dialogs/{other}/close", want: 200, smoke: true},
		{who: "sup", path: "/api/v1/dialogs/{teamBDialog}/close", want: 404},
		{who: "admin", path: "/api/v1/dialogs/{teamBDialog}/close", want: 200},
	}},
	{"POST /api/v1/dialogs/{id}/reopen", []acase{
		{who: "anon", path: "/api/v1/dialogs/{closed}/reopen", want: 401},
		{who: "agent", path: "/api/v1/dialogs/{closed}/reopen", want: 200},
		{who: "agent2", path: "/api/v1/dialogs/{closed}/reopen", want: 404},
		{who: "agentB", path: "/api/v1/dialogs/{closed}/reopen", want: 404},
		{who: "sup", path: "/api/v1/dialogs/{closed}/reopen", want: 200},
		{who: "admin", path: "/api/v1/dialogs/{closed}/reopen", want: 200},
	}},
	{"POST /api/v1/dialogs/{id}/read", []acase{
		{who: "anon", path: "/api/v1/dialogs/{mine}/read", want: 401},
		{who: "agent", path: "/api/v1/dialogs/{mine}/read", want: 200},
		{who: "agent", path: "/api/v1/dialogs/{queueA}/read", want: 403},
		{who: "agent", path: "/api/v1/dialogs/{other}/read", want: 404},
		{who: "sup", path: "/api/v1/dialogs/{other}/read", want: 200},
		{who: "admin", path: "/api/v1/dialogs/{teamBDialog}/read", want: 200},
	}},
	{"POST /api/v1/dialogs/{id}/canned/{cid}/render", []acase{
		{who: "anon", path: "/api/v1/dialogs/{mine}/canned/{canned.mine}/render", want: 401},
		{who: "agent", path: "/api/v1/dialogs/{mine}/canned/{canned.mine}/render", want: 200},
		{who: "agent", path: "/api/v1/dialogs/{mine}/canned/{canned.teamA}/render", want: 200},
		{who: "agent", path: "/api/v1/dialogs/{mine}/canned/{canned.agent2s}/render", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{mine}/canned/{canned.teamB}/render", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{other}/canned/{canned.mine}/render", want: 404},
		{who: "agent", path: "/api/v1/dialogs/{mine}/canned/abc/render", want: 400},
		{who: "sup", path: "/api/v1/dialogs/{other}/canned/{canned.global}/render", want: 200},
		{who: "admin", path: "/api/v1/dialogs/{teamBDialog}/canned/{canned.teamB}/render", want: 200},
	}},
	{"GET /api/v1/attachments/{id}", []acase{
		{who: "anon", path: "/api/v1/attachments/{attachment}", want: 401},
		{who: "agent", path: "/api/v1/attachments/{attachment}", want: 200},
		{who: "agent2", path: "/api/v1/attachments/{attachment}", want: 404},
		{who: "agentB", path: "/api/v1/attachments/{attachment}", want: 404},
		{who: "agent", path: "/api/v1/attachments/{missing}", want: 404},
		{who: "sup", path: "/api/v1/attachments/{attachment}", want: 200},
		{who: "admin", path: "/api/v1/attachments/{attachment}", want: 200},
	}},

	{"GET /api/v1/attachments/cid/{channel}/{message}/{cid}", []acase{
		{who: "anon", path: "/api/v1/attachments/cid/api:test/mine/photo@x", want: 401},
		{who: "agent", path: "/api/v1/attachments/cid/api:test/mine/photo@x", want: 200},
		{who: "agent2", path: "/api/v1/attachments/cid/api:test/mine/photo@x", want: 404},
		{who: "agentB", path: "/api/v1/attachments/cid/api:test/mine/photo@x", want: 404},
		{who: "agent", path: "/api/v1/attachments/cid/api:test/mine/other@x", want: 404},
		{who: "agent", path: "/api/v1/attachments/cid/api:test/nosuch/photo@x", want: 404},
		{who: "sup", path: "/api/v1/attachments/cid/api:test/mine/photo@x", want: 200},
		{who: "admin", path: "/api/v1/attachments/cid/api:test/mine/photo@x", want: 200},
	}},

	{"POST /api/v1/uploads", []acase{
		{who: "anon", path: "/api/v1/uploads", upload: priceList, want: 401},
		{who: "agent", path: "/api/v1/uploads", upload: priceList, want: 201, smoke: true},
		{who: "agent", path: "/api/v1/uploads", body: `{"file":"x"}`, want: 400},
		{who: "agent2", path: "/api/v1/uploads", upload: "another file", want: 201},
		{who: "sup", path: "/api/v1/uploads", upload: priceList, want: 201},
		{who: "admin", path: "/api/v1/uploads", upload: priceList, want: 201},
	}},

	{"GET /api/v1/clients", []acase{
		{who: "anon", path: "/api/v1/clients?q=client", want: 401},
		{who: "agent", path: "/api/v1/clients?q=client", want: 200},
		{who: "agent", path: "/api/v1/clients?q=8%20912%20000-00-01", want: 200},
		{who: "agent", path: "/api/v1/clients?after=-1", want: 400},
		{who: "sup", path: "/api/v1/clients", want: 200},
		{who: "admin", path: "/api/v1/clients", want: 200},
	}},
	{"GET /api/v1/clients/{id}", []acase{
		{who: "anon", path: "/api/v1/clients/{client}", want: 401},
		{who: "agent", path: "/api/v1/clients/{client}", want: 200, smoke: true},
		{who: "agent", path: "/api/v1/clients/{missing}", want: 404},
		{who: "agent", path: "/api/v1/clients/abc", want: 400},
		{who: "sup", path: "/api/v1/clients/{client}", want: 200},
		{who: "admin", path: "/api/v1/clients/{client}", want: 200},
	}},
	{"GET /api/v1/clients/{id}/timeline", []acase{
		{who: "anon", path: "/api/v1/clients/{client}/timeline", want: 401},
		{who: "agent", path: "/api/v1/clients/{client}/timeline", want: 200},
		{who: "agent2", path: "/api/v1/clients/{client}/timeline", want: 200},
		{who: "agent", path: "/api/v1/clients/{client}/timeline?before=yesterday", want: 400},
		{who: "sup", path: "/api/v1/clients/{client}/timeline", want: 200},
		{who: "admin", path: "/api/v1/clients/{client}/timeline", want: 200},
	}},
	{"GET /api/v1/clients/{id}/candidates", []acase{
		{who: "anon", path: "/api/v1/clients/{dupA}/candidates", want: 401},
		{who: "agent", path: "/api/v1/clients/{dupA}/candidates", want: 200},
		{who: "agent", path: "/api/v1/clients/{missing}/candidates", want: 404},
		{who: "sup", path: "/api/v1/clients/{dupA}/candidates", want: 200},
		{who: "admin", path: "/api/v1/clients/{dupA}/candidates", want: 200},
	}},
	{"POST /api/v1/clients/{id}/merge", []acase{
		{who: "anon", path: "/api/v1/clients/{dupA}/merge", body: `{"loser_id":{dupB}}`, want: 401},
		{who: "agent", path: "/api/v1/clients/{dupA}/merge", body: `{"loser_id":{dupB}}`, want: 403, smoke: true},
		{who: "sup", path: "/api/v1/clients/{dupA}/merge", body: `{"loser_id":{dupB}}`, want: 200},
		{who: "sup", path: "/api/v1/clients/{dupA}/merge", body: `{}`, want: 400},
		{who: "sup", path: "/api/v1/clients/{missing}/merge", body: `{"loser_id":{dupB}}`, want: 404},
		{who: "sup", path: "/api/v1/clients/{dupA}/merge", body: `{"loser_id":{missing}}`, want: 404},
		{who: "admin", path: "/api/v1/clients/{dupA}/merge", body: `{"loser_id":{dupB}}`, want: 200},
	}},
	{"POST /api/v1/candidates/{id}/merge", []acase{
		{who: "anon", path: "/api/v1/candidates/{candidate}/merge", want: 401},
		{who: "agent", path: "/api/v1/candidates/{candidate}/merge", want: 403},
		{who: "sup", path: "/api/v1/candidates/{candidate}/merge", want: 200},
		{who: "sup", path: "/api/v1/candidates/{missing}/merge", want: 404},
		{who: "admin", path: "/api/v1/candidates/{candidate}/merge", want: 200},
	}},
	{"POST /api/v1/candidates/{id}/dismiss", []acase{
		{who: "anon", path: "/api/v1/candidates/{candidate}/dismiss", want: 401},
		{who: "agent", path: "/api/v1/candidates/{candidate}/dismiss", want: 403},
		{who: "sup", path: "/api/v1/candidates/{candidate}/dismiss", want: 200},
		{who: "admin", path: "/api/v1/candidates/{candidate}/dismiss", want: 200},
		{who: "admin", path: "/api/v1/candidates/{missing}/dismiss", want: 404},
	}},

	{"GET /api/v1/canned", []acase{
		{who: "anon", path: "/api/v1/canned", want: 401},
		{who: "agent", path: "/api/v1/canned", want: 200},
		{who: "agent", path: "/api/v1/canned?kind=snippet", want: 200},
		{who: "agent", path: "/api/v1/canned?kind=joke", want: 400},
		{who: "sup", path: "/api/v1/canned", want: 200},
		{who: "admin", path: "/api/v1/canned", want: 200},
	}},
	{"POST /api/v1/canned", []acase{
		{who: "anon", path: "/api/v1/canned", body: `{"title":"t","text":"x"}`, want: 401},
		{who: "agent", path: "/api/v1/canned", body: `{"title":"t","text":"x"}`, want: 201, smoke: true},
		{who: "agent", path: "/api/v1/canned", body: `{"scope":"team","team_id":{teamA},"title":"t","text":"x"}`, want: 403},
		{who: "agent", path: "/api/v1/canned", body: `{"scope":"global","title":"t","text":"x"}`, want: 403},
		{who: "agent", path: "/api/v1/canned", body: `{"scope":"team","title":"t","text":"x"}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"scope":"personal","team_id":{teamA},"title":"t","text":"x"}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"scope":"public","title":"t","text":"x"}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"title":"","text":"x"}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"title":"t","text":"  "}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"title":"t","text":"x","shortcut":"two words"}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"title":"t","text":"x","kind":"joke"}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"title":"t","text":"x","owner_id":{agent2}}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"title":"t","text":"x","attachments":[{"key":"{blob}","filename":"price.txt"}]}`, want: 201},
		{who: "agent", path: "/api/v1/canned", body: `{"title":"t","text":"x","attachments":[{"key":"` + unknownKey + `"}]}`, want: 400},
		{who: "agent", path: "/api/v1/canned", body: `{"scope":"global","title":"t","text":"x","attachments":[{"key":"` + unknownKey + `"}]}`, want: 403},
		{who: "sup", path: "/api/v1/canned", body: `{"scope":"team","team_id":{teamA},"title":"t","text":"x","kind":"snippet"}`, want: 201},
		{who: "sup", path: "/api/v1/canned", body: `{"scope":"team","team_id":{teamB},"title":"t","text":"x"}`, want: 403},
		{who: "sup", path: "/api/v1/canned", body: `{"scope":"global","title":"t","text":"x"}`, want: 403},
		{who: "admin", path: "/api/v1/canned", body: `{"scope":"global","title":"t","text":"x"}`, want: 201},
		{who: "admin", path: "/api/v1/canned", body: `{"scope":"team","team_id":{teamB},"title":"t","text":"x"}`, want: 201},
		{who: "admin", path: "/api/v1/canned", body: `{"scope":"team","team_id":{missing},"title":"t","text":"x"}`, want: 400},
	}},
	{"PUT /api/v1/canned/{id}", []acase{
		{who: "anon", path: "/api/v1/canned/{canned.mine}", body: `{"title":"New"}`, want: 401},
		{who: "agent", path: "/api/v1/canned/{canned.mine}", body: `{"title":"New"}`, want: 200},
		{who: "agent", path: "/api/v1/canned/{canned.mine}", body: `{"scope":"personal","title":"New"}`, want: 200},
		{who: "agent", path: "/api/v1/canned/{canned.mine}", body: `{"scope":"global"}`, want: 400},
		{who: "agent", path: "/api/v1/canned/{canned.mine}", body: `{"title":""}`, want: 400},
		{who: "agent", path: "/api/v1/canned/{canned.mine}", body: `{"attachments":[{"key":"{blob}","filename":"price.txt","content_type":"text/plain","size":1}]}`, want: 200},
		{who: "agent", path: "/api/v1/canned/{canned.mine}", body: `{"attachments":[{"key":"` + unknownKey + `"}]}`, want: 400},
		{who: "agent", path: "/api/v1/canned/{canned.agent2s}", body: `{"title":"New"}`, want: 404},
		{who: "agent", path: "/api/v1/canned/{canned.teamA}", body: `{"title":"New"}`, want: 403, smoke: true},
		{who: "agent", path: "/api/v1/canned/{canned.teamB}", body: `{"title":"New"}`, want: 404},
		{who: "agent", path: "/api/v1/canned/{canned.global}", body: `{"title":"New"}`, want: 403},
		{who: "agent", path: "/api/v1/canned/{missing}", body: `{"title":"New"}`, want: 404},
		{who: "sup", path: "/api/v1/canned/{canned.teamA}", body: `{"title":"New"}`, want: 200},
		{who: "sup", path: "/api/v1/canned/{canned.teamA}", body: `{"team_id":{teamB}}`, want: 400},
		{who: "sup", path: "/api/v1/canned/{canned.teamB}", body: `{"title":"New"}`, want: 404},
		{who: "sup", path: "/api/v1/canned/{canned.global}", body: `{"title":"New"}`, want: 403},
		{who: "sup", path: "/api/v1/canned/{canned.mine}", body: `{"title":"New"}`, want: 404},
		{who: "admin", path: "/api/v1/canned/{canned.global}", body: `{"title":"New"}`, want: 200},
		{who: "admin", path: "/api/v1/canned/{canned.teamB}", body: `{"text":"New text"}`, want: 200},
		{who: "admin", path: "/api/v1/canned/{canned.mine}", body: `{"title":"New"}`, want: 404},
	}},
	{"DELETE /api/v1/canned/{id}", []acase{
		{who: "anon", path: "/api/v1/canned/{canned.mine}", want: 401},
		{who: "agent", path: "/api/v1/canned/{canned.mine}", want: 204},
		{who: "agent", path: "/api/v1/canned/{canned.agent2s}", want: 404},
		{who: "agent", path: "/api/v1/canned/{canned.teamA}", want: 403},
		{who: "agent", path: "/api/v1/canned/{canned.global}", want: 403},
		{who: "agent", path: "/api/v1/canned/abc", want: 400},
		{who: "sup", path: "/api/v1/canned/{canned.teamA}", want: 204},
		{who: "sup", path: "/api/v1/canned/{canned.global}", want: 403},
		{who: "admin", path: "/api/v1/canned/{canned.global}", want: 204},
		{who: "admin", path: "/api/v1/canned/{canned.teamB}", want: 204},
		{who: "admin", path: "/api/v1/canned/{canned.mine}", want: 404},
	}},

	{"GET /api/v1/teams", []acase{
		{who: "anon", path: "/api/v1/teams", want: 401},
		{who: "agent", path: "/api/v1/teams", want: 200},
		{who: "sup", path: "/api/v1/teams", want: 200},
		{who: "admin", path: "/api/v1/teams", want: 200},
	}},
	{"POST /api/v1/teams", []acase{
		{who: "anon", path: "/api/v1/teams", body: `{"name":"New"}`, want: 401},
		{who: "agent", path: "/api/v1/teams", body: `{"name":"New"}`, want: 403, smoke: true},
		{who: "sup", path: "/api/v1/teams", body: `{"name":"New"}`, want: 403},
		{who: "admin", path: "/api/v1/teams", body: `{"name":"New","sla_seconds":300,"hours":{"tz":"Europe/Moscow","mon":"09:00-18:00"}}`, want: 201},
		{who: "admin", path: "/api/v1/teams", body: `{"name":""}`, want: 400},
		{who: "admin", path: "/api/v1/teams", body: `{"name":"New","strategy":"random"}`, want: 400},
		{who: "admin", path: "/api/v1/teams", body: `{"name":"Sales"}`, want: 409},
	}},
	{"PATCH /api/v1/teams/{id}", []acase{
		{who: "anon", path: "/api/v1/teams/{teamA}", body: `{"name":"Renamed"}`, want: 401},
		{who: "agent", path: "/api/v1/teams/{teamA}", body: `{"name":"Renamed"}`, want: 403},
		{who: "sup", path: "/api/v1/teams/{teamA}", body: `{"name":"Renamed"}`, want: 403},
		{who: "admin", path: "/api/v1/teams/{teamA}", body: `{"name":"Renamed"}`, want: 200},
		{who: "admin", path: "/api/v1/teams/{missing}", body: `{"name":"Renamed"}`, want: 404},
		{who: "admin", path: "/api/v1/teams/abc", body: `{"name":"Renamed"}`, want: 400},
	}},
	{"DELETE /api/v1/teams/{id}", []acase{
		{who: "anon", path: "/api/v1/teams/{teamB}", want: 401},
		{who: "agent", path: "/api/v1/teams/{teamB}", want: 403},
		{who: "sup", path: "/api/v1/teams/{teamB}", want: 403},
		{who: "admin", path: "/api/v1/teams/{teamB}", want: 204},
		{who: "admin", path: "/api/v1/teams/{missing}", want: 404},
	}},
	{"PUT /api/v1/teams/{id}/members/{manager}", []acase{
		{who: "anon", path: "/api/v1/teams/{teamB}/members/{agent}", want: 401},
		{who: "agent", path: "/api/v1/teams/{teamB}/members/{agent}", want: 403},
		{who: "sup", path: "/api/v1/teams/{teamA}/members/{agentB}", want: 403},
		{who: "admin", path: "/api/v1/teams/{teamB}/members/{agent}", want: 204},
		{who: "admin", path: "/api/v1/teams/{missing}/members/{agent}", want: 404},
		{who: "admin", path: "/api/v1/teams/{teamB}/members/{missing}", want: 404},
		{who: "admin", path: "/api/v1/teams/{teamB}/members/abc", want: 400},
	}},
	{"DELETE /api/v1/teams/{id}/members/{manager}", []acase{
		{who: "anon", path: "/api/v1/teams/{teamA}/members/{agent}", want: 401},
		{who: "agent", path: "/api/v1/teams/{teamA}/members/{agent2}", want: 403},
		{who: "sup", path: "/api/v1/teams/{teamA}/members/{agent}", want: 403},
		{who: "admin", path: "/api/v1/teams/{teamA}/members/{agent}", want: 204},
		{who: "admin", path: "/api/v1/teams/{teamA}/members/{missing}", want: 404},
	}},

	{"GET /api/v1/managers", []acase{
		{who: "anon", path: "/api/v1/managers", want: 401},
		{who: "agent", path: "/api/v1/managers", want: 200},
		{who: "sup", path: "/api/v1/managers", want: 200},
		{who: "admin", path: "/api/v1/managers", want: 200},
	}},
	{"POST /api/v1/managers", []acase{
		{who: "anon", path: "/api/v1/managers", body: `{"login":"newbie","password":"password1"}`, want: 401},
		{who: "agent", path: "/api/v1/managers", body: `{"login":"newbie","password":"password1"}`, want: 403},
		{who: "sup", path: "/api/v1/managers", body: `{"login":"newbie","password":"password1"}`, want: 403},
		{who: "admin", path: "/api/v1/managers", body: `{"login":"newbie","password":"password1","role":"supervisor","capacity":3}`, want: 201},
		{who: "admin", path: "/api/v1/managers", body: `{"login":"newbie","password":"short"}`, want: 400},
		{who: "admin", path: "/api/v1/managers", body: `{"login":"new bie","password":"password1"}`, want: 400},
		{who: "admin", path: "/api/v1/managers", body: `{"login":"newbie","password":"password1","role":"boss"}`, want: 400},
		{who: "admin", path: "/api/v1/managers", body: `{"login":"agent","password":"password1"}`, want: 409},
	}},
	{"PATCH /api/v1/managers/{id}", []acase{
		{who: "anon", path: "/api/v1/managers/{agent}", body: `{"capacity":3}`, want: 401},
		{who: "agent", path: "/api/v1/managers/{agent}", body: `{"capacity":50}`, want: 403},
		{who: "sup", path: "/api/v1/managers/{agent}", body: `{"capacity":3}`, want: 403},
		{who: "admin", path: "/api/v1/managers/{agent}", body: `{"capacity":3,"role":"supervisor"}`, want: 200},
		{who: "admin", path: "/api/v1/managers/{agent}", body: `{"capacity":-1}`, want: 400},
		{who: "admin", path: "/api/v1/managers/{agent}", body: `{"password":"password1"}`, want: 400},
		{who: "admin", path: "/api/v1/managers/{missing}", body: `{"capacity":3}`, want: 404},
	}},
	{"PUT /api/v1/managers/{id}/password", []acase{
		{who: "anon", path: "/api/v1/managers/{agent}/password", body: `{"password":"new password"}`, want: 401},
		{who: "agent", path: "/api/v1/managers/{agent}/password", body: `{"password":"new password"}`, want: 204},
		{who: "agent", path: "/api/v1/managers/{agent}/password", body: `{"password":"short"}`, want: 400},
		{who: "agent", path: "/api/v1/managers/{agent2}/password", body: `{"password":"new password"}`, want: 403},
		{who: "sup", path: "/api/v1/managers/{agent}/password", body: `{"password":"new password"}`, want: 403},
		{who: "admin", path: "/api/v1/managers/{agent}/password", body: `{"password":"new password"}`, want: 204},
		{who: "admin", path: "/api/v1/managers/{missing}/password", body: `{"password":"new password"}`, want: 404},
	}},

	{"GET /api/v1/tokens", []acase{
		{who: "anon", path: "/api/v1/tokens", want: 401},
		{who: "agent", path: "/api/v1/tokens", want: 200},
		{who: "sup", path: "/api/v1/tokens", want: 200},
		{who: "admin", path: "/api/v1/tokens", want: 200},
	}},
	{"POST /api/v1/tokens", []acase{
		{who: "anon", path: "/api/v1/tokens", body: `{"name":"ci"}`, want: 401},
		{who: "agent", path: "/api/v1/tokens", body: `{"name":"ci"}`, want: 201},
		{who: "sup", path: "/api/v1/tokens", body: `{"name":"ci"}`, want: 201},
		{who: "admin", path: "/api/v1/tokens", body: `{"name":"ci"}`, want: 201},
	}},
	{"DELETE /api/v1/tokens/{id}", []acase{
		{who: "anon", path: "/api/v1/tokens/{token.agent}", want: 401},
		{who: "agent", path: "/api/v1/tokens/{token.agent}", want: 204},
		{who: "agent", path: "/api/v1/tokens/{token.agent2}", want: 404, smoke: true},
		{who: "sup", path: "/api/v1/tokens/{token.agent}", want: 404},
		{who: "admin", path: "/api/v1/tokens/{token.agent}", want: 404},
		{who: "admin", path: "/api/v1/tokens/{token.admin}", want: 204},
	}},

	{"GET /api/v1/supervisor/overview", []acase{
		{who: "anon", path: "/api/v1/supervisor/overview", want: 401},
		{who: "agent", path: "/api/v1/supervisor/overview", want: 403},
		{who: "sup", path: "/api/v1/supervisor/overview", want: 200, smoke: true},
		{who: "admin", path: "/api/v1/supervisor/overview", want: 200},
	}},
	{"GET /api/v1/openapi.yaml", []acase{
		{who: "anon", path: "/api/v1/openapi.yaml", want: 200},
		{who: "agent", path: "/api/v1/openapi.yaml", want: 200},
		{who: "sup", path: "/api/v1/openapi.yaml", want: 200},
		{who: "admin", path: "/api/v1/openapi.yaml", want: 200},
	}},
}
