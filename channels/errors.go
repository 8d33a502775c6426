package channels

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidEvent marks an inbound event the hub refuses because of its
// content (an identity that cannot be used, a field out of range). Adapters
// answer such errors as the sender's fault (HTTP 400 with the message)
// instead of as a server failure, and never retry them.
var ErrInvalidEvent = errors.New("channels: invalid event")

// ErrPermanent marks a send that will never succeed (bad address, rejected
// content); the outbox marks the row failed instead of retrying.
var ErrPermanent = errors.New("channels: permanent failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error {
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}

// RetryAfterError asks the outbox to wait at least After before the next
// attempt (HTTP 429 Retry-After, SMTP 4xx with a hint).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("channels: retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// IsPermanent reports whether err marks a permanent failure.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// RetryAfter returns the delay a RetryAfterError in err's chain asks for.
func RetryAfter(err error) (time.Duration, bool) {
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		return ra.After, true
	}
	return 0, false
}
