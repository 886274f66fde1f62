package rp

import (
	"net/http"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

// Forward auth leaves a session's tokens part packed unless a rule or the access
// token needs it: rules on other claims and on unverified emails still see them,
// and the access token still goes upstream.
func TestVerifyDecodesWhatRulesNeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   func(*Config)
		user  map[string]any
		wants int
	}{
		{"claim rule, claim matches",
			func(c *Config) { c.Gateway.Rules = []Rule{{Claims: map[string][]string{"tier": {"gold"}}}} },
			map[string]any{"tier": "gold"}, http.StatusOK},
		{"claim rule, claim differs",
			func(c *Config) { c.Gateway.Rules = []Rule{{Claims: map[string][]string{"tier": {"gold"}}}} },
			map[string]any{"tier": "silver"}, http.StatusForbidden},
		{"unverified email allowed",
			func(c *Config) {
				c.Gateway.Rules = []Rule{{EmailDomains: []string{"example.com"}, AllowUnverifiedEmail: true}}
			},
			map[string]any{"email": "carol@example.com", "email_verified": false}, http.StatusOK},
		{"unverified email refused",
			func(c *Config) { c.Gateway.Rules = []Rule{{EmailDomains: []string{"example.com"}}} },
			map[string]any{"email": "carol@example.com", "email_verified": false}, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newGatewayHarness(t, tc.cfg, mockidp.WithLogin(mockidp.LoginAuto))
			h.idp.QueueLogin("", mockidp.User{Subject: "carol", Claims: tc.user})
			h.get(h.client, "/auth/login?rd=/auth/userinfo")
			rec := verifyWithCookies(t, h, jarCookies(h, h.client))
			if rec.Code != tc.wants {
				t.Errorf("verify: %d, want %d", rec.Code, tc.wants)
			}
		})
	}
	t.Run("access token upstream", func(t *testing.T) {
		t.Parallel()
		h, _ := newGatewayHarness(t, func(c *Config) { c.Gateway.PassAccessToken = true })
		h.signIn(h.client)
		want := h.session(h.client).Tokens.AccessToken
		rec := verifyWithCookies(t, h, jarCookies(h, h.client))
		if got := rec.Header().Get("Authorization"); rec.Code != http.StatusOK || want == "" || got != "Bearer "+want {
			t.Errorf("verify: %d, Authorization %.30q, want 200 and the session's access token", rec.Code, got)
		}
	})
}
