package integration

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// confPersistent is how many times a fault that must outlive rp's own retries
// (discovery, the one restart of a lost sign-in) is queued.
const confPersistent = 1000

// TestConformanceFlow mirrors the OIDF tests of the authorization response,
// the token and userinfo endpoints and the key set, plus foyer-* response
// faults from issue 7 that no OIDF test covers.
func TestConformanceFlow(t *testing.T) {
	t.Parallel()
	runConfCases(t, flowCases())
}

// flowCases are the cases of TestConformanceFlow.
func flowCases() []confCase {
	return []confCase{
		// RP-C15, C16: no kid.
		{name: "oidcc-client-test-kid-absent-single-jwks", opts: confOptions{before: []mockidp.Fault{
			{JWKSNoKID: true, IDTokenSigning: mockidp.SigningNoKID, Times: confPersistent}}}},
		{name: "oidcc-client-test-ignores-unparseable-key-in-jwks", opts: confOptions{prepare: confUnparseableKeys},
			check: func(t *testing.T, st *confStack, b *stack.Client) {
				var set struct{ Keys []map[string]any }
				b.Get(st.idp.Issuer+"/jwks").JSON(t, &set)
				if len(set.Keys) != 3 || set.Keys[0]["kid"] != "broken-rsa" {
					t.Errorf("JWKS served: got %d keys, want the 2 unparseable ones first, then the real one", len(set.Keys))
				}
			}},
		{name: "oidcc-client-test-kid-absent-multiple-jwks", opts: confOptions{before: []mockidp.Fault{
			{JWKSNoKID: true, JWKSExtraKeys: 2, IDTokenSigning: mockidp.SigningNoKID, Times: confPersistent}}},
			check: confCheckJWKSKeys(3)},

		// RP-C20, C21 and scopes.
		{name: "oidcc-client-test-userinfo-invalid-sub", fault: confUserinfoClaims(map[string]any{"sub": "foobar"}),
			want: &confRejection{status: http.StatusUnauthorized, message: confMsgUnverified, reason: "userinfo sub does not match"}},
		{name: "oidcc-client-test-scope-userinfo-claims", fault: confIDClaims(map[string]any{
			"email": nil, "email_verified": nil, "name": nil, "preferred_username": nil, "groups": nil}),
			check: confCheckUserinfoClaims},

		// Client authentication.
		{name: "oidcc-client-test-client-secret-basic",
			opts:  confOptions{provider: func(pc *rp.ProviderConfig) { pc.TokenAuth = "client_secret_basic" }},
			check: confCheckTokenAuth("Basic "+mockidp.Redacted, false)},
		{name: "oidcc-client-test-variant-client-secret-post",
			opts:  confOptions{provider: func(pc *rp.ProviderConfig) { pc.TokenAuth = "client_secret_post" }},
			check: confCheckTokenAuth("", true)},

		// Form post (RP-C27).
		{name: "oidcc-client-test-variant-form-post", opts: confOptions{provider: confFormPost}, check: confCheckFormPost},
		{name: "oidcc-client-test-form-post-error", opts: confOptions{provider: confFormPost},
			fault: confFault(mockidp.Fault{AuthError: "login_required"}),
			want: &confRejection{status: http.StatusUnauthorized, message: "The provider needs you to sign in again",
				reason: `provider returned error "login_required"`, before: "token"}},

		// RP-C51, C52: the authorization response (FAPI client tests).
		{name: "fapi-client-test-ensure-authorization-response-with-invalid-state-fails",
			fault: confFault(mockidp.Fault{AuthState: "RandomString", Times: confPersistent}),
			want:  &confRejection{status: http.StatusBadRequest, message: confMsgLostLogin, reason: "no matching login attempt", before: "token"}},
		{name: "fapi-client-test-ensure-authorization-response-with-invalid-missing-state-fails",
			fault: confFault(mockidp.Fault{AuthState: mockidp.FaultOmit, Times: confPersistent}),
			want:  &confRejection{status: http.StatusBadRequest, message: confMsgLostLogin, reason: "no matching login attempt", before: "token"}},
		{name: "fapi-client-test-invalid-authorization-response-iss",
			fault: confFault(mockidp.Fault{AuthIss: "https://attacker.example"}),
			want:  &confRejection{status: http.StatusBadRequest, message: confMsgWrongIss, reason: "iss parameter", before: "token"}},
		{name: "fapi-client-test-remove-authorization-response-iss",
			fault: confFault(mockidp.Fault{AuthIss: mockidp.FaultOmit}),
			want:  &confRejection{status: http.StatusBadRequest, message: confMsgWrongIss, reason: "iss parameter missing", before: "token"}},
		{name: "foyer-authorization-response-access-denied", fault: confFault(mockidp.Fault{AuthError: "access_denied"}),
			want: &confRejection{status: http.StatusForbidden, message: "access was denied", reason: `"access_denied"`, before: "token"}},

		// Token endpoint faults (issue 7) and RP-C53.
		{name: "foyer-token-invalid-grant", fault: confFault(mockidp.Fault{TokenError: "invalid_grant"}),
			want: &confRejection{status: http.StatusBadGateway, message: confMsgProvider, reason: `error "invalid_grant"`, before: "userinfo"}},
		{name: "foyer-token-server-error", fault: confFault(mockidp.Fault{TokenError: "server_error", TokenStatus: 500}),
			want: &confRejection{status: http.StatusBadGateway, message: confMsgProvider, reason: "token endpoint status 500", before: "userinfo"}},
		{name: "foyer-token-malformed-json", fault: confFault(mockidp.Fault{TokenBody: `{"access_token":`}),
			want: &confRejection{status: http.StatusBadGateway, message: confMsgProvider, reason: "token exchange", before: "userinfo"}},
		{name: "foyer-token-html", fault: confFault(mockidp.Fault{TokenBody: "<html><body>Oops</body></html>", TokenContentType: "text/html"}),
			want: &confRejection{status: http.StatusBadGateway, message: confMsgProvider, reason: "token exchange", before: "userinfo"}},
		{name: "foyer-token-no-id-token", fault: confFault(mockidp.Fault{OmitIDToken: true}),
			want: confBadToken("token response has no id_token")},
		{name: "foyer-token-slow-but-in-time", fault: confFault(mockidp.Fault{Delay: 300 * time.Millisecond})},

		// Userinfo faults (issue 7).
		{name: "foyer-userinfo-401", fault: confFault(mockidp.Fault{UserinfoStatus: http.StatusUnauthorized}),
			want: &confRejection{status: http.StatusBadGateway, message: confMsgProvider, reason: "userinfo: status 401"}},
		{name: "foyer-userinfo-malformed", fault: confFault(mockidp.Fault{UserinfoBody: "not json"}),
			want: &confRejection{status: http.StatusUnauthorized, message: confMsgUnverified, reason: "userinfo:"}},
	}
}

