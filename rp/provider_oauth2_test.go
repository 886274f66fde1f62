package rp

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

// TestOAuth2PresetSignIn signs in with every OAuth 2.0 preset against the mock
// provider's persona of the same name: the user is who the provider's user API says,
// the id becomes sub (numbers digit for digit), the email counts only when the
// provider vouches for it, and PKCE goes only to the providers that take it.
func TestOAuth2PresetSignIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind      string
		pc        func(*ProviderConfig)
		sub       *regexp.Regexp
		email     string // X-Forwarded-Email and User.Email
		username  string
		pkce      bool
		userPath  string // the user-info path the mock saw
		tokenPath string
	}{
		{kind: KindGitHub, sub: regexp.MustCompile(`^[0-9]{8}$`), email: "alice@example.com", username: "alice", pkce: true,
			userPath: "/api/v3/user", tokenPath: "/login/oauth/access_token"},
		{kind: KindNaver, sub: regexp.MustCompile(`^[0-9]{8}$`), email: "", username: "alice",
			userPath: "/v1/nid/me", tokenPath: "/oauth2.0/token"},
		{kind: KindNaver, pc: func(pc *ProviderConfig) { pc.TrustEmail = true }, sub: regexp.MustCompile(`^[0-9]{8}$`),
			email: "alice@example.com", username: "alice", userPath: "/v1/nid/me", tokenPath: "/oauth2.0/token"},
		{kind: KindKakao, sub: regexp.MustCompile(`^[0-9]{10}$`), email: "alice@example.com", pkce: true,
			userPath: "/v2/user/me", tokenPath: "/oauth/token"},
		{kind: KindDiscord, sub: regexp.MustCompile(`^[0-9]{18,19}$`), email: "alice@example.com", username: "alice",
			userPath: "/api/v10/users/@me", tokenPath: "/api/oauth2/token"},
		{kind: KindFacebook, sub: regexp.MustCompile(`^[0-9]{17}$`), email: "", userPath: "/v22.0/me",
			tokenPath: "/v22.0/oauth/access_token"},
		{kind: KindFacebook, pc: func(pc *ProviderConfig) { pc.TrustEmail = true }, sub: regexp.MustCompile(`^[0-9]{17}$`),
			email: "alice@example.com", userPath: "/v22.0/me", tokenPath: "/v22.0/oauth/access_token"},
		{kind: KindX, sub: regexp.MustCompile(`^[0-9]{19}$`), email: "", username: "alice", pkce: true,
			userPath: "/2/users/me", tokenPath: "/2/oauth2/token"},
	}
	for _, tt := range tests {
		name := tt.kind
		if tt.email != "" && (tt.kind == KindNaver || tt.kind == KindFacebook) {
			name += "/trust_email"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newSocialHarness(t, tt.kind, nil, tt.pc, nil)
			c := h.newBrowser()
			resp, body := h.login(c, tt.kind, "alice")
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "hello ") {
				t.Fatalf("sign-in: %d %s", resp.StatusCode, truncate(body, 300))
			}
			u := h.userinfo(c)
			sub, _ := u["sub"].(string)
			if !tt.sub.MatchString(sub) || body != "hello "+sub {
				t.Errorf("sub = %q (body %q), want %v", sub, body, tt.sub)
			}
			if u["provider"] != tt.kind || u["iss"] != h.idp.Issuer {
				t.Errorf("provider %v, iss %v; want %s, %s", u["provider"], u["iss"], tt.kind, h.idp.Issuer)
			}
			if got, _ := u["email"].(string); got != tt.email {
				t.Errorf("User.Email = %q, want %q", got, tt.email)
			}
			claims, _ := u["claims"].(map[string]any)
			if tt.email == "" && claims["email"] != nil {
				t.Errorf("claims carry an unverified email: %v", claims["email"])
			}
			if tt.username != "" && u["preferred_username"] != tt.username {
				t.Errorf("preferred_username = %v, want %s", u["preferred_username"], tt.username)
			}
			v := h.verify(c, "")
			if v.StatusCode != http.StatusOK || v.Header.Get(HeaderUser) != sub || v.Header.Get(HeaderEmail) != tt.email {
				t.Errorf("/auth/verify: %d user %q email %q", v.StatusCode, v.Header.Get(HeaderUser), v.Header.Get(HeaderEmail))
			}
			// The user API was asked with the access token in the Authorization header.
			calls := h.requests("userinfo", tt.userPath)
			if len(calls) != 1 || calls[0].Authorization != "Bearer "+mockidp.Redacted || calls[0].Has("access_token") {
				t.Errorf("user-info calls at %s: %+v", tt.userPath, calls)
			}
			tok := h.requests("token", tt.tokenPath)
			auth := h.requests("authorize", "")
			if len(tok) != 1 || len(auth) != 1 {
				t.Fatalf("token calls %d, authorize calls %d", len(tok), len(auth))
			}
			if tok[0].Has("code_verifier") != tt.pkce || auth[0].Has("code_challenge") != tt.pkce {
				t.Errorf("PKCE: code_challenge sent %v, code_verifier sent %v, want %v", auth[0].Has("code_challenge"),
					tok[0].Has("code_verifier"), tt.pkce)
			}
			if auth[0].Has("nonce") {
				t.Errorf("a nonce went to an OAuth 2.0 provider")
			}
			// A second sign-in of the same person gets the same sub.
			c2 := h.newBrowser()
			h.login(c2, tt.kind, "alice")
			if u2 := h.userinfo(c2); u2["sub"] != sub {
				t.Errorf("second sign-in: sub %v, want %s", u2["sub"], sub)
			}
		})
	}
}

