package integration

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// What rp's error pages say, in plain words (a piece of each).
const (
	confMsgUnverified = "We could not verify the answer from the sign-in provider"
	confMsgProvider   = "The sign-in provider did not answer properly"
	confMsgWrongIss   = "The sign-in answer came from an unexpected provider"
	confMsgLostLogin  = "This sign-in link has expired or was already used"
)

// confCase is one sign-in against a misbehaving provider.
type confCase struct {
	// name is the OIDF test mirrored (oidcc-client-test-*, fapi*-client-test-*,
	// or foyer-* when no OIDF test covers the fault).
	name string
	opts confOptions
	// fault builds the fault queued once rp is ready; nil queues none.
	fault func(st *confStack) mockidp.Fault
	// want is the rejection expected; nil means the sign-in must succeed.
	want *confRejection
	// check makes further assertions after the outcome.
	check func(t *testing.T, st *confStack, b *stack.Client)
}

// runConfCases runs each case in parallel on its own stack.
func runConfCases(t *testing.T, cases []confCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, tc.opts)
			if tc.fault != nil {
				st.idp.InjectFault(tc.fault(st))
			}
			b := st.browser()
			r := st.attempt(b)
			if tc.want == nil {
				st.assertAccepted(b, r)
			} else {
				st.assertRejected(b, r, *tc.want)
			}
			if tc.check != nil {
				tc.check(t, st, b)
			}
		})
	}
}

// confIDClaims returns a fault that overrides ID token claims (nil deletes).
func confIDClaims(claims map[string]any) func(*confStack) mockidp.Fault {
	return func(*confStack) mockidp.Fault { return mockidp.Fault{IDTokenClaims: claims} }
}

// confSigning returns a fault that signs the ID token the way mode says.
func confSigning(mode string) func(*confStack) mockidp.Fault {
	return func(*confStack) mockidp.Fault { return mockidp.Fault{IDTokenSigning: mode} }
}

// confBadToken is the rejection of an ID token: 401, and userinfo never called.
func confBadToken(reason string) *confRejection {
	return &confRejection{status: http.StatusUnauthorized, message: confMsgUnverified, reason: reason, before: "userinfo"}
}

// TestConformanceIDToken mirrors the OIDF Basic RP ID token tests and the
// ID token checks the FAPI client tests add.
func TestConformanceIDToken(t *testing.T) {
	t.Parallel()
	runConfCases(t, idTokenCases())
}

