// Package console serves the managers' browser console: plain HTML, CSS and
// JavaScript modules embedded into the binary, so the console works on a
// fresh machine with no front-end build step.
//
// The console is a single page application. Its assets live at the root
// (/app.js, /app.css, /js/..., /i18n/...) and its pages under /console/...;
// every page path gets index.html and the script routes on the client.
// Mount Handler at "/" next to the API routes, which are more specific and
// so take precedence in an http.ServeMux.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var files embed.FS

// contentSecurityPolicy keeps the console to its own origin. Message HTML
// from the server is shown only in a sandboxed srcdoc iframe, which inherits
// this policy, so remote images (tracking pixels) in letters are not loaded.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; " +
	"style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; media-src 'self' data: blob:"

// contentTypes pins the types of the asset kinds the console ships, so the
// answer does not depend on the host's /etc/mime.types.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".wav":  "audio/wav",
	".ogg":  "audio/ogg",
	".md":   "text/plain; charset=utf-8",
}

// asset is one embedded file, read once at start.
type asset struct {
	body        []byte
	etag        string
	contentType string
}

type handler struct {
	assets map[string]asset
	index  asset
}

// Handler returns the handler serving the console: index.html for "/",
// "/console" and "/console/...", the embedded assets by path, 404 for
// anything else. Every answer carries the security headers; assets are
// served with "no-cache" and a content hash ETag, so a browser revalidates
// cheaply and never runs a stale module after an upgrade.
func Handler() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic("console: embedded static folder missing: " + err.Error())
	}
	h := &handler{assets: make(map[string]asset)}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		h.assets["/"+p] = asset{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, contentType: ct}
		return nil
	})
	if err != nil {
		panic("console: read embedded files: " + err.Error())
	}
	idx, ok := h.assets["/index.html"]
	if !ok {
		panic("console: embedded index.html missing")
	}
	h.index = idx
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("X-Frame-Options", "DENY")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	var a asset
	switch {
	case p == "/" || p == "/console" || strings.HasPrefix(p, "/console/"):
		a = h.index
	default:
		var ok bool
		if a, ok = h.assets[p]; !ok {
			http.NotFound(w, r)
			return
		}
	}
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", a.etag)
	// ServeContent answers If-None-Match with 304 and handles HEAD and
	// ranges; the zero modtime keeps Last-Modified out of it.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
