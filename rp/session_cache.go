package rp

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
)

// defaultSessionCacheSize is how many decoded sessions a [CookieStore] keeps by default:
// about 5–8 KB each, so at most some 16 MB; the most recently used sessions stay cached.
const defaultSessionCacheSize = 2048

// cacheKey is the SHA-256 of a session's cookie value (its chunks concatenated).
type cacheKey [sha256.Size]byte

// sessionCache maps a session cookie's value to the session it decodes to, so that a
// signed-in request skips the MAC check, decryption, inflation and JSON decoding that the
// same cookie already went through. Only values that decoded (MAC verified) go in, so
// forged cookies cannot fill it. It holds at most max entries and evicts with the CLOCK
// algorithm (an approximation of least-recently-used that lets hits share a read lock).
//
// The cached sessions are shared and read-only: callers get a copy ([CookieStore.Load]).
// The cache belongs to one CookieStore, whose keys never change, so a key removed from
// the configuration (a new store) never finds sessions cached under it.
type sessionCache struct {
	mu    sync.RWMutex
	items map[cacheKey]*cacheEntry
	ring  []*cacheEntry // eviction order; never longer than max
	hand  int           // the next slot the eviction looks at
	max   int
}

// cacheEntry is one cached session.
type cacheEntry struct {
	key  cacheKey
	s    *Session    // read-only; nil once removed
	used atomic.Bool // hit since the eviction hand last passed
}

// newSessionCache returns a cache of at most size sessions.
func newSessionCache(size int) *sessionCache {
	return &sessionCache{items: make(map[cacheKey]*cacheEntry), max: size}
}

// get returns the session cached under k, or nil.
func (c *sessionCache) get(k cacheKey) *Session {
	c.mu.RLock()
	e := c.items[k]
	var s *Session
	if e != nil {
		s = e.s
	}
	c.mu.RUnlock()
	if e != nil && !e.used.Load() {
		e.used.Store(true)
	}
	return s
}

// put caches s under k, evicting an entry not used lately when the cache is full.
func (c *sessionCache) put(k cacheKey, s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; ok {
		return
	}
	e := &cacheEntry{key: k, s: s}
	c.items[k] = e
	if len(c.ring) < c.max {
		c.ring = append(c.ring, e)
		return
	}
	// At most two turns: the first clears every used bit it passes.
	for {
		old := c.ring[c.hand]
		if old.s != nil && old.used.Swap(false) {
			c.hand = (c.hand + 1) % len(c.ring)
			continue
		}
		if old.s != nil {
			delete(c.items, old.key)
		}
		c.ring[c.hand] = e
		c.hand = (c.hand + 1) % len(c.ring)
		return
	}
}

// remove drops the session cached under k, if any. Its slot is reused by a later put.
func (c *sessionCache) remove(k cacheKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.items[k]; e != nil {
		delete(c.items, k)
		e.s = nil
	}
}

// len returns the number of cached sessions.
func (c *sessionCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}
