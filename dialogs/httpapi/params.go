package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadRequest(name + " must be a positive integer")
	}
	return id, nil
}

// limit reads ?limit=, defaulting to def and capped at 200.
func limit(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, errBadRequest("limit must be a positive integer")
	}
	return min(n, 200), nil
}

func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errBadRequest(name + " must be a non-negative integer")
	}
	return n, nil
}

// dialogCursor is "<unix ms>.<id>" of the last row of a dialog page.
func dialogCursor(at time.Time, id int64) string {
	return strconv.FormatInt(at.UnixMilli(), 10) + "." + strconv.FormatInt(id, 10)
}

func parseDialogCursor(s string) (time.Time, int64, error) {
	a, b, ok := strings.Cut(s, ".")
	ms, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, errBadRequest("before is not a cursor from a previous page")
	}
	return time.UnixMilli(ms).UTC(), id, nil
}
