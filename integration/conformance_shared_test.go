package integration

import (
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// TestConformanceSharedProvider runs cases in parallel against ONE provider,
// as a CI job with a single mockidp container would: each case's rp sends
// its own login_hint and each fault is scoped to that hint
// (mockidp.Fault.LoginHint), so no case sees another's fault. The cases do
// not check "rp never called userinfo/token" here: those captures are shared.
func TestConformanceSharedProvider(t *testing.T) {
	t.Parallel()
	shared := mockidp.NewTestServer(t, mockidp.WithClients(mockidp.Client{
		ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true}))
	rejected := func(reason string) *confRejection {
		r := confBadToken(reason)
		r.before = ""
		return r
	}
	for _, tc := range []struct {
		name  string
		fault mockidp.Fault
		want  *confRejection
	}{
		{"oidcc-client-test", mockidp.Fault{}, nil},
		{"oidcc-client-test-nonce-invalid", mockidp.Fault{IDTokenClaims: map[string]any{"nonce": "012345678"}}, rejected("nonce does not match")},
		{"oidcc-client-test-invalid-iss", mockidp.Fault{IDTokenClaims: map[string]any{"iss": "https://example.org/"}}, rejected("issued by a different provider")},
		{"oidcc-client-test-missing-sub", mockidp.Fault{IDTokenClaims: map[string]any{"sub": nil}}, rejected("id token has no sub")},
		{"oidcc-client-test-invalid-sig-rs256", mockidp.Fault{IDTokenSigning: mockidp.SigningBadSignature}, rejected("no provider key verifies")},
		{"oidcc-client-test-userinfo-invalid-sub", mockidp.Fault{UserinfoClaims: map[string]any{"sub": "foobar"}}, rejected("userinfo sub does not match")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hint := "case-" + tc.name
			st := startConf(t, confOptions{shared: shared, provider: func(pc *rp.ProviderConfig) {
				pc.AuthParams = map[string]string{"login_hint": hint}
			}})
			shared.QueueLoginHint(hint, mockidp.User{Subject: "alice"})
			if tc.want != nil {
				f := tc.fault
				f.LoginHint = hint
				shared.InjectFault(f)
			}
			b := st.browser()
			r := st.attempt(b)
			if tc.want == nil {
				st.assertAccepted(b, r)
				return
			}
			st.assertRejected(b, r, *tc.want)
		})
	}
}
