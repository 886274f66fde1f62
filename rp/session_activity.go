package rp

import (
	"strings"
	"sync"
	"time"
)

// activity remembers, in this process, when sessions were last touched: a forward-auth
// proxy may not pass the last-seen cookie on to the browser, and the idle clock must
// stay right all the same. Entries live at least one period (the idle timeout: an
// older time cannot keep a session alive) and at most two: records go to the current
// map, which becomes the previous one every period.
type activity struct {
	mu      sync.Mutex
	cur     map[string]time.Time // session id -> last touch
	prev    map[string]time.Time
	period  time.Duration
	rotated time.Time
	max     int // entries in cur that start a new period early
}

// maxActivity bounds the sessions remembered per period (some 100 bytes each).
const maxActivity = 1 << 20

func newActivity(period time.Duration) *activity {
	return &activity{cur: map[string]time.Time{}, period: period, max: maxActivity}
}

// record notes that session id was seen at t.
func (a *activity) record(id string, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rotated.IsZero() {
		a.rotated = t
	}
	if t.Sub(a.rotated) >= a.period || len(a.cur) >= a.max {
		a.prev, a.cur, a.rotated = a.cur, make(map[string]time.Time, len(a.cur)), t
	}
	if old, ok := a.cur[id]; !ok || t.After(old) {
		// A copy: the map keeps its key, and id may be cut from a whole record.
		a.cur[strings.Clone(id)] = t
	}
}

// get returns when session id was last touched, if this process remembers it.
func (a *activity) get(id string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.cur[id]
	if p, okp := a.prev[id]; okp && (!ok || p.After(t)) {
		t, ok = p, true
	}
	return t, ok
}
