package integration

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// lastDelivery returns the last back-channel logout the provider sent.
func (st *confStack) lastDelivery() mockidp.BackchannelLogout {
	st.t.Helper()
	sent := st.idp.BackchannelLogouts()
	if len(sent) == 0 {
		st.t.Fatalf("the provider sent no logout token")
	}
	return sent[len(sent)-1]
}

// endAliceAtProvider ends alice's sessions at the provider, which sends
// rp the logout tokens itself (with any queued logout token fault).
func (st *confStack) endAliceAtProvider(want int) {
	st.t.Helper()
	if n := st.idp.EndSessions(context.Background(), "alice"); n != want {
		st.t.Fatalf("EndSessions(alice) ended %d sessions, want %d", n, want)
	}
}

// TestConformanceLogoutTokenFaults has the mock provider itself deliver
// each broken logout token (mockidp.Fault.LogoutToken*) over the back
// channel, as a misbehaving provider would: rp answers 400, logs why and
// keeps the session.
func TestConformanceLogoutTokenFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  mockidp.Fault
		reason string
	}{
		{"bad-signature", mockidp.Fault{LogoutTokenSigning: mockidp.SigningBadSignature}, "verify"},
		{"unknown-key", mockidp.Fault{LogoutTokenSigning: mockidp.SigningUnknownKey}, "verify"},
		{"alg-none", mockidp.Fault{LogoutTokenSigning: mockidp.SigningNone}, `unexpected signature algorithm "none"`},
		{"hs256-client-secret", mockidp.Fault{LogoutTokenSigning: mockidp.SigningHS256ClientSecret}, `unexpected signature algorithm "HS256"`},
		{"missing-events", mockidp.Fault{LogoutTokenClaims: map[string]any{"events": nil}}, "missing required"},
		{"nonce-present", mockidp.Fault{LogoutTokenClaims: map[string]any{"nonce": "012345678"}}, "must not contain a 'nonce'"},
		{"wrong-aud", mockidp.Fault{LogoutTokenClaims: map[string]any{"aud": "another-client"}}, "expected logout token audience"},
		{"old-iat", mockidp.Fault{LogoutTokenTimes: map[string]time.Duration{"iat": -2 * time.Hour}}, "too old"},
		{"iat-in-future", mockidp.Fault{LogoutTokenTimes: map[string]time.Duration{"iat": 10 * time.Minute}}, "in the future"},
		{"no-sid-no-sub", mockidp.Fault{LogoutTokenClaims: map[string]any{"sid": nil, "sub": nil}}, "'sub' claim, a 'sid' claim"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{})
			b := st.browser()
			st.signIn(b)
			f := tc.fault
			f.ClientID = "demo"
			st.idp.InjectFault(f)
			st.endAliceAtProvider(1)
			if got := st.lastDelivery(); got.StatusCode != http.StatusBadRequest {
				t.Errorf("rp's answer to the broken logout token: got %d (err %v), want 400", got.StatusCode, got.Err)
			}
			if !st.log.has("back-channel logout rejected", tc.reason) {
				t.Errorf("rp log: no \"back-channel logout rejected\" line with reason containing %q\n%s", tc.reason, st.log)
			}
			if ui := st.userinfo(b); ui.StatusCode != http.StatusOK {
				t.Errorf("session after a rejected logout token: want it kept (200)\n%s", ui)
			}
		})
	}

	// A valid token ends the first session; the next one, for a second
	// session, replays its jti: rp refuses it and the second session stays.
	t.Run("replayed-jti", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		first := st.browser()
		st.signIn(first)
		st.endAliceAtProvider(1)
		if got := st.lastDelivery(); got.StatusCode != http.StatusOK {
			t.Fatalf("valid logout token: got %d (err %v), want 200\n%s", got.StatusCode, got.Err, st.log)
		}
		st.assertNoSession(first)
		second := st.browser()
		st.signIn(second)
		st.idp.InjectFault(mockidp.Fault{ClientID: "demo", LogoutTokenReplayJTI: true})
		st.endAliceAtProvider(1)
		if got := st.lastDelivery(); got.StatusCode != http.StatusBadRequest {
			t.Errorf("replayed jti: got %d, want 400", got.StatusCode)
		}
		if !st.log.has("back-channel logout rejected", "replayed") {
			t.Errorf("rp log: no rejection of the replayed jti\n%s", st.log)
		}
		if ui := st.userinfo(second); ui.StatusCode != http.StatusOK {
			t.Errorf("second session after a replayed logout token: want it kept (200)\n%s", ui)
		}
	})

	// alice's logout token names bob's session: alice's own session is not
	// the one it names, so it must survive. (rp ends the session a sid
	// names; checking that its sub matches too is optional in Back-Channel
	// Logout 1.0 2.6, and rp does not.)
	t.Run("sid-of-another-session", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		alice := st.browser()
		st.signIn(alice)
		bob := st.browser()
		st.idp.QueueLogin("demo", mockidp.User{Subject: "bob"})
		if r := st.attempt(bob); r.StatusCode != http.StatusOK {
			t.Fatalf("bob's sign-in: %s", r)
		}
		bobSID := st.claims(bob)["sid"]
		st.idp.InjectFault(mockidp.Fault{ClientID: "demo", LogoutTokenOtherSID: true})
		st.endAliceAtProvider(1)
		got := st.lastDelivery()
		if got.Subject != "alice" {
			t.Fatalf("delivery: %+v", got)
		}
		if ui := st.userinfo(alice); ui.StatusCode != http.StatusOK {
			t.Errorf("alice's session after a logout token naming bob's sid: want it kept (200)\n%s", ui)
		}
		t.Logf("rp answered %d; bob's session (sid %v) after it: %d", got.StatusCode, bobSID, st.userinfo(bob).StatusCode)
	})
}