func confFormPost(pc *rp.ProviderConfig) { pc.FormPost = true }

// confFault returns f as a case's fault.
func confFault(f mockidp.Fault) func(*confStack) mockidp.Fault {
	return func(*confStack) mockidp.Fault { return f }
}

// confUserinfoClaims returns a fault that overrides userinfo claims.
func confUserinfoClaims(claims map[string]any) func(*confStack) mockidp.Fault {
	return confFault(mockidp.Fault{UserinfoClaims: claims})
}

// confUnparseableKeys serves the provider's JWKS with two keys no one can
// parse before the real one, for every fetch.
func confUnparseableKeys(t *testing.T, idp *mockidp.TestServer) {
	broken := []json.RawMessage{
		json.RawMessage(`{"kty":"RSA","kid":"broken-rsa","use":"sig","n":"!!not base64!!","e":"AQAB"}`),
		json.RawMessage(`{"kty":"XYZ","kid":"unknown-kty","use":"sig"}`),
	}
	confServeKeys(t, idp, append(broken, confJWKSKeys(t, idp)...))
}

// confPublishAlso returns a prepare step that adds other's keys to the
// provider's JWKS, so tokens other signs have a published key.
func confPublishAlso(other *mockidp.TestServer) func(*testing.T, *mockidp.TestServer) {
	return func(t *testing.T, idp *mockidp.TestServer) {
		confServeKeys(t, idp, append(confJWKSKeys(t, idp), confJWKSKeys(t, other)...))
	}
}

