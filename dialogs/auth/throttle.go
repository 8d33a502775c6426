package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle slows password guessing: each account and each client address
// has its own token bucket of login attempts. Entries idle longer than the
// refill of a full bucket are forgotten so the maps stay small.
type Throttle struct {
	mu       sync.Mutex
	perKey   map[string]*bucket
	account  rate.Limit
	accBurst int
	ip       rate.Limit
	ipBurst  int
	lastGC   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewThrottle allows accountBurst attempts per account refilled at one per
// accountEvery, and likewise per address.
func NewThrottle(accountBurst int, accountEvery time.Duration, ipBurst int, ipEvery time.Duration) *Throttle {
	return &Throttle{
		perKey:  map[string]*bucket{},
		account: rate.Every(accountEvery), accBurst: accountBurst,
		ip: rate.Every(ipEvery), ipBurst: ipBurst,
	}
}

// Allow takes one attempt for the account and the address, reporting
// whether both have attempts left.
func (t *Throttle) Allow(login, ip string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.lastGC) > time.Minute {
		t.gc(now)
	}
	a := t.get("a:"+login, t.account, t.accBurst, now)
	i := t.get("i:"+ip, t.ip, t.ipBurst, now)
	// Check both before taking either, so a refused attempt on one key
	// doesn't also spend the other.
	if a.TokensAt(now) < 1 || i.TokensAt(now) < 1 {
		return false
	}
	a.AllowN(now, 1)
	i.AllowN(now, 1)
	return true
}

func (t *Throttle) get(key string, l rate.Limit, burst int, now time.Time) *rate.Limiter {
	b := t.perKey[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l, burst)}
		t.perKey[key] = b
	}
	b.seen = now
	return b.lim
}

func (t *Throttle) gc(now time.Time) {
	t.lastGC = now
	for k, b := range t.perKey {
		if b.lim.TokensAt(now) >= float64(b.lim.Burst()) && now.Sub(b.seen) > time.Minute {
			delete(t.perKey, k)
		}
	}
}
