package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	h := Handler()
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{name: "root serves index", method: "GET", path: "/", wantStatus: 200, wantType: "text/html", wantBody: `<div id="app"`},
		{name: "console page serves index", method: "GET", path: "/console/dialogs/42", wantStatus: 200, wantType: "text/html", wantBody: `<div id="app"`},
		{name: "console root serves index", method: "GET", path: "/console", wantStatus: 200, wantType: "text/html"},
		{name: "app.js is javascript", method: "GET", path: "/app.js", wantStatus: 200, wantType: "text/javascript"},
		{name: "module is javascript", method: "GET", path: "/js/api.js", wantStatus: 200, wantType: "text/javascript"},
		{name: "stylesheet is css", method: "GET", path: "/app.css", wantStatus: 200, wantType: "text/css"},
		{name: "unknown asset", method: "GET", path: "/nope.js", wantStatus: 404},
		{name: "unknown folder", method: "GET", path: "/js/", wantStatus: 404},
		{name: "escape attempt", method: "GET", path: "/../console.go", wantStatus: 404},
		{name: "post refused", method: "POST", path: "/", wantStatus: 405},
		{name: "head index", method: "HEAD", path: "/", wantStatus: 200, wantType: "text/html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			res := rec.Result()
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.wantStatus)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			for k, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "same-origin",
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tc.wantType != "" && !strings.HasPrefix(res.Header.Get("Content-Type"), tc.wantType) {
				t.Errorf("Content-Type = %q, want %s", res.Header.Get("Content-Type"), tc.wantType)
			}
			if tc.wantBody != "" && !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Errorf("body lacks %q", tc.wantBody)
			}
		})
	}
}

func TestHandlerRevalidates(t *testing.T) {
	t.Parallel()
	h := Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/app.js", nil))
	etag := rec.Result().Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on app.js")
	}
	if cc := rec.Result().Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", cc)
	}
	req := httptest.NewRequest("GET", "/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("conditional GET status = %d, want 304", rec.Code)
	}
}

// TestEveryModuleImportResolves guards against a typo in an import path,
// which in the browser fails the whole console with one console error.
func TestEveryModuleImportResolves(t *testing.T) {
	t.Parallel()
	h := Handler().(*handler)
	for p, a := range h.assets {
		if !strings.HasSuffix(p, ".js") {
			continue
		}
		for _, spec := range importSpecifiers(string(a.body)) {
			target := resolve(p, spec)
			if _, ok := h.assets[target]; !ok {
				t.Errorf("%s imports %q: %s is not embedded", p, spec, target)
			}
		}
	}
}