// TestConformanceEndSessionFaults signs out through rp while the mock's
// end_session misbehaves (mockidp.Fault.EndSession*): the local session
// always ends, and rp never claims a provider sign-out it cannot prove.
func TestConformanceEndSessionFaults(t *testing.T) {
	t.Parallel()

	t.Run("provider-error-page", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{})
		b := st.browser()
		st.signIn(b)
		st.idp.InjectFault(mockidp.Fault{ClientID: "demo", EndSessionStatus: http.StatusServiceUnavailable, EndSessionBody: "<p>maintenance</p>"})
		r := st.startLogout(b)
		st.assertNoSession(b) // ended at rp before the provider answered
		if done := b.Follow(r); done.StatusCode != http.StatusServiceUnavailable || !strings.Contains(done.Text(), "maintenance") {
			t.Errorf("the provider's error page: want 503 \"maintenance\"\n%s", done)
		}
		if sent := st.idp.BackchannelLogouts(); len(sent) != 0 {
			t.Errorf("the failed end_session sent %d logout tokens, want none", len(sent))
		}
	})

	for _, tc := range []struct {
		name  string
		fault mockidp.Fault
	}{
		{"wrong-state", mockidp.Fault{EndSessionState: "RandomString"}},
		{"no-state", mockidp.Fault{EndSessionState: mockidp.FaultOmit}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{})
			b := st.browser()
			st.signIn(b)
			f := tc.fault
			f.ClientID = "demo"
			st.idp.InjectFault(f)
			done := b.Follow(st.startLogout(b))
			if !strings.HasPrefix(done.URL.String(), st.rpURL+"/auth/logout/done") || done.StatusCode != http.StatusOK {
				t.Fatalf("want rp's signed-out page\n%s", done)
			}
			if text := done.Text(); !strings.Contains(text, confMsgLocalSignedOut) || strings.Contains(text, confMsgProviderSignedOut) {
				t.Errorf("signed-out page: got %q, want only %q", text, confMsgLocalSignedOut)
			}
			st.assertNoSession(b)
		})
	}

	// The provider sends the browser somewhere else at rp than the
	// registered post-logout URI. rp's callback must not take it for a
	// sign-in (it may only start a new one at the provider), and its
	// signed-out page must not follow a smuggled redirect.
	for _, tc := range []struct {
		name, path string
		check      func(t *testing.T, st *confStack, r *stack.Response)
	}{
		{"redirect-to-callback", "/auth/callback", func(t *testing.T, st *confStack, r *stack.Response) {
			loc := r.Header.Get("Location")
			restart := strings.HasPrefix(loc, "/auth/login?") || strings.HasPrefix(loc, st.rpURL+"/auth/login?") ||
				strings.HasPrefix(loc, st.idp.Issuer+"/authorize?")
			if r.StatusCode < 400 && !(stack.IsRedirect(r.StatusCode) && restart) {
				t.Errorf("rp's callback reached with only a state: got %d to %q, want an error or a new sign-in\n%s", r.StatusCode, loc, r)
			}
		}},
		{"redirect-with-open-redirect", "/auth/logout/done?rd=https://evil.example/&next=https://evil.example/", func(t *testing.T, st *confStack, r *stack.Response) {
			if r.StatusCode != http.StatusOK || r.Header.Get("Location") != "" {
				t.Errorf("want rp's own signed-out page, no redirect\n%s", r)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{})
			b := st.browser()
			st.signIn(b)
			st.idp.InjectFault(mockidp.Fault{ClientID: "demo", EndSessionRedirect: st.rpURL + tc.path})
			atProvider := b.Get(st.startLogout(b).Location(t).String())
			loc := atProvider.Location(t)
			if !strings.HasPrefix(loc.String(), st.rpURL+strings.SplitN(tc.path, "?", 2)[0]) {
				t.Fatalf("the mock's end_session: want a redirect to %s\n%s", tc.path, atProvider)
			}
			r := b.Get(loc.String()) // one step: rp's own answer
			tc.check(t, st, r)
			st.assertNoSession(b)
		})
	}
}

