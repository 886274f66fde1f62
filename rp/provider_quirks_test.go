package rp

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

func TestIssuerTemplateMustFitTheConfiguredIssuer(t *testing.T) {
	t.Parallel()
	const ms = "https://login.microsoftonline.com/"
	tests := []struct {
		name, advertised, configured string
		ok                           bool
	}{
		{"common", ms + "{tenantid}/v2.0", ms + "common/v2.0", true},
		{"organizations", ms + "{tenantid}/v2.0", ms + "organizations/v2.0", true},
		{"no placeholder", ms + "x/v2.0", ms + "common/v2.0", false},
		{"two placeholders", ms + "{tenantid}/{tenantid}/v2.0", ms + "common/common/v2.0", false},
		{"placeholder inside a segment", ms + "t{tenantid}/v2.0", ms + "tcommon/v2.0", false},
		{"placeholder in the host", "https://{tenantid}.example.com/v2.0", "https://common.example.com/v2.0", false},
		{"other host", "https://evil.example.com/{tenantid}/v2.0", ms + "common/v2.0", false},
		{"other suffix", ms + "{tenantid}/v1.0", ms + "common/v2.0", false},
		{"configured issuer is one tenant", ms + "{tenantid}/v2.0", ms + "good/v2.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := newIssuerTemplate(tt.advertised, tt.configured)
			if (err == nil) != tt.ok {
				t.Errorf("newIssuerTemplate(%q, %q) = %v, want ok=%v", tt.advertised, tt.configured, err, tt.ok)
			}
		})
	}
}

func TestEntraTenantChecks(t *testing.T) {
	t.Parallel()
	const ms = "https://login.microsoftonline.com/"
	tmpl, err := newIssuerTemplate(ms+"{tenantid}/v2.0", ms+"common/v2.0")
	if err != nil {
		t.Fatal(err)
	}
	multi := &provider{cfg: ProviderConfig{Kind: KindEntra, Issuer: ms + "common/v2.0"}}
	allow := &provider{cfg: ProviderConfig{Kind: KindEntra, Issuer: ms + "common/v2.0", Tenants: []string{"good"}}}
	single := &provider{cfg: ProviderConfig{Kind: KindEntra, Issuer: ms + "good/v2.0"}}
	tests := []struct {
		name       string
		prov       *provider
		tmpl       *issuerTemplate
		iss        string
		claims     map[string]any
		ok         bool
		notAllowed bool
	}{
		{"own tenant", multi, tmpl, ms + "good/v2.0", map[string]any{"tid": "good"}, true, false},
		{"allowed tenant", allow, tmpl, ms + "good/v2.0", map[string]any{"tid": "good"}, true, false},
		{"tid evil with the iss of tenant good", multi, tmpl, ms + "good/v2.0", map[string]any{"tid": "evil"}, false, false},
		{"iss of the template for another tid", allow, tmpl, ms + "other/v2.0", map[string]any{"tid": "good"}, false, false},
		{"iss of another host", multi, tmpl, "https://evil.example.com/good/v2.0", map[string]any{"tid": "good"}, false, false},
		{"iss with the placeholder itself", multi, tmpl, ms + "{tenantid}/v2.0", map[string]any{"tid": "good"}, false, false},
		{"tenant not in the allow-list", allow, tmpl, ms + "evil/v2.0", map[string]any{"tid": "evil"}, false, true},
		{"missing tid", multi, tmpl, ms + "good/v2.0", map[string]any{}, false, false},
		{"tid not a string", multi, tmpl, ms + "good/v2.0", map[string]any{"tid": 7}, false, false},
		{"tid common", multi, tmpl, ms + "common/v2.0", map[string]any{"tid": "common"}, false, false},
		{"tid with a slash", multi, tmpl, ms + "good/v2.0/x/v2.0", map[string]any{"tid": "good/v2.0/x"}, false, false},
		{"tid with a query", multi, tmpl, ms + "good?/v2.0", map[string]any{"tid": "good?"}, false, false},
		{"single tenant, own tid", single, nil, ms + "good/v2.0", map[string]any{"tid": "good"}, true, false},
		{"single tenant, other tid", single, nil, ms + "good/v2.0", map[string]any{"tid": "evil"}, false, false},
		{"single tenant, tid the host", single, nil, ms + "good/v2.0", map[string]any{"tid": "login.microsoftonline.com"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.prov.checkClaims(&metadata{tenantIssuer: tt.tmpl}, tt.iss, tt.claims)
			if (err == nil) != tt.ok {
				t.Fatalf("checkClaims(iss %q, %v) = %v, want ok=%v", tt.iss, tt.claims, err, tt.ok)
			}
			if got := errors.Is(err, errNotAllowed); got != tt.notAllowed {
				t.Errorf("errors.Is(%v, errNotAllowed) = %v, want %v", err, got, tt.notAllowed)
			}
		})
	}
}

