package redisstore_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Phases of the outage test.
const (
	phaseUp = iota
	phaseDown
	phaseBack
)

// outageLoad drives requests at two replicas from a few workers and records what
// each kind of client got, per phase, and anything that must never happen.
type outageLoad struct {
	phase       atomic.Int32
	ok, refused [3]atomic.Int64 // signed-in user: 200 "hello alice" / 503, by phase
	signIns     [3]atomic.Int64 // completed sign-ins, by phase
	mu          sync.Mutex
	bad         []string
}

func (l *outageLoad) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bad) < 20 {
		l.bad = append(l.bad, fmt.Sprintf(format, args...))
	}
}

// Redis killed (SIGKILL) and restarted under concurrent load on two replicas: no 500,
// no 2xx for a request without a valid session, 503 for signed-in users and sign-ins
// while it is down, /readyz 503, and recovery without restarting rp — with the
// signed-in user's session still there.
func TestReplicasRedisKilledUnderLoad(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	// A short store timeout, as in production (the default is 2 s): while Redis is
	// down, requests get their 503 quickly.
	down := replicaOpt{timeout: time.Second}
	replicas := []*replica{f.replica(down), f.replica(down)}
	alice := browser()
	f.signIn(alice, replicas[0])
	forged := browser()
	forged.Jar.SetCookies(mustURL(t, replicas[0].url), []*http.Cookie{{Name: "foyer_session", Value: unknownTicket}})
	anonymous := &http.Client{Timeout: 20 * time.Second}

	var l outageLoad
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const workers, maxRequests = 4, 4000 // bounded, whatever happens
	for w := range workers {
		wg.Go(func() {
			for i := range maxRequests {
				select {
				case <-stop:
					return
				default:
				}
				r := replicas[(w+i)%2]
				ph := l.phase.Load()
				switch (w + i) % 4 {
				case 0: // the signed-in user
					st, body := get(alice, r.url+"/app/")
					switch {
					case st == http.StatusOK && body == "hello alice":
						if l.phase.Load() == ph {
							l.ok[ph].Add(1)
						}
					case st == http.StatusServiceUnavailable:
						if l.phase.Load() == ph {
							l.refused[ph].Add(1)
						}
					default:
						l.fail("signed-in user in phase %d: %d %.80q", ph, st, body)
					}
				case 1: // nobody signed in
					if st, body := get(anonymous, r.url+"/auth/verify"); st != http.StatusUnauthorized {
						l.fail("no session in phase %d: %d %.80q, want 401", ph, st, body)
					}
				case 2: // a well-formed ticket Redis never issued
					if st, body := get(forged, r.url+"/auth/verify"); st != http.StatusUnauthorized && st != http.StatusServiceUnavailable {
						l.fail("forged ticket in phase %d: %d %.80q, want 401 or 503", ph, st, body)
					}
				case 3: // a new sign-in
					st, body := get(browser(), r.url+"/app/")
					switch {
					case st == http.StatusOK && body == "hello alice":
						l.signIns[ph].Add(1)
					case st == http.StatusServiceUnavailable:
						if !strings.Contains(body, "right now") { // "cannot be checked / saved right now"
							l.fail("sign-in in phase %d: 503 page without a clear message: %.200q", ph, body)
						}
					default:
						l.fail("sign-in in phase %d: %d %.80q, want 200 or 503", ph, st, body)
					}
				}
			}
		})
	}
	halt := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer halt()

	ready := func(want int) bool {
		for _, r := range replicas {
			if st, body := get(anonymous, r.url+"/readyz"); st != want ||
				(want != http.StatusOK && !strings.Contains(body, `"session_store":"unavailable"`) && !strings.Contains(body, `"session_store": "unavailable"`)) {
				return false
			}
		}
		return true
	}
	waitFor(t, "load while Redis is up", func() bool { return l.ok[phaseUp].Load() >= 5 })
	f.redis.Kill()
	l.phase.Store(phaseDown)
	waitFor(t, "503s while Redis is down", func() bool { return l.refused[phaseDown].Load() >= 10 })
	if !ready(http.StatusServiceUnavailable) {
		t.Error("/readyz does not report Redis down with 503 and session_store unavailable")
	}
	f.redis.Restart()
	l.phase.Store(phaseBack)
	waitFor(t, "the signed-in user let in again", func() bool { return l.ok[phaseBack].Load() >= 5 })
	waitFor(t, "sign-ins working again", func() bool { return l.signIns[phaseBack].Load() >= 2 })
	waitFor(t, "/readyz 200 again", func() bool { return ready(http.StatusOK) })
	halt()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.bad {
		t.Error(b)
	}
	if n := l.ok[phaseDown].Load(); n != 0 {
		t.Errorf("%d requests let in while Redis was down", n)
	}
	t.Logf("signed-in user: up %d ok; down %d refused; back %d ok, %d refused while reconnecting",
		l.ok[phaseUp].Load(), l.refused[phaseDown].Load(), l.ok[phaseBack].Load(), l.refused[phaseBack].Load())
}

func mustURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// waitFor polls cond until it holds, failing the test after a generous bound (a hang
// guard, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not a fixed wait
	}
}
