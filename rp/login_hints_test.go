package rp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginHintsArePassedOn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	// The mock signs in the login_hint user: bob, not the default alice.
	c := h.newBrowser()
	if resp, body := h.get(c, "/auth/login?rd=/app/&login_hint=bob"); resp.StatusCode != http.StatusOK || body != "hello bob" {
		t.Fatalf("sign-in with login_hint=bob: %d %q, want 200 hello bob", resp.StatusCode, truncate(body, 200))
	}
	tests := []struct {
		query, param, want string
	}{
		{"login_hint=bob%40example.com", "login_hint", "bob@example.com"},
		{"domain_hint=example.com", "domain_hint", "example.com"},
		{"login_hint=a&login_hint=b", "login_hint", ""},
		{"login_hint=" + strings.Repeat("x", maxHintLen+1), "login_hint", ""},
		{"login_hint=a%0Ab", "login_hint", ""},
		{"prompt=none", "prompt", ""},
	}
	for _, tt := range tests {
		resp, _ := h.get(noFollow(h.newBrowser()), "/auth/login?"+tt.query)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound {
			t.Fatalf("%s: %d %v", tt.query, resp.StatusCode, err)
		}
		if got := loc.Query().Get(tt.param); got != tt.want {
			t.Errorf("%s: %s = %q, want %q", tt.query, tt.param, got, tt.want)
		}
	}
}

func TestConfiguredHintWins(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].AuthParams = map[string]string{"domain_hint": "corp.example"} }})
	resp, _ := h.get(noFollow(h.client), "/auth/login?domain_hint=evil.example")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if got := loc.Query()["domain_hint"]; len(got) != 1 || got[0] != "corp.example" {
		t.Errorf("domain_hint = %q, want [corp.example]", got)
	}
}
