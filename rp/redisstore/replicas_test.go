package redisstore_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/foyer-oidc/foyer/rp/revocation/revocationtest"
)

// Two replicas sharing one Redis: 50 concurrent requests, split across both, that all
// need a refresh cause exactly one refresh at the provider (which rotates refresh
// tokens and revokes the family on reuse), and all 50 succeed.
func TestReplicasRefreshOnce(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	a, b := f.replica(replicaOpt{}), f.replica(replicaOpt{})
	c := browser()
	f.signIn(c, a)
	f.expireAccessToken()
	var wg sync.WaitGroup
	type answer struct {
		status int
		body   string
	}
	answers := make(chan answer, 50)
	for i := range 50 {
		r := []*replica{a, b}[i%2]
		wg.Go(func() {
			st, body := get(c, r.url+"/app/")
			answers <- answer{st, body}
		})
	}
	wg.Wait()
	close(answers)
	for got := range answers {
		if got.status != http.StatusOK || got.body != "hello alice" {
			t.Errorf("a concurrent request got %d %.100q, want 200 hello alice", got.status, got.body)
		}
	}
	if n := f.refreshes(); n != 1 {
		t.Fatalf("refresh requests at the provider = %d for 50 concurrent requests on two replicas, want 1", n)
	}
	// The rotated refresh token was saved for everyone: the next refresh, through the
	// other replica, redeems it (the old one would revoke the family).
	f.expireAccessToken()
	if st, body := get(c, b.url+"/app/"); st != http.StatusOK || body != "hello alice" {
		t.Errorf("second refresh through B: %d %.100q, want 200", st, body)
	}
	if n := f.refreshes(); n != 2 {
		t.Errorf("refresh requests = %d after a second expiry, want 2", n)
	}
	if !f.signedIn(c, a) {
		t.Error("signed out on A after the refresh through B")
	}
}

// A refresh the provider refuses, or whose new ID token changes iss, sub or aud, ends
// the session on every replica; a provider outage keeps it.
func TestReplicasRefreshEndsSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault mockidp.Fault
		ends  bool
	}{
		{"invalid_grant", mockidp.Fault{Refresh: true, TokenStatus: 400, TokenError: "invalid_grant"}, true},
		{"other sub", mockidp.Fault{Refresh: true, IDTokenClaims: map[string]any{"sub": "mallory"}}, true},
		{"other iss", mockidp.Fault{Refresh: true, IDTokenClaims: map[string]any{"iss": "https://evil.example"}}, true},
		{"other aud", mockidp.Fault{Refresh: true, IDTokenClaims: map[string]any{"aud": "other"}}, true},
		{"provider down", mockidp.Fault{Refresh: true, TokenStatus: 503, TokenBody: "down"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFleet(t)
			a, b := f.replica(replicaOpt{}), f.replica(replicaOpt{})
			c := browser()
			f.signIn(c, a)
			f.expireAccessToken()
			f.idp.InjectFault(tc.fault)
			st, _ := get(noRedirects(c), a.url+"/app/")
			if tc.ends {
				if st != http.StatusFound {
					t.Errorf("request on A: %d, want 302 to sign in", st)
				}
				if f.signedIn(c, b) {
					t.Error("still signed in on B after the session ended on A")
				}
				return
			}
			if st != http.StatusOK || !f.signedIn(c, b) {
				t.Errorf("request on A: %d, want 200 and the session kept on B", st)
			}
		})
	}
}