// confJWKSKeys returns the keys of idp's JWKS as served.
func confJWKSKeys(t *testing.T, idp *mockidp.TestServer) []json.RawMessage {
	t.Helper()
	resp, err := http.Get(idp.Issuer + "/jwks")
	if err != nil {
		t.Fatalf("GET /jwks: %v", err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	return set.Keys
}

// confServeKeys makes idp serve keys as its JWKS from now on.
func confServeKeys(t *testing.T, idp *mockidp.TestServer, keys []json.RawMessage) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	idp.InjectFault(mockidp.Fault{JWKSBody: string(body), Times: confPersistent})
}

// confCheckJWKSKeys checks that the provider's JWKS has n keys and no kid.
func confCheckJWKSKeys(n int) func(*testing.T, *confStack, *stack.Client) {
	return func(t *testing.T, st *confStack, b *stack.Client) {
		var set struct{ Keys []map[string]any }
		b.Get(st.idp.Issuer+"/jwks").JSON(t, &set)
		if len(set.Keys) != n {
			t.Errorf("JWKS keys: got %d, want %d", len(set.Keys), n)
		}
		for _, k := range set.Keys {
			if _, ok := k["kid"]; ok {
				t.Errorf("JWKS key has a kid %v, want none", k["kid"])
			}
		}
	}
}

// confCheckUserinfoClaims checks that claims the ID token lacked came from the
// userinfo endpoint into the session.
func confCheckUserinfoClaims(t *testing.T, st *confStack, b *stack.Client) {
	claims := st.claims(b)
	for k, want := range map[string]any{"email": "alice@example.com", "name": "Alice Example", "email_verified": true} {
		if claims[k] != want {
			t.Errorf("session claim %s: got %v, want %v (from userinfo)", k, claims[k], want)
		}
	}
	if got := st.idp.Requests("authorize")[0].Params.Get("scope"); !confHasWord(got, "profile") || !confHasWord(got, "email") {
		t.Errorf("scope: got %q, want profile and email", got)
	}
}

// confCheckTokenAuth checks how rp authenticated at the token endpoint.
func confCheckTokenAuth(authorization string, secretInBody bool) func(*testing.T, *confStack, *stack.Client) {
	return func(t *testing.T, st *confStack, _ *stack.Client) {
		tok := st.idp.Requests("token")
		if len(tok) != 1 {
			t.Fatalf("token requests: got %d, want 1", len(tok))
		}
		if got := tok[0].Authorization; got != authorization {
			t.Errorf("token request Authorization: got %q, want %q", got, authorization)
		}
		if got := tok[0].Has("client_secret"); got != secretInBody {
			t.Errorf("token request client_secret in the body: got %v, want %v", got, secretInBody)
		}
	}
}

// confCheckFormPost checks that rp asked for form_post and that the provider
// answered with its auto-posting page (200), not a redirect.
func confCheckFormPost(t *testing.T, st *confStack, _ *stack.Client) {
	authz := st.idp.Requests("authorize")[0]
	if got := authz.Params.Get("response_mode"); got != "form_post" {
		t.Errorf("response_mode: got %q, want form_post", got)
	}
	if authz.Status != http.StatusOK {
		t.Errorf("provider's answer to the authorization request: got %d, want 200 (the form_post page)", authz.Status)
	}
}
