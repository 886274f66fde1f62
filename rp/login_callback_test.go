package rp

import (
	"html"
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
// TestCallbackRepeatedParameters: a callback whose state, code or iss comes twice is
// refused, whichever copy is the forged one: put before the provider's (what a
// reader of the first value takes) or after it (what a reader of the last takes); an
// error put beside the provider's code fails the sign-in. No code is redeemed.
func TestCallbackRepeatedParameters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	for _, tc := range []struct {
		name, forged string
		status       int
	}{
		{"state", "state=forged", http.StatusBadRequest},
		{"code", "code=forged", http.StatusBadRequest},
		{"iss", "iss=https%3A%2F%2Fevil.example", http.StatusBadRequest},
		// An error beside the provider's code: the sign-in fails, the code is not redeemed.
		{"error", "error=access_denied", http.StatusForbidden},
	} {
		for _, forgedFirst := range []bool{true, false} {
			c := noFollow(h.newBrowser())
			cb, _ := url.Parse(h.callbackURL(t, c, "/app/"))
			real := cb.RawQuery
			if tc.name == "iss" && !strings.Contains(real, "iss=") {
				real += "&iss=" + url.QueryEscape(h.idp.Issuer) // the provider's own, so iss comes twice
			}
			if forgedFirst {
				cb.RawQuery = tc.forged + "&" + real
			} else {
				cb.RawQuery = real + "&" + tc.forged
			}
			resp, _ := h.get(c, cb.String())
			u, _ := url.Parse(h.srv.URL)
			signedIn := false
			for _, ck := range c.Jar.Cookies(u) {
				signedIn = signedIn || strings.Contains(ck.Name, sessionCookie)
			}
			if resp.StatusCode != tc.status || signedIn {
				t.Errorf("%s forged, first %v: got %d, signed in %v; want %d and no session", tc.name, forgedFirst, resp.StatusCode, signedIn, tc.status)
			}
		}
	}
	if n := h.calls.exchange.Load(); n != 0 {
		t.Errorf("%d codes were redeemed for callbacks with repeated parameters, want 0", n)
	}
}

// TestFormPostReadsOnlyTheBody: with response_mode=form_post, the answer is the POST
// body. A state or code put in the callback URL's query beside it is not read: a
// forged one does not decide, and the body's own must be right.
func TestFormPostReadsOnlyTheBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].FormPost = true }})
	for _, tc := range []struct {
		name  string
		edit  func(action *url.URL, form url.Values)
		guard bool // signed in afterwards
	}{
		{"forged state in the query beside the body's", func(a *url.URL, f url.Values) { a.RawQuery = "state=forged" }, true},
		{"forged code in the query beside the body's", func(a *url.URL, f url.Values) { a.RawQuery = "code=forged" }, true},
		{"the body's state moved to the query", func(a *url.URL, f url.Values) {
			a.RawQuery = "state=" + url.QueryEscape(f.Get("state"))
			f.Del("state")
		}, false},
		{"state twice in the body, forged first", func(a *url.URL, f url.Values) { f["state"] = append([]string{"forged"}, f["state"]...) }, false},
		{"state twice in the body, forged last", func(a *url.URL, f url.Values) { f.Add("state", "forged") }, false},
	} {
		c := h.newBrowser()
		_, page := h.get(c, "/auth/login?rd=/app/")
		m := formAction.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s: no form_post page: %s", tc.name, truncate(page, 300))
		}
		action, _ := url.Parse(html.UnescapeString(m[1]))
		form := url.Values{}
		for _, in := range hiddenInput.FindAllStringSubmatch(page, -1) {
			form.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
		}
		tc.edit(action, form)
		resp, err := noFollow(c).PostForm(action.String(), form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := h.signedIn(c); got != tc.guard {
			t.Errorf("%s: %d, signed in %v; want signed in = %v", tc.name, resp.StatusCode, got, tc.guard)
		}
	}
}

// TestReturnPathRepeated: rd given twice, an off-site target before or after a
// local one, never sends the browser off-site after sign-in.
func TestReturnPathRepeated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	for _, evil := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example/", "/%2F%2Fevil.example/"} {
		for _, q := range []string{"rd=" + url.QueryEscape(evil) + "&rd=%2Fapp%2F", "rd=%2Fapp%2F&rd=" + url.QueryEscape(evil)} {
			c := noFollow(h.newBrowser())
			next := h.srv.URL + "/auth/login?" + q
			var resp *http.Response
			for range 6 {
				resp, _ = h.get(c, next)
				loc := resp.Header.Get("Location")
				if strings.HasPrefix(next, h.srv.URL+"/auth/callback") || loc == "" {
					break
				}
				next = loc
			}
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
				t.Errorf("%s: after sign-in: %d to %q, want 303 to a local path", q, resp.StatusCode, loc)
			}
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
