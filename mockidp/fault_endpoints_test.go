package mockidp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// signedInBrowser signs alice in with the demo client in a new browser and
// returns the browser and her tokens.
func signedInBrowser(t *testing.T, ts *TestServer) (*http.Client, *oauth2.Token) {
	t.Helper()
	rp := newRP(t, ts)
	b := newBrowser(t)
	code, verifier := rp.login(t, b, "s", "n")
	tok, err := rp.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return b, tok
}

func TestFaultEndSession(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	logout := url.Values{"client_id": {"demo"}, "post_logout_redirect_uri": {"http://127.0.0.1:5555/bye"}, "state": {"st-1"}}
	tests := []struct {
		name      string
		fault     Fault
		status    int
		location  string
		sessionOK bool // the browser session survives
	}{
		{"no fault", Fault{}, 302, "http://127.0.0.1:5555/bye?state=st-1", false},
		{"error page", Fault{EndSessionStatus: 503, EndSessionBody: "<h1>down</h1>"}, 503, "", true},
		{"body alone is a 500", Fault{EndSessionBody: "oops"}, 500, "", true},
		{"wrong state", Fault{EndSessionState: "forged"}, 302, "http://127.0.0.1:5555/bye?state=forged", false},
		{"no state", Fault{EndSessionState: FaultOmit}, 302, "http://127.0.0.1:5555/bye", false},
		{"redirect elsewhere", Fault{EndSessionRedirect: "https://evil.example/phish"}, 302, "https://evil.example/phish?state=st-1", false},
		{"scoped to another client", Fault{ClientID: "demo-public", EndSessionStatus: 500}, 302, "http://127.0.0.1:5555/bye?state=st-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := signedInBrowser(t, ts)
			if tt.fault.kinds() != nil {
				ts.InjectFault(tt.fault)
			}
			resp, body := get(t, b, ts.Issuer+"/end_session?"+logout.Encode())
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Fatalf("status %d Location %q, want %d %q (%.100s)", resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location, body)
			}
			if tt.fault.EndSessionBody != "" && body != tt.fault.EndSessionBody {
				t.Errorf("body %q, want %q", body, tt.fault.EndSessionBody)
			}
			q := authorizeRedirect(t, b, authURL(ts, map[string]string{"prompt": "none"}))
			if alive := q.Get("code") != ""; alive != tt.sessionOK {
				t.Errorf("session alive after end_session: %v, want %v", alive, tt.sessionOK)
			}
			ts.ClearFaults()
		})
	}
}

func TestFaultRevokeAndIntrospect(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	introspect := func(tok string) (int, string) {
		resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/introspect", url.Values{"token": {tok}}, "demo", "demo-secret")
		return resp.StatusCode, body
	}
	_, tok := signedInBrowser(t, ts)

	ts.InjectFault(Fault{IntrospectInactive: true})
	if st, body := introspect(tok.AccessToken); st != 200 || body != `{"active":false}` {
		t.Errorf("inactive fault: %d %s", st, body)
	}
	ts.InjectFault(Fault{IntrospectClaims: map[string]any{"scope": "admin", "sub": nil}})
	var in map[string]any
	if st, body := introspect(tok.AccessToken); st != 200 || json.Unmarshal([]byte(body), &in) != nil || in["scope"] != "admin" || in["sub"] != nil || in["active"] != true {
		t.Errorf("claims fault: %d %s", st, body)
	}
	ts.InjectFault(Fault{IntrospectStatus: 200, IntrospectBody: "<html>garbage"})
	if st, body := introspect(tok.AccessToken); st != 200 || body != "<html>garbage" {
		t.Errorf("garbage fault: %d %s", st, body)
	}
	ts.InjectFault(Fault{IntrospectStatus: 502})
	if st, _ := introspect(tok.AccessToken); st != 502 {
		t.Errorf("status fault: %d", st)
	}
	// Slow: the client gives up first; the provider stops waiting with it. The
	// client gives up once the provider has taken the request and its fault,
	// not after a fixed time: a request that had not reached the provider by
	// then would leave the fault to the next one.
	ts.InjectFault(Fault{IntrospectInactive: true, Delay: time.Minute})
	guard, stop := context.WithTimeout(context.Background(), 10*time.Second) // a hang guard
	defer stop()
	ctx, cancel := context.WithCancel(guard)
	go func() {
		for queued(ts) > 0 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.Issuer+"/introspect", strings.NewReader("token="+tok.AccessToken))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo", "demo-secret")
	_, err := http.DefaultClient.Do(req)
	cancel()
	if !errors.Is(err, context.Canceled) || guard.Err() != nil {
		t.Errorf("slow introspection: %v, want the client's giving up", err)
	}
	if st, body := introspect(tok.AccessToken); st != 200 || !strings.Contains(body, `"active":true`) {
		t.Errorf("after the faults: %d %s, want active", st, body)
	}

	for _, f := range []Fault{{RevokeStatus: 503}, {RevokeError: "invalid_client"}, {RevokeBody: "nope", RevokeStatus: 200}} {
		ts.InjectFault(f)
		resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/revoke", url.Values{"token": {tok.RefreshToken}}, "demo", "demo-secret")
		want := f.RevokeStatus
		if want == 0 {
			want = 401
		}
		if resp.StatusCode != want || (f.RevokeBody != "" && body != f.RevokeBody) {
			t.Errorf("revoke fault %+v: %d %s", f, resp.StatusCode, body)
		}
		if st, body := introspect(tok.RefreshToken); !strings.Contains(body, `"active":true`) {
			t.Errorf("the refresh token was revoked despite the fault: %d %s", st, body)
		}
	}
	// Scoped to another client: untouched.
	ts.InjectFault(Fault{ClientID: "other", RevokeStatus: 500, IntrospectInactive: true})
	if st, body := introspect(tok.AccessToken); !strings.Contains(body, `"active":true`) {
		t.Errorf("another client's introspection fault applied: %d %s", st, body)
	}
}

