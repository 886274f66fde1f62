package rp

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// TestAssertionVerifiesWithGoOIDC checks that an upstream can verify the assertion it
// gets through the proxy and from /auth/verify with go-oidc and rp's JWKS, and that
// the claims are right.
func TestAssertionVerifiesWithGoOIDC(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Assertion = AssertionConfig{Enabled: true, Audience: "https://app.example.com"}
	})
	h.signIn(h.client)
	seen := proxiedEcho(t, h, h.client, HeaderAssertion, "forged")
	tok := seen.Header.Get(HeaderAssertion)
	if tok == "" || tok == "forged" {
		t.Fatalf("upstream %s = %q, want rp's assertion", HeaderAssertion, tok)
	}
	ctx := context.Background()
	keys := oidc.NewRemoteKeySet(ctx, h.srv.URL+"/auth/jwks.json")
	v := oidc.NewVerifier(h.srv.URL, keys, &oidc.Config{ClientID: "https://app.example.com", SupportedSigningAlgs: []string{oidc.ES256}, Now: h.clock.Now})
	idt, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatalf("go-oidc Verify: %v", err)
	}
	var claims struct {
		Sub      string   `json:"sub"`
		Email    string   `json:"email"`
		Groups   []string `json:"groups"`
		Provider string   `json:"provider"`
		Iat      int64    `json:"iat"`
		Exp      int64    `json:"exp"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Sub != "alice" || claims.Email != "alice@example.com" || claims.Provider != "mock" || !slices.Equal(claims.Groups, []string{"admins", "users"}) {
		t.Errorf("claims = %+v", claims)
	}
	if got := time.Duration(claims.Exp-claims.Iat) * time.Second; got != time.Minute { // the default, the test's own value
		t.Errorf("exp - iat = %v, want 1m", got)
	}

	// The wrong audience, and a later time, fail.
	other := oidc.NewVerifier(h.srv.URL, keys, &oidc.Config{ClientID: "https://other.example.com", SupportedSigningAlgs: []string{oidc.ES256}, Now: h.clock.Now})
	if _, err := other.Verify(ctx, tok); err == nil {
		t.Error("another audience accepted the assertion")
	}
	late := oidc.NewVerifier(h.srv.URL, keys, &oidc.Config{ClientID: "https://app.example.com", SupportedSigningAlgs: []string{oidc.ES256},
		Now: func() time.Time { return h.clock.Now().Add(2 * time.Minute) }})
	if _, err := late.Verify(ctx, tok); err == nil {
		t.Error("an expired assertion was accepted")
	}

	// Reused for half its lifetime, then signed anew; /auth/verify sends it too.
	if again := proxiedEcho(t, h, h.client).Header.Get(HeaderAssertion); again != tok {
		t.Error("the assertion was re-signed within half its lifetime")
	}
	h.clock.Advance(30*time.Second + time.Second) // half the 1 min default, and a second
	rec := verifyAs(h, h.client, trustedPeer, "")
	fresh := rec.Header().Get(HeaderAssertion)
	if fresh == "" || fresh == tok {
		t.Fatalf("/auth/verify assertion = %q, want a fresh one", fresh)
	}
	if _, err := v.Verify(ctx, fresh); err != nil {
		t.Errorf("fresh assertion: %v", err)
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) { c.Gateway.Assertion.Enabled = true })
	resp, body := h.get(h.client, "/auth/jwks.json")
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &set) != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %d %s", resp.StatusCode, body)
	}
	k := set.Keys[0]
	if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["kid"] == "" || k["d"] != nil {
		t.Errorf("key = %v, want a public P-256 ES256 signing key with a kid", k)
	}
	off, _ := newGatewayHarness(t, nil)
	if resp, _ := off.get(off.client, "/auth/jwks.json"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("JWKS with the assertion off: %d, want 404", resp.StatusCode)
	}
}