// noRedirects returns a copy of c that stops at the first redirect.
func noRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// RP-initiated logout through replica A: the provider sends back-channel logout tokens
// to the URIs its clients registered — replica B for this client, and a second
// client's rp (cookie sessions, a revocation list) — and every session of that provider
// session ends: another browser's Redis session with the same sid, and the cookie
// session at the other client.
func TestReplicasLogoutAtProvider(t *testing.T) {
	t.Parallel()
	lnB, lnC := listen(t), listen(t)
	_, portC, _ := net.SplitHostPort(lnC.Addr().String())
	f := newFleet(t,
		mockidp.Client{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true,
			BackchannelLogoutURI: "http://" + lnB.Addr().String() + "/auth/backchannel-logout"},
		mockidp.Client{ID: "other", Secret: "other-secret", AllowLoopbackRedirects: true,
			BackchannelLogoutURI: "http://localhost:" + portC + "/auth/backchannel-logout"},
	)
	a, b := f.replica(replicaOpt{}), f.replica(replicaOpt{ln: lnB})
	other := f.replica(replicaOpt{ln: lnC, host: "localhost", clientID: "other", secret: "other-secret", cookieSessions: true})

	x := browser()
	f.signIn(x, a)
	f.signIn(x, other) // same provider session: single sign-on at the mock
	// A second browser in the same provider session (its provider cookie copied), with
	// its own session in Redis, made through B.
	y := browser()
	idpURL, _ := url.Parse(f.idp.Issuer)
	y.Jar.SetCookies(idpURL, x.Jar.Cookies(idpURL))
	f.signIn(y, b)
	if sa, sy, so := f.sid(x, a), f.sid(y, b), f.sid(x, other); sa != sy || sa != so {
		t.Fatalf("sids %q, %q, %q: want one provider session", sa, sy, so)
	}

	_, page := get(x, a.url+"/auth/logout")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-out page: %.300q", page)
	}
	resp, err := x.PostForm(a.url+"/auth/logout", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/auth/logout/done" {
		t.Fatalf("sign-out ended at %d %s, want 200 /auth/logout/done", resp.StatusCode, resp.Request.URL.Path)
	}
	sent := f.idp.BackchannelLogouts()
	if len(sent) != 2 {
		t.Fatalf("provider sent %d back-channel logout tokens, want 2 (demo and other)", len(sent))
	}
	for _, s := range sent {
		if s.StatusCode != http.StatusOK {
			t.Errorf("back-channel logout to %s: %d (%v), want 200", s.ClientID, s.StatusCode, s.Err)
		}
	}
	for name, got := range map[string]bool{
		"browser y on B":            f.signedIn(y, b),
		"browser y on A":            f.signedIn(y, a),
		"browser x at other client": f.signedIn(x, other),
		"browser x on B":            f.signedIn(x, b),
	} {
		if got {
			t.Errorf("%s: still signed in after the provider logout", name)
		}
	}
}

// A front-channel logout loaded through B ends the Redis session on A; one for
// another sid does not.
func TestReplicasFrontchannelLogout(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	a, b := f.replica(replicaOpt{}), f.replica(replicaOpt{})
	c := browser()
	f.signIn(c, a)
	sid := f.sid(c, a)
	frame := func(sid string) int {
		st, _ := get(http.DefaultClient, b.url+"/auth/frontchannel-logout?"+url.Values{"iss": {f.idp.Issuer}, "sid": {sid}}.Encode())
		return st
	}
	if st := frame(sid + "x"); st != http.StatusOK || !f.signedIn(c, a) {
		t.Fatalf("front-channel logout of another sid: %d, and the session must stay", st)
	}
	if st := frame(sid); st != http.StatusOK {
		t.Fatalf("front-channel logout: %d, want 200", st)
	}
	if f.signedIn(c, a) {
		t.Error("still signed in on A after a front-channel logout through B")
	}
}

// hookedStore calls hooks around Load, Save and LockWait of a Redis session store.
type hookedStore struct {
	*redisstore.SessionStore
	afterLoad, beforeSave, beforeLock func()
}

func (h *hookedStore) Load(r *http.Request) (*rp.Session, error) {
	s, err := h.SessionStore.Load(r)
	if h.afterLoad != nil {
		h.afterLoad()
	}
	return s, err
}

// LoadChecked is what rp calls instead of Load (rp.RevocationLoader).
func (h *hookedStore) LoadChecked(r *http.Request) (*rp.Session, bool, error) {
	s, revoked, err := h.SessionStore.LoadChecked(r)
	if h.afterLoad != nil {
		h.afterLoad()
	}
	return s, revoked, err
}

func (h *hookedStore) Save(w http.ResponseWriter, r *http.Request, s *rp.Session) error {
	if h.beforeSave != nil {
		h.beforeSave()
	}
	return h.SessionStore.Save(w, r, s)
}

func (h *hookedStore) LockWait(ctx context.Context, id string, ttl, maxWait time.Duration) (func(), error) {
	if h.beforeLock != nil {
		h.beforeLock()
	}
	return h.SessionStore.LockWait(ctx, id, ttl, maxWait)
}

