package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// apiDoc is the OpenAPI document as the daemon serves it, loaded and
// validated, with a router that finds an operation for a request.
type apiDoc struct {
	doc    *openapi3.T
	router routers.Router
}

// loadServedDoc fetches /api/v1/openapi.yaml from a server's routes and
// loads it; an invalid document fails the test.
func loadServedDoc(t testing.TB) *apiDoc {
	t.Helper()
	mux := http.NewServeMux()
	(&Server{}).Register(mux)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.yaml", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET openapi.yaml: %d", w.Code)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(w.Body.Bytes())
	if err != nil {
		t.Fatalf("load the served OpenAPI document: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the served OpenAPI document is invalid: %v", err)
	}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiDoc{doc: doc, router: r}
}

// checkResponse validates an answer to req against the operation's
// response schema; an undocumented status, content type or shape fails.
func (d *apiDoc) checkResponse(t testing.TB, req *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	if err := d.validate(req, w); err != nil {
		t.Errorf("%s %s: %d answer does not match the OpenAPI document: %v\nbody: %s",
			req.Method, req.URL.Path, w.Code, err, w.Body.String())
	}
}

// validate checks an answer to req against the document.
func (d *apiDoc) validate(req *http.Request, w *httptest.ResponseRecorder) error {
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no operation in the OpenAPI document: %w", err)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 w.Code,
		Header:                 w.Header(),
		Body:                   io.NopCloser(bytes.NewReader(w.Body.Bytes())),
		Options:                opts,
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}
