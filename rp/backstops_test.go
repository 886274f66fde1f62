package rp

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/foyer-oidc/foyer/mockidp"
)

// Backstops: checks that other checks hide in the ordinary cases, each exercised
// where it alone stands between the attack and the session.

// refreshOpts are harness options for a provider that issues refresh tokens and
// short-lived access tokens.
func refreshOpts(idp []mockidp.Option, cfg func(*Config)) harnessOpt {
	return harnessOpt{
		idp: append(idp, mockidp.WithConfig(func(c *mockidp.Config) { c.AccessTokenTTL = 5 * time.Minute })),
		cfg: func(c *Config) {
			c.Providers[0].Scopes = []string{"openid", "profile", "email", "offline_access"}
			if cfg != nil {
				cfg(c)
			}
		},
	}
}

// TestRefreshKeepsTheEntraTenant: with a multi-tenant Entra issuer, a refreshed ID
// token of another allowed tenant passes every issuer check on its own (its iss fits
// the template and its tid); only the continuity check (same iss as at sign-in)
// ends the session.
func TestRefreshKeepsTheEntraTenant(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		claims map[string]any // of the refreshed ID token
		keep   bool
	}{
		{"same tenant", nil, true},
		{"another allowed tenant", map[string]any{"tid": "other", "iss": "/other/v2.0"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, refreshOpts(
				[]mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.Persona = mockidp.PersonaEntra })},
				func(c *Config) {
					c.Providers[0].Issuer += "/common/v2.0"
					c.Providers[0].Kind = KindEntra
					c.Providers[0].Tenants = []string{"good", "other"}
				}))
			if err := h.rp.WaitReady(t.Context()); err != nil {
				t.Fatal(err)
			}
			h.idp.QueueLogin("", mockidp.User{Subject: "alice", Claims: map[string]any{"tid": "good", "name": "alice"}})
			h.signIn(h.client)
			before := h.session(h.client)
			if before.Issuer != h.idp.Issuer+"/good/v2.0" {
				t.Fatalf("session issuer %q, want tenant good's", before.Issuer)
			}
			if tc.claims != nil {
				claims := map[string]any{}
				for k, v := range tc.claims {
					claims[k] = v
				}
				claims["iss"] = h.idp.Issuer + tc.claims["iss"].(string)
				// The same claims at sign-in would be accepted: the tenant is allowed.
				h.idp.QueueLogin("", mockidp.User{Subject: "alice", Claims: map[string]any{"tid": "other", "name": "alice"}})
				other := h.newBrowser()
				h.signIn(other)
				if s := h.session(other); s == nil || s.Issuer != claims["iss"] {
					t.Fatalf("a sign-in in tenant other: session %v, want issuer %v", s, claims["iss"])
				}
				h.idp.InjectFault(mockidp.Fault{Refresh: true, IDTokenClaims: claims})
			}
			h.expireAccessToken()
			if got := h.signedIn(h.client); got != tc.keep {
				t.Errorf("after the refresh: signed in %v, want %v", got, tc.keep)
			}
			if tc.keep && h.session(h.client).Tokens.AccessToken == before.Tokens.AccessToken {
				t.Error("the refresh did not happen: the test proves nothing")
			}
		})
	}
}

// TestRefreshKeepsTheAudience: a trusted audience may be in an ID token besides the
// client (with azp the client), so a refreshed token that adds it passes the
// audience check; only the continuity check (same aud as at sign-in) ends the
// session.
func TestRefreshKeepsTheAudience(t *testing.T) {
	t.Parallel()
	const trusted = "api://reports"
	for _, tc := range []struct {
		name   string
		claims map[string]any
		keep   bool
	}{
		{"same audience", nil, true},
		{"a trusted audience added", map[string]any{"aud": []string{"demo", trusted}, "azp": "demo"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, refreshOpts(nil, func(c *Config) { c.Providers[0].TrustedAudiences = []string{trusted} }))
			h.signIn(h.client)
			before := h.session(h.client)
			if tc.claims != nil {
				// At sign-in the same audience is accepted.
				h.idp.InjectFault(mockidp.Fault{IDTokenClaims: tc.claims})
				h.signIn(h.newBrowser())
				h.idp.InjectFault(mockidp.Fault{Refresh: true, IDTokenClaims: tc.claims})
			}
			h.expireAccessToken()
			if got := h.signedIn(h.client); got != tc.keep {
				t.Errorf("after the refresh: signed in %v, want %v", got, tc.keep)
			}
			if tc.keep && h.session(h.client).Tokens.AccessToken == before.Tokens.AccessToken {
				t.Error("the refresh did not happen: the test proves nothing")
			}
		})
	}
}

