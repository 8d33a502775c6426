package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// TestAuthzMatrix sends every case of the matrix, each on a fresh copy of
// the fixture, and checks the status, the error body and the answer's
// shape against the OpenAPI document.
func TestAuthzMatrix(t *testing.T) {
	tpl := newTemplate(t)
	doc := loadServedDoc(t)
	for _, row := range matrix {
		method, _, _ := strings.Cut(row.pattern, " ")
		for _, c := range row.cases {
			t.Run(caseName(method, c), func(t *testing.T) {
				t.Parallel()
				runCase(t, tpl.clone(t), doc, row.pattern, c)
			})
		}
	}
}

// TestAuthzSmokePostgres runs the matrix's smoke cases on PostgreSQL,
// each on a fixture built there through the router.
func TestAuthzSmokePostgres(t *testing.T) {
	doc := loadServedDoc(t)
	for _, row := range matrix {
		method, _, _ := strings.Cut(row.pattern, " ")
		for _, c := range row.cases {
			if !c.smoke {
				continue
			}
			t.Run(caseName(method, c), func(t *testing.T) {
				t.Parallel()
				runCase(t, newFixture(t, storetest.Postgres(t)), doc, row.pattern, c)
			})
		}
	}
}

func caseName(method string, c acase) string {
	return fmt.Sprintf("%s %s as %s", method, c.path, c.who)
}

func runCase(t *testing.T, f *fixture, doc *apiDoc, pattern string, c acase) {
	method, _, _ := strings.Cut(pattern, " ")
	req := f.request(c.who, method, c.path, c.body)
	if c.upload != "" {
		req = f.uploadRequest(c.who, c.path, "file", "price.txt", "", c.upload)
	}
	if _, got := f.mux.Handler(req); got != pattern {
		t.Fatalf("the case reaches route %q, not its row's %q", got, pattern)
	}
	w := f.do(req)
	if w.Code != c.want {
		t.Fatalf("status %d, want %d; body: %s", w.Code, c.want, w.Body.String())
	}
	if w.Code >= 400 {
		checkErrorBody(t, w)
	}
	doc.checkResponse(t, req, w)
}

// checkErrorBody asserts an error answer is exactly {"error", "message"}
// in JSON, with a code from the catalogue and a message for people.
func checkErrorBody(t testing.TB, w *httptest.ResponseRecorder) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error answer has Content-Type %q; body: %s", ct, w.Body.String())
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error answer is not JSON: %v; body: %s", err, w.Body.String())
	}
	code, _ := body["error"].(string)
	msg, _ := body["message"].(string)
	if len(body) != 2 || !slices.Contains(codes, code) || msg == "" {
		t.Fatalf("error answer %s is not {\"error\": <catalogue code>, \"message\": <text>}", w.Body.String())
	}
}

// wantError asserts an answer's status and error code.
func wantError(t testing.TB, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body: %s", w.Code, status, w.Body.String())
	}
	checkErrorBody(t, w)
	var body struct{ Error string }
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	if body.Error != code {
		t.Fatalf("error %q, want %q", body.Error, code)
	}
}

// TestAuthzMatrixCoversEveryRoute fails when a route has no matrix row,
// a row names no route, or a row lacks a case for one of the roles.
func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	var registered []string
	for _, rt := range (&Server{}).routes() {
		registered = append(registered, rt.pattern)
	}
	roles := map[string]string{"anon": "anonymous", "agent": "agent", "agent2": "agent", "agentB": "agent", "sup": "supervisor", "admin": "admin"}
	seen := map[string]bool{}
	for _, row := range matrix {
		if seen[row.pattern] {
			t.Errorf("two rows for %s", row.pattern)
		}
		seen[row.pattern] = true
		if !slices.Contains(registered, row.pattern) {
			t.Errorf("row %s names no registered route", row.pattern)
		}
		covered := map[string]bool{}
		for _, c := range row.cases {
			role, ok := roles[c.who]
			if !ok {
				t.Errorf("%s: unknown caller %q", row.pattern, c.who)
			}
			covered[role] = true
		}
		for _, role := range []string{"anonymous", "agent", "supervisor", "admin"} {
			if !covered[role] {
				t.Errorf("%s: no case for the %s role", row.pattern, role)
			}
		}
	}
	for _, p := range registered {
		if !seen[p] {
			t.Errorf("route %s has no row in the authorization matrix", p)
		}
	}
}
