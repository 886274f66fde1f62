// Package sessiontest checks that an [rp.SessionStore] behaves as rp needs, so that
// the cookie store and the Redis store (and any store someone writes) are
// interchangeable, the way package revocationtest does for revocation lists.
//
// [Run] runs two groups of subtests against one store implementation:
//
//   - Store/...: the store alone, driven with the injected clock: round trip and
//     cookie attributes, a new cookie value for every new session (no fixation),
//     sessions that must survive up to both lifetimes, deletion, LogoutIndex when
//     implemented, saving a refreshed session, tampering at every byte position and
//     with the chunks, concurrent saves, key rotation and replicas.
//   - RP/...: an [rp.RP] over the store, signed in through a mock provider
//     (package mockidp) on loopback: a new session at every sign-in, session
//     fixation, the idle timeout and the absolute lifetime one second before and one
//     second after their edges (through RequireLogin and through the proxy), refresh,
//     sign-out and back-channel logout against a copied cookie, also after a restart.
//
// A store passes only if every subtest passes; none is skipped for a store that
// claims a [Target] property.
package sessiontest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp"
)

// Options are what the suite builds a store with.
type Options struct {
	// Now is the suite's clock; the store must take time from it alone.
	Now func() time.Time
	// IdleTimeout is the RP's idle timeout ([rp.Config.IdleTimeout]).
	IdleTimeout time.Duration
	// Secrets are the cookie secrets, newest first ([rp.Config.CookieSecrets]). A
	// store whose sessions do not depend on them ignores them.
	Secrets [][]byte
	// InsecureHTTP asks for cookies without Secure and without the "__Host-" prefix
	// (the RP subtests run on plain-http loopback).
	InsecureHTTP bool
}

// Target is the store implementation under test.
type Target struct {
	// New returns a store. The stores it returns within one test (same t) share
	// their backend — the same Redis database, the same state directory — the way
	// two replicas, or one process before and after a restart, do. Different tests
	// must not share sessions.
	New func(t *testing.T, o Options) rp.SessionStore
	// Configure, if set, completes the configuration of every RP the RP subtests
	// build over a store from New (e.g. Revocations kept in a state directory). Like
	// New, what it sets up within one test is shared by the RPs of that test.
	Configure func(t *testing.T, cfg *rp.Config)
	// SecretBound says a session saved under some secrets does not load in a store
	// that has none of them (the cookie store). False for a store whose cookie
	// carries its own key (the Redis store's ticket).
	SecretBound bool
	// ServerSide says Delete ends the session for every copy of its cookie, and a
	// sign-in ends the session the browser had before (the Redis store).
	ServerSide bool
	// Chunked says a large session is split over several cookies (the cookie store):
	// the chunk count and order checks then must run.
	Chunked bool
}

// Run runs the conformance checks as subtests of t; they run in parallel.
func Run(t *testing.T, target Target) {
	t.Helper()
	if target.New == nil {
		t.Fatal("sessiontest: Target.New is nil")
	}
	t.Run("Store", func(t *testing.T) { runStore(t, target) })
	t.Run("RP", func(t *testing.T) { runRP(t, target) })
}

// The lifetimes the suite uses: whole seconds, so that cookie Max-Age is exact.
const (
	idleTimeout      = 30 * time.Minute
	absoluteLifetime = 2 * time.Hour
)

// Two cookie secrets for rotation; the suite's default is secretA.
var (
	secretA = []byte("sessiontest secret A: 0123456789abcdef")
	secretB = []byte("sessiontest secret B: fedcba9876543210")
)

// clock is a clock the tests move by hand, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts at a whole second near the real time, so that cookies the
// client keeps by real time do not expire early.
func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newStore builds a store with the suite's defaults and secrets.
func (tg Target) newStore(t *testing.T, c *clock, secrets ...[]byte) rp.SessionStore {
	t.Helper()
	if len(secrets) == 0 {
		secrets = [][]byte{secretA}
	}
	st := tg.New(t, Options{Now: c.Now, IdleTimeout: idleTimeout, Secrets: secrets})
	if st == nil {
		t.Fatal("sessiontest: Target.New returned nil")
	}
	return st
}

// jar is the browser side of the store: the cookies a client would send, by name.
type jar map[string]string

// request returns a GET for the site with j's cookies, in a stable order.
func (j jar) request() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://app.localhost/", nil)
	for _, name := range j.names() {
		r.AddCookie(&http.Cookie{Name: name, Value: j[name]})
	}
	return r
}

// names returns j's cookie names, sorted by chunk: base name first, then _1, _2...
func (j jar) names() []string {
	out := make([]string, 0, len(j))
	for n := range j {
		out = append(out, n)
	}
	sortChunks(out)
	return out
}

