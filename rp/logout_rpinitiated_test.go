package rp

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	h.signIn(h.client)
	post := func(c *http.Client, form url.Values, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/auth/logout", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	nf := noFollow(h.client)
	_, page := h.get(h.client, "/auth/logout")
	m := csrfField.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `data-testid="sign-out"`) {
		t.Fatalf("logout page has no form with a CSRF token: %s", truncate(page, 400))
	}
	csrf := m[1]
	// CSRF: a cross-site form without the token, with a wrong token, or from another origin.
	for name, tc := range map[string]struct {
		form   url.Values
		origin string
	}{
		"no token":     {url.Values{}, ""},
		"wrong token":  {url.Values{"csrf": {flip(csrf, 0)}}, ""},
		"other origin": {url.Values{"csrf": {csrf}}, "https://evil.example"},
	} {
		if resp := post(nf, tc.form, tc.origin); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, resp.StatusCode)
		}
		if !h.signedIn(h.client) {
			t.Fatalf("%s: signed out by a forged request", name)
		}
	}
	idToken := h.session(h.client).Tokens.IDToken
	stolen := h.newBrowser()
	u, _ := url.Parse(h.srv.URL)
	stolen.Jar.SetCookies(u, h.client.Jar.Cookies(u))
	resp := post(nf, url.Values{"csrf": {csrf}}, h.srv.URL)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d, want 303", resp.StatusCode)
	}
	end, _ := url.Parse(resp.Header.Get("Location"))
	q := end.Query()
	if !strings.HasPrefix(end.String(), h.idp.Issuer+"/end_session") || q.Get("id_token_hint") != idToken ||
		q.Get("client_id") != "demo" || q.Get("post_logout_redirect_uri") != h.srv.URL+"/auth/logout/done" || q.Get("state") == "" {
		t.Errorf("end_session redirect = %s; want id_token_hint, client_id, post_logout_redirect_uri and state", end.Redacted())
	}
	if h.signedIn(h.client) {
		t.Fatal("still signed in after logout")
	}
	if h.signedIn(stolen) {
		t.Error("a copy of the session cookie still works after sign-out")
	}
	// Follow the provider back to the signed-out page.
	resp, body := h.get(h.client, end.String())
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/auth/logout/done" ||
		!strings.Contains(body, `data-testid="signed-out"`) || !strings.Contains(body, "also signed out at your sign-in provider") {
		t.Errorf("after the provider: %d at %s: %s", resp.StatusCode, resp.Request.URL.Path, truncate(body, 300))
	}
	// The provider session is over too: the next sign-in needs the provider again, and works.
	h.signIn(h.client)
}

func TestLoggedOutPageWithoutState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	for _, path := range []string{"/auth/logout/done", "/auth/logout/done?state=RandomString"} {
		resp, body := h.get(h.client, path)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "also signed out") || !strings.Contains(body, "signed out") {
			t.Errorf("%s: %d, want 200 and no claim of a provider sign-out", path, resp.StatusCode)
		}
	}
}

func TestLogoutWhenSignedOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	resp, err := noFollow(h.client).PostForm(h.srv.URL+"/auth/logout", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/auth/logout/done" {
		t.Errorf("signed-out POST /auth/logout: %d to %q, want 303 to /auth/logout/done", resp.StatusCode, resp.Header.Get("Location"))
	}
}
