package redisstore

import (
	"strings"
	"sync"
)

// ident is what the revocation lookup of a session needs: its issuer, provider
// session id and subject.
type ident struct{ iss, sid, sub string }

// known is an ident with the revocation keys it names (HMACs: worth keeping).
type known struct {
	ident
	keys []string
}

// idents remembers the ident of sessions this process has read or created, by
// session id, so that the next read of the session fetches its revocations in the
// same round trip. An ident never changes for a session id, and a wrong or missing
// one only costs a second round trip, so forgetting is harmless: at most max
// entries per generation, and the older generation is dropped when a new one fills.
type idents struct {
	mu        sync.Mutex
	cur, prev map[string]known
	max       int
}

// maxIdents bounds the idents of one generation (some 200 bytes each).
const maxIdents = 1 << 17

func newIdents() *idents { return &idents{cur: map[string]known{}, max: maxIdents} }

func (c *idents) get(id string) (known, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[id]; ok {
		return v, true
	}
	v, ok := c.prev[id]
	return v, ok
}

func (c *idents) put(id string, v ident, keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= c.max {
		c.prev, c.cur = c.cur, make(map[string]known, c.max)
	}
	// Copies: the strings may be cut from a whole decoded session.
	v = ident{strings.Clone(v.iss), strings.Clone(v.sid), strings.Clone(v.sub)}
	c.cur[strings.Clone(id)] = known{v, keys}
}