// TestFaultLogoutToken sends each logout token fault to a receiving
// relying party through EndSessions and checks the token it got.
func TestFaultLogoutToken(t *testing.T) {
	t.Parallel()
	recv := &logoutReceiver{}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	ts := NewTestServer(t, WithClients(Client{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true,
		BackchannelLogoutURI: srv.URL + "/bc"}))
	ts.Freeze()
	keys := ts.liveKeys()
	tests := []struct {
		name   string
		fault  Fault
		verify bool // the token still verifies with the published key
		check  func(t *testing.T, c map[string]any, prev map[string]any, h map[string]any, bobSID string)
	}{
		{"events missing", Fault{LogoutTokenClaims: map[string]any{"events": nil}}, true,
			func(t *testing.T, c, _, _ map[string]any, _ string) {
				if _, ok := c["events"]; ok {
					t.Errorf("events %v", c["events"])
				}
			}},
		{"nonce present", Fault{LogoutTokenClaims: map[string]any{"nonce": "n-1"}}, true,
			func(t *testing.T, c, _, _ map[string]any, _ string) {
				if c["nonce"] != "n-1" {
					t.Errorf("nonce %v", c["nonce"])
				}
			}},
		{"wrong aud", Fault{LogoutTokenClaims: map[string]any{"aud": "someone-else"}}, true,
			func(t *testing.T, c, _, _ map[string]any, _ string) {
				if c["aud"] != "someone-else" {
					t.Errorf("aud %v", c["aud"])
				}
			}},
		{"old iat", Fault{LogoutTokenTimes: map[string]time.Duration{"iat": -time.Hour}}, true,
			func(t *testing.T, c, _, _ map[string]any, _ string) {
				if c["iat"] != float64(ts.Now().Add(-time.Hour).Unix()) {
					t.Errorf("iat %v", c["iat"])
				}
			}},
		{"replayed jti", Fault{LogoutTokenReplayJTI: true}, true,
			func(t *testing.T, c, prev, _ map[string]any, _ string) {
				if c["jti"] != prev["jti"] || c["jti"] == nil {
					t.Errorf("jti %v, previous %v", c["jti"], prev["jti"])
				}
			}},
		{"sid of another session", Fault{LogoutTokenOtherSID: true}, true,
			func(t *testing.T, c, _, _ map[string]any, bobSID string) {
				if c["sid"] != bobSID || c["sub"] != "alice" {
					t.Errorf("sid %v sub %v, want bob's sid %s with sub alice", c["sid"], c["sub"], bobSID)
				}
			}},
		{"bad signature", Fault{LogoutTokenSigning: SigningBadSignature}, false, nil},
		{"alg none", Fault{LogoutTokenSigning: SigningNone}, false,
			func(t *testing.T, _, _, h map[string]any, _ string) {
				if h["alg"] != "none" || h["typ"] != typLogout {
					t.Errorf("header %v", h)
				}
			}},
		{"no kid", Fault{LogoutTokenSigning: SigningNoKID}, true, // a right signature, but no kid to find the key by
			func(t *testing.T, _, _, h map[string]any, _ string) {
				if h["kid"] != nil || h["typ"] != typLogout {
					t.Errorf("header %v", h)
				}
			}},
	}
	var prev map[string]any
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signedInBrowser(t, ts) // alice
			ts.QueueLogin("", User{Subject: "bob"})
			bobBrowser, bobTok := signedInBrowser(t, ts)
			_ = bobBrowser
			_, bc := jwtParts(t, bobTok.Extra("id_token").(string))
			recv.mu.Lock()
			if n := len(recv.tokens); n > 0 {
				_, prev = jwtParts(t, recv.tokens[n-1]) // the last token this client got
			}
			recv.mu.Unlock()
			ts.InjectFault(tt.fault)
			if n := ts.EndSessions(context.Background(), "alice"); n != 1 {
				t.Fatalf("EndSessions ended %d sessions, want 1", n)
			}
			recv.mu.Lock()
			raw := recv.tokens[len(recv.tokens)-1]
			recv.mu.Unlock()
			h, c := jwtParts(t, raw)
			if _, err := keys.verify(raw); (err == nil) != tt.verify {
				t.Errorf("verifies: %v, want %v", err == nil, tt.verify)
			}
			if c["sub"] != "alice" || (tt.fault.LogoutTokenOtherSID == false && c["sid"] == bc["sid"]) {
				t.Errorf("claims %v", c)
			}
			if tt.check != nil {
				tt.check(t, c, prev, h, bc["sid"].(string))
			}
			ts.EndSessions(context.Background(), "bob")
		})
	}
	// A token without faults is correct and carries its own jti.
	recv.mu.Lock()
	_, prev = jwtParts(t, recv.tokens[len(recv.tokens)-1])
	recv.mu.Unlock()
	signedInBrowser(t, ts)
	ts.EndSessions(context.Background(), "alice")
	recv.mu.Lock()
	raw := recv.tokens[len(recv.tokens)-1]
	recv.mu.Unlock()
	payload, err := keys.verify(raw)
	var c map[string]any
	if err != nil || json.Unmarshal(payload, &c) != nil || c["events"] == nil || c["nonce"] != nil || c["jti"] == prev["jti"] {
		t.Errorf("unfaulted logout token: %v %v", c, err)
	}
	if _, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256}); err != nil {
		t.Errorf("unfaulted logout token does not parse: %v", err)
	}
}