// TestDiscoveryWithoutS256: a provider that lists its PKCE methods without S256 is
// refused at discovery (rp never downgrades to plain): --check-config says why, and
// a sign-in gets 503 without being sent to the provider. A provider that lists no
// methods at all (many do not advertise them) still gets S256.
func TestDiscoveryWithoutS256(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		methods any // code_challenge_methods_supported; nil: absent
		ok      bool
	}{
		{"plain only", []any{"plain"}, false},
		{"an unknown method only", []any{"S512"}, false},
		{"S256 spelled in lower case only", []any{"s256"}, false},
		{"not advertised", nil, true},
		{"S256 and plain", []any{"plain", "S256"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			idp := mockidp.NewTestServer(t)
			idp.InjectFault(mockidp.Fault{DiscoveryClaims: map[string]any{"code_challenge_methods_supported": tc.methods}, Times: 1000})
			cfg := Config{
				PublicURL:     "http://127.0.0.1:1",
				Providers:     []ProviderConfig{{ID: "mock", Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}},
				CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef-test")},
			}
			checks, err := CheckProviders(t.Context(), cfg)
			if err != nil || len(checks) != 1 {
				t.Fatalf("CheckProviders: %v, %d results", err, len(checks))
			}
			if ok := checks[0].Err == nil; ok != tc.ok || (!ok && !strings.Contains(checks[0].Err.Error(), "S256")) {
				t.Fatalf("discovery: %v; want ok = %v, and a refusal that names S256", checks[0].Err, tc.ok)
			}
			h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].Issuer = idp.Issuer }})
			if !tc.ok {
				resp, _ := h.get(noFollow(h.client), "/auth/login?rd=/app/")
				if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Location") != "" {
					t.Errorf("sign-in: %d to %q, want 503 and no redirect to the provider", resp.StatusCode, resp.Header.Get("Location"))
				}
				return
			}
			if err := h.rp.WaitReady(t.Context()); err != nil {
				t.Fatal(err)
			}
			resp, _ := h.get(noFollow(h.client), "/auth/login?rd=/app/")
			loc, _ := resp.Location()
			if loc == nil || loc.Query().Get("code_challenge_method") != "S256" || len(loc.Query().Get("code_challenge")) != 43 {
				t.Errorf("sign-in redirect %v: want code_challenge_method=S256 and a challenge", loc)
			}
		})
	}
}

