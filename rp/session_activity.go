package rp

import (
	"strings"
	"sync"
	"time"
)

// activity remembers, in this process, when sessions were last touched and what the
// last-seen cookie written for them said: a forward-auth proxy may not pass that
// cookie on to the browser, and the idle clock must stay right all the same, without
// writing a cookie that never arrives at every touch. Entries live at least one
// period (the idle timeout: an older time cannot keep a session alive) and at most
// two: records go to the current map, which becomes the previous one every period.
type activity struct {
	mu      sync.Mutex
	cur     map[string]seen // by session id
	prev    map[string]seen
	period  time.Duration
	rotated time.Time
	max     int // entries in cur that start a new period early
}

// seen is what this process knows of one session's activity.
type seen struct {
	at      time.Time // the latest touch
	written time.Time // the time the latest last-seen cookie written here carries; zero: none
}

// maxActivity bounds the sessions remembered per period (some 120 bytes each).
const maxActivity = 1 << 20

func newActivity(period time.Duration) *activity {
	return &activity{cur: map[string]seen{}, period: period, max: maxActivity}
}

// lookup returns the entry of id, the current map's or else the previous one's. The
// caller holds mu.
func (a *activity) lookup(id string) (seen, bool) {
	if e, ok := a.cur[id]; ok {
		return e, true
	}
	e, ok := a.prev[id]
	return e, ok
}

// update applies f to the entry of id at time now and stores it in the current map.
func (a *activity) update(id string, now time.Time, f func(*seen)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rotated.IsZero() {
		a.rotated = now
	}
	if now.Sub(a.rotated) >= a.period || len(a.cur) >= a.max {
		a.prev, a.cur, a.rotated = a.cur, make(map[string]seen, len(a.cur)), now
	}
	e, _ := a.lookup(id)
	f(&e)
	// A copy of id: the map keeps its key, and id may be cut from a whole record.
	a.cur[strings.Clone(id)] = e
}

// record notes that session id was seen at t.
func (a *activity) record(id string, t time.Time) {
	a.update(id, t, func(e *seen) {
		if t.After(e.at) {
			e.at = t
		}
	})
}

// wrote notes that a last-seen cookie saying t was written for session id.
func (a *activity) wrote(id string, t time.Time) {
	a.update(id, t, func(e *seen) { e.written = t })
}

// get returns what this process knows of session id.
func (a *activity) get(id string) (seen, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lookup(id)
}
