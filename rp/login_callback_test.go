package rp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// TestCallbackRepeatedParameters: an authorization response that repeats state,
// code or error is refused with 400 and creates no session, even when the first
// values are the valid ones.
func TestCallbackRepeatedParameters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	for name, extra := range map[string]string{
		"state": "&state=other", "code": "&code=other", "error": "&error=a&error=b",
	} {
		c := noFollow(h.newBrowser())
		next := h.callbackURL(t, c, "/app/")
		resp, _ := h.get(c, next+extra)
		u, _ := url.Parse(h.srv.URL)
		signedIn := false
		for _, ck := range c.Jar.Cookies(u) {
			signedIn = signedIn || strings.Contains(ck.Name, sessionCookie)
		}
		if resp.StatusCode != http.StatusBadRequest || signedIn {
			t.Errorf("repeated %s: got %d, signed in %v; want 400 and no session", name, resp.StatusCode, signedIn)
		}
	}
}

func TestFormPost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].FormPost = true }})
	c := h.client
	resp, page := h.get(c, "/auth/login?rd=/app/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `method="post"`) {
		t.Fatalf("provider did not answer with a form_post page: %d %s", resp.StatusCode, truncate(page, 300))
	}
	resp, body := h.submitFormPost(c, page)
	if resp.StatusCode != http.StatusOK || body != "hello alice" {
		t.Fatalf("form_post callback: %d %q, want 200 hello alice", resp.StatusCode, truncate(body, 300))
	}
}

func TestFormPostLoginCookieIsSameSiteNone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].FormPost = true }})
	// With an https public URL the login cookie must be SameSite=None; Secure; __Host-.
	p, err := New(t.Context(), Config{
		PublicURL:     "https://app.example.com",
		Providers:     []ProviderConfig{{ID: "mock", Issuer: h.idp.Issuer, ClientID: "demo", ClientSecret: "demo-secret", FormPost: true}},
		CookieSecrets: [][]byte{testSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, formPost := range []bool{true, false} {
		p.providers["mock"].cfg.FormPost = formPost
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "https://app.example.com/auth/login", nil))
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("login set %d cookies, want 1", len(cookies))
		}
		c := cookies[0]
		want := http.SameSiteLaxMode
		if formPost {
			want = http.SameSiteNoneMode
		}
		if !strings.HasPrefix(c.Name, "__Host-foyer_login_") || !c.Secure || !c.HttpOnly || c.SameSite != want || c.Path != "/" || c.MaxAge != 600 {
			t.Errorf("form_post=%v: login cookie %q Secure=%v HttpOnly=%v SameSite=%v Path=%q MaxAge=%d; want __Host-, Secure, HttpOnly, SameSite=%v, Path=/, 600",
				formPost, c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.MaxAge, want)
		}
	}
}

// TestForgedProviderFailure: an error response saying the provider failed, with no
// sign-in of this browser behind it, is a 4xx: it must not show as a server failure.
func TestForgedProviderFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	for _, e := range []string{"server_error", "temporarily_unavailable"} {
		resp, _ := h.get(h.newBrowser(), "/auth/callback?error="+e+"&state=forged")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged error=%s: got %d, want 400", e, resp.StatusCode)
		}
	}
}

// TestTokenEndpointUnreachable: a code that comes back while the provider has gone
// away (or answers after rp's timeout) ends on the same 503 "cannot be reached"
// page as a provider that is down at start, not on a 502 "did not answer properly".
func TestTokenEndpointUnreachable(t *testing.T) {
	t.Parallel()
	for name, breakIt := range map[string]func(h *harness){
		"down": func(h *harness) { h.idp.Server.Close() },
		"slow": func(h *harness) { h.idp.InjectFault(mockidp.Fault{Delay: time.Minute}) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpt{cfg: func(c *Config) {
				c.HTTPClient = &http.Client{Transport: c.HTTPClient.Transport, Timeout: time.Second}
			}})
			c := noFollow(h.newBrowser())
			next := h.callbackURL(t, c, "/app/")
			breakIt(h)
			resp, body := h.get(c, next)
			if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached right now") {
				t.Errorf("callback with the token endpoint %s: got %d %.200q, want 503 \"cannot be reached right now\"", name, resp.StatusCode, body)
			}
			u, _ := url.Parse(h.srv.URL)
			for _, ck := range c.Jar.Cookies(u) {
				if strings.Contains(ck.Name, sessionCookie) {
					t.Errorf("session cookie %s set", ck.Name)
				}
			}
		})
	}
}
