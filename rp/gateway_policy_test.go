package rp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

func TestRuleEmailBypassAttempts(t *testing.T) {
	t.Parallel()
	domains, err := compileRule(Rule{EmailDomains: []string{"example.com"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := compileRule(Rule{EmailDomains: []string{".example.com"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	emails, err := compileRule(Rule{Emails: []string{"Alice@Example.com"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	unverifiedOK, err := compileRule(Rule{EmailDomains: []string{"example.com"}, AllowUnverifiedEmail: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	verified := func(e string) *User {
		return &User{Email: e, Claims: map[string]any{"email": e, "email_verified": true}}
	}
	unverified := func(e string) *User { return &User{Claims: map[string]any{"email": e, "email_verified": false}} }
	tests := []struct {
		name string
		rule rule
		user *User
		pass bool
	}{
		{"plain", domains, verified("user@example.com"), true},
		{"uppercase domain", domains, verified("user@EXAMPLE.COM"), true},
		{"two @", domains, verified("a@b@example.com"), false},
		{"quoted @", domains, verified(`"a@evil.com"@example.com`), false},
		{"suffix domain", domains, verified("user@example.com.evil.com"), false},
		{"prefix domain", domains, verified("user@evilexample.com"), false},
		{"subdomain, exact rule", domains, verified("user@sub.example.com"), false},
		{"trailing dot", domains, verified("user@example.com."), false},
		{"empty local part", domains, verified("@example.com"), false},
		{"space in local part", domains, verified("a b@example.com"), false},
		{"cyrillic a look-alike", domains, verified("user@exаmple.com"), false},
		{"fullwidth look-alike", domains, verified("user@ｅxample.com"), false},
		{"dotless i look-alike", domains, verified("user@examplе.com"), false},
		{"no email", domains, &User{Claims: map[string]any{}}, false},
		{"unverified", domains, unverified("user@example.com"), false},
		{"unverified allowed", unverifiedOK, unverified("user@example.com"), true},
		{"unverified allowed, still strict", unverifiedOK, unverified("a@b@example.com"), false},
		{"subdomain rule, subdomain", subs, verified("user@a.example.com"), true},
		{"subdomain rule, apex", subs, verified("user@example.com"), false},
		{"subdomain rule, look-alike suffix", subs, verified("user@aexample.com"), false},
		{"email list, other case", emails, verified("alice@example.COM"), true},
		{"email list, other user", emails, verified("bob@example.com"), false},
		{"email list, plus address", emails, verified("alice+x@example.com"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			why := tt.rule.check(tt.user)
			if (why == "") != tt.pass {
				t.Errorf("check = %q, want pass=%v", why, tt.pass)
			}
			if strings.Contains(why, "@") {
				t.Errorf("the reason %q shows an email address", why)
			}
		})
	}
}

func TestRuleGroupsAndClaims(t *testing.T) {
	t.Parallel()
	r, err := compileRule(Rule{Groups: []string{"admins", "ops"}, Claims: map[string][]string{"realm_access.roles": {"editor"}, "tier": {"gold"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	claims := func(roles []any, tier any) map[string]any {
		return map[string]any{"realm_access": map[string]any{"roles": roles}, "tier": tier}
	}
	tests := []struct {
		name string
		user *User
		want string // substring of the reason; "" passes
	}{
		{"all good", &User{Groups: []string{"ops"}, Claims: claims([]any{"viewer", "editor"}, "gold")}, ""},
		{"no group", &User{Groups: []string{"users"}, Claims: claims([]any{"editor"}, "gold")}, "groups"},
		{"no role", &User{Groups: []string{"admins"}, Claims: claims([]any{"viewer"}, "gold")}, "realm_access.roles"},
		{"wrong tier", &User{Groups: []string{"admins"}, Claims: claims([]any{"editor"}, "silver")}, "tier"},
		{"tier not a string", &User{Groups: []string{"admins"}, Claims: claims([]any{"editor"}, map[string]any{"gold": true})}, "tier"},
		{"no claims", &User{Groups: []string{"admins"}, Claims: map[string]any{}}, "realm_access.roles"},
	}
	for _, tt := range tests {
		why := r.check(tt.user)
		if (tt.want == "") != (why == "") || !strings.Contains(why, tt.want) {
			t.Errorf("%s: check = %q, want a reason containing %q", tt.name, why, tt.want)
		}
	}
}

func TestRuleConfigErrors(t *testing.T) {
	t.Parallel()
	cfg := Config{
		PublicURL:     "http://127.0.0.1:1",
		Providers:     []ProviderConfig{{ID: "mock", Issuer: "http://127.0.0.1:2", ClientID: "c"}},
		CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		Gateway: GatewayConfig{
			Rules: []Rule{
				{PathPrefix: "admin"},
				{Provider: "nope"},
				{EmailDomains: []string{"exаmple.com"}},
				{Emails: []string{"a@b@c"}},
				{Groups: []string{""}},
				{Claims: map[string][]string{"x": nil}},
			},
			APIPathPrefixes:      []string{"api"},
			AllowedRedirectHosts: []string{"https://x.example"},
			Assertion:            AssertionConfig{Enabled: true, Lifetime: 24 * 60 * 60 * 1e9},
		},
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate accepted bad rules")
	}
	for _, want := range []string{"rule 1", "rule 2", "rule 3", "rule 4", "rule 5", "rule 6", "API path prefix", "allowed redirect host", "assertion"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// TestRulesThroughProxy checks rules per path prefix and per provider end to end: a
// page for the denied user in plain words naming the rule, JSON for API clients.
func TestRulesThroughProxy(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Rules = []Rule{
			{PathPrefix: "/echo", Groups: []string{"admins"}},
			{Provider: "mock", EmailDomains: []string{"example.com"}},
		}
	}, mockidp.WithLogin(mockidp.LoginAuto))
	h.signIn(h.client) // alice, admins
	bob := h.newBrowser()
	h.idp.QueueLogin("", mockidp.User{Subject: "bob", Claims: map[string]any{
		"email": "bob@example.com", "email_verified": true, "groups": []any{"users"}}})
	if seen := proxiedEcho(t, h, h.client); seen.Header.Get(HeaderUser) != "alice" {
		t.Errorf("alice not let through: %v", seen.Header)
	}
	resp, body := h.get(bob, "/app/")
	if resp.StatusCode != http.StatusOK || body != "hello bob" {
		t.Fatalf("bob on /app/: %d %q, want 200 (only the domain rule covers it)", resp.StatusCode, body)
	}
	resp, body = h.get(bob, "/echo")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "rule 1") || !strings.Contains(body, "admins") {
		t.Errorf("bob on /echo: %d, want 403 naming rule 1 and the group: %s", resp.StatusCode, truncate(body, 500))
	}
	resp, body = h.get(bob, "/ECHO/../echo", "Accept", "application/json")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"access_denied"`) {
		t.Errorf("bob on /echo as API: %d %s, want 403 JSON", resp.StatusCode, body)
	}
}