// TestOAuth2UnverifiedEmail: an address the provider does not vouch for reaches
// neither User.Email, nor X-Forwarded-Email, nor the claims, nor an email rule.
func TestOAuth2UnverifiedEmail(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{KindGitHub, KindKakao, KindDiscord, KindNaver, KindFacebook} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newSocialHarness(t, kind, nil, nil, func(c *Config) { c.Gateway.Rules = []Rule{{EmailDomains: []string{"example.com"}}} })
			c := h.newBrowser()
			h.login(c, kind, "mallory")
			u := h.userinfo(c)
			if u == nil {
				t.Fatal("mallory is not signed in")
			}
			if u["email"] != nil && u["email"] != "" {
				t.Errorf("User.Email = %v from an unverified address", u["email"])
			}
			if claims := u["claims"].(map[string]any); strings.Contains(fmtJSON(claims), "alice@example.com") {
				t.Errorf("the unverified address is in the claims: %s", fmtJSON(claims))
			}
			v := h.verify(c, "")
			if v.StatusCode != http.StatusForbidden || v.Header.Get(HeaderEmail) != "" {
				t.Errorf("/auth/verify with an email-domain rule: %d, email header %q; want 403 and none", v.StatusCode, v.Header.Get(HeaderEmail))
			}
			if v := h.verify(c, "allowed_emails=alice@example.com"); v.StatusCode != http.StatusForbidden {
				t.Errorf("allowed_emails=alice@example.com: %d, want 403", v.StatusCode)
			}
			if kind == KindNaver || kind == KindFacebook {
				return // they never vouch: nobody passes without trust_email
			}
			// The control: alice's verified address passes the same rule.
			a := h.newBrowser()
			h.login(a, kind, "alice")
			if v := h.verify(a, ""); v.StatusCode != http.StatusOK || v.Header.Get(HeaderEmail) != "alice@example.com" {
				t.Errorf("alice: %d, email header %q; want 200 and her address", v.StatusCode, v.Header.Get(HeaderEmail))
			}
		})
	}
}

// TestOAuth2NoUsableID: a user-info answer whose id is missing, null, empty, a
// fraction, a boolean, an object or has control characters signs nobody in.
func TestOAuth2NoUsableID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind string
		id   any
	}{
		{KindGitHub, nil}, {KindGitHub, ""}, {KindGitHub, true}, {KindGitHub, 1.5}, {KindGitHub, map[string]any{"n": 1}},
		{KindGitHub, "a\nb"}, {KindGitHub, []any{"1"}}, {KindNaver, nil}, {KindKakao, nil}, {KindDiscord, "   "},
		{KindFacebook, nil}, {KindX, nil},
	} {
		t.Run(tt.kind+"/"+fmtJSON(tt.id), func(t *testing.T) {
			t.Parallel()
			h := newSocialHarness(t, tt.kind, nil, func(pc *ProviderConfig) { pc.TrustEmail = tt.kind == KindNaver || tt.kind == KindFacebook }, nil)
			h.idp.Provider.InjectFault(mockidp.Fault{UserinfoClaims: map[string]any{"id": tt.id}})
			c := h.newBrowser()
			resp, body := h.login(c, tt.kind, "alice")
			if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "did not say who you are") {
				t.Errorf("sign-in: %d %s; want 502 and the page saying why", resp.StatusCode, truncate(body, 200))
			}
			if h.signedIn(c) {
				t.Error("a session was created")
			}
		})
	}
}
