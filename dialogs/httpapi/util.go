package httpapi

import "strconv"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// nonNil keeps empty lists as [] rather than null in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
