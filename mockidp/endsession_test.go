package mockidp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

func TestEndSessionErrors(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithClients(
		Client{ID: "app", Secret: "s", RedirectURIs: []string{testRedirect}, PostLogoutRedirectURIs: []string{"https://app.example/bye"}},
		Client{ID: "dev", Secret: "s", AllowLoopbackRedirects: true}))
	// The embedded development key is shared by providers with one
	// algorithm, so "another key" takes another algorithm here.
	other := NewTestServer(t, WithAlg("ES256"))
	foreign, err := other.Mint(map[string]any{"iss": ts.Issuer, "aud": "app", "sub": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	wrongIss, _ := ts.Mint(map[string]any{"iss": "https://elsewhere", "aud": "app", "sub": "alice"})
	appHint, _ := ts.Mint(map[string]any{"iss": ts.Issuer, "aud": "app", "sub": "alice"})
	tests := []struct {
		name   string
		params url.Values
	}{
		{"unregistered post-logout URI", url.Values{"client_id": {"app"}, "post_logout_redirect_uri": {"https://evil.example/"}}},
		{"query added", url.Values{"client_id": {"app"}, "post_logout_redirect_uri": {"https://app.example/bye?foo=bar"}}},
		{"trailing slash", url.Values{"client_id": {"app"}, "post_logout_redirect_uri": {"https://app.example/bye/"}}},
		{"loopback for a registered-only client", url.Values{"client_id": {"app"}, "post_logout_redirect_uri": {"http://127.0.0.1/"}}},
		{"loopback userinfo trick", url.Values{"client_id": {"dev"}, "post_logout_redirect_uri": {"http://127.0.0.1@evil.com/"}}},
		{"no client", url.Values{"post_logout_redirect_uri": {"https://app.example/bye"}}},
		{"unknown client", url.Values{"client_id": {"nope"}}},
		{"hint alg none", url.Values{"id_token_hint": {"eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0."}}},
		{"hint garbage", url.Values{"id_token_hint": {"garbage"}}},
		{"hint signed by another key", url.Values{"id_token_hint": {foreign}}},
		{"hint with other issuer", url.Values{"id_token_hint": {wrongIss}}},
		{"hint for another client", url.Values{"id_token_hint": {appHint}, "client_id": {"dev"}}},
		{"repeated parameter", url.Values{"client_id": {"app", "app"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, newBrowser(t), ts.Issuer+"/end_session?"+tt.params.Encode())
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("status %d, Location %q; want 400 and no redirect (body %.200s)", resp.StatusCode, resp.Header.Get("Location"), body)
			}
		})
	}
}

// logoutReceiver is a relying party's back-channel logout endpoint.
type logoutReceiver struct {
	mu     sync.Mutex
	tokens []string
}

