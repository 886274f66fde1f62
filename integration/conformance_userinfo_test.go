package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
)

// confSignedUserinfo serves the provider's userinfo endpoint as a signed JWT
// (Content-Type: application/jwt, OpenID Connect Core 5.3.2): mockidp's
// discovery document is made to point userinfo_endpoint at it, and the JWT
// is minted with the provider's current key.
func confSignedUserinfo(t *testing.T, idp *mockidp.TestServer, token func(claims map[string]any) string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			http.Error(w, "no bearer token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/jwt")
		io.WriteString(w, token(map[string]any{
			"iss": idp.Issuer, "aud": "demo", "sub": "alice",
			"email": "alice@example.com", "email_verified": true, "name": "Alice Example",
			"signed_userinfo": "yes",
		}))
	}))
	t.Cleanup(srv.Close)
	idp.InjectFault(mockidp.Fault{DiscoveryClaims: map[string]any{"userinfo_endpoint": srv.URL + "/userinfo"}, Times: confPersistent})
}

// TestConformanceSignedUserinfo mirrors oidcc-client-test-userinfo-signed
// (RP-C22): rp verifies a signed userinfo answer with the provider's keys,
// and its iss and aud; a broken one fails the sign-in.
func TestConformanceSignedUserinfo(t *testing.T) {
	t.Parallel()
	minted := func(t *testing.T, idp *mockidp.TestServer, change func(map[string]any)) func(map[string]any) string {
		return func(c map[string]any) string {
			change(c)
			return confMint(t, idp.Provider, c)
		}
	}
	keep := func(map[string]any) {}
	rejected := func(reason string) *confRejection {
		return &confRejection{status: http.StatusUnauthorized, message: confMsgUnverified, reason: reason}
	}
	runConfCases(t, []confCase{
		{name: "oidcc-client-test-userinfo-signed",
			opts: confOptions{prepare: func(t *testing.T, idp *mockidp.TestServer) {
				confSignedUserinfo(t, idp, minted(t, idp, keep))
			}},
			check: func(t *testing.T, st *confStack, b *stack.Client) {
				if got := st.claims(b)["signed_userinfo"]; got != "yes" {
					t.Errorf("session claim from the signed userinfo: got %v, want yes", got)
				}
			}},
		{name: "foyer-userinfo-signed-bad-signature",
			opts: confOptions{prepare: func(t *testing.T, idp *mockidp.TestServer) {
				confSignedUserinfo(t, idp, func(c map[string]any) string {
					tok := confMint(t, idp.Provider, c)
					return tok[:len(tok)-8] + strings.Repeat("A", 8)
				})
			}},
			want: rejected("signed userinfo")},
		{name: "foyer-userinfo-signed-alg-none",
			opts: confOptions{prepare: func(t *testing.T, idp *mockidp.TestServer) {
				confSignedUserinfo(t, idp, func(c map[string]any) string { return confUnsignedJWT(t, c) })
			}},
			want: rejected("signed userinfo")},
		{name: "foyer-userinfo-signed-wrong-iss",
			opts: confOptions{prepare: func(t *testing.T, idp *mockidp.TestServer) {
				confSignedUserinfo(t, idp, minted(t, idp, func(c map[string]any) { c["iss"] = "https://example.org/" }))
			}},
			want: rejected("signed userinfo: wrong iss")},
		{name: "foyer-userinfo-signed-wrong-aud",
			opts: confOptions{prepare: func(t *testing.T, idp *mockidp.TestServer) {
				confSignedUserinfo(t, idp, minted(t, idp, func(c map[string]any) { c["aud"] = "https://other.example/" }))
			}},
			want: rejected("signed userinfo: wrong aud")},
		{name: "foyer-userinfo-signed-wrong-sub",
			opts: confOptions{prepare: func(t *testing.T, idp *mockidp.TestServer) {
				confSignedUserinfo(t, idp, minted(t, idp, func(c map[string]any) { c["sub"] = "foobar" }))
			}},
			want: rejected("userinfo sub does not match")},
	})
}
