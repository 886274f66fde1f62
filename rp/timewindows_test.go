package rp

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The time windows rp enforces with its injected clock, each one second inside
// (accepted) and one second outside (refused) its edge, end to end. The session
// lifetimes, the idle timeout and refresh-before are in the session-store
// conformance suite (rp/sessiontest), run by TestCookieStoreConformance and the
// Redis store's TestSessionStoreConformance.

// TestLoginAttemptTTLEdges: a callback within the login TTL of its sign-in
// attempt signs in; one second past it, the code is never redeemed.
func TestLoginAttemptTTLEdges(t *testing.T) {
	t.Parallel()
	const ttl = 7 * time.Minute
	for _, tc := range []struct {
		name  string
		after time.Duration
		ok    bool
	}{
		{"one second before the login TTL", ttl - time.Second, true},
		{"one second after the login TTL", ttl + time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.LoginTTL = ttl }})
			nf := noFollow(h.client)
			cb := h.callbackURL(t, nf, "/app/")
			h.clock.Advance(tc.after)
			resp, _ := h.get(nf, cb)
			landed := resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/app/"
			if landed != tc.ok || (h.calls.exchange.Load() == 1) != tc.ok || h.signedIn(h.client) != tc.ok {
				t.Errorf("callback %v after the sign-in started: %d to %q, %d code exchanges, signed in %v; want signed in = %v",
					tc.after, resp.StatusCode, resp.Header.Get("Location"), h.calls.exchange.Load(), h.signedIn(h.client), tc.ok)
			}
		})
	}
}

// TestLogoutTokenAgeEdges: a back-channel logout token issued (iat) up to
// MaxTokenAge ago, or up to ClockSkew in the future, ends the session; one second
// more, it is refused and the session lives on.
func TestLogoutTokenAgeEdges(t *testing.T) {
	t.Parallel()
	const maxAge, skew = 30 * time.Minute, 2 * time.Minute
	for _, tc := range []struct {
		name string
		iat  time.Duration // from now
		ok   bool
	}{
		{"issued one second less than the max age ago", -(maxAge - time.Second), true},
		{"issued one second more than the max age ago", -(maxAge + time.Second), false},
		{"issued one second less than the skew ahead", skew - time.Second, true},
		{"issued one second more than the skew ahead", skew + time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.MaxTokenAge, c.ClockSkew = maxAge, skew }})
			h.signIn(h.client)
			s := h.session(h.client)
			now := h.clock.Now()
			tok, err := h.idp.Mint(map[string]any{
				"iss": h.idp.Issuer, "aud": h.idp.ClientID, "iat": now.Add(tc.iat).Unix(), "exp": now.Add(10 * time.Minute).Unix(),
				"jti": randomString(12), "sid": s.SID,
				"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
			})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.PostForm(h.srv.URL+"/auth/backchannel-logout", url.Values{"logout_token": {tok}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := map[bool]int{true: http.StatusOK, false: http.StatusBadRequest}[tc.ok]
			if resp.StatusCode != want || h.signedIn(h.client) == tc.ok {
				t.Errorf("status %d, signed in afterwards %v; want %d and signed in = %v", resp.StatusCode, h.signedIn(h.client), want, !tc.ok)
			}
		})
	}
}

// TestIDTokenAgeEdges: at sign-in, an ID token issued up to MaxTokenAge plus
// ClockSkew ago, or up to ClockSkew ahead, is accepted; one second more is refused.
// The provider's clock is moved, not rp's, so the sign-in attempt itself is fresh.
func TestIDTokenAgeEdges(t *testing.T) {
	t.Parallel()
	const maxAge, skew = 10 * time.Minute, 2 * time.Minute
	for _, tc := range []struct {
		name   string
		idpLag time.Duration // provider clock minus rp clock
		ok     bool
	}{
		{"issued one second less than max age + skew ago", -(maxAge + skew - time.Second), true},
		{"issued one second more than max age + skew ago", -(maxAge + skew + time.Second), false},
		{"issued one second less than the skew ahead", skew - time.Second, true},
		{"issued one second more than the skew ahead", skew + time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.MaxTokenAge, c.ClockSkew = maxAge, skew }})
			h.idp.Freeze()
			h.idp.Advance(h.clock.Now().Sub(h.idp.Now()) + tc.idpLag)
			nf := noFollow(h.client)
			resp, _ := h.get(nf, h.callbackURL(t, nf, "/app/"))
			landed := resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/app/"
			if landed != tc.ok || h.signedIn(h.client) != tc.ok {
				t.Errorf("ID token issued %v from rp's now: %d to %q; want signed in = %v", tc.idpLag, resp.StatusCode, resp.Header.Get("Location"), tc.ok)
			}
		})
	}
}