// idTokenCases are the cases of TestConformanceIDToken.
func idTokenCases() []confCase {
	return []confCase{
		{name: "oidcc-client-test", check: confCheckHappyPath},
		{name: "oidcc-client-test-idtoken-sig-rs256", opts: confOptions{alg: "RS256"}, check: confCheckAlg("RS256")},
		{name: "foyer-idtoken-sig-es256", opts: confOptions{alg: "ES256"}, check: confCheckAlg("ES256")},
		{name: "foyer-idtoken-sig-ps256", opts: confOptions{alg: "PS256"}, check: confCheckAlg("PS256")},
		{name: "foyer-idtoken-sig-eddsa", opts: confOptions{alg: "EdDSA"}, check: confCheckAlg("EdDSA")},

		// RP-C01..C06: claims.
		{name: "oidcc-client-test-invalid-iss", fault: confIDClaims(map[string]any{"iss": "https://example.org/"}),
			want: confBadToken("id token issued by a different provider")},
		{name: "oidcc-client-test-missing-sub", fault: confIDClaims(map[string]any{"sub": nil}),
			want: confBadToken("id token has no sub")},
		{name: "oidcc-client-test-invalid-aud", fault: confIDClaims(map[string]any{"aud": "https://example.com/"}),
			want: confBadToken("expected audience")},
		{name: "oidcc-client-test-missing-aud", fault: confIDClaims(map[string]any{"aud": nil}),
			want: confBadToken("expected audience")},
		{name: "oidcc-client-test-missing-iat", fault: confIDClaims(map[string]any{"iat": nil}),
			want: confBadToken("id token has no iat")},
		{name: "oidcc-client-test-nonce-invalid", fault: confIDClaims(map[string]any{"nonce": "012345678"}),
			want: confBadToken("nonce does not match")},
		{name: "fapi-client-test-invalid-missing-nonce", fault: confIDClaims(map[string]any{"nonce": nil}),
			want: confBadToken("nonce does not match")},
		{name: "oidcc-client-test-invalid-athash", fault: confIDClaims(map[string]any{"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}),
			want: confBadToken("at_hash")},
		// at_hash is OPTIONAL in the code flow (Core 3.1.3.6).
		{name: "oidcc-client-test-missing-athash", fault: confIDClaims(map[string]any{"at_hash": nil})},

		// RP-C11..C14: signatures.
		{name: "oidcc-client-test-idtoken-sig-none", fault: confSigning(mockidp.SigningNone),
			want: confBadToken(`unexpected signature algorithm "none"`)},
		{name: "oidcc-client-test-invalid-sig-rs256", fault: confSigning(mockidp.SigningBadSignature),
			want: confBadToken("no provider key verifies the token signature")},
		{name: "oidcc-client-test-invalid-sig-es256", opts: confOptions{alg: "ES256"}, fault: confSigning(mockidp.SigningBadSignature),
			want: confBadToken("no provider key verifies the token signature")},
		{name: "oidcc-client-test-invalid-sig-hs256", fault: confSigning(mockidp.SigningHS256ClientSecret),
			want: confBadToken(`unexpected signature algorithm "HS256"`)},
		{name: "foyer-idtoken-sig-unknown-key", fault: confSigning(mockidp.SigningUnknownKey),
			want: confBadToken("no provider key verifies the token signature")},

		// RP-C42..C49: borrowed from the FAPI client tests.
		{name: "fapi-client-test-invalid-expired-exp", fault: func(st *confStack) mockidp.Fault {
			now := st.idp.Now()
			return mockidp.Fault{IDTokenClaims: map[string]any{"exp": now.Add(-6 * time.Minute).Unix(), "iat": now.Add(-7 * time.Minute).Unix()}}
		}, want: confBadToken("token is expired")},
		{name: "fapi-client-test-invalid-missing-exp", fault: confIDClaims(map[string]any{"exp": nil}),
			want: confBadToken("token is expired")},
		{name: "fapi-client-test-invalid-missing-iss", fault: confIDClaims(map[string]any{"iss": nil}),
			want: confBadToken("id token issued by a different provider")},
		{name: "fapi-client-test-iat-is-week-in-past", fault: func(st *confStack) mockidp.Fault {
			return mockidp.Fault{IDTokenClaims: map[string]any{"iat": st.idp.Now().Add(-7 * 24 * time.Hour).Unix()}}
		}, want: confBadToken("id token iat is")},
		{name: "foyer-idtoken-iat-in-future", fault: func(st *confStack) mockidp.Fault {
			return mockidp.Fault{IDTokenClaims: map[string]any{"iat": st.idp.Now().Add(10 * time.Minute).Unix()}}
		}, want: confBadToken("in the future")},
		{name: "foyer-idtoken-nbf-in-future", fault: func(st *confStack) mockidp.Fault {
			return mockidp.Fault{IDTokenClaims: map[string]any{"nbf": st.idp.Now().Add(10 * time.Minute).Unix()}}
		}, want: confBadToken("before the nbf")},
		{name: "fapi-client-test-invalid-secondary-aud", fault: confIDClaims(map[string]any{"aud": []string{"demo", "https://other.example/"}}),
			want: confBadToken("untrusted extra audience")},
		{name: "foyer-idtoken-extra-aud-wrong-azp", fault: confIDClaims(map[string]any{"aud": []string{"demo", "other"}, "azp": "other"}),
			want: confBadToken(`azp "other" is not the client`)},
		{name: "fapi-client-test-valid-aud-as-array", fault: confIDClaims(map[string]any{"aud": []string{"demo"}})},
		{name: "fapi-client-test-invalid-null-alg", fault: confSigning(mockidp.SigningNone),
			want: confBadToken(`unexpected signature algorithm "none"`)},
	}
}

// basicRPPlan lists the modules of the OIDF Basic RP certification plan
// (oidcc-client-basic-certification-test-plan); the Form Post RP plan runs
// the same modules with response_mode=form_post.
var basicRPPlan = []string{
	"oidcc-client-test", "oidcc-client-test-invalid-iss", "oidcc-client-test-missing-sub",
	"oidcc-client-test-invalid-aud", "oidcc-client-test-missing-iat", "oidcc-client-test-kid-absent-single-jwks",
	"oidcc-client-test-kid-absent-multiple-jwks", "oidcc-client-test-idtoken-sig-rs256",
	"oidcc-client-test-idtoken-sig-none", "oidcc-client-test-invalid-sig-rs256",
	"oidcc-client-test-userinfo-invalid-sub", "oidcc-client-test-nonce-invalid",
	"oidcc-client-test-scope-userinfo-claims", "oidcc-client-test-client-secret-basic",
}

// TestConformanceFormPostBasic runs the Basic RP plan again with
// response_mode=form_post, as the OIDF Form Post RP plan does.
func TestConformanceFormPostBasic(t *testing.T) {
	t.Parallel()
	var cases []confCase
	for _, tc := range append(idTokenCases(), flowCases()...) {
		if !slices.Contains(basicRPPlan, tc.name) {
			continue
		}
		prev := tc.opts.provider
		tc.opts.provider = func(pc *rp.ProviderConfig) {
			if prev != nil {
				prev(pc)
			}
			pc.FormPost = true
		}
		check := tc.check
		tc.check = func(t *testing.T, st *confStack, b *stack.Client) {
			confCheckFormPost(t, st, b)
			if check != nil {
				check(t, st, b)
			}
		}
		cases = append(cases, tc)
	}
	if len(cases) != len(basicRPPlan) {
		t.Fatalf("Basic RP plan: found %d of its %d modules among the cases", len(cases), len(basicRPPlan))
	}
	runConfCases(t, cases)
}

// confCheckHappyPath checks what the provider saw of the happy path: an
// authorization request with openid, state, nonce and PKCE S256; a token
// request authenticated with client_secret_basic; a userinfo request with
// the Bearer token in the header and nothing in the query.
func confCheckHappyPath(t *testing.T, st *confStack, _ *stack.Client) {
	authz := st.idp.Requests("authorize")
	if len(authz) != 1 {
		t.Fatalf("authorization requests: got %d, want 1", len(authz))
	}
	q := authz[0].Params
	for _, p := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(p)) < 22 {
			t.Errorf("authorization request %s: got %q, want at least 128 random bits", p, q.Get(p))
		}
	}
	if got := q.Get("code_challenge_method"); got != "S256" {
		t.Errorf("code_challenge_method: got %q, want S256", got)
	}
	if got := q.Get("response_type"); got != "code" {
		t.Errorf("response_type: got %q, want code", got)
	}
	if got := q.Get("scope"); !confHasWord(got, "openid") {
		t.Errorf("scope: got %q, want openid in it", got)
	}
	if got, want := q.Get("redirect_uri"), st.rpURL+"/auth/callback"; got != want {
		t.Errorf("redirect_uri: got %q, want %q", got, want)
	}
	tok := st.idp.Requests("token")
	if len(tok) != 1 {
		t.Fatalf("token requests: got %d, want 1", len(tok))
	}
	if got := tok[0].Authorization; got != "Basic "+mockidp.Redacted {
		t.Errorf("token request Authorization: got %q, want Basic (client_secret_basic)", got)
	}
	if tok[0].Has("client_secret") {
		t.Errorf("token request: client_secret sent in the body as well as in Basic")
	}
	if !tok[0].Has("code_verifier") {
		t.Errorf("token request: no code_verifier (PKCE)")
	}
	ui := st.idp.Requests("userinfo")
	if len(ui) != 1 {
		t.Fatalf("userinfo requests: got %d, want 1", len(ui))
	}
	if got := ui[0].Authorization; got != "Bearer "+mockidp.Redacted {
		t.Errorf("userinfo Authorization: got %q, want a Bearer token in the header", got)
	}
	if ui[0].Has("access_token") {
		t.Errorf("userinfo: access_token sent as a parameter (RFC 6750 2.3: never in the query)")
	}
}

// confCheckAlg checks that the provider the sign-in succeeded with signs its
// ID tokens with alg only, so the accepted token was signed with alg.
func confCheckAlg(alg string) func(*testing.T, *confStack, *stack.Client) {
	return func(t *testing.T, st *confStack, b *stack.Client) {
		var doc struct {
			Algs []string `json:"id_token_signing_alg_values_supported"`
		}
		b.Get(st.idp.Issuer+"/.well-known/openid-configuration").JSON(t, &doc)
		if !slices.Equal(doc.Algs, []string{alg}) {
			t.Errorf("provider's id_token_signing_alg_values_supported: got %q, want [%s]", doc.Algs, alg)
		}
	}
}

func confHasWord(list, w string) bool { return slices.Contains(strings.Fields(list), w) }
