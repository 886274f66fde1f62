package rp

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

// entraUsers: alice's address is unverified (Entra sends no email_verified), dora's
// domain owner is verified (xms_edov), crowd is in 250 groups (the overage).
func entraUsers() []mockidp.User {
	var many []any
	for i := range 250 {
		many = append(many, fmt.Sprintf("grp-%03d", i))
	}
	return []mockidp.User{
		{Subject: "alice", Claims: map[string]any{"email": "ceo@example.com", "name": "Alice", "preferred_username": "alice",
			"groups": []any{"g1"}}},
		{Subject: "dora", Claims: map[string]any{"email": "dora@example.com", "xms_edov": true, "preferred_username": "dora"}},
		{Subject: "crowd", Claims: map[string]any{"groups": many, "preferred_username": "crowd"}},
	}
}

func newEntraHarness(t *testing.T, pc func(*ProviderConfig), cfg func(*Config)) *harness {
	t.Helper()
	h := newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithPersona(mockidp.PersonaEntra), mockidp.WithUsers(entraUsers()...)},
		cfg: func(c *Config) {
			c.Providers[0].Issuer += "/" + mockidp.EntraDefaultTenant + "/v2.0"
			c.Providers[0].Kind = KindEntra
			c.Providers[0].Scopes = []string{"openid", "profile", "email", "GroupMember.Read.All"}
			if pc != nil {
				pc(&c.Providers[0])
			}
			if cfg != nil {
				cfg(c)
			}
		},
	})
	if err := h.rp.WaitReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestEntraUnverifiedEmail: an Entra user's address (no email_verified; anyone who
// administers a tenant can put any address on an account: the nOAuth class) gives no
// X-Forwarded-Email and matches no email rule; with xms_edov it counts.
func TestEntraUnverifiedEmail(t *testing.T) {
	t.Parallel()
	h := newEntraHarness(t, nil, func(c *Config) { c.Gateway.Rules = []Rule{{EmailDomains: []string{"example.com"}}} })
	c := h.newBrowser()
	// Signed in, but the app (/app/, behind the rules) refuses her.
	if resp, body := h.login(c, "mock", "alice"); resp.StatusCode != http.StatusForbidden || !h.signedIn(c) {
		t.Fatalf("sign-in: %d %s; want 403 at the app and a session", resp.StatusCode, truncate(body, 200))
	}
	u := h.userinfo(c)
	if u["email"] != nil && u["email"] != "" {
		t.Errorf("User.Email = %v from an unverified Entra address", u["email"])
	}
	if claims := u["claims"].(map[string]any); claims["email_verified"] == true {
		t.Errorf("claims say email_verified true")
	}
	if pu := u["preferred_username"]; pu != "alice@mocktenant.onmicrosoft.com" {
		t.Errorf("preferred_username = %v, want the UPN", pu)
	}
	v := h.verify(c, "")
	if v.StatusCode != http.StatusForbidden || v.Header.Get(HeaderEmail) != "" {
		t.Errorf("email-domain rule: %d, X-Forwarded-Email %q; want 403 and none", v.StatusCode, v.Header.Get(HeaderEmail))
	}
	for _, q := range []string{"allowed_emails=ceo@example.com", "allowed_email_domains=example.com"} {
		if v := h.verify(c, q); v.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", q, v.StatusCode)
		}
	}
	// Without rules: signed in, and still no X-Forwarded-Email.
	h2 := newEntraHarness(t, nil, nil)
	c2 := h2.newBrowser()
	h2.login(c2, "mock", "alice")
	if v := h2.verify(c2, ""); v.StatusCode != http.StatusOK || v.Header.Get(HeaderEmail) != "" || v.Header.Get(HeaderUser) != "alice" {
		t.Errorf("no rules: %d, user %q, email %q; want 200, alice, no email", v.StatusCode, v.Header.Get(HeaderUser), v.Header.Get(HeaderEmail))
	}
	// dora's domain owner is verified (xms_edov): her address counts.
	d := h.newBrowser()
	h.login(d, "mock", "dora")
	if v := h.verify(d, ""); v.StatusCode != http.StatusOK || v.Header.Get(HeaderEmail) != "dora@example.com" {
		t.Errorf("xms_edov: %d, X-Forwarded-Email %q; want 200 and her address", v.StatusCode, v.Header.Get(HeaderEmail))
	}
}

