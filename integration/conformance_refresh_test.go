package integration

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
)

// confRefreshAccessTTL is the mock's access token lifetime in the refresh
// cases; rp refreshes once fewer than rp.DefaultRefreshBefore (1 min) are left.
const confRefreshAccessTTL = 90 * time.Second

// TestConformanceRefresh mirrors the OIDF refresh token profile tests
// (RP-C25, C26): a refresh whose new ID token breaks continuity with the
// sign-in (another iss, sub, aud or azp) ends the session; a good one keeps
// it. foyer-* cases add the token endpoint faults of issue 7.
func TestConformanceRefresh(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault *mockidp.Fault // queued for the refresh grant only
		// ended is the reason of rp's "session ended" line when the session
		// must end; "" means it must survive the refresh.
		ended string
		// kept is the reason of rp's "keeping the session" line, if any.
		kept string
	}{
		{name: "oidcc-client-test-refresh-token"},
		{name: "oidcc-client-test-refresh-token-invalid-issuer",
			fault: &mockidp.Fault{IDTokenClaims: map[string]any{"iss": "https://example.org/"}}, ended: "issued by a different provider"},
		{name: "oidcc-client-test-refresh-token-invalid-sub",
			fault: &mockidp.Fault{IDTokenClaims: map[string]any{"sub": "foobar"}}, ended: "refreshed id token changed sub"},
		{name: "oidcc-client-test-refresh-token-invalid-aud",
			fault: &mockidp.Fault{IDTokenClaims: map[string]any{"aud": "https://example.com/"}}, ended: "expected audience"},
		{name: "oidcc-client-test-refresh-token-invalid-azp",
			fault: &mockidp.Fault{IDTokenClaims: map[string]any{"azp": "https://example.com/"}}, ended: "is not the client"},
		{name: "foyer-refresh-bad-signature",
			fault: &mockidp.Fault{IDTokenSigning: mockidp.SigningBadSignature}, ended: "no provider key verifies"},
		{name: "foyer-refresh-invalid-grant",
			fault: &mockidp.Fault{TokenError: "invalid_grant"}, ended: "invalid_grant"},
		{name: "foyer-refresh-provider-down",
			fault: &mockidp.Fault{TokenStatus: http.StatusServiceUnavailable}, kept: "token endpoint status 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{idp: func(c *mockidp.Config) { c.AccessTokenTTL = confRefreshAccessTTL }})
			b := st.browser()
			st.signIn(b)
			if tc.fault != nil {
				f := *tc.fault
				f.Refresh = true
				st.idp.InjectFault(f)
			}
			st.clock.Advance(confRefreshAccessTTL / 2) // inside the refresh window
			r := b.Get(st.rpURL + confApp)

			grants := 0
			for _, req := range st.idp.Requests("token") {
				if req.Params.Get("grant_type") == "refresh_token" {
					grants++
				}
			}
			if grants != 1 {
				t.Errorf("refresh_token grants at the provider: got %d, want 1", grants)
			}
			if tc.ended != "" {
				if !confLoginRedirect(r) {
					t.Errorf("app page after a refused refresh: want a redirect to /auth/login\n%s", r)
				}
				if !st.log.has("session ended", tc.ended) {
					t.Errorf("rp log: no \"session ended\" line with reason containing %q\n%s", tc.ended, st.log)
				}
				st.assertNoSession(b)
				return
			}
			if r.StatusCode != http.StatusOK || string(r.Body) != "landed as alice" {
				t.Fatalf("app page after the refresh: want 200 %q\n%s\nrp log:\n%s", "landed as alice", r, st.log)
			}
			if tc.kept != "" && !st.log.has("token refresh failed; keeping the session", tc.kept) {
				t.Errorf("rp log: no \"keeping the session\" line with reason containing %q\n%s", tc.kept, st.log)
			}
			if ui := st.userinfo(b); ui.StatusCode != http.StatusOK {
				t.Errorf("GET /auth/userinfo after the refresh: want 200 (still signed in)\n%s", ui)
			}
		})
	}
}

// confLoginRedirect reports whether r sends the browser to sign in again.
func confLoginRedirect(r *stack.Response) bool {
	if !stack.IsRedirect(r.StatusCode) {
		return false
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	return err == nil && loc.Path == "/auth/login"
}
