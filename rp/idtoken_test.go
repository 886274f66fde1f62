package rp

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// TestCallbackRejectsBadResponses drives every verification check with a provider that
// misbehaves once; each must fail with a fitting status and create no session.
func TestCallbackRejectsBadResponses(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tests := []struct {
		name       string
		fault      mockidp.Fault
		wantStatus int
		wantCode   string
	}{
		{"iss other", mockidp.Fault{IDTokenClaims: map[string]any{"iss": "https://example.org/"}}, 401, "invalid_token"},
		{"aud other", mockidp.Fault{IDTokenClaims: map[string]any{"aud": "https://example.com/"}}, 401, "invalid_token"},
		{"aud missing", mockidp.Fault{IDTokenClaims: map[string]any{"aud": nil}}, 401, "invalid_token"},
		{"untrusted extra aud", mockidp.Fault{IDTokenClaims: map[string]any{"aud": []string{"demo", "other"}, "azp": "demo"}}, 401, "invalid_token"},
		{"several aud, azp other", mockidp.Fault{IDTokenClaims: map[string]any{"aud": []string{"demo", "other"}, "azp": "other"}}, 401, "invalid_token"},
		{"several aud, no azp", mockidp.Fault{IDTokenClaims: map[string]any{"aud": []string{"demo", "other"}, "azp": nil}}, 401, "invalid_token"},
		{"azp other", mockidp.Fault{IDTokenClaims: map[string]any{"azp": "other"}}, 401, "invalid_token"},
		{"azp not a string", mockidp.Fault{IDTokenClaims: map[string]any{"azp": 7}}, 401, "invalid_token"},
		{"logout token shape", mockidp.Fault{IDTokenClaims: map[string]any{"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}}}, 401, "invalid_token"},
		{"sub missing", mockidp.Fault{IDTokenClaims: map[string]any{"sub": nil}}, 401, "invalid_token"},
		{"iat missing", mockidp.Fault{IDTokenClaims: map[string]any{"iat": nil}}, 401, "invalid_token"},
		{"iat in the future", mockidp.Fault{IDTokenClaims: map[string]any{"iat": now.Add(10 * time.Minute).Unix()}}, 401, "invalid_token"},
		{"iat a week old", mockidp.Fault{IDTokenClaims: map[string]any{"iat": now.Add(-7 * 24 * time.Hour).Unix()}}, 401, "invalid_token"},
		{"exp passed beyond skew", mockidp.Fault{IDTokenClaims: map[string]any{"exp": now.Add(-6 * time.Minute).Unix()}}, 401, "invalid_token"},
		{"exp missing", mockidp.Fault{IDTokenClaims: map[string]any{"exp": nil}}, 401, "invalid_token"},
		{"nbf far ahead", mockidp.Fault{IDTokenClaims: map[string]any{"nbf": now.Add(time.Hour).Unix()}}, 401, "invalid_token"},
		{"nonce other", mockidp.Fault{IDTokenClaims: map[string]any{"nonce": "012345678"}}, 401, "invalid_token"},
		{"nonce missing", mockidp.Fault{IDTokenClaims: map[string]any{"nonce": nil}}, 401, "invalid_token"},
		{"at_hash wrong", mockidp.Fault{IDTokenClaims: map[string]any{"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}}, 401, "invalid_token"},
		{"signature broken", mockidp.Fault{IDTokenSigning: mockidp.SigningBadSignature}, 401, "invalid_token"},
		{"alg none", mockidp.Fault{IDTokenSigning: mockidp.SigningNone}, 401, "invalid_token"},
		{"unknown key", mockidp.Fault{IDTokenSigning: mockidp.SigningUnknownKey}, 401, "invalid_token"},
		{"HS256 with client secret", mockidp.Fault{IDTokenSigning: mockidp.SigningHS256ClientSecret}, 401, "invalid_token"},
		{"no id_token", mockidp.Fault{OmitIDToken: true}, 401, "invalid_token"},
		{"userinfo sub other", mockidp.Fault{UserinfoClaims: map[string]any{"sub": "foobar"}}, 401, "invalid_token"},
		{"userinfo fails", mockidp.Fault{UserinfoStatus: 500}, 502, "provider_error"},
		{"token endpoint refuses", mockidp.Fault{TokenError: "invalid_grant"}, 502, "provider_error"},
		{"token endpoint garbage", mockidp.Fault{TokenBody: "<html>oops</html>", TokenContentType: "text/html"}, 502, "provider_error"},
		{"iss parameter other", mockidp.Fault{AuthIss: "https://evil.example"}, 400, "issuer_mismatch"},
		{"iss parameter missing though advertised", mockidp.Fault{AuthIss: mockidp.FaultOmit}, 400, "issuer_mismatch"},
		{"access denied", mockidp.Fault{AuthError: "access_denied"}, 403, "access_denied"},
		{"login required", mockidp.Fault{AuthError: "login_required"}, 401, "login_required"},
		{"provider server error", mockidp.Fault{AuthError: "server_error"}, 502, "provider_error"},
	}
	h := newHarness(t, harnessOpt{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One provider and one client per test would be slow; these subtests share
			// them and therefore run one after another.
			c := h.newBrowser()
			h.idp.InjectFault(tc.fault)
			resp, body := h.get(c, "/app/", "Accept", "application/json")
			if resp.StatusCode == http.StatusUnauthorized && strings.Contains(body, `"unauthorized"`) {
				// JSON clients of /app/ get 401; start the sign-in as a navigation.
				resp, body = h.get(c, "/auth/login?rd=/app/", "Accept", "application/json")
			}
			if resp.StatusCode != tc.wantStatus || !strings.Contains(body, `"error": "`+tc.wantCode+`"`) {
				t.Fatalf("got %d %s, want %d with error %q", resp.StatusCode, truncate(body, 300), tc.wantStatus, tc.wantCode)
			}
			if h.signedIn(c) {
				t.Errorf("a session was created despite the failure")
			}
		})
	}
}

// TestAcceptsValidVariants checks what must be accepted: a token with no kid, each
// signing algorithm, an expired token within the clock skew, extra trusted audiences.
func TestAcceptsValidVariants(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpt{idp: []mockidp.Option{mockidp.WithAlg(alg)}})
			h.signIn(h.client)
		})
	}
	t.Run("no kid", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpt{})
		h.idp.InjectFault(mockidp.Fault{IDTokenSigning: mockidp.SigningNoKID})
		h.signIn(h.client)
	})
	t.Run("exp just passed, within skew", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpt{})
		h.idp.InjectFault(mockidp.Fault{IDTokenClaims: map[string]any{"exp": time.Now().Add(-10 * time.Second).Unix()}})
		h.signIn(h.client)
	})
	t.Run("trusted extra audience with azp", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].TrustedAudiences = []string{"api"} }})
		h.idp.InjectFault(mockidp.Fault{IDTokenClaims: map[string]any{"aud": []string{"demo", "api"}, "azp": "demo"}})
		h.signIn(h.client)
	})
}

func TestErrorPagesArePlainWords(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	h.idp.InjectFault(mockidp.Fault{AuthError: "access_denied"})
	resp, body := h.get(h.client, "/app/")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status = %d, want 403", resp.StatusCode)
	}
	if !strings.Contains(body, "Sign-in was cancelled or access was denied") || strings.Contains(body, "provider returned error") {
		t.Errorf("page should say what failed in plain words and hide the technical reason: %s", truncate(body, 400))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
}
