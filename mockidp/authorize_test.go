package mockidp

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// authURL builds an authorization URL for ts from params over valid
// defaults; a value of "-" removes the parameter.
func authURL(ts *TestServer, params map[string]string) string {
	q := url.Values{
		"client_id": {"demo"}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"st"}, "nonce": {"n"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	for k, v := range params {
		if v == "-" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return ts.Issuer + "/authorize?" + q.Encode()
}

func TestAuthorizeErrorPage(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithClients(
		Client{ID: "demo", Secret: "x", RedirectURIs: []string{testRedirect}},
	))
	tests := []struct {
		name string
		url  string
	}{
		{"unknown client", authURL(ts, map[string]string{"client_id": "nope"})},
		{"missing client", authURL(ts, map[string]string{"client_id": "-"})},
		{"repeated client", authURL(ts, nil) + "&client_id=demo"},
		{"missing redirect_uri", authURL(ts, map[string]string{"redirect_uri": "-"})},
		{"repeated redirect_uri", authURL(ts, nil) + "&redirect_uri=" + url.QueryEscape(testRedirect)},
		{"other host", authURL(ts, map[string]string{"redirect_uri": "http://evil.example/callback"})},
		{"longer path", authURL(ts, map[string]string{"redirect_uri": testRedirect + "/x"})},
		{"trailing slash", authURL(ts, map[string]string{"redirect_uri": testRedirect + "/"})},
		{"other port", authURL(ts, map[string]string{"redirect_uri": "http://127.0.0.1:5556/callback"})},
		{"extra query", authURL(ts, map[string]string{"redirect_uri": testRedirect + "?a=b"})},
		{"fragment", authURL(ts, map[string]string{"redirect_uri": testRedirect + "#f"})},
		{"userinfo", authURL(ts, map[string]string{"redirect_uri": "http://127.0.0.1:5555@evil.com/callback"})},
		{"case", authURL(ts, map[string]string{"redirect_uri": "HTTP://127.0.0.1:5555/callback"})},
		{"unknown client and bad everything", ts.Issuer + "/authorize?client_id=%ff&redirect_uri=%00"},
		{"garbage query", ts.Issuer + "/authorize?%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, newBrowser(t), tt.url)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("redirected to %q, want an error page", loc)
			}
			if !strings.Contains(body, "Request refused") {
				t.Errorf("body = %.200q, want the error page", body)
			}
		})
	}
}

func TestAuthorizeErrorRedirect(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	tests := []struct {
		name   string
		params map[string]string
		extra  string
		want   string
	}{
		{"missing response_type", map[string]string{"response_type": "-"}, "", "invalid_request"},
		{"token response_type", map[string]string{"response_type": "token"}, "", "unsupported_response_type"},
		{"hybrid response_type", map[string]string{"response_type": "code id_token"}, "", "unsupported_response_type"},
		{"missing scope", map[string]string{"scope": "-"}, "", "invalid_request"},
		{"unknown scope", map[string]string{"scope": "openid admin"}, "", "invalid_scope"},
		{"S512", map[string]string{"code_challenge_method": "S512"}, "", "invalid_request"},
		{"short challenge", map[string]string{"code_challenge": "abc"}, "", "invalid_request"},
		{"bad challenge chars", map[string]string{"code_challenge": strings.Repeat("+", 43)}, "", "invalid_request"},
		{"method without challenge", map[string]string{"code_challenge": "-"}, "", "invalid_request"},
		{"public client without PKCE", map[string]string{"client_id": "demo-public", "code_challenge": "-", "code_challenge_method": "-"}, "", "invalid_request"},
		{"repeated state", nil, "&state=other", "invalid_request"},
		{"repeated scope", nil, "&scope=openid", "invalid_request"},
		{"unknown prompt", map[string]string{"prompt": "maybe"}, "", "invalid_request"},
		{"prompt none with login", map[string]string{"prompt": "none login"}, "", "invalid_request"},
		{"negative max_age", map[string]string{"max_age": "-1"}, "", "invalid_request"},
		{"text max_age", map[string]string{"max_age": "soon"}, "", "invalid_request"},
		{"fragment response_mode", map[string]string{"response_mode": "fragment"}, "", "invalid_request"},
		{"request object", map[string]string{"request": "eyJ.x.y"}, "", "request_not_supported"},
		{"request_uri", map[string]string{"request_uri": "https://x"}, "", "request_uri_not_supported"},
		{"prompt none without session", map[string]string{"prompt": "none"}, "", "login_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := authURL(ts, tt.params) + tt.extra
			q := authorizeRedirect(t, newBrowser(t), u)
			if got := q.Get("error"); got != tt.want {
				t.Errorf("error = %q (%s), want %q", got, q.Get("error_description"), tt.want)
			}
			if q.Get("error_description") == "" {
				t.Error("no error_description")
			}
			if q.Get("code") != "" {
				t.Error("code issued with an error")
			}
			if got := q.Get("iss"); got != ts.Issuer {
				t.Errorf("iss = %q, want %q", got, ts.Issuer)
			}
			if tt.extra == "" {
				if got := q.Get("state"); got != "st" {
					t.Errorf("state = %q, want st", got)
				}
			}
		})
	}
}

func TestAuthorizeUnknownParameterIgnored(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	q := authorizeRedirect(t, newBrowser(t), authURL(ts, map[string]string{"foo": "bar", "ui_locales": "de"}))
	if q.Get("code") == "" {
		t.Errorf("no code: %v", q)
	}
}