// TestControlLogout ends sessions over HTTP and rejects bad requests.
func TestControlLogout(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withControl())
	b, _ := signedInBrowser(t, ts)
	if st, body := ctl(t, ts, "POST", "/_mock/logout", `{"sub":"alice"}`); st != 200 || body != `{"ended":1}` {
		t.Errorf("logout: %d %s", st, body)
	}
	if q := authorizeRedirect(t, b, authURL(ts, map[string]string{"prompt": "none"})); q.Get("error") != "login_required" {
		t.Errorf("after logout, prompt=none: %v", q)
	}
	if st, body := ctl(t, ts, "POST", "/_mock/logout", `{}`); st != 400 || !strings.Contains(body, "sub is required") {
		t.Errorf("logout without sub: %d %s", st, body)
	}
	if st, body := ctl(t, ts, "POST", "/_mock/faults", `{"logout_token_times":{"iat":"-1h"},"logout_token_signing":"rot13"}`); st != 400 ||
		!strings.Contains(body, "logout_token_signing") {
		t.Errorf("bad logout_token_signing: %d %s", st, body)
	}
	if st, body := ctl(t, ts, "POST", "/_mock/faults", `{"end_session_redirect":"/relative"}`); st != 400 || !strings.Contains(body, "absolute") {
		t.Errorf("relative end_session_redirect: %d %s", st, body)
	}
	if st, body := ctl(t, ts, "POST", "/_mock/faults", `{"client_id":"demo","logout_token_times":{"iat":"-1h"}}`); st != 201 || !strings.Contains(body, `"logout_token_times":{"iat":"-1h0m0s"}`) {
		t.Errorf("logout_token_times: %d %s", st, body)
	}
	if _, body := ctl(t, ts, "GET", "/_mock/faults", ""); !strings.Contains(body, `"endpoint":"logout_token"`) {
		t.Errorf("GET faults: %s", body)
	}
}