// TestAssertionFollowsRefreshedGroups: the signed assertion is reused for half its
// lifetime, but not once a refresh changed the user's groups: the next request
// carries the new groups, in the assertion and in X-Forwarded-Groups.
func TestAssertionFollowsRefreshedGroups(t *testing.T) {
	t.Parallel()
	const aud = "https://app.example.com"
	const refreshBefore = time.Minute
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Assertion = AssertionConfig{Enabled: true, Audience: aud}
		c.Providers[0].Scopes = []string{"openid", "profile", "email", "offline_access"}
		c.RefreshBefore = refreshBefore
	}, mockidp.WithConfig(func(c *mockidp.Config) { c.AccessTokenTTL = 5 * time.Minute }))
	h.signIn(h.client)
	s := h.session(h.client)
	// Just before the refresh window, an assertion with the sign-in's groups.
	d := s.Tokens.Expiry.Sub(h.clock.Now()) - refreshBefore - time.Second
	h.clock.Advance(d)
	h.idp.Advance(d)
	first := proxiedEcho(t, h, h.client).Header.Get(HeaderAssertion)
	ctx := context.Background()
	v := oidc.NewVerifier(h.srv.URL, oidc.NewRemoteKeySet(ctx, h.srv.URL+"/auth/jwks.json"),
		&oidc.Config{ClientID: aud, SupportedSigningAlgs: []string{oidc.ES256}, Now: h.clock.Now})
	groups := func(tok string) []string {
		t.Helper()
		idt, err := v.Verify(ctx, tok)
		if err != nil {
			t.Fatalf("assertion: %v", err)
		}
		var c struct {
			Groups []string `json:"groups"`
		}
		if err := idt.Claims(&c); err != nil {
			t.Fatal(err)
		}
		return c.Groups
	}
	if g := groups(first); !slices.Equal(g, []string{"admins", "users"}) {
		t.Fatalf("assertion groups before the refresh %v, want [admins users]", g)
	}
	// Two seconds later (well within the reuse window) the refresh drops admins.
	h.idp.InjectFault(mockidp.Fault{Refresh: true, IDTokenClaims: map[string]any{"groups": []any{"users"}}})
	h.clock.Advance(2 * time.Second)
	h.idp.Advance(2 * time.Second)
	seen := proxiedEcho(t, h, h.client)
	if h.session(h.client).Tokens.AccessToken == s.Tokens.AccessToken {
		t.Fatal("no refresh happened: the test proves nothing")
	}
	after := seen.Header.Get(HeaderAssertion)
	if g := groups(after); !slices.Equal(g, []string{"users"}) {
		t.Errorf("assertion groups after the refresh %v, want [users] (a stale assertion kept admins)", g)
	}
	if fg := seen.Header.Get("X-Forwarded-Groups"); fg != "users" {
		t.Errorf("X-Forwarded-Groups after the refresh %q, want users", fg)
	}
}

// TestXMLHttpRequestIsAnAPICall: a signed-out request with X-Requested-With:
// XMLHttpRequest (sent by jQuery, Angular's old $http, many fetch wrappers) gets
// 401 JSON, never a redirect to the provider's login page that the script cannot
// follow — through RequireLogin, the proxy and forward auth in redirect mode.
func TestXMLHttpRequestIsAnAPICall(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) { c.Gateway.ForwardAuthRedirect = true })
	nf := noFollow(h.newBrowser())
	for _, value := range []string{"XMLHttpRequest", "xmlhttprequest"} {
		for _, path := range []string{"/app/", "/echo"} {
			resp, body := h.get(nf, path, "X-Requested-With", value)
			var e struct{ Error string }
			_ = json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Location") != "" || e.Error != "unauthorized" {
				t.Errorf("%s with X-Requested-With %s: %d to %q, body %q; want 401 JSON", path, value, resp.StatusCode, resp.Header.Get("Location"), truncate(body, 100))
			}
		}
		rec := verifyAs(h, nil, trustedPeer, "", "X-Requested-With", value, "X-Forwarded-Uri", "/reports", "X-Forwarded-Host", "app.localhost")
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("Location") != "" {
			t.Errorf("/auth/verify with X-Requested-With %s: %d to %q, want 401", value, rec.Code, rec.Header().Get("Location"))
		}
	}
	// Without it, the same navigation is redirected to sign in.
	if resp, _ := h.get(nf, "/app/"); resp.StatusCode != http.StatusFound {
		t.Errorf("/app/ navigation without X-Requested-With: %d, want 302", resp.StatusCode)
	}
	if rec := verifyAs(h, nil, trustedPeer, "", "X-Forwarded-Uri", "/reports", "X-Forwarded-Host", "app.localhost"); rec.Code != http.StatusFound {
		t.Errorf("/auth/verify navigation without X-Requested-With: %d, want 302 (redirect mode)", rec.Code)
	}
}
