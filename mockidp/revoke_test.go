package mockidp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestRevoke(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	revoke := func(tok string) int {
		resp, _ := postForm(t, http.DefaultClient, ts.Issuer+"/revoke", url.Values{"token": {tok}}, "demo", "demo-secret")
		return resp.StatusCode
	}
	// Revoking an access token ends that token only.
	tr := tokens(t, ts)
	if got := revoke(tr.AccessToken); got != 200 {
		t.Fatalf("revoke: %d", got)
	}
	if got := userinfoStatus(t, ts, tr.AccessToken); got != 401 {
		t.Errorf("revoked access token: userinfo %d, want 401", got)
	}
	if status, _, body := refresh(t, ts, tr.RefreshToken, nil); status != 200 {
		t.Errorf("refresh after access token revocation: %d %s, want 200", status, body)
	}
	// Revoking a refresh token ends the grant, access tokens included.
	tr = tokens(t, ts)
	if got := revoke(tr.RefreshToken); got != 200 {
		t.Fatalf("revoke: %d", got)
	}
	if status, _, body := refresh(t, ts, tr.RefreshToken, nil); oauthErr(t, body) != "invalid_grant" {
		t.Errorf("revoked refresh token: %d %s, want invalid_grant", status, body)
	}
	if got := userinfoStatus(t, ts, tr.AccessToken); got != 401 {
		t.Errorf("access token of a revoked grant: userinfo %d, want 401", got)
	}
	// Unknown tokens: 200, no effect.
	if got := revoke("unknown"); got != 200 {
		t.Errorf("unknown token: %d, want 200", got)
	}
}

func TestRevokeErrors(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	tests := []struct {
		name       string
		path       string
		form       url.Values
		user, pass string
		wantStatus int
		wantError  string
	}{
		{"revoke without auth", "/revoke", url.Values{"token": {"x"}}, "", "", 401, "invalid_client"},
		{"revoke wrong secret", "/revoke", url.Values{"token": {"x"}}, "demo", "nope", 401, "invalid_client"},
		{"revoke without token", "/revoke", url.Values{}, "demo", "demo-secret", 400, "invalid_request"},
		{"introspect without auth", "/introspect", url.Values{"token": {"x"}}, "", "", 401, "invalid_client"},
		{"introspect public client", "/introspect", url.Values{"token": {"x"}, "client_id": {"demo-public"}}, "", "", 401, "invalid_client"},
		{"introspect without token", "/introspect", url.Values{}, "demo", "demo-secret", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := postForm(t, http.DefaultClient, ts.Issuer+tt.path, tt.form, tt.user, tt.pass)
			if resp.StatusCode != tt.wantStatus || oauthErr(t, body) != tt.wantError {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantError)
			}
		})
	}
}

func TestIntrospect(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	introspect := func(tok string) map[string]any {
		t.Helper()
		resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/introspect", url.Values{"token": {tok}}, "demo", "demo-secret")
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("introspect: %d %v %s", resp.StatusCode, resp.Header, body)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tr := tokens(t, ts)
	at := introspect(tr.AccessToken)
	if at["active"] != true || at["sub"] != "alice" || at["client_id"] != "demo" || at["username"] != "alice" || at["iss"] != ts.Issuer {
		t.Errorf("access token introspection = %v", at)
	}
	if rt := introspect(tr.RefreshToken); rt["active"] != true || rt["token_type"] != "refresh_token" {
		t.Errorf("refresh token introspection = %v", rt)
	}
	if m := introspect("garbage"); len(m) != 1 || m["active"] != false {
		t.Errorf("garbage introspection = %v, want only active=false", m)
	}
	ts.Advance(time.Hour + time.Second) // the default access token lifetime, the test's own value
	if m := introspect(tr.AccessToken); m["active"] != false {
		t.Errorf("expired access token introspection = %v, want inactive", m)
	}
}

func TestUserinfoErrors(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	tr := tokens(t, ts)
	cc := func() string {
		_, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {"client_credentials"}}, "demo", "demo-secret")
		var r tokenResponse
		_ = json.Unmarshal([]byte(body), &r)
		return r.AccessToken
	}()
	tests := []struct {
		name, method, auth string
		wantStatus         int
		wantChallenge      string
	}{
		{"no token", "GET", "", 401, `Bearer realm="mockidp"`},
		{"basic scheme", "GET", "Basic eDp5", 400, ""},
		{"unknown token", "GET", "Bearer nope", 401, `Bearer error="invalid_token"`},
		{"id token as access token", "GET", "Bearer " + tr.IDToken, 401, `Bearer error="invalid_token"`},
		{"no openid scope", "GET", "Bearer " + cc, 403, `Bearer error="insufficient_scope"`},
		{"DELETE", "DELETE", "Bearer " + tr.AccessToken, 405, ""},
		{"POST ok", "POST", "Bearer " + tr.AccessToken, 200, ""},
		{"GET ok, lower-case scheme", "GET", "bearer " + tr.AccessToken, 200, ""},
	}
	t.Run("table", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				req, _ := http.NewRequest(tt.method, ts.Issuer+"/userinfo", nil)
				if tt.auth != "" {
					req.Header.Set("Authorization", tt.auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus {
					t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
				}
				if got := resp.Header.Get("WWW-Authenticate"); tt.wantChallenge != "" && (len(got) < len(tt.wantChallenge) || got[:len(tt.wantChallenge)] != tt.wantChallenge) {
					t.Errorf("WWW-Authenticate = %q, want prefix %q", got, tt.wantChallenge)
				}
			})
		}
	})
	ts.Advance(time.Hour + time.Second) // the default access token lifetime, the test's own value
	if got := userinfoStatus(t, ts, tr.AccessToken); got != 401 {
		t.Errorf("expired access token: %d, want 401", got)
	}
}