// entraHarness is an RP in front of the mock imitating Entra's multi-tenant endpoint.
func entraHarness(t *testing.T, kind string, tenants ...string) *harness {
	t.Helper()
	return newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.Persona = mockidp.PersonaEntra })},
		cfg: func(c *Config) {
			c.Providers[0].Issuer += "/common/v2.0"
			c.Providers[0].Kind = kind
			c.Providers[0].Tenants = tenants
		},
	})
}

func TestEntraMultiTenantSignIn(t *testing.T) {
	t.Parallel()
	h := entraHarness(t, KindEntra, "good", mockidp.EntraDefaultTenant)
	if err := h.rp.WaitReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	user := func(sub, tid string) mockidp.User {
		return mockidp.User{Subject: sub, Claims: map[string]any{"tid": tid, "name": sub}}
	}

	// A user of an allowed tenant signs in; the session keeps the tenant's issuer.
	h.idp.QueueLogin("", user("alice", "good"))
	c := h.newBrowser()
	if resp, body := h.get(c, "/app/"); resp.StatusCode != http.StatusOK || body != "hello alice" {
		t.Fatalf("allowed tenant: got %d %q, want 200 hello alice", resp.StatusCode, truncate(body, 200))
	}
	if s := h.session(c); s == nil || s.Issuer != h.idp.Issuer+"/good/v2.0" {
		t.Fatalf("session issuer = %v, want %s/good/v2.0", s, h.idp.Issuer)
	}

	attacks := []struct {
		name   string
		user   mockidp.User
		claims map[string]any // ID token claim overrides
		status int
		code   string
	}{
		{"tenant not in the allow-list", user("mallory", "evil"), nil, http.StatusForbidden, "not_allowed"},
		{"tid evil with the iss of tenant good", user("mallory", "evil"), map[string]any{"iss": h.idp.Issuer + "/good/v2.0"}, http.StatusUnauthorized, "invalid_token"},
		{"iss of the template for another tid", user("mallory", "good"), map[string]any{"iss": h.idp.Issuer + "/evil/v2.0"}, http.StatusUnauthorized, "invalid_token"},
		{"missing tid", user("mallory", "good"), map[string]any{"tid": nil}, http.StatusUnauthorized, "invalid_token"},
		{"iss is the template", user("mallory", "good"), map[string]any{"iss": h.idp.Issuer + "/{tenantid}/v2.0"}, http.StatusUnauthorized, "invalid_token"},
		{"iss is the discovery URL", user("mallory", "good"), map[string]any{"iss": h.idp.Issuer + "/common/v2.0", "tid": "common"}, http.StatusUnauthorized, "invalid_token"},
	}
	for _, a := range attacks {
		h.idp.QueueLogin("", a.user)
		if a.claims != nil {
			h.idp.InjectFault(mockidp.Fault{IDTokenClaims: a.claims})
		}
		c := h.newBrowser()
		resp, body := h.get(c, "/auth/login?rd=/app/", "Accept", "application/json")
		if resp.StatusCode != a.status || !strings.Contains(body, `"`+a.code+`"`) {
			t.Errorf("%s: got %d %s, want %d %s", a.name, resp.StatusCode, truncate(body, 200), a.status, a.code)
		}
		if s := h.session(c); s != nil {
			t.Errorf("%s: a session was created for %s", a.name, s.Subject)
		}
	}
}

func TestEntraTemplateNeedsKind(t *testing.T) {
	t.Parallel()
	// Without Kind entra the advertised template is an issuer mismatch: discovery
	// keeps failing and nobody can sign in.
	h := entraHarness(t, "")
	resp, body := h.get(h.client, "/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d %s, want 503", resp.StatusCode, body)
	}
	if resp, _ := h.get(h.client, "/auth/login"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("sign-in without kind entra: %d, want 503", resp.StatusCode)
	}
}

