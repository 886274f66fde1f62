package integration

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
)

// confBackchannelEvent is the events member of a back-channel logout token.
const confBackchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutClaims returns the claims of a valid logout token for the session
// with provider session id sid.
func (st *confStack) logoutClaims(sid string) map[string]any {
	now := st.idp.Now()
	return map[string]any{
		"iss": st.idp.Issuer, "aud": "demo", "sub": "alice", "sid": sid,
		"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": rand.Text(),
		"events": map[string]any{confBackchannelEvent: map[string]any{}},
	}
}

// postLogoutToken POSTs a logout token to rp's back-channel endpoint, as the
// provider's server does (no browser, no cookies).
func (st *confStack) postLogoutToken(token string) *stack.Response {
	st.t.Helper()
	return stack.NewClient(st.t).PostForm(st.rpURL+"/auth/backchannel-logout", url.Values{"logout_token": {token}})
}

// confUnsignedJWT returns claims as a JWT with "alg":"none" and no signature.
func confUnsignedJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json: %v", err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "none", "typ": "logout+jwt"}) + "." + enc(claims) + "."
}

// TestConformanceBackchannelLogout mirrors the OIDF Back-Channel Logout RP
// tests (RP-C31..C40): the RP answers 400 to a bad logout token and keeps the
// session; 200 with Cache-Control: no-store to a good one, and ends the
// session.
func TestConformanceBackchannelLogout(t *testing.T) {
	t.Parallel()

	// rp-initiated logout, the provider then posts a logout token itself.
	t.Run("oidcc-client-test-rp-backchannel-rpinitlogout", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		b := st.browser()
		st.signIn(b)
		b.Follow(st.startLogout(b))
		sent := st.idp.BackchannelLogouts()
		if len(sent) != 1 {
			t.Fatalf("logout tokens the provider sent: got %d, want 1", len(sent))
		}
		if got := sent[0]; got.Err != nil || got.StatusCode != http.StatusOK || got.Subject != "alice" {
			t.Errorf("back-channel delivery: got status %d err %v sub %q, want 200 <nil> alice", got.StatusCode, got.Err, got.Subject)
		}
		st.assertNoSession(b)
	})

	// The person signs out at the provider (not through rp): only the back
	// channel can tell rp.
	t.Run("foyer-backchannel-op-initiated", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		b := st.browser()
		st.signIn(b)
		b.Follow(b.Get(st.idp.Issuer + "/end_session?client_id=demo"))
		if sent := st.idp.BackchannelLogouts(); len(sent) != 1 || sent[0].StatusCode != http.StatusOK {
			t.Fatalf("back-channel logouts: got %+v, want one answered 200", sent)
		}
		st.assertNoSession(b)
		if !st.log.has("session ended", "ended by logout") {
			t.Errorf("rp log: no \"session ended\" line with reason \"ended by logout\"\n%s", st.log)
		}
	})

	// A valid token, then the same token again (RP-C38, C40).
	t.Run("foyer-backchannel-valid-then-jti-replay", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		b := st.browser()
		st.signIn(b)
		tok, err := st.idp.Mint(st.logoutClaims(st.claims(b)["sid"].(string)))
		if err != nil {
			t.Fatalf("Mint: %v", err)
		}
		r := st.postLogoutToken(tok)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("valid logout token: got %d, want 200\n%s\nrp log:\n%s", r.StatusCode, r, st.log)
		}
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", got)
		}
		st.assertNoSession(b)
		if r := st.postLogoutToken(tok); r.StatusCode != http.StatusBadRequest {
			t.Errorf("replayed logout token: got %d, want 400\n%s", r.StatusCode, r)
		}
		if !st.log.has("back-channel logout rejected", "replayed") {
			t.Errorf("rp log: no rejection of the replay\n%s", st.log)
		}
	})

	es256 := mockidp.NewTestServer(t, mockidp.WithAlg("ES256"))
	prepare := map[string]func(*testing.T, *mockidp.TestServer){
		"oidcc-client-test-rp-backchannel-rpinitlogout-wrong-alg": confPublishAlso(es256),
	}
	for _, tc := range []struct {
		name   string
		token  func(t *testing.T, st *confStack, claims map[string]any) string
		reason string
	}{
		{"oidcc-client-test-rp-backchannel-rpinitlogout-alg-none",
			func(t *testing.T, _ *confStack, c map[string]any) string { return confUnsignedJWT(t, c) },
			`unexpected signature algorithm "none"`},
		// RS256 is registered (advertised); the token is signed with ES256 by
		// a key the provider publishes too, so only the algorithm is wrong.
		{"oidcc-client-test-rp-backchannel-rpinitlogout-wrong-alg",
			func(t *testing.T, _ *confStack, c map[string]any) string { return confMint(t, es256.Provider, c) },
			`unexpected signature algorithm "ES256"`},
		{"oidcc-client-test-rp-backchannel-rpinitlogout-no-event",
			confSignedWith(func(c map[string]any) { delete(c, "events") }), "missing required"},
		{"oidcc-client-test-rp-backchannel-rpinitlogout-wrong-event",
			confSignedWith(func(c map[string]any) {
				c["events"] = map[string]any{"http://schemas.openid.net/event/foobar": map[string]any{}}
			}), "missing required"},
		{"oidcc-client-test-rp-backchannel-rpinitlogout-with-nonce",
			confSignedWith(func(c map[string]any) { c["nonce"] = "012345678" }), "must not contain a 'nonce'"},
		{"oidcc-client-test-rp-backchannel-rpinitlogout-wrong-aud",
			confSignedWith(func(c map[string]any) { c["aud"] = "https://other.example/" }), "expected logout token audience"},
		{"oidcc-client-test-rp-backchannel-rpinitlogout-wrong-iss",
			confSignedWith(func(c map[string]any) { c["iss"] = "https://example.org/" }), "unknown issuer"},
		{"foyer-backchannel-lt-no-iat", confSignedWith(func(c map[string]any) { delete(c, "iat") }), "no iat"},
		{"foyer-backchannel-lt-iat-in-future", confSignedWith(func(c map[string]any) {
			c["iat"] = time.Now().Add(10 * time.Minute).Unix()
		}), "in the future"},
		{"foyer-backchannel-lt-no-exp", confSignedWith(func(c map[string]any) { delete(c, "exp") }), "'exp'"},
		{"foyer-backchannel-lt-expired", confSignedWith(func(c map[string]any) {
			c["exp"] = time.Now().Add(-10 * time.Minute).Unix()
		}), "expired"},
		{"foyer-backchannel-lt-no-jti", confSignedWith(func(c map[string]any) { delete(c, "jti") }), "'jti'"},
		{"foyer-backchannel-lt-no-sid-no-sub", confSignedWith(func(c map[string]any) { delete(c, "sid"); delete(c, "sub") }), "'sub' claim, a 'sid' claim"},
		{"foyer-backchannel-lt-bad-signature", func(t *testing.T, st *confStack, c map[string]any) string {
			tok := confMint(t, st.idp.Provider, c)
			return tok[:len(tok)-6] + strings.Repeat("A", 6)
		}, "verify"},
		{"foyer-backchannel-lt-garbage", func(*testing.T, *confStack, map[string]any) string { return "not.a.jwt" }, "logout token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{prepare: prepare[tc.name]})
			b := st.browser()
			st.signIn(b)
			claims := st.logoutClaims(st.claims(b)["sid"].(string))
			r := st.postLogoutToken(tc.token(t, st, claims))
			if r.StatusCode != http.StatusBadRequest {
				t.Errorf("bad logout token: got %d, want 400\n%s", r.StatusCode, r)
			}
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if !st.log.has("back-channel logout rejected", tc.reason) {
				t.Errorf("rp log: no \"back-channel logout rejected\" line with reason containing %q\n%s", tc.reason, st.log)
			}
			if ui := st.userinfo(b); ui.StatusCode != http.StatusOK {
				t.Errorf("session after a rejected logout token: want it kept (200)\n%s", ui)
			}
		})
	}
}

// confSignedWith returns a token builder that changes the valid claims with
// change and signs them with the provider's key.
func confSignedWith(change func(map[string]any)) func(*testing.T, *confStack, map[string]any) string {
	return func(t *testing.T, st *confStack, c map[string]any) string {
		change(c)
		return confMint(t, st.idp.Provider, c)
	}
}

// confMint signs claims with p's current key.
func confMint(t *testing.T, p *mockidp.Provider, claims map[string]any) string {
	t.Helper()
	tok, err := p.Mint(claims)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}
