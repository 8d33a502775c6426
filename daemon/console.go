package daemon

import (
	"net/http"

	"github.com/switchboard-hub/switchboard/dialogs/console"
)

// registerConsole serves the embedded browser console at the root.
func registerConsole(mux *http.ServeMux) {
	h := console.Handler()
	mux.Handle("GET /", h)
}
