// Package twogen is a bounded map of recently used entries kept in two
// generations: lookups hit either generation and move what they find to
// the current one; when the current one is full it becomes the previous
// one and a new one starts. Memory stays bounded at two generations, and
// what keeps being used keeps being kept, with no per-entry bookkeeping.
package twogen

import "sync"

// Map holds at most 2×size entries. It is safe for concurrent use.
type Map[K comparable, V any] struct {
	mu        sync.Mutex
	size      int
	cur, prev map[K]V
}

// New returns an empty Map of size entries per generation.
func New[K comparable, V any](size int) *Map[K, V] {
	return &Map[K, V]{size: size, cur: make(map[K]V)}
}

// Get returns the value under k and whether there is one.
func (m *Map[K, V]) Get(k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.cur[k]; ok {
		return v, true
	}
	v, ok := m.prev[k]
	if ok {
		m.putLocked(k, v)
	}
	return v, ok
}

// Put stores v under k.
func (m *Map[K, V]) Put(k K, v V) {
	m.mu.Lock()
	m.putLocked(k, v)
	m.mu.Unlock()
}

// Len returns the number of entries held, both generations counted.
func (m *Map[K, V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur) + len(m.prev)
}

func (m *Map[K, V]) putLocked(k K, v V) {
	if len(m.cur) >= m.size {
		m.prev, m.cur = m.cur, make(map[K]V)
	}
	m.cur[k] = v
}
