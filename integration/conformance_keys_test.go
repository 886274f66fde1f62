package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// TestConformanceKeyRotation mirrors the OIDF Config RP key rotation tests
// (RP-C17, C18): the provider signs with a new key that rp has not seen, and
// rp must fetch the JWKS again and accept the token — at once, as the OIDF
// suite rotates seconds after rp's first fetch (the fetch at discovery does
// not start rp's refetch cooldown).
func TestConformanceKeyRotation(t *testing.T) {
	t.Parallel()

	t.Run("oidcc-client-test-signing-key-rotation", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		st.signIn(st.browser())
		fetches := len(st.idp.Requests("jwks"))
		if err := st.idp.RotateKey(); err != nil {
			t.Fatalf("RotateKey: %v", err)
		}
		st.signIn(st.browser())
		if got := len(st.idp.Requests("jwks")); got != fetches+1 {
			t.Errorf("JWKS fetches after the rotation: got %d, want %d (one refetch for the new kid)", got, fetches+1)
		}
	})

	t.Run("oidcc-client-test-signing-key-rotation-just-before-signing", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		if err := st.idp.RotateKey(); err != nil {
			t.Fatalf("RotateKey: %v", err)
		}
		st.signIn(st.browser())
	})

	// Forged tokens (a key the provider never published) within the
	// cooldown cost one refetch, not one per token.
	t.Run("foyer-key-unknown-key-one-refetch", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		fetches := len(st.idp.Requests("jwks"))
		for range 3 {
			st.idp.InjectFault(mockidp.Fault{IDTokenSigning: mockidp.SigningUnknownKey})
			b := st.browser()
			st.assertRejected(b, st.attempt(b), *confBadToken("no provider key verifies the token signature"))
		}
		if got := len(st.idp.Requests("jwks")) - fetches; got != 1 {
			t.Errorf("JWKS refetches for 3 tokens signed by an unknown key: got %d, want 1", got)
		}
	})

	t.Run("foyer-key-rotation-known-key-no-fetch", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		st.signIn(st.browser())
		fetches := len(st.idp.Requests("jwks"))
		st.signIn(st.browser())
		if got := len(st.idp.Requests("jwks")); got != fetches {
			t.Errorf("JWKS fetches for a known key: got %d more, want none", got-fetches)
		}
	})
}

// TestConformanceDiscovery mirrors the OIDF Config RP discovery tests
// (RP-C23) and checks that a provider down at rp's start does not stop rp
// for good.
func TestConformanceDiscovery(t *testing.T) {
	t.Parallel()

	t.Run("oidcc-client-test-discovery-issuer-mismatch", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{noWait: true, before: []mockidp.Fault{
			{DiscoveryClaims: map[string]any{"issuer": "https://example.com"}, Times: confPersistent}}})
		st.waitLog("provider discovery failed; retrying", "did not match the issuer URL returned by provider")
		if st.rp.Ready() {
			t.Errorf("rp is ready although the provider's discovery document names another issuer")
		}
		b := st.browser()
		r := b.Get(st.rpURL + "/auth/login?provider=" + confProvider)
		st.assertRejected(b, r, confRejection{status: http.StatusServiceUnavailable, message: "cannot be reached right now",
			reason: "discovery has not succeeded yet", before: "authorize"})
	})

	t.Run("oidcc-client-test-discovery-openid-config", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		st.signIn(st.browser())
		d := st.idp.Requests("discovery")
		if len(d) == 0 || d[0].Path != "/.well-known/openid-configuration" {
			t.Errorf("discovery requests: got %+v, want GET /.well-known/openid-configuration", d)
		}
	})

	t.Run("oidcc-client-test-discovery-jwks-uri-keys", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		st.signIn(st.browser())
		if got := st.idp.Requests("jwks"); len(got) != 1 || got[0].Path != "/jwks" {
			t.Errorf("JWKS requests: got %+v, want one GET of the discovered jwks_uri", got)
		}
	})

	for _, tc := range []struct {
		name   string
		fault  mockidp.Fault
		reason string
	}{
		{"foyer-discovery-down-at-start", mockidp.Fault{DiscoveryStatus: http.StatusServiceUnavailable}, "503"},
		{"foyer-jwks-down-at-start", mockidp.Fault{JWKSStatus: http.StatusServiceUnavailable}, "jwks: status 503"},
		{"foyer-jwks-garbage-at-start", mockidp.Fault{JWKSBody: `{"keys":"nope"}`}, "jwks:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// One failure, then the provider is back: rp retries by itself.
			st := startConf(t, confOptions{before: []mockidp.Fault{tc.fault}})
			if !st.log.has("provider discovery failed; retrying", tc.reason) {
				t.Errorf("rp log: no failed discovery with reason containing %q\n%s", tc.reason, st.log)
			}
			st.signIn(st.browser())
		})
	}
}

// TestConformanceAlternateAlg mirrors the FAPI client test
// invalid-alternate-alg (RP-C49): the ID token is signed with ES256 by a key
// the provider does publish, but the provider advertises RS256 only, so rp
// must refuse the algorithm rather than the key.
func TestConformanceAlternateAlg(t *testing.T) {
	t.Parallel()
	es256 := mockidp.NewTestServer(t, mockidp.WithAlg("ES256"))
	st := startConf(t, confOptions{prepare: confPublishAlso(es256), provider: func(pc *rp.ProviderConfig) { pc.SkipUserInfo = true }})
	b := st.browser()
	r := b.Get(st.rpURL + "/auth/login?provider=" + confProvider + "&rd=" + confApp)
	now := st.idp.Now()
	idToken := confMint(t, es256.Provider, map[string]any{
		"iss": st.idp.Issuer, "sub": "alice", "aud": "demo", "azp": "demo", "nonce": r.Location(t).Query().Get("nonce"),
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	st.idp.InjectFault(mockidp.Fault{TokenBody: `{"access_token":"opaque-access-token","token_type":"Bearer","id_token":"` + idToken + `"}`})
	st.assertRejected(b, st.follow(b, r), *confBadToken(`unexpected signature algorithm "ES256"`))
}

// TestConformanceTokenResponse mirrors the FAPI client tests of token
// response shapes rp must accept (RP-C53): token_type in another case and no
// expires_in. The token response is written by hand around an ID token
// minted for the sign-in under way; its access token is opaque, so rp is
// configured not to call userinfo.
func TestConformanceTokenResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, members string }{
		{"fapi-client-test-token-type-case-insensitivity", `"token_type":"bEARER","expires_in":3600`},
		{"fapi-client-test-token-endpoint-response-without-expires_in", `"token_type":"Bearer"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{provider: func(pc *rp.ProviderConfig) { pc.SkipUserInfo = true }})
			b := st.browser()
			r := b.Get(st.rpURL + "/auth/login?provider=" + confProvider + "&rd=" + confApp)
			nonce := r.Location(t).Query().Get("nonce")
			now := st.idp.Now()
			idToken, err := st.idp.Mint(map[string]any{
				"iss": st.idp.Issuer, "sub": "alice", "aud": "demo", "azp": "demo", "nonce": nonce,
				"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			})
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			st.idp.InjectFault(mockidp.Fault{TokenBody: `{"access_token":"opaque-access-token",` + tc.members + `,"id_token":"` + idToken + `"}`})
			st.assertAccepted(b, st.follow(b, r))
		})
	}
}