func (lr *logoutReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", 400)
		return
	}
	lr.mu.Lock()
	lr.tokens = append(lr.tokens, r.PostForm.Get("logout_token"))
	lr.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func TestEndSession(t *testing.T) {
	t.Parallel()
	recv := &logoutReceiver{}
	rpSrv := httptest.NewServer(recv)
	t.Cleanup(rpSrv.Close)
	ts := NewTestServer(t, WithClients(
		Client{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true, BackchannelLogoutURI: rpSrv.URL + "/bc"},
		Client{ID: "second", Secret: "s", AllowLoopbackRedirects: true, BackchannelLogoutURI: rpSrv.URL + "/bc2"},
		Client{ID: "bystander", Secret: "s", AllowLoopbackRedirects: true, BackchannelLogoutURI: rpSrv.URL + "/never"},
	))
	rp := newRP(t, ts)
	ctx := context.Background()
	b := newBrowser(t)
	code, verifier := rp.login(t, b, "s", "n")
	tok, err := rp.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	rawID := tok.Extra("id_token").(string)
	idt, err := rp.verifier.Verify(ctx, rawID)
	if err != nil {
		t.Fatal(err)
	}
	var sid struct {
		SID string `json:"sid"`
	}
	_ = idt.Claims(&sid)
	// A second client signs in silently in the same browser session.
	q := authorizeRedirect(t, b, authURL(ts, map[string]string{"client_id": "second", "prompt": "none"}))
	if q.Get("code") == "" {
		t.Fatalf("second client: %v", q)
	}
	// Another browser's session must survive.
	otherBrowser := newBrowser(t)
	otherCode, otherVerifier := rp.login(t, otherBrowser, "s", "n")
	otherTok, err := rp.conf.Exchange(ctx, otherCode, oauth2.VerifierOption(otherVerifier))
	if err != nil {
		t.Fatal(err)
	}

	params := url.Values{"id_token_hint": {rawID}, "post_logout_redirect_uri": {"http://localhost:5555/bye"}, "state": {"xyz"}}
	resp, _ := get(t, b, ts.Issuer+"/end_session?"+params.Encode())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://localhost:5555/bye?state=xyz" {
		t.Fatalf("end_session: %d, Location %q; want 302 to the post-logout URI with state", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The browser session is over: prompt=none answers login_required.
	q = authorizeRedirect(t, b, authURL(ts, map[string]string{"prompt": "none"}))
	if q.Get("error") != "login_required" {
		t.Errorf("prompt=none after logout: %v, want login_required", q)
	}
	// The session's refresh tokens are revoked; the other browser's are not.
	if status, _, body := refresh(t, ts, tok.RefreshToken, nil); oauthErr(t, body) != "invalid_grant" {
		t.Errorf("refresh after logout: %d %s, want invalid_grant", status, body)
	}
	if status, _, body := refresh(t, ts, otherTok.RefreshToken, nil); status != 200 {
		t.Errorf("other session's refresh: %d %s, want 200", status, body)
	}

	// Back-channel logout tokens went to both clients of the session.
	logouts := ts.BackchannelLogouts()
	if len(logouts) != 2 {
		t.Fatalf("%d back-channel logouts, want 2: %+v", len(logouts), logouts)
	}
	for _, l := range logouts {
		if l.StatusCode != 200 || l.Err != nil || l.Subject != "alice" || l.SessionID != sid.SID {
			t.Errorf("logout %+v: want status 200, sub alice, sid %s", l, sid.SID)
		}
		if l.ClientID == "bystander" {
			t.Error("logout token sent to a client that was not in the session")
		}
	}
	var demoToken string
	for _, l := range logouts {
		if l.ClientID == "demo" {
			demoToken = l.LogoutToken
		}
	}
	lt, err := rp.verifier.VerifyLogout(ctx, demoToken)
	if err != nil {
		t.Fatalf("go-oidc VerifyLogout: %v", err)
	}
	if lt.SessionID != sid.SID || lt.Subject != "alice" {
		t.Errorf("logout token sid, sub = %q, %q", lt.SessionID, lt.Subject)
	}
	h, c := jwtParts(t, demoToken)
	if h["typ"] != "logout+jwt" {
		t.Errorf("typ = %v, want logout+jwt", h["typ"])
	}
	if _, ok := c["nonce"]; ok {
		t.Error("logout token has a nonce")
	}
	for _, k := range []string{"iss", "aud", "iat", "jti", "sid", "sub", "events"} {
		if _, ok := c[k]; !ok {
			t.Errorf("logout token lacks %s", k)
		}
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.tokens) != 2 {
		t.Errorf("receiver got %d tokens, want 2", len(recv.tokens))
	}
}

func TestEndSessionWithoutRedirect(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	b := newBrowser(t)
	rp := newRP(t, ts)
	rp.login(t, b, "s", "n")
	resp, body := get(t, b, ts.Issuer+"/end_session")
	if resp.StatusCode != 200 || !strings.Contains(body, "signed out") {
		t.Errorf("end_session without parameters: %d %.200s, want the signed-out page", resp.StatusCode, body)
	}
	q := authorizeRedirect(t, b, authURL(ts, map[string]string{"prompt": "none"}))
	if q.Get("error") != "login_required" {
		t.Errorf("prompt=none after logout: %v, want login_required", q)
	}
}

func TestEndSessionByHintWithoutCookie(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	b := newBrowser(t)
	code, verifier := rp.login(t, b, "s", "n")
	tok, err := rp.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	// A cross-site POST carries no Lax cookie: the hint's sid names the session.
	resp, body := postForm(t, newBrowser(t), ts.Issuer+"/end_session",
		url.Values{"id_token_hint": {tok.Extra("id_token").(string)}}, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("end_session: %d %s", resp.StatusCode, body)
	}
	q := authorizeRedirect(t, b, authURL(ts, map[string]string{"prompt": "none"}))
	if q.Get("error") != "login_required" {
		t.Errorf("prompt=none after logout by hint: %v, want login_required", q)
	}
}

func TestBackchannelDeliveryFailure(t *testing.T) {
	t.Parallel()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadRequest)
	}))
	t.Cleanup(failing.Close)
	ts := NewTestServer(t, WithClients(Client{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true, BackchannelLogoutURI: failing.URL}))
	b := newBrowser(t)
	newRP(t, ts).login(t, b, "s", "n")
	get(t, b, ts.Issuer+"/end_session")
	l := ts.BackchannelLogouts()
	if len(l) != 1 || l[0].StatusCode != http.StatusBadRequest {
		t.Errorf("logouts = %+v, want one with status 400", l)
	}
}