func TestAuthorizeKeepsRedirectQuery(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithClients(Client{ID: "demo", Secret: "s", RedirectURIs: []string{"https://app.example/cb?tenant=a"}}))
	resp, _ := get(t, newBrowser(t), authURL(ts, map[string]string{"redirect_uri": "https://app.example/cb?tenant=a"}))
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "https://app.example/cb?tenant=a&") || !strings.Contains(loc, "code=") {
		t.Errorf("Location = %q, want the registered URI with its query and the code added", loc)
	}
}

func TestAuthorizePOST(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	u, _ := url.Parse(authURL(ts, nil))
	resp, body := postForm(t, newBrowser(t), ts.Issuer+"/authorize", u.Query(), "", "")
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Errorf("status %d, Location %q, body %.200q; want a redirect with a code", resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

func TestAuthorizeFormPost(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	resp, body := get(t, newBrowser(t), authURL(ts, map[string]string{"response_mode": "form_post"}))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	if !strings.Contains(body, `action="`+testRedirect+`"`) {
		t.Errorf("form does not post to the redirect URI: %s", body)
	}
	got := map[string]string{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		got[m[1]] = m[2]
	}
	if got["code"] == "" || got["state"] != "st" || got["iss"] != ts.Issuer {
		t.Errorf("form fields = %v, want code, state=st, iss=%s", got, ts.Issuer)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") {
		t.Errorf("CSP = %q, want a script hash", csp)
	}
}

func TestAuthorizeSessionPromptMaxAge(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	b := newBrowser(t)
	ctx := context.Background()
	authTime := func(code, verifier string) int64 {
		t.Helper()
		tok, err := rp.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		_, c := jwtParts(t, tok.Extra("id_token").(string))
		return int64(c["auth_time"].(float64))
	}
	first := authTime(rp.login(t, b, "s1", "n1"))

	// prompt=none with a session signs in silently with the same auth_time.
	v := oauth2.GenerateVerifier()
	q := authorizeRedirect(t, b, rp.conf.AuthCodeURL("s2", oauth2.SetAuthURLParam("prompt", "none"), oauth2.S256ChallengeOption(v)))
	if q.Get("code") == "" {
		t.Fatalf("prompt=none with a session: %v, want a code", q)
	}
	if got := authTime(q.Get("code"), v); got != first {
		t.Errorf("silent auth_time = %d, want %d", got, first)
	}

	ts.Advance(2 * time.Minute)
	// max_age=60 and prompt=none: the session is too old.
	q = authorizeRedirect(t, b, rp.conf.AuthCodeURL("s3", oauth2.SetAuthURLParam("prompt", "none"),
		oauth2.SetAuthURLParam("max_age", "60"), oauth2.S256ChallengeOption(v)))
	if q.Get("error") != "login_required" {
		t.Errorf("prompt=none, max_age exceeded: %v, want login_required", q)
	}
	// max_age=60 alone: a fresh sign-in with a new auth_time.
	q = authorizeRedirect(t, b, rp.conf.AuthCodeURL("s4", oauth2.SetAuthURLParam("max_age", "60"), oauth2.S256ChallengeOption(v)))
	if got := authTime(q.Get("code"), v); got <= first {
		t.Errorf("auth_time after max_age = %d, want > %d", got, first)
	}
	// prompt=login forces a new sign-in too.
	ts.Advance(time.Minute)
	q = authorizeRedirect(t, b, rp.conf.AuthCodeURL("s5", oauth2.SetAuthURLParam("prompt", "login"), oauth2.S256ChallengeOption(v)))
	if got := authTime(q.Get("code"), v); got < first+180 {
		t.Errorf("auth_time after prompt=login = %d, want >= %d", got, first+180)
	}
}

func TestAuthorizeLoginHintAndQueue(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	sub := func(b *http.Client, opts ...oauth2.AuthCodeOption) (string, map[string]any) {
		t.Helper()
		v := oauth2.GenerateVerifier()
		q := authorizeRedirect(t, b, rp.conf.AuthCodeURL("s", append(opts, oauth2.S256ChallengeOption(v))...))
		tok, err := rp.conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		_, c := jwtParts(t, tok.Extra("id_token").(string))
		return c["sub"].(string), c
	}
	if got, _ := sub(newBrowser(t), oauth2.SetAuthURLParam("login_hint", "bob")); got != "bob" {
		t.Errorf("login_hint=bob: sub = %q", got)
	}
	if got, _ := sub(newBrowser(t), oauth2.SetAuthURLParam("login_hint", "bob@example.com")); got != "bob" {
		t.Errorf("login_hint=bob@example.com: sub = %q", got)
	}
	if got, _ := sub(newBrowser(t), oauth2.SetAuthURLParam("login_hint", "nobody")); got != "alice" {
		t.Errorf("unknown login_hint: sub = %q, want the first user", got)
	}
	ts.QueueLogin("other-client", User{Subject: "zed"})
	ts.QueueLogin("", User{Subject: "bob", Claims: map[string]any{"name": "Robert", "tenant": "t1"}})
	b := newBrowser(t)
	got, c := sub(b)
	if got != "bob" || c["name"] != "Robert" || c["tenant"] != "t1" || c["email"] != "bob@example.com" {
		t.Errorf("queued login: claims = %v, want bob with merged claims", c)
	}
	// The queued login started a session: the next sign-in is silent and bob again.
	if got, _ := sub(b); got != "bob" {
		t.Errorf("after queued login: sub = %q, want bob (session)", got)
	}
}
