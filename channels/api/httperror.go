package api

import (
	"encoding/json"
	"net/http"
)

// Error codes this package answers with, in the JSON body
// {"error": "<code>", "message": "<human text>"}.
const (
	codeUnknownChannel   = "unknown_channel"
	codeMissingSignature = "missing_signature"
	codeInvalidSignature = "invalid_signature"
	codeBodyTooLarge     = "body_too_large"
	codeBadRequest       = "bad_request"
	codeInvalidJSON      = "invalid_json"
	codeInvalidPayload   = "invalid_payload"
	codeInvalidEvent     = "invalid_event"
	codeUnavailable      = "unavailable"
	codeInternal         = "internal"
)

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// writeError answers status with the JSON error body.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, errorBody{Error: code, Message: message})
}

// writeJSON answers status with v as JSON. An encoding failure can only be
// a broken connection at this point, so it is not reported.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
