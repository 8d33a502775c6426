package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/dialogs/auth"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/storage"
)

// Error codes of the API. Every error answer is
// {"error": "<code>", "message": "<human text>"}; the codes are stable and
// documented in the OpenAPI document, the messages are for people.
const (
	CodeBadRequest   = "bad_request"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeCSRF         = "csrf"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeAtCapacity   = "at_capacity"
	CodeClosed       = "dialog_closed"
	CodeTooLarge     = "too_large"
	CodeRateLimited  = "rate_limited"
	CodeUnavailable  = "unavailable"
	CodeInternal     = "internal"
)

// codes is the catalogue: every code an answer may carry. A test holds the
// OpenAPI document's Error enum to it.
var codes = []string{
	CodeBadRequest, CodeUnauthorized, CodeForbidden, CodeCSRF, CodeNotFound, CodeConflict, CodeAtCapacity,
	CodeClosed, CodeTooLarge, CodeRateLimited, CodeUnavailable, CodeInternal,
}

// apiError is an error with its HTTP answer.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errBadRequest(msg string) error { return &apiError{http.StatusBadRequest, CodeBadRequest, msg} }
func errForbidden(msg string) error  { return &apiError{http.StatusForbidden, CodeForbidden, msg} }
func errNotFound(msg string) error   { return &apiError{http.StatusNotFound, CodeNotFound, msg} }

// writeError maps err to its answer. Unknown errors are logged and answered
// with a generic 500 so internals never leak.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &mbe):
		ae = &apiError{http.StatusRequestEntityTooLarge, CodeTooLarge, "request body is too large"}
	case errors.Is(err, auth.ErrUnauthenticated), errors.Is(err, auth.ErrBadCredentials):
		ae = &apiError{http.StatusUnauthorized, CodeUnauthorized, err.Error()}
	case errors.Is(err, auth.ErrCSRF):
		ae = &apiError{http.StatusForbidden, CodeCSRF, "missing or wrong X-CSRF-Token header"}
	case errors.Is(err, auth.ErrThrottled):
		w.Header().Set("Retry-After", "30")
		ae = &apiError{http.StatusTooManyRequests, CodeRateLimited, "too many login attempts; try again later"}
	case errors.Is(err, storage.ErrNotFound):
		ae = &apiError{http.StatusNotFound, CodeNotFound, "not found"}
	case errors.Is(err, router.ErrAtCapacity):
		ae = &apiError{http.StatusConflict, CodeAtCapacity, "the manager has no free capacity"}
	case errors.Is(err, router.ErrClosed):
		ae = &apiError{http.StatusConflict, CodeClosed, "the dialog is closed"}
	case errors.Is(err, router.ErrNotAssignable), errors.Is(err, storage.ErrConflict):
		ae = &apiError{http.StatusConflict, CodeConflict, err.Error()}
	case errors.Is(err, channels.ErrInvalidEvent):
		ae = &apiError{http.StatusBadRequest, CodeBadRequest, err.Error()}
	case errors.Is(err, storage.ErrUnavailable):
		w.Header().Set("Retry-After", "5")
		ae = &apiError{http.StatusServiceUnavailable, CodeUnavailable, "the database is unavailable; retry shortly"}
	default:
		log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = &apiError{http.StatusInternalServerError, CodeInternal, "internal error"}
	}
	writeJSON(w, ae.status, map[string]string{"error": ae.code, "message": ae.message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxBody bounds every JSON request body.
const maxBody = 1 << 20

// decode reads a JSON body into v, refusing unknown fields so typos in a
// client show up as errors instead of being ignored.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errBadRequest("malformed JSON body: " + err.Error())
	}
	// One value and nothing after it: a second object or stray text means
	// the client sent something other than it thinks, and acting on the
	// first half would hide that.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errBadRequest("malformed JSON body: data after the JSON value")
	}
	return nil
}