func TestGoogleHostedDomain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.Persona = mockidp.PersonaGoogle })},
		cfg: func(c *Config) {
			c.Providers[0].Kind = KindGoogle
			c.Providers[0].HostedDomain = "example.com"
		},
	})
	resp, _ := h.get(noFollow(h.client), "/auth/login")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if got := loc.Query().Get("hd"); got != "example.com" {
		t.Errorf("authorization request hd = %q, want example.com", got)
	}
	h.signIn(h.client) // alice@example.com: hd example.com

	for _, email := range []string{"eve@gmail.com", "eve@example.org"} {
		h.idp.QueueLogin("", mockidp.User{Subject: "eve", Claims: map[string]any{"email": email}})
		c := h.newBrowser()
		resp, body := h.get(c, "/auth/login?rd=/app/", "Accept", "application/json")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"not_allowed"`) {
			t.Errorf("%s: got %d %s, want 403 not_allowed", email, resp.StatusCode, truncate(body, 200))
		}
	}
}

func TestKeycloakRolesBecomeGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, claim string
		want        []string
	}{
		{"realm roles by default", "", []string{"realm-admin", "viewer"}},
		{"client roles", "resource_access.demo.roles", []string{"realm-admin", "viewer"}},
		{"merged paths", "resource_access.account.roles, realm_access.roles", []string{"manage-account", "view-profile", "realm-admin", "viewer"}},
		{"missing path", "realm_access.nothing", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpt{
				idp: []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.Persona = mockidp.PersonaKeycloak })},
				cfg: func(c *Config) {
					c.Providers[0].Kind = KindKeycloak
					c.Providers[0].GroupsClaim = tt.claim
				},
			})
			h.idp.QueueLogin("", mockidp.User{Subject: "alice", Claims: map[string]any{"roles": []any{"realm-admin", "viewer"}}})
			h.signIn(h.client)
			_, body := h.get(h.client, "/auth/userinfo")
			var u User
			if err := json.Unmarshal([]byte(body), &u); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(u.Groups, tt.want) {
				t.Errorf("groups = %q, want %q", u.Groups, tt.want)
			}
		})
	}
}

func TestGroupsFrom(t *testing.T) {
	t.Parallel()
	claims := map[string]any{
		"groups":                    []any{"a", "b", 3},
		"realm_access":              map[string]any{"roles": []any{"b", "c"}},
		"single":                    "d",
		"deep":                      map[string]any{"x": "not an object"},
		"https://example.com/roles": []any{"r1"},
		"https://example":           map[string]any{"com/roles": []any{"decoy"}},
	}
	tests := []struct {
		paths []string
		want  []string
	}{
		{[]string{"groups"}, []string{"a", "b"}},
		{[]string{"groups", "realm_access.roles"}, []string{"a", "b", "c"}},
		{[]string{"single"}, []string{"d"}},
		{[]string{"deep.x.y"}, []string{}},
		{[]string{"nothing.at.all"}, []string{}},
		{[]string{"https://example.com/roles"}, []string{"r1"}},
		{[]string{"realm_access.nothing", "groups"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		if got := groupsFrom(claims, tt.paths); !slices.Equal(got, tt.want) {
			t.Errorf("groupsFrom(%q) = %q, want %q", tt.paths, got, tt.want)
		}
	}
}

func TestAppleUserClaims(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 300)
	tests := []struct {
		name, field string
		token       map[string]any
		want        map[string]any
	}{
		{"first sign-in", `{"name":{"firstName":"Alice","lastName":"Example"},"email":"x@y"}`, nil,
			map[string]any{"given_name": "Alice", "family_name": "Example", "name": "Alice Example"}},
		{"later sign-in", "", nil, nil},
		{"garbage", `{"name":`, nil, nil},
		{"not an object", `"x"`, nil, nil},
		{"token name wins", `{"name":{"firstName":"Mallory"}}`, map[string]any{"name": "A", "given_name": "A"}, nil},
		{"long names are cut", `{"name":{"firstName":"` + long + `"}}`, nil,
			map[string]any{"given_name": long[:200], "name": long[:200]}},
		{"email is never taken", `{"email":"evil@example.com"}`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := appleUserClaims(tt.field, tt.token)
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			if string(gj) != string(wj) {
				t.Errorf("appleUserClaims = %s, want %s", gj, wj)
			}
		})
	}
}

func TestAuth0IssuerWithTrailingSlash(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.Persona = mockidp.PersonaAuth0 })},
		cfg: func(c *Config) { c.Providers[0].GroupsClaim = "https://example.com/roles" },
	})
	if !strings.HasSuffix(h.idp.Issuer, "/") {
		t.Fatalf("auth0 persona issuer %q has no trailing slash", h.idp.Issuer)
	}
	h.idp.QueueLogin("", mockidp.User{Subject: "alice", Claims: map[string]any{"https://example.com/roles": []any{"editor"}}})
	h.signIn(h.client)
	_, body := h.get(h.client, "/auth/userinfo")
	var u User
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatal(err)
	}
	if u.Issuer != h.idp.Issuer || !slices.Equal(u.Groups, []string{"editor"}) {
		t.Errorf("iss %q groups %q, want %q [editor]", u.Issuer, u.Groups, h.idp.Issuer)
	}
}
