package mockidp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// tokens redeems a fresh demo code and returns the token response.
func tokens(t testing.TB, ts *TestServer) tokenResponse {
	t.Helper()
	code, verifier := freshCode(t, ts, "demo")
	resp, body := redeem(t, ts, code, verifier)
	if resp.StatusCode != 200 {
		t.Fatalf("redeem: %d %s", resp.StatusCode, body)
	}
	var tr tokenResponse
	if err := json.Unmarshal([]byte(body), &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// refresh runs a refresh_token grant as client demo.
func refresh(t testing.TB, ts *TestServer, rt string, extra url.Values) (int, tokenResponse, string) {
	t.Helper()
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for k, v := range extra {
		f[k] = v
	}
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", f, "demo", "demo-secret")
	var tr tokenResponse
	_ = json.Unmarshal([]byte(body), &tr)
	return resp.StatusCode, tr, body
}

// userinfoStatus calls /userinfo with access token at.
func userinfoStatus(t testing.TB, ts *TestServer, at string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	first := tokens(t, ts)
	status, second, body := refresh(t, ts, first.RefreshToken, nil)
	if status != 200 || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh: %d %s, want a new refresh token", status, body)
	}
	// Reuse of the rotated token fails and revokes the whole family.
	if status, _, body := refresh(t, ts, first.RefreshToken, nil); status != 400 || oauthErr(t, body) != "invalid_grant" {
		t.Errorf("reuse: %d %s, want 400 invalid_grant", status, body)
	}
	if status, _, body := refresh(t, ts, second.RefreshToken, nil); oauthErr(t, body) != "invalid_grant" {
		t.Errorf("newest token after reuse: %d %s, want invalid_grant (family revoked)", status, body)
	}
	if got := userinfoStatus(t, ts, second.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("access token after reuse: userinfo %d, want 401", got)
	}
}

func TestRefreshErrors(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithClients(
		Client{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true},
		Client{ID: "other", Secret: "other-secret", AllowLoopbackRedirects: true}))
	tests := []struct {
		name string
		run  func(t *testing.T, rt string) string // returns the response body
		want string
	}{
		{"other client", func(t *testing.T, rt string) string {
			_, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}},
				"other", "other-secret")
			return body
		}, "invalid_grant"},
		{"broader scope", func(t *testing.T, rt string) string {
			_, _, body := refresh(t, ts, rt, url.Values{"scope": {"openid groups"}})
			return body
		}, "invalid_scope"},
		{"unknown scope", func(t *testing.T, rt string) string {
			_, _, body := refresh(t, ts, rt, url.Values{"scope": {"openid admin"}})
			return body
		}, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := tokens(t, ts)
			if got := oauthErr(t, tt.run(t, tr.RefreshToken)); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRefreshNarrowerScopeAndExpiry(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	tr := tokens(t, ts)
	status, narrowed, body := refresh(t, ts, tr.RefreshToken, url.Values{"scope": {"openid"}})
	if status != 200 || narrowed.Scope != "openid" {
		t.Fatalf("narrowed refresh: %d %s, want scope openid", status, body)
	}
	ts.Advance(24*time.Hour + time.Second) // the default refresh token lifetime, the test's own value
	if _, _, body := refresh(t, ts, narrowed.RefreshToken, nil); oauthErr(t, body) != "invalid_grant" {
		t.Errorf("expired refresh token: %s, want invalid_grant", body)
	}
}
