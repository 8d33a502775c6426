package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// login logs in over HTTP and returns the session cookies and CSRF token.
func (f *fixture) login(login string) ([]*http.Cookie, string) {
	f.t.Helper()
	w := f.do(f.request("anon", http.MethodPost, "/api/v1/auth/login", `{"login":"`+login+`","password":"`+password+`"}`))
	if w.Code != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", login, w.Code, w.Body.String())
	}
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	decodeBody(f.t, w, &body)
	return w.Result().Cookies(), body.CSRF
}

// cookieRequest builds a request carrying the session cookies and, when
// csrf is set, the CSRF header.
func (f *fixture) cookieRequest(method, path, body string, cookies []*http.Cookie, csrf string) *http.Request {
	r := f.request("anon", method, path, body)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	if csrf != "" {
		r.Header.Set(auth.CSRFHeader, csrf)
	}
	return r
}

func TestCookieWritesNeedCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	cookies, csrf := f.login("agent")
	if csrf == "" || len(cookies) != 2 {
		t.Fatalf("login set cookies %v and token %q", cookies, csrf)
	}
	for _, c := range cookies {
		if c.Name == auth.SessionCookie && (!c.HttpOnly || c.SameSite == http.SameSiteNoneMode) {
			t.Errorf("session cookie %+v is readable by script or sent cross-site", c)
		}
	}
	const presence = `{"presence":"away"}`
	if w := f.do(f.cookieRequest(http.MethodGet, "/api/v1/me", "", cookies, "")); w.Code != http.StatusOK {
		t.Fatalf("cookie read without the header: %d", w.Code)
	}
	wantError(t, f.do(f.cookieRequest(http.MethodPut, "/api/v1/me/presence", presence, cookies, "")), http.StatusForbidden, CodeCSRF)
	wantError(t, f.do(f.cookieRequest(http.MethodPut, "/api/v1/me/presence", presence, cookies, "forged")), http.StatusForbidden, CodeCSRF)
	wantError(t, f.do(f.cookieRequest(http.MethodPost, "/api/v1/auth/logout", "", cookies, "")), http.StatusForbidden, CodeCSRF)
	if w := f.do(f.cookieRequest(http.MethodPut, "/api/v1/me/presence", presence, cookies, csrf)); w.Code != http.StatusOK {
		t.Fatalf("cookie write with the header: %d %s", w.Code, w.Body.String())
	}
	// A bearer token carries no ambient credential, so needs no header.
	if w := f.do(f.request("agent", http.MethodPut, "/api/v1/me/presence", presence)); w.Code != http.StatusOK {
		t.Fatalf("bearer write: %d %s", w.Code, w.Body.String())
	}
	if w := f.do(f.cookieRequest(http.MethodPost, "/api/v1/auth/logout", "", cookies, csrf)); w.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", w.Code, w.Body.String())
	}
	wantError(t, f.do(f.cookieRequest(http.MethodGet, "/api/v1/me", "", cookies, "")), http.StatusUnauthorized, CodeUnauthorized)
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	wrong := `{"login":"agent","password":"wrong horse"}`
	for i := range loginBurst {
		if w := f.do(f.request("anon", http.MethodPost, "/api/v1/auth/login", wrong)); w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, w.Code)
		}
	}
	// Past the per-account limit even the right password is refused.
	w := f.do(f.request("anon", http.MethodPost, "/api/v1/auth/login", loginAgent))
	wantError(t, w, http.StatusTooManyRequests, CodeRateLimited)
	if w.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// The limit is per account: another login from the same address works.
	f.login("agent2")
}

func TestBodyLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	big := `{"text":"` + strings.Repeat("x", maxBody) + `"}`
	wantError(t, f.do(f.request("agent", http.MethodPost, "/api/v1/dialogs/{mine}/messages", big)), http.StatusRequestEntityTooLarge, CodeTooLarge)
	bigLogin := `{"login":"agent","password":"` + strings.Repeat("x", maxBody) + `"}`
	wantError(t, f.do(f.request("anon", http.MethodPost, "/api/v1/auth/login", bigLogin)), http.StatusRequestEntityTooLarge, CodeTooLarge)
	for _, body := range []string{`{"text":`, `["text"]`, `{"text":1}`, `not json`, `{"text":"a"} and more`, `{"text":"a"}{"text":"b"}`} {
		wantError(t, f.do(f.request("agent", http.MethodPost, "/api/v1/dialogs/{mine}/messages", body)), http.StatusBadRequest, CodeBadRequest)
	}
	wantError(t, f.do(f.request("agent", http.MethodGet, "/api/v1/dialogs/{missing}", "")), http.StatusNotFound, CodeNotFound)
	wantError(t, f.do(f.request("agent", http.MethodGet, "/api/v1/dialogs/12abc", "")), http.StatusBadRequest, CodeBadRequest)
}

// decodeBody decodes a JSON answer into v.
func decodeBody(t testing.TB, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("answer is not the expected JSON: %v; body: %s", err, w.Body.String())
	}
}
