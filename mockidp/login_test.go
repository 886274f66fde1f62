package mockidp

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

var requestField = regexp.MustCompile(`name="request" value="([^"]+)"`)

// loginPage opens the login form for a fresh authorization request and
// returns the pending request ID and the verifier.
func loginPage(t *testing.T, ts *TestServer, rp *rpClient, b *http.Client) (id, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	resp, body := get(t, b, rp.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want the login page", resp.StatusCode)
	}
	m := requestField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no request field in %s", body)
	}
	return m[1], verifier
}

func TestLoginPage(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithLogin(LoginForm))
	rp := newRP(t, ts)
	resp, body := get(t, newBrowser(t), rp.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	for _, want := range []string{"Alice Example", "Bob Example", `name="sub"`, `name="claims"`, "Deny access", `<html lang="en" dir="ltr">`, `<label for="claims">`} {
		if !strings.Contains(body, want) {
			t.Errorf("login page lacks %q", want)
		}
	}
	for _, bad := range []string{"<link", " src=", "http://", "https://"} {
		if strings.Contains(body, bad) {
			t.Errorf("login page contains %q: it must need no external assets", bad)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q, want default-src 'none'", csp)
	}
	// Browsers apply form-action to the redirect that follows the form's
	// POST, so form-action 'self' would block the way back to the client.
	if strings.Contains(csp, "form-action") {
		t.Errorf("CSP = %q restricts form-action: the redirect to the client would be blocked", csp)
	}
}

func TestLoginForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantError  string            // in the redirect
		wantClaims map[string]string // in the ID token
		wantBody   string
	}{
		{name: "pick bob", form: url.Values{"user": {"bob"}}, wantStatus: 302, wantClaims: map[string]string{"sub": "bob", "email": "bob@example.com"}},
		{name: "custom subject", form: url.Values{"action": {"custom"}, "sub": {"carol"}, "claims": {`{"email":"carol@example.com","tenant":"t9","sub":"ignored"}`}},
			wantStatus: 302, wantClaims: map[string]string{"sub": "carol", "email": "carol@example.com", "tenant": "t9"}},
		{name: "custom without claims", form: url.Values{"action": {"custom"}, "sub": {"dave"}}, wantStatus: 302, wantClaims: map[string]string{"sub": "dave"}},
		{name: "deny", form: url.Values{"action": {"deny"}}, wantStatus: 302, wantError: "access_denied"},
		{name: "claims not JSON", form: url.Values{"action": {"custom"}, "sub": {"x"}, "claims": {"{nope"}}, wantStatus: 400, wantBody: "must be a JSON object"},
		{name: "claims an array", form: url.Values{"action": {"custom"}, "sub": {"x"}, "claims": {"[1]"}}, wantStatus: 400, wantBody: "must be a JSON object"},
		{name: "claims null", form: url.Values{"action": {"custom"}, "sub": {"x"}, "claims": {"null"}}, wantStatus: 400, wantBody: "must be a JSON object"},
		{name: "empty subject", form: url.Values{"action": {"custom"}, "sub": {""}}, wantStatus: 400, wantBody: "1 to 255"},
		{name: "unknown user", form: url.Values{"user": {"mallory"}}, wantStatus: 400, wantBody: "Pick one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t, WithLogin(LoginForm))
			rp := newRP(t, ts)
			b := newBrowser(t)
			id, verifier := loginPage(t, ts, rp, b)
			tt.form.Set("request", id)
			resp, body := postForm(t, b, ts.Issuer+"/login", tt.form, "", "")
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %.300s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantBody != "" && !strings.Contains(body, tt.wantBody) {
				t.Errorf("body lacks %q", tt.wantBody)
			}
			if resp.StatusCode != http.StatusFound {
				return
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			q := loc.Query()
			if q.Get("state") != "st" || q.Get("iss") != ts.Issuer {
				t.Errorf("state, iss = %q, %q", q.Get("state"), q.Get("iss"))
			}
			if q.Get("error") != tt.wantError {
				t.Fatalf("error = %q, want %q", q.Get("error"), tt.wantError)
			}
			if tt.wantError != "" {
				return
			}
			tok, err := rp.conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			_, c := jwtParts(t, tok.Extra("id_token").(string))
			for k, v := range tt.wantClaims {
				if c[k] != v {
					t.Errorf("claim %s = %v, want %q", k, c[k], v)
				}
			}
			// The request is used up.
			resp, _ = postForm(t, b, ts.Issuer+"/login", tt.form, "", "")
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("second POST: status %d, want 400", resp.StatusCode)
			}
			// The browser now has a session: prompt=none signs in silently.
			q2 := authorizeRedirect(t, b, rp.conf.AuthCodeURL("s", oauth2.SetAuthURLParam("prompt", "none"),
				oauth2.S256ChallengeOption(verifier)))
			if q2.Get("code") == "" {
				t.Errorf("prompt=none after login: %v, want a code", q2)
			}
		})
	}
}

func TestLoginRequestErrors(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithLogin(LoginForm))
	b := newBrowser(t)
	resp, _ := get(t, b, ts.Issuer+"/login")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /login: status %d, want 405", resp.StatusCode)
	}
	resp, _ = postForm(t, b, ts.Issuer+"/login", url.Values{"request": {"forged"}, "user": {"alice"}}, "", "")
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("unknown request: status %d, Location %q; want 400, no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
}