// The refresh lock covers saving the new tokens: while replica A, having refreshed,
// has not yet saved, replica B (whose request loaded the old tokens) waits for the
// lock and then finds the new tokens, instead of redeeming the rotated-out refresh
// token (which the provider answers with invalid_grant, ending the session).
func TestReplicasRefreshLockCoversTheSave(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	var armed atomic.Bool
	saving, release := make(chan struct{}), make(chan struct{})
	var savingOnce, releaseOnce sync.Once
	a := f.replica(replicaOpt{wrap: func(ss *redisstore.SessionStore) rp.SessionStore {
		return &hookedStore{SessionStore: ss, beforeSave: func() {
			if armed.Load() {
				savingOnce.Do(func() { close(saving) })
				<-release // held until B asks for the lock
			}
		}}
	}})
	b := f.replica(replicaOpt{wrap: func(ss *redisstore.SessionStore) rp.SessionStore {
		return &hookedStore{SessionStore: ss, beforeLock: func() { releaseOnce.Do(func() { close(release) }) }}
	}})
	c := browser()
	f.signIn(c, a)
	f.expireAccessToken()
	armed.Store(true)
	type answer struct {
		status int
		body   string
	}
	fromA, fromB := make(chan answer, 1), make(chan answer, 1)
	go func() { st, body := get(c, a.url+"/app/"); fromA <- answer{st, body} }()
	<-saving // A has refreshed and is about to save
	go func() { st, body := get(c, b.url+"/app/"); fromB <- answer{st, body} }()
	for name, ch := range map[string]chan answer{"A": fromA, "B": fromB} {
		if got := <-ch; got.status != http.StatusOK || got.body != "hello alice" {
			t.Errorf("request on %s: %d %.100q, want 200 hello alice", name, got.status, got.body)
		}
	}
	if n := f.refreshes(); n != 1 {
		t.Errorf("refresh requests = %d, want 1 (B must wait for A's save and reuse its tokens)", n)
	}
}

// A replica that loaded a session before another replica refreshed it keeps the
// refreshed tokens when it then saves the session (its "last seen" save), instead of
// writing back the rotated-out refresh token, which would end the session at the next
// refresh.
func TestReplicasTouchSaveKeepsRefreshedTokens(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	a := f.replica(replicaOpt{})
	// B's clock is 3.5 minutes after sign-in: its "last seen" save is due (every
	// idle/20 = 3 min), the refresh (1 min before the 5-minute expiry) is not.
	bClock := revocationtest.NewClock(f.clock.Now().Add(3*time.Minute + 30*time.Second))
	var armed atomic.Bool
	loaded, release := make(chan struct{}), make(chan struct{})
	b := f.replica(replicaOpt{now: bClock.Now, wrap: func(ss *redisstore.SessionStore) rp.SessionStore {
		return &hookedStore{SessionStore: ss, afterLoad: func() {
			if armed.CompareAndSwap(true, false) {
				close(loaded)
				<-release // B holds the pre-refresh session while A refreshes
			}
		}}
	}})
	c := browser()
	f.signIn(c, a)
	armed.Store(true)
	type answer struct {
		status int
		body   string
	}
	fromB := make(chan answer, 1)
	go func() { st, body := get(c, b.url+"/app/"); fromB <- answer{st, body} }()
	<-loaded
	f.expireAccessToken()
	if st, body := get(c, a.url+"/app/"); st != http.StatusOK || body != "hello alice" || f.refreshes() != 1 {
		t.Fatalf("refresh on A: %d %.100q, %d refreshes; want 200 and 1", st, body, f.refreshes())
	}
	close(release)
	if got := <-fromB; got.status != http.StatusOK || got.body != "hello alice" {
		t.Fatalf("request on B: %d %.100q, want 200", got.status, got.body)
	}
	// The stored session still has the rotated refresh token: the next refresh works.
	f.expireAccessToken()
	if st, body := get(noRedirects(c), a.url+"/app/"); st != http.StatusOK || body != "hello alice" {
		t.Errorf("next refresh: %d %.100q, want 200 (B must not have saved the old refresh token)", st, body)
	}
	if n := f.refreshes(); n != 2 {
		t.Errorf("refresh requests = %d, want 2", n)
	}
}

// Replicas with cookie sessions and a revocation list in Redis: a back-channel logout
// received by B makes the existing cookie stop working on A, and a replay of the token
// to A is refused.
func TestCookieReplicasShareRevocations(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	a := f.replica(replicaOpt{cookieSessions: true, sharedRevocations: true})
	b := f.replica(replicaOpt{cookieSessions: true, sharedRevocations: true})
	c := browser()
	f.signIn(c, a)
	if !f.signedIn(c, b) {
		t.Fatal("the cookie session from A does not work on B")
	}
	now := time.Now()
	tok, err := f.idp.Mint(map[string]any{
		"iss": f.idp.Issuer, "aud": f.idp.ClientID, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"jti": "cookie-replicas-1", "sid": f.sid(c, a),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, target := range []*replica{b, a} {
		resp, err := http.PostForm(target.url+"/auth/backchannel-logout", url.Values{"logout_token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := []int{http.StatusOK, http.StatusBadRequest}[i]; resp.StatusCode != want {
			t.Errorf("logout token #%d to %s: %d, want %d", i+1, target.url, resp.StatusCode, want)
		}
	}
	for name, r := range map[string]*replica{"A": a, "B": b} {
		if f.signedIn(c, r) {
			t.Errorf("the cookie still works on %s after a back-channel logout through B", name)
		}
	}
}