// TestConformanceIntrospectionFaults: rp checks API bearer tokens at the
// mock's introspection endpoint (rp.BearerConfig.Introspection), which
// answers inactive, with claims that do not fit, with garbage, or too
// slowly (mockidp.Fault.Introspect*). Only a proper active answer lets the
// request through; a broken endpoint is 503, never a pass.
func TestConformanceIntrospectionFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  *mockidp.Fault
		status int
		// timeout is rp's introspection timeout. Only the slow case needs rp
		// to give up soon; the others keep the default (5 s), as a loaded
		// machine may take longer than 300 ms to answer at all.
		timeout time.Duration
	}{
		{"active", nil, http.StatusOK, 0},
		{"inactive", &mockidp.Fault{IntrospectInactive: true}, http.StatusUnauthorized, 0},
		{"other-audience", &mockidp.Fault{IntrospectClaims: map[string]any{"aud": "another-api"}}, http.StatusUnauthorized, 0},
		{"refresh-token-type", &mockidp.Fault{IntrospectClaims: map[string]any{"token_type": "refresh_token"}}, http.StatusUnauthorized, 0},
		{"garbage", &mockidp.Fault{IntrospectStatus: http.StatusOK, IntrospectBody: "<html>oops"}, http.StatusServiceUnavailable, 0},
		{"server-error", &mockidp.Fault{IntrospectStatus: http.StatusInternalServerError}, http.StatusServiceUnavailable, 0},
		{"slow", &mockidp.Fault{IntrospectInactive: true, Delay: 5 * time.Second}, http.StatusServiceUnavailable, 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := startConf(t, confOptions{provider: func(pc *rp.ProviderConfig) {
				pc.Bearer = rp.BearerConfig{Enabled: true, Introspection: rp.IntrospectAll, IntrospectionTimeout: tc.timeout}
			}})
			// A service's own token for rp's client (aud "demo").
			resp := stack.NewClient(t).PostForm(st.idp.Issuer+"/token", url.Values{"grant_type": {"client_credentials"},
				"client_id": {"demo"}, "client_secret": {"demo-secret"}})
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			resp.JSON(t, &tok)
			if tc.fault != nil {
				f := *tc.fault
				f.ClientID = "demo" // rp introspects as its own client
				st.idp.InjectFault(f)
			}
			c := stack.NewClient(t)
			req := c.NewRequest(http.MethodGet, st.rpURL+confApp, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			r := c.Do(req)
			if r.StatusCode != tc.status {
				t.Errorf("API request: got %d, want %d\n%s\nrp log:\n%s", r.StatusCode, tc.status, r, st.log)
			}
			if tc.status == http.StatusOK && string(r.Body) != "landed as demo" {
				t.Errorf("API request: %q, want the service's identity", r.Body)
			}
			if tc.status == http.StatusUnauthorized && !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate: %q, want error=\"invalid_token\"", r.Header.Get("WWW-Authenticate"))
			}
			// The mock records a request once it has answered it; the slow one is
			// answered when rp gives up on it, which may be after rp's 503 got here.
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a hang guard
			defer cancel()
			_ = stack.Poll(ctx, 5*time.Millisecond, func() error {
				if len(st.idp.Requests("introspect")) == 0 {
					return errNotYet
				}
				return nil
			})
			if n := len(st.idp.Requests("introspect")); n != 1 {
				t.Errorf("introspection requests: %d, want 1", n)
			}
		})
	}
}

// errNotYet is what a polled condition returns until it holds.
var errNotYet = errors.New("not yet")
