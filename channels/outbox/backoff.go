package outbox

import "time"

// backoff returns the delay before the attempt after attempt number
// attempt (1 for the first send): "full jitter", a uniform pick in
// [0, min(max, base·2^(attempt-1))). Full jitter spreads the retries of
// many rows that failed together (a channel outage) instead of having
// them return in waves. u is a random number in [0, 1).
func backoff(attempt int, base, max time.Duration, u float64) time.Duration {
	ceil := base
	for i := 1; i < attempt && ceil < max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, max)
	return time.Duration(u * float64(ceil))
}
