package redisstore_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
	"github.com/redis/go-redis/v9"
)

// readCounter counts the reads a Redis server has processed (INFO stats,
// total_reads_processed): one per command or pipeline a client sends, so the
// difference across a few requests counts their round trips. It keeps one
// connection open, so that its own INFO is the only read it adds.
type readCounter struct {
	t *testing.T
	c *redis.Client
}

func newReadCounter(t *testing.T, f *fleet) *readCounter {
	t.Helper()
	opt, err := redis.ParseURL(f.redis.URL)
	if err != nil {
		t.Fatal(err)
	}
	opt.PoolSize, opt.MinIdleConns = 1, 1
	rc := &readCounter{t: t, c: redis.NewClient(opt)}
	t.Cleanup(func() { rc.c.Close() })
	rc.reads() // connect, with the handshake's commands, before anything is counted
	return rc
}

func (rc *readCounter) reads() int64 {
	rc.t.Helper()
	info, err := rc.c.Info(context.Background(), "stats").Result()
	if err != nil {
		rc.t.Fatalf("INFO: %v", err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "total_reads_processed:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				rc.t.Fatalf("INFO total_reads_processed %q: %v", v, err)
			}
			return n
		}
	}
	rc.t.Fatal("INFO stats has no total_reads_processed")
	return 0
}

// roundTrips returns the Redis round trips that do costs.
func (rc *readCounter) roundTrips(do func()) int64 {
	rc.t.Helper()
	before := rc.reads()
	do()
	return rc.reads() - before - 1 // the second INFO
}

// A signed-in request costs one round trip to Redis: the session, its last-seen time
// and its revocations in one pipeline. A replica that has not seen the session
// before needs a second one, once; a touch (once per touch interval) needs one more,
// and never rewrites the session or the cookie.
func TestOneRoundTripPerSignedInRequest(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	a, b := f.replica(replicaOpt{}), f.replica(replicaOpt{})
	c := browser()
	f.signIn(c, a)
	// Each replica's connections to Redis are open before anything is counted: another
	// person's session read on both.
	other := browser()
	f.signIn(other, a)
	for _, r := range []*replica{a, b} {
		for range 3 {
			if !f.signedIn(other, r) {
				t.Fatal("the other person's session does not load")
			}
		}
	}
	rc := newReadCounter(t, f)
	requests := func(r *replica, n int) func() {
		return func() {
			for range n {
				if st, body := get(c, r.url+"/app/"); st != http.StatusOK || body != "hello alice" {
					t.Fatalf("%s: %d %.100q", r.url, st, body)
				}
			}
		}
	}
	if n := rc.roundTrips(requests(a, 10)); n != 10 {
		t.Errorf("10 requests on the replica that signed the user in: %d round trips, want 10", n)
	}
	if n := rc.roundTrips(requests(b, 10)); n != 11 {
		t.Errorf("10 requests on another replica: %d round trips, want 11 (one more the first time)", n)
	}
	// 3.5 minutes on: a touch is due (every idle/20 = 3 min), a refresh is not.
	f.clock.Advance(3*time.Minute + 30*time.Second)
	var setCookie []string
	if n := rc.roundTrips(func() {
		resp, err := noRedirects(c).Get(a.url + "/app/")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("touch request: %v %v", resp, err)
		}
		resp.Body.Close()
		setCookie = resp.Header.Values("Set-Cookie")
	}); n != 2 {
		t.Errorf("a request that touches the session: %d round trips, want 2", n)
	}
	if len(setCookie) != 0 {
		t.Errorf("a touch set cookies %q, want none", setCookie)
	}
	if n := rc.roundTrips(requests(b, 1)); n != 1 {
		t.Errorf("the next request, on the other replica: %d round trips, want 1 (the touch is seen there)", n)
	}
	if f.refreshes() != 0 {
		t.Errorf("%d refreshes, want none", f.refreshes())
	}
}

// A revocation recorded in Redis ends the sessions it names as they load, whether the
// replica checks it in the session's own round trip or in a second one; one dated
// before the session's sign-in does not.
func TestRevocationCheckedAsTheSessionLoads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		learn   bool // the checking replica has read the session before
		creator bool // the checking replica signed the user in
		before  bool // the revocation predates the sign-in
		ends    bool
	}{
		{"replica that signed in, same round trip", false, true, false, true},
		{"replica that has read it, same round trip", true, false, false, true},
		{"replica new to it, second round trip", false, false, false, true},
		{"revoked before the sign-in, same round trip", false, true, true, false},
		{"revoked before the sign-in, second round trip", false, false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFleet(t)
			a, b := f.replica(replicaOpt{}), f.replica(replicaOpt{})
			c := browser()
			f.signIn(c, a)
			sid := f.sid(c, a)
			check := b
			if tc.creator {
				check = a
			}
			if tc.learn && !f.signedIn(c, b) {
				t.Fatal("not signed in on B")
			}
			at := f.clock.Now()
			if tc.before {
				at = at.Add(-time.Minute)
			}
			if err := a.st.Revoke(context.Background(), f.idp.Issuer, revocation.BySID, sid, at, time.Hour); err != nil {
				t.Fatal(err)
			}
			if got := !f.signedIn(c, check); got != tc.ends {
				t.Errorf("session ended = %v, want %v", got, tc.ends)
			}
		})
	}
}
