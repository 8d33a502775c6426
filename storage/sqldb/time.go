package sqldb

import (
	"math"
	"time"
)

// ms converts a time to the stored unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// tm converts stored unix milliseconds back to a UTC time; 0 is the zero
// time.
func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// norm rounds t to what the store keeps (UTC milliseconds), so a record
// written back to the caller compares equal to the one read later.
func norm(t time.Time) time.Time { return tm(ms(t)) }

// orNow returns t normalized, or the current time when t is zero. Records
// need a creation time; callers normally pass one.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return norm(time.Now())
	}
	return norm(t)
}

// before converts an exclusive upper bound where the zero time means "no
// bound", so queries can always compare instead of branching on zero.
func before(t time.Time) int64 {
	if t.IsZero() {
		return math.MaxInt64
	}
	return ms(t)
}

// Page sizes.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// limit clamps a caller's page size.
func limit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	default:
		return n
	}
}

// maxID stands for "no upper bound" in id-paged queries.
const maxID = math.MaxInt64
