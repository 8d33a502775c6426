package identity

import "sync"

// phoneCacheSize is how many recent phone inputs a Normalizer remembers per
// generation. Parsing a phone costs tens of microseconds (phonenumbers'
// patterns), and a returning client sends the same string every time.
const phoneCacheSize = 8192

// phoneResult is one remembered Phone answer.
type phoneResult struct {
	out string
	err error
}

// phoneCache remembers recent Phone answers in two generations: lookups
// hit either and move entries to the current one; when the current one is
// full it becomes the previous and a new one starts. Memory stays bounded
// at two generations, and what is used keeps being kept, with no per-entry
// bookkeeping.
type phoneCache struct {
	mu        sync.Mutex
	cur, prev map[string]phoneResult
}

func newPhoneCache() *phoneCache {
	return &phoneCache{cur: make(map[string]phoneResult)}
}

func (c *phoneCache) get(raw string) (phoneResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.cur[raw]; ok {
		return r, true
	}
	r, ok := c.prev[raw]
	if ok {
		c.putLocked(raw, r)
	}
	return r, ok
}

func (c *phoneCache) put(raw string, r phoneResult) {
	c.mu.Lock()
	c.putLocked(raw, r)
	c.mu.Unlock()
}

func (c *phoneCache) putLocked(raw string, r phoneResult) {
	if len(c.cur) >= phoneCacheSize {
		c.prev, c.cur = c.cur, make(map[string]phoneResult)
	}
	c.cur[raw] = r
}