// TestEntraGroupsOverage: beyond 200 groups Entra names Graph instead of listing them;
// with GraphURL rp reads them there with the access token, without it the user has
// no groups (group rules refuse), and a Graph failure fails the sign-in.
func TestEntraGroupsOverage(t *testing.T) {
	t.Parallel()
	rules := func(c *Config) { c.Gateway.Rules = []Rule{{Groups: []string{"grp-249"}}} }
	h := newEntraHarness(t, func(pc *ProviderConfig) {
		pc.GraphURL = pc.Issuer[:strings.Index(pc.Issuer, "/"+mockidp.EntraDefaultTenant)] + "/graph"
	}, rules)
	c := h.newBrowser()
	if resp, body := h.login(c, "mock", "crowd"); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, truncate(body, 200))
	}
	groups, _ := h.userinfo(c)["groups"].([]any)
	if len(groups) != 250 || groups[0] != "grp-000" || groups[249] != "grp-249" {
		t.Errorf("%d groups, want the 250 from Graph", len(groups))
	}
	if v := h.verify(c, ""); v.StatusCode != http.StatusOK {
		t.Errorf("group rule grp-249: %d, want 200", v.StatusCode)
	}
	if calls := h.requests("userinfo", "/graph/v1.0/me/transitiveMemberOf"); len(calls) != 1 || calls[0].Authorization != "Bearer "+mockidp.Redacted {
		t.Errorf("Graph calls: %+v", calls)
	}

	// Without GraphURL: no groups, so the group rule refuses.
	h2 := newEntraHarness(t, nil, rules)
	c2 := h2.newBrowser()
	h2.login(c2, "mock", "crowd")
	if g, _ := h2.userinfo(c2)["groups"].([]any); len(g) != 0 {
		t.Errorf("without graph_url: groups %v, want none", g)
	}
	if v := h2.verify(c2, ""); v.StatusCode != http.StatusForbidden {
		t.Errorf("without graph_url, group rule: %d, want 403", v.StatusCode)
	}
	// A user under the limit keeps the token's groups; Graph is not asked.
	c3 := h.newBrowser()
	h.login(c3, "mock", "alice")
	if g, _ := h.userinfo(c3)["groups"].([]any); fmtJSON(g) != `["g1"]` {
		t.Errorf("alice: groups %v, want [g1]", g)
	}
	if n := len(h.requests("userinfo", "/graph/v1.0/me/transitiveMemberOf")); n != 1 {
		t.Errorf("Graph asked %d times, want once (crowd only)", n)
	}
	// Graph refusing (the token lacks GroupMember.Read.All) fails the sign-in.
	h4 := newEntraHarness(t, func(pc *ProviderConfig) {
		pc.GraphURL = pc.Issuer[:strings.Index(pc.Issuer, "/"+mockidp.EntraDefaultTenant)] + "/graph"
		pc.Scopes = []string{"openid", "profile"}
	}, nil)
	c4 := h4.newBrowser()
	if resp, _ := h4.login(c4, "mock", "crowd"); resp.StatusCode != http.StatusBadGateway || h4.signedIn(c4) {
		t.Errorf("Graph 403: sign-in %d, signed in %v; want 502 and no session", resp.StatusCode, h4.signedIn(c4))
	}
}

// TestGoogleIssuerWithoutScheme: Google's ID tokens carry iss with or without
// "https://"; both are the configured issuer and the same user; any other iss is refused.
func TestGoogleIssuerWithoutScheme(t *testing.T) {
	t.Parallel()
	users := []mockidp.User{
		{Subject: "web", Claims: map[string]any{"email": "w@gmail.com"}},
		{Subject: "bare", Claims: map[string]any{"email": "b@gmail.com", "iss_without_scheme": true}},
	}
	h := newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithPersona(mockidp.PersonaGoogle), mockidp.WithUsers(users...)},
		cfg: func(c *Config) { c.Providers[0].Kind = KindGoogle },
	})
	for _, user := range []string{"web", "bare"} {
		c := h.newBrowser()
		if resp, body := h.login(c, "mock", user); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", user, resp.StatusCode, truncate(body, 200))
		}
		if u := h.userinfo(c); u["iss"] != h.idp.Issuer {
			t.Errorf("%s: session iss %v, want %s", user, u["iss"], h.idp.Issuer)
		}
	}
	for _, iss := range []string{"https://evil.example", "evil.example", strings.TrimPrefix(h.idp.Issuer, "http://") + "/x", "http://" + strings.TrimPrefix(h.idp.Issuer, "http://") + "/"} {
		h.idp.Provider.InjectFault(mockidp.Fault{IDTokenClaims: map[string]any{"iss": iss}})
		c := h.newBrowser()
		if resp, _ := h.login(c, "mock", "web"); resp.StatusCode == http.StatusOK || h.signedIn(c) {
			t.Errorf("iss %q: signed in (%d)", iss, resp.StatusCode)
		}
	}
}

// TestKakaoOpenIDConnect: kind kakao with the openid scope is an OpenID Provider at
// Kakao's paths (discovery, ID token); the sub is the REST API's member number, and
// the email counts through userinfo's email_verified.
func TestKakaoOpenIDConnect(t *testing.T) {
	t.Parallel()
	h := newSocialHarness(t, KindKakao, nil, func(pc *ProviderConfig) {
		pc.Scopes = []string{"openid", "profile_nickname", "account_email"}
		pc.Issuer = pc.BaseURL // the harness waits for discovery when Issuer is the mock's
		pc.BaseURL = ""
	}, nil)
	c := h.newBrowser()
	if resp, body := h.login(c, KindKakao, "alice"); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, truncate(body, 200))
	}
	u := h.userinfo(c)
	if sub, _ := u["sub"].(string); len(sub) != 10 || strings.Trim(sub, "0123456789") != "" {
		t.Errorf("sub = %v, want the 10-digit member number", u["sub"])
	}
	if u["email"] != "alice@example.com" || u["claims"].(map[string]any)["nickname"] != "alice" {
		t.Errorf("user %v", u)
	}
	if len(h.requests("discovery", "")) == 0 || len(h.requests("userinfo", "/v1/oidc/userinfo")) != 1 {
		t.Errorf("discovery %d, /v1/oidc/userinfo %d calls", len(h.requests("discovery", "")), len(h.requests("userinfo", "/v1/oidc/userinfo")))
	}
	m := h.newBrowser()
	h.login(m, KindKakao, "mallory")
	if u := h.userinfo(m); u["email"] != nil && u["email"] != "" {
		t.Errorf("mallory (unverified): email %v", u["email"])
	}
}