// sortChunks sorts cookie names so that "x" comes before "x_1" before "x_2"...
// (session cookies have at most a few chunks, so a length-then-text order works).
func sortChunks(names []string) {
	for i := 1; i < len(names); i++ {
		for k := i; k > 0 && less(names[k], names[k-1]); k-- {
			names[k], names[k-1] = names[k-1], names[k]
		}
	}
}

func less(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// apply returns a copy of j after the response's Set-Cookie headers, as a browser
// keeps them: a Max-Age of 0 (MaxAge < 0 once parsed) deletes the cookie.
func (j jar) apply(rec *httptest.ResponseRecorder) jar {
	out := jar{}
	for k, v := range j {
		out[k] = v
	}
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(out, c.Name)
		} else {
			out[c.Name] = c.Value
		}
	}
	return out
}

// clone returns a copy of j.
func (j jar) clone() jar { return j.apply(httptest.NewRecorder()) }

// save saves s with a request carrying j and returns the jar afterwards and the
// response.
func save(t *testing.T, st rp.SessionStore, j jar, s *rp.Session) (jar, *httptest.ResponseRecorder) {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := st.Save(rec, j.request(), s); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return j.apply(rec), rec
}

// load loads the session j's cookies carry; a store error fails the test.
func load(t *testing.T, st rp.SessionStore, j jar) *rp.Session {
	t.Helper()
	s, err := st.Load(j.request())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

// randomText returns n random bytes, base64url.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newSession returns a session as a sign-in at now would make it, for subject sub.
// Its ID token is a well-formed unsigned JWT (the store never verifies it).
func newSession(now time.Time, sub string) *rp.Session {
	claims, _ := json.Marshal(map[string]any{"iss": "https://idp.localhost", "sub": sub, "aud": "demo", "sid": "sid-" + sub})
	idToken := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + "." + randomText(64)
	return &rp.Session{
		ID:        randomText(32),
		Provider:  "mock",
		Issuer:    "https://idp.localhost",
		Subject:   sub,
		SID:       "sid-" + sub,
		Extra:     map[string]any{"department": "dept of " + sub},
		CSRF:      randomText(32),
		CreatedAt: now,
		ExpiresAt: now.Add(absoluteLifetime),
		LastSeen:  now,
		Tokens: rp.Tokens{
			AccessToken:  "at-" + randomText(24),
			RefreshToken: "rt-" + randomText(24),
			IDToken:      idToken,
			Expiry:       now.Add(time.Hour),
		},
	}
}

// largeSession returns a session whose random (incompressible) extra claim makes
// its cookie encoding span several chunks of the cookie store (about 3 of 3800 bytes).
func largeSession(now time.Time, sub string) *rp.Session {
	s := newSession(now, sub)
	s.Extra["blob"] = randomText(6000)
	return s
}

// diff describes how got differs from want in what a store must keep, or "".
func diff(got, want *rp.Session) string {
	switch {
	case got == nil && want == nil:
		return ""
	case got == nil:
		return "no session"
	case want == nil:
		return "a session " + got.ID
	}
	var d []string
	str := func(name, g, w string) {
		if g != w {
			d = append(d, fmt.Sprintf("%s %q, want %q", name, trunc(g), trunc(w)))
		}
	}
	tm := func(name string, g, w time.Time) {
		if !g.Equal(w) {
			d = append(d, fmt.Sprintf("%s %v, want %v", name, g, w))
		}
	}
	str("ID", got.ID, want.ID)
	str("Provider", got.Provider, want.Provider)
	str("Issuer", got.Issuer, want.Issuer)
	str("Subject", got.Subject, want.Subject)
	str("SID", got.SID, want.SID)
	str("CSRF", got.CSRF, want.CSRF)
	tm("CreatedAt", got.CreatedAt, want.CreatedAt)
	tm("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	tm("LastSeen", got.LastSeen, want.LastSeen)
	str("AccessToken", got.Tokens.AccessToken, want.Tokens.AccessToken)
	str("RefreshToken", got.Tokens.RefreshToken, want.Tokens.RefreshToken)
	str("IDToken", got.Tokens.IDToken, want.Tokens.IDToken)
	tm("Tokens.Expiry", got.Tokens.Expiry, want.Tokens.Expiry)
	if !reflect.DeepEqual(got.Extra, want.Extra) {
		d = append(d, fmt.Sprintf("Extra has %d claims, want %d (or other values)", len(got.Extra), len(want.Extra)))
	}
	return strings.Join(d, "; ")
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
