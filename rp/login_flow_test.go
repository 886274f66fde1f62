package rp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

func TestSignInAndUserInfo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	if h.signedIn(h.client) {
		t.Fatal("signed in before signing in")
	}
	h.signIn(h.client)
	resp, body := h.get(h.client, "/auth/userinfo")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo status = %d, want 200", resp.StatusCode)
	}
	var got struct {
		Provider  string         `json:"provider"`
		Iss       string         `json:"iss"`
		Sub       string         `json:"sub"`
		Email     string         `json:"email"`
		Name      string         `json:"name"`
		Groups    []string       `json:"groups"`
		Claims    map[string]any `json:"claims"`
		ExpiresAt string         `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("userinfo JSON: %v: %s", err, body)
	}
	if got.Provider != "mock" || got.Iss != h.idp.Issuer || got.Sub != "alice" {
		t.Errorf("identity = (%q, %q, %q), want (mock, %q, alice)", got.Provider, got.Iss, got.Sub, h.idp.Issuer)
	}
	if got.Email != "alice@example.com" || got.Name != "Alice Example" {
		t.Errorf("email, name = %q, %q; want alice@example.com, Alice Example", got.Email, got.Name)
	}
	if !slices.Equal(got.Groups, []string{"admins", "users"}) {
		t.Errorf("groups = %q, want [admins users]", got.Groups)
	}
	if got.Claims["nonce"] == nil || got.Claims["aud"] == nil {
		t.Errorf("claims lack ID token claims: %v", got.Claims)
	}
	exp, err := time.Parse(time.RFC3339, got.ExpiresAt)
	if err != nil || exp.Sub(h.clock.Now()) > 12*time.Hour || exp.Sub(h.clock.Now()) < 12*time.Hour-time.Minute {
		t.Errorf("expires_at = %q (%v), want about now + 12h (the default absolute lifetime)", got.ExpiresAt, err)
	}
	// The home page shows who is signed in.
	_, page := h.get(h.client, "/")
	if !strings.Contains(page, `data-testid="user-sub">alice<`) || !strings.Contains(page, "alice@example.com") {
		t.Errorf("home page does not show alice: %s", truncate(page, 500))
	}
}

func TestUnverifiedEmailIsNotExposed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	h.idp.QueueLogin("", mockidp.User{Subject: "alice", Claims: map[string]any{"email_verified": false}})
	h.signIn(h.client)
	_, body := h.get(h.client, "/auth/userinfo")
	var got struct {
		Email *string `json:"email"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Email != nil {
		t.Errorf("email = %q for an unverified address, want it absent", *got.Email)
	}
}

func TestRequireLoginAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	c := noFollow(h.client)
	tests := []struct {
		name       string
		header     []string
		wantStatus int
	}{
		{"navigation", []string{"Sec-Fetch-Mode", "navigate"}, http.StatusFound},
		{"plain GET", nil, http.StatusFound},
		{"JSON API", []string{"Accept", "application/json"}, http.StatusUnauthorized},
		{"fetch", []string{"Sec-Fetch-Mode", "cors"}, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		resp, body := h.get(c, "/app/x?y=1", tc.header...)
		if resp.StatusCode != tc.wantStatus {
			t.Errorf("%s: status = %d, want %d", tc.name, resp.StatusCode, tc.wantStatus)
			continue
		}
		if tc.wantStatus == http.StatusFound {
			if loc := resp.Header.Get("Location"); loc != "/auth/login?rd=%2Fapp%2Fx%3Fy%3D1" {
				t.Errorf("%s: Location = %q, want sign-in with rd", tc.name, loc)
			}
		} else if !strings.Contains(body, `"error": "unauthorized"`) {
			t.Errorf("%s: body = %q, want a JSON error", tc.name, body)
		}
	}
}

func TestLoginRedirectCarriesPKCEStateNonce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	resp, _ := h.get(noFollow(h.client), "/auth/login")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want 302", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
		t.Errorf("PKCE = %q %q, want S256 and a 43-char challenge", q.Get("code_challenge_method"), q.Get("code_challenge"))
	}
	if len(q.Get("state")) < 43 || len(q.Get("nonce")) < 43 {
		t.Errorf("state/nonce too short: %q %q", q.Get("state"), q.Get("nonce"))
	}
	if q.Get("redirect_uri") != h.srv.URL+"/auth/callback" {
		t.Errorf("redirect_uri = %q, want %q", q.Get("redirect_uri"), h.srv.URL+"/auth/callback")
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
}

func TestReturnPathAfterSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	payloads := append(loadPayloads(t), "/app/deep?x=1")
	for _, rd := range payloads {
		c := noFollow(h.newBrowser())
		// Step through: login -> provider -> callback, then read where the callback sends us.
		resp, _ := h.get(c, "/auth/login?rd="+url.QueryEscape(rd))
		for range 5 {
			if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("rd %q: status %d before the callback finished", rd, resp.StatusCode)
			}
			loc := resp.Header.Get("Location")
			if strings.HasPrefix(loc, h.srv.URL+"/auth/callback") {
				resp, _ = h.get(c, loc)
				break
			}
			resp, _ = h.get(c, loc)
		}
		want := "/"
		if rd == "/app/deep?x=1" {
			want = rd
		}
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("rd %q: callback answered %d to %q, want 303 to %q", rd, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}

func TestParallelSignInsInTwoTabs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	c := noFollow(h.client)
	// Two tabs start signing in; neither has finished.
	tab1, _ := h.get(c, "/auth/login?rd=/app/one")
	tab2, _ := h.get(c, "/auth/login?rd=/app/two")
	// The provider answers each (auto login), giving two callback URLs.
	cb1, _ := h.get(c, tab1.Header.Get("Location"))
	cb2, _ := h.get(c, tab2.Header.Get("Location"))
	// Finish them in reverse order: both must succeed.
	for _, tc := range []struct {
		cb   *http.Response
		want string
	}{{cb2, "/app/two"}, {cb1, "/app/one"}} {
		resp, body := h.get(c, tc.cb.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
			t.Errorf("callback: %d to %q, want 303 to %q (%s)", resp.StatusCode, resp.Header.Get("Location"), tc.want, truncate(body, 200))
		}
	}
}

func TestLoginCookiesAreCapped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.MaxLoginAttempts = 3 }})
	c := noFollow(h.client)
	for range 10 {
		h.get(c, "/auth/login")
	}
	u, _ := url.Parse(h.srv.URL)
	n := 0
	for _, ck := range c.Jar.Cookies(u) {
		if strings.HasPrefix(ck.Name, loginCookiePrefix) {
			n++
		}
	}
	if n != 3 {
		t.Errorf("login cookies after 10 attempts = %d, want 3", n)
	}
}

func TestLostLoginRestartsOnceThenExplains(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	c := noFollow(h.client)
	// A callback whose login cookie is gone (bookmark, back button, forged state).
	cb := "/auth/callback?code=abc&state=unknown-state&iss=" + url.QueryEscape(h.idp.Issuer)
	resp, _ := h.get(c, cb)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/auth/login?provider=mock" {
		t.Fatalf("first lost callback: %d to %q, want 303 to /auth/login?provider=mock", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := h.get(c, cb)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired or was already used") {
		t.Fatalf("second lost callback: %d %q, want 400 with a friendly page", resp.StatusCode, truncate(body, 300))
	}
	if n := h.calls.exchange.Load(); n != 0 {
		t.Errorf("token endpoint called %d times for unknown states, want 0", n)
	}
	// JSON clients get JSON.
	resp, body = h.get(h.newBrowser(), cb, "Accept", "application/json")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"error": "login_expired"`) {
		t.Errorf("JSON lost callback: %d %q", resp.StatusCode, body)
	}
}

func TestCallbackReplayFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	c := noFollow(h.client)
	resp, _ := h.get(c, "/auth/login")
	resp, _ = h.get(c, resp.Header.Get("Location"))
	cb := resp.Header.Get("Location")
	if resp, _ = h.get(c, cb); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first callback: %d, want 303", resp.StatusCode)
	}
	before := h.calls.exchange.Load()
	h.get(c, cb) // restart (state is single use)
	resp, _ = h.get(c, cb)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: %d, want 400", resp.StatusCode)
	}
	if n := h.calls.exchange.Load() - before; n != 0 {
		t.Errorf("replayed callback redeemed the code %d more times", n)
	}
}
