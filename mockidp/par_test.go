package mockidp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// pushReq is a valid pushed authorization request for client demo.
func pushReq(verifier string) url.Values {
	return url.Values{"response_type": {"code"}, "redirect_uri": {testRedirect}, "scope": {"openid email"},
		"state": {"st"}, "nonce": {"n"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
}

// push posts form to /par as demo and returns the request_uri.
func push(t *testing.T, ts *TestServer, form url.Values) string {
	t.Helper()
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/par", form, "demo", "demo-secret")
	var out struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &out); resp.StatusCode != 201 || err != nil || out.ExpiresIn != 60 ||
		!strings.HasPrefix(out.RequestURI, "urn:ietf:params:oauth:request_uri:") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("PAR: %d %s", resp.StatusCode, body)
	}
	return out.RequestURI
}

func parAuthURL(ts *TestServer, client, requestURI string, extra ...string) string {
	q := url.Values{"client_id": {client}, "request_uri": {requestURI}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return ts.Issuer + "/authorize?" + q.Encode()
}

// TestPAR signs in through a pushed request and redeems the code with
// golang.org/x/oauth2; the request_uri works once, for its client, for 60 s.
func TestPAR(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithConfig(func(c *Config) { c.PAR = true }))
	rp := newRP(t, ts)
	verifier := oauth2.GenerateVerifier()
	uri := push(t, ts, pushReq(verifier))
	// Parameters sent beside request_uri are not used: the pushed ones are.
	q := authorizeRedirect(t, newBrowser(t), parAuthURL(ts, "demo", uri, "redirect_uri", "http://127.0.0.1:5555/evil", "scope", "openid profile"))
	if q.Get("code") == "" || q.Get("state") != "st" {
		t.Fatalf("authorize with request_uri: %v", q)
	}
	tok, err := rp.conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.Extra("scope") != "email openid" {
		t.Errorf("scope %v, want the pushed one", tok.Extra("scope"))
	}
	for name, u := range map[string]string{
		"used twice":      parAuthURL(ts, "demo", uri),
		"unknown":         parAuthURL(ts, "demo", requestURIPrefix+"nope"),
		"another client":  parAuthURL(ts, "demo-public", push(t, ts, pushReq(verifier))),
		"no client_id":    ts.Issuer + "/authorize?request_uri=" + url.QueryEscape(push(t, ts, pushReq(verifier))),
		"two request_uri": ts.Issuer + "/authorize?client_id=demo&request_uri=a&request_uri=b",
	} {
		if resp, body := get(t, newBrowser(t), u); resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d %q (%.100s), want the error page", name, resp.StatusCode, resp.Header.Get("Location"), body)
		}
	}
	// Lifetime, with the injected clock.
	start := ts.Freeze()
	early, late := push(t, ts, pushReq(verifier)), push(t, ts, pushReq(verifier))
	ts.Advance(parTTL - time.Second)
	if q := authorizeRedirect(t, newBrowser(t), parAuthURL(ts, "demo", early)); q.Get("code") == "" {
		t.Errorf("one second before expiry: %v", q)
	}
	ts.Advance(start.Add(parTTL + time.Second).Sub(ts.Now()))
	if resp, _ := get(t, newBrowser(t), parAuthURL(ts, "demo", late)); resp.StatusCode != 400 {
		t.Errorf("one second after expiry: %d, want 400", resp.StatusCode)
	}
}

func TestPARErrors(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithConfig(func(c *Config) { c.PAR = true }))
	v := oauth2.GenerateVerifier()
	with := func(k, val string) url.Values {
		f := pushReq(v)
		f.Set(k, val)
		return f
	}
	tests := []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		code       string
	}{
		{"request_uri inside", with("request_uri", "urn:x"), "demo", "demo-secret", 400, "invalid_request"},
		{"unregistered redirect", with("redirect_uri", "https://evil.example/cb"), "demo", "demo-secret", 400, "invalid_request"},
		{"unknown scope", with("scope", "openid admin"), "demo", "demo-secret", 400, "invalid_scope"},
		{"request object", with("request", "eyJ.x.y"), "demo", "demo-secret", 400, "request_not_supported"},
		{"no client authentication", pushReq(v), "", "", 401, "invalid_client"},
		{"wrong secret", pushReq(v), "demo", "nope", 401, "invalid_client"},
		{"client_id of another client", with("client_id", "demo-public"), "demo", "demo-secret", 400, "invalid_request"},
		{"public client without PKCE", url.Values{"client_id": {"demo-public"}, "response_type": {"code"}, "redirect_uri": {testRedirect}, "scope": {"openid"}}, "", "", 400, "invalid_request"},
	}
	for _, tt := range tests {
		resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/par", tt.form, tt.user, tt.pass)
		if resp.StatusCode != tt.status || oauthErr(t, body) != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, body, tt.status, tt.code)
		}
	}
	f := pushReq(v)
	f["scope"] = []string{"openid", "email"}
	if resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/par", f, "demo", "demo-secret"); resp.StatusCode != 400 {
		t.Errorf("repeated parameter: %d %s", resp.StatusCode, body)
	}
}

// TestRequirePAR refuses authorization requests that were not pushed, and
// says so in discovery; without PAR there is no /par.
func TestRequirePAR(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithConfig(func(c *Config) { c.RequirePAR = true }))
	q := authorizeRedirect(t, newBrowser(t), authURL(ts, nil))
	if q.Get("error") != "invalid_request" || q.Get("code") != "" {
		t.Errorf("authorize without PAR: %v, want invalid_request", q)
	}
	v := oauth2.GenerateVerifier()
	if q := authorizeRedirect(t, newBrowser(t), parAuthURL(ts, "demo", push(t, ts, pushReq(v)))); q.Get("code") == "" {
		t.Errorf("authorize with PAR: %v", q)
	}
	_, disc := get(t, http.DefaultClient, ts.Issuer+"/.well-known/openid-configuration")
	if !strings.Contains(disc, `"pushed_authorization_request_endpoint":"`+ts.Issuer+`/par"`) || !strings.Contains(disc, `"require_pushed_authorization_requests":true`) {
		t.Errorf("discovery: %s", disc)
	}
	plain := NewTestServer(t)
	if resp, _ := postForm(t, http.DefaultClient, plain.Issuer+"/par", pushReq(v), "demo", "demo-secret"); resp.StatusCode != 404 {
		t.Errorf("/par without PAR: %d, want 404", resp.StatusCode)
	}
	if q := authorizeRedirect(t, newBrowser(t), authURL(plain, map[string]string{"request_uri": "urn:x"})); q.Get("error") != "request_uri_not_supported" {
		t.Errorf("request_uri without PAR: %v", q)
	}
}
