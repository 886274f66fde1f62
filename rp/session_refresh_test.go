package rp

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// expireAccessToken moves both clocks past the access token's expiry.
func (h *harness) expireAccessToken() {
	h.t.Helper()
	s := h.session(h.client)
	if s == nil || s.Tokens.RefreshToken == "" || s.Tokens.Expiry.IsZero() {
		h.t.Fatalf("session has no refresh token or expiry")
	}
	d := s.Tokens.Expiry.Sub(h.clock.Now()) + time.Second
	h.clock.Advance(d)
	h.idp.Advance(d)
}

func refreshHarness(t *testing.T) *harness {
	return newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.AccessTokenTTL = 5 * time.Minute })},
		cfg: func(c *Config) {
			c.Providers[0].Scopes = []string{"openid", "profile", "email", "offline_access"}
		},
	})
}

func TestRefreshOnceUnderConcurrentRequests(t *testing.T) {
	t.Parallel()
	h := refreshHarness(t)
	h.signIn(h.client)
	before := h.session(h.client).Tokens
	h.expireAccessToken()
	var wg sync.WaitGroup
	statuses := make(chan int, 50)
	for range 50 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/app/", nil)
			resp, err := h.client.Do(req)
			if err != nil {
				statuses <- -1
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusOK {
			t.Errorf("a concurrent request got %d, want 200", st)
		}
	}
	if n := h.calls.refresh.Load(); n != 1 {
		t.Errorf("refresh requests = %d for 50 concurrent requests, want 1", n)
	}
	after := h.session(h.client).Tokens
	if after.AccessToken == before.AccessToken || !after.Expiry.After(before.Expiry) {
		t.Errorf("new tokens were not kept in the session")
	}
	// The rotated refresh token was persisted: a second refresh works.
	h.expireAccessToken()
	h.signIn(h.client)
	if n := h.calls.refresh.Load(); n != 2 {
		t.Errorf("refresh requests = %d after a second expiry, want 2", n)
	}
}

func TestRefreshFailuresEndTheSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault mockidp.Fault
	}{
		{"invalid_grant", mockidp.Fault{Refresh: true, TokenError: "invalid_grant"}},
		{"new sub", mockidp.Fault{Refresh: true, IDTokenClaims: map[string]any{"sub": "mallory"}}},
		{"new iss", mockidp.Fault{Refresh: true, IDTokenClaims: map[string]any{"iss": "https://example.org"}}},
		{"new aud", mockidp.Fault{Refresh: true, IDTokenClaims: map[string]any{"aud": []string{"demo", "other"}, "azp": "demo"}}},
		{"bad signature", mockidp.Fault{Refresh: true, IDTokenSigning: mockidp.SigningBadSignature}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := refreshHarness(t)
			h.signIn(h.client)
			h.expireAccessToken()
			h.idp.InjectFault(tc.fault)
			if h.signedIn(h.client) {
				t.Errorf("still signed in after a refresh that must end the session")
			}
		})
	}
}

func TestRefreshOutageKeepsTheSession(t *testing.T) {
	t.Parallel()
	h := refreshHarness(t)
	h.signIn(h.client)
	h.expireAccessToken()
	h.idp.InjectFault(mockidp.Fault{Refresh: true, TokenStatus: http.StatusServiceUnavailable})
	if !h.signedIn(h.client) {
		t.Errorf("a provider outage during refresh ended the session")
	}
}

// lockingStore is a cookie store that also offers a refresh lock, as a shared store does.
type lockingStore struct {
	*CookieStore
	mu    sync.Mutex
	locks atomic.Int64
}

func (l *lockingStore) LockWait(_ context.Context, id string, _, _ time.Duration) (func(), error) {
	l.locks.Add(1)
	l.mu.Lock()
	return l.mu.Unlock, nil
}

func TestRefreshTakesTheStoreLock(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	cs, err := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}, InsecureHTTP: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	store := &lockingStore{CookieStore: cs}
	h := newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.AccessTokenTTL = 5 * time.Minute })},
		cfg: func(c *Config) {
			c.SessionStore = store
			c.Now = clock.Now
		},
	})
	h.clock = clock
	h.signIn(h.client)
	h.expireAccessToken()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { h.signedIn(h.client) })
	}
	wg.Wait()
	if n := store.locks.Load(); n != 1 {
		t.Errorf("refresh locks taken = %d, want 1", n)
	}
	if n := h.calls.refresh.Load(); n != 1 {
		t.Errorf("refresh requests = %d, want 1", n)
	}
}

// A request that still carries the session as it was before a refresh (sent before the
// browser got the new cookie) reuses that refresh's result within the grace window,
// instead of redeeming the rotated-out refresh token, which the provider would refuse
// (invalid_grant) and answer by revoking the whole token family.
func TestRefreshGraceForThePreviousSession(t *testing.T) {
	t.Parallel()
	h := refreshHarness(t)
	h.signIn(h.client)
	u, _ := url.Parse(h.srv.URL)
	late := h.newBrowser() // the pre-refresh cookie, as an in-flight request carries it
	late.Jar.SetCookies(u, h.client.Jar.Cookies(u))
	h.expireAccessToken()
	h.signIn(h.client) // refreshes, and the browser gets the new cookie
	if n := h.calls.refresh.Load(); n != 1 {
		t.Fatalf("refresh requests = %d, want 1", n)
	}
	refreshed := h.session(h.client).Tokens
	h.clock.Advance(refreshGrace / 2)
	h.signIn(late)
	if n := h.calls.refresh.Load(); n != 1 {
		t.Errorf("refresh requests = %d after a request with the previous session, want still 1", n)
	}
	if got := h.session(late).Tokens; got.AccessToken != refreshed.AccessToken || got.RefreshToken != refreshed.RefreshToken {
		t.Errorf("the previous session did not get the refreshed tokens")
	}
	if !h.signedIn(h.client) {
		t.Error("the current session ended")
	}
}
