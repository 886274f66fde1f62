package rp

import (
	"sync"
	"time"
)

// signedOut remembers sessions signed out here until their absolute expiry, so that a
// copy of a cookie session kept by someone else stops working in this process too.
type signedOut struct {
	mu    sync.Mutex
	ended map[string]time.Time // session id -> its absolute expiry
	adds  int
}

// signedOutSweepEvery is how many sign-outs pass between two sweeps of expired
// entries: sweeping at every sign-out costs O(entries), which grow with the
// sign-outs of a whole absolute lifetime (12 h by default).
const signedOutSweepEvery = 256

func (so *signedOut) add(s *Session, now time.Time) {
	so.mu.Lock()
	defer so.mu.Unlock()
	if so.adds++; so.adds%signedOutSweepEvery == 0 {
		for id, exp := range so.ended {
			if now.After(exp) {
				delete(so.ended, id)
			}
		}
	}
	so.ended[s.ID] = s.ExpiresAt
}

func (so *signedOut) has(id string) bool {
	so.mu.Lock()
	defer so.mu.Unlock()
	_, ok := so.ended[id]
	return ok
}
