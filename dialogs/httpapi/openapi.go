package httpapi

import (
	_ "embed"
	"net/http"
)

// openapiDoc describes every route Register mounts; a test keeps the two
// in step.
//
//go:embed openapi.yaml
var openapiDoc []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(openapiDoc)
}

// OpenAPI returns the API's OpenAPI document.
func OpenAPI() []byte { return openapiDoc }
