package httpapi

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes holds the served document and Register to the
// same set of operations, both ways.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	d := loadServedDoc(t)
	var registered []string
	for _, rt := range (&Server{}).routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		rel, ok := strings.CutPrefix(path, "/api/v1")
		if !ok {
			t.Errorf("route %s is outside /api/v1", rt.pattern)
			continue
		}
		registered = append(registered, method+" "+rel)
		item := d.doc.Paths.Value(rel)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("route %s is not in the OpenAPI document", rt.pattern)
		}
	}
	for path, item := range d.doc.Paths.Map() {
		for method := range item.Operations() {
			if !slices.Contains(registered, method+" "+path) {
				t.Errorf("the OpenAPI document has %s %s, which no route serves", method, path)
			}
		}
	}
}

// TestOpenAPIErrorCodes holds the document's Error enum to the catalogue.
func TestOpenAPIErrorCodes(t *testing.T) {
	d := loadServedDoc(t)
	var enum []string
	for _, v := range d.doc.Components.Schemas["Error"].Value.Properties["error"].Value.Enum {
		enum = append(enum, v.(string))
	}
	slices.Sort(enum)
	want := slices.Sorted(slices.Values(codes))
	if !slices.Equal(enum, want) {
		t.Fatalf("Error enum %v, catalogue %v", enum, want)
	}
}

// TestOpenAPIValidationBites shows the response check is not vacuous: a
// wrongly shaped answer, an undocumented status and an unknown error
// code are all refused.
func TestOpenAPIValidationBites(t *testing.T) {
	d := loadServedDoc(t)
	answer := func(status int, body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		writeJSON(w, status, nil)
		w.Body.Reset()
		w.Body.WriteString(body)
		return w
	}
	me := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	good := `{"manager":{"id":1,"login":"a","name":"A","role":"agent","presence":"online","capacity":1,"load":0,"disabled":false,"created_at":"2026-03-02T09:30:00Z"},"teams":[]}`
	if err := d.validate(me, answer(200, good)); err != nil {
		t.Fatalf("a well-formed /me answer is refused: %v", err)
	}
	for name, w := range map[string]*httptest.ResponseRecorder{
		"wrong type":         answer(200, `{"manager":{"id":"one"},"teams":[]}`),
		"missing field":      answer(200, `{"teams":[]}`),
		"unknown error code": answer(404, `{"error":"gone","message":"x"}`),
		"error without text": answer(404, `{"error":"not_found"}`),
	} {
		if err := d.validate(me, w); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
