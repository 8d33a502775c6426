package router

import "sync"

// recentSize is how many identities a recentSet remembers per generation.
const recentSize = 16384

// recentSet remembers the identities of recently stored events, in two
// generations like identity's phone cache: bounded, and what keeps being
// seen keeps being remembered. It is a hint, never a fact: it only picks
// the way an event takes to its transaction.
type recentSet struct {
	mu        sync.Mutex
	cur, prev map[identityKey]struct{}
}

func newRecentSet() *recentSet {
	return &recentSet{cur: make(map[identityKey]struct{})}
}

// anyOf reports whether any of keys was added lately.
func (s *recentSet) anyOf(keys []identityKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if _, ok := s.cur[k]; ok {
			return true
		}
		if _, ok := s.prev[k]; ok {
			s.addLocked(k)
			return true
		}
	}
	return false
}

func (s *recentSet) add(keys []identityKey) {
	s.mu.Lock()
	for _, k := range keys {
		s.addLocked(k)
	}
	s.mu.Unlock()
}

func (s *recentSet) addLocked(k identityKey) {
	if len(s.cur) >= recentSize {
		s.prev, s.cur = s.cur, make(map[identityKey]struct{})
	}
	s.cur[k] = struct{}{}
}
