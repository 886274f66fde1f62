package integration

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// What rp's signed-out page says when the provider confirmed the sign-out,
// and when it did not.
const (
	confMsgProviderSignedOut = "You were also signed out at your sign-in provider."
	confMsgLocalSignedOut    = "Your session at " // + the app's name + " has ended."
)

// startLogout presses rp's sign-out button in browser b and returns rp's
// answer, a redirect to the provider's end_session endpoint (not followed).
func (st *confStack) startLogout(b *stack.Client) *stack.Response {
	st.t.Helper()
	page := b.Get(st.rpURL + "/auth/logout")
	r := b.Submit(page.Form(st.t, "sign-out"), "sign-out", nil)
	if !stack.IsRedirect(r.StatusCode) || !strings.HasPrefix(r.Location(st.t).String(), st.idp.Issuer+"/end_session?") {
		st.t.Fatalf("POST /auth/logout: want a redirect to %s/end_session\n%s", st.idp.Issuer, r)
	}
	return r
}

// TestConformanceRPInitiatedLogout mirrors the OIDF RP-Initiated Logout RP
// tests (RP-C28..C30).
func TestConformanceRPInitiatedLogout(t *testing.T) {
	t.Parallel()

	t.Run("oidcc-client-test-rp-init-logout", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		b := st.browser()
		st.signIn(b)
		r := st.startLogout(b)
		st.assertNoSession(b) // ended here before the provider is even asked
		done := b.Follow(r)
		if done.StatusCode != http.StatusOK || !strings.HasPrefix(done.URL.String(), st.rpURL+"/auth/logout/done") {
			t.Fatalf("after the provider's end_session: want rp's signed-out page\n%s", done)
		}
		if text := done.Text(); !strings.Contains(text, confMsgProviderSignedOut) {
			t.Errorf("signed-out page: got %q, want %q", text, confMsgProviderSignedOut)
		}
		es := st.idp.Requests("end_session")
		if len(es) != 1 {
			t.Fatalf("end_session requests: got %d, want 1", len(es))
		}
		got := es[0]
		if !got.Has("id_token_hint") {
			t.Errorf("end_session: no id_token_hint")
		}
		if p, want := got.Params.Get("post_logout_redirect_uri"), st.rpURL+"/auth/logout/done"; p != want {
			t.Errorf("end_session post_logout_redirect_uri: got %q, want the registered %q", p, want)
		}
		if s := got.Params.Get("state"); len(s) < 22 {
			t.Errorf("end_session state: got %q, want at least 128 random bits", s)
		}
		if got.ClientID != "demo" {
			t.Errorf("end_session client_id: got %q, want demo", got.ClientID)
		}
		if !stack.IsRedirect(got.Status) {
			t.Errorf("provider's answer to end_session: got %d, want a redirect (it accepted the request)", got.Status)
		}
	})

	// The provider comes back without the state, or with another one: rp
	// must not claim a confirmed sign-out at the provider.
	for _, tc := range []struct {
		name  string
		state func(url.Values)
	}{
		{"oidcc-client-test-rp-init-logout-no-state", func(q url.Values) { q.Del("state") }},
		{"oidcc-client-test-rp-init-logout-other-state", func(q url.Values) { q.Set("state", "RandomString") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{})
			b := st.browser()
			st.signIn(b)
			back := b.Get(st.startLogout(b).Location(t).String())
			loc := back.Location(t)
			if !strings.HasPrefix(loc.String(), st.rpURL+"/auth/logout/done") {
				t.Fatalf("provider's end_session: want a redirect to rp's post-logout URI\n%s", back)
			}
			q := loc.Query()
			tc.state(q)
			loc.RawQuery = q.Encode()
			done := b.Get(loc.String())
			text := done.Text()
			if done.StatusCode != http.StatusOK || !strings.Contains(text, confMsgLocalSignedOut) {
				t.Errorf("signed-out page: want 200 saying %q\n%s", confMsgLocalSignedOut, done)
			}
			if strings.Contains(text, confMsgProviderSignedOut) {
				t.Errorf("signed-out page claims a confirmed sign-out at the provider: %q", text)
			}
			st.assertNoSession(b)
		})
	}
}

// TestConformanceFrontChannelLogout mirrors the front-channel logout RP
// tests (RP-C41; OIDF oidcc-client-test-rp-frontchannel-rpinitlogout and the
// older rp-frontchannel-rpinitlogout-wrong-issuer/-wrong-sid): the provider
// loads rp's front-channel URI with iss and sid; a wrong one changes nothing.
func TestConformanceFrontChannelLogout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		iss    func(st *confStack) string
		sid    func(sid string) string
		status int
		ended  bool
	}{
		{"oidcc-client-test-rp-frontchannel-rpinitlogout", confIssuer, sameSID, http.StatusOK, true},
		{"rp-frontchannel-rpinitlogout-wrong-issuer", func(*confStack) string { return "https://example.org/" }, sameSID, http.StatusBadRequest, false},
		{"foyer-frontchannel-no-iss", func(*confStack) string { return "" }, sameSID, http.StatusBadRequest, false},
		{"rp-frontchannel-rpinitlogout-wrong-sid", confIssuer, func(string) string { return "RandomString" }, http.StatusOK, false},
		{"foyer-frontchannel-no-sid", confIssuer, func(string) string { return "" }, http.StatusBadRequest, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{})
			b := st.browser()
			st.signIn(b)
			sid, _ := st.claims(b)["sid"].(string)
			if sid == "" {
				t.Fatalf("the session has no sid claim")
			}
			q := url.Values{}
			if iss := tc.iss(st); iss != "" {
				q.Set("iss", iss)
			}
			if s := tc.sid(sid); s != "" {
				q.Set("sid", s)
			}
			// The provider's iframe: another browsing context, no rp cookies needed.
			r := stack.NewClient(t).Get(st.rpURL + "/auth/frontchannel-logout?" + q.Encode())
			if r.StatusCode != tc.status {
				t.Errorf("front-channel logout: got %d, want %d\n%s", r.StatusCode, tc.status, r)
			}
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("front-channel logout Cache-Control: got %q, want no-store", got)
			}
			if tc.ended {
				st.assertNoSession(b)
			} else if ui := st.userinfo(b); ui.StatusCode != http.StatusOK {
				t.Errorf("session after an ignored front-channel logout: want it kept (200)\n%s", ui)
			}
		})
	}
}

func confIssuer(st *confStack) string { return st.idp.Issuer }
func sameSID(s string) string         { return s }
