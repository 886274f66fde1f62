package mockidp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// oauthErr decodes an RFC 6749 error body.
func oauthErr(t testing.TB, body string) string {
	t.Helper()
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e.Error
}

// freshCode signs in with client demo (or demo-public) and returns a code
// and its verifier.
func freshCode(t testing.TB, ts *TestServer, clientID string) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	q := authorizeRedirect(t, newBrowser(t), authURL(ts, map[string]string{"client_id": clientID,
		"code_challenge": oauth2.S256ChallengeFromVerifier(verifier)}))
	if q.Get("code") == "" {
		t.Fatalf("no code: %v", q)
	}
	return q.Get("code"), verifier
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithClients(
		Client{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true},
		Client{ID: "demo-public", AllowLoopbackRedirects: true},
		Client{ID: "other", Secret: "other-secret", AllowLoopbackRedirects: true},
	))
	type req struct {
		method, contentType, body string
		user, pass                string
	}
	valid := func(code, verifier string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}
	}
	tests := []struct {
		name       string
		build      func(code, verifier string) req
		wantStatus int
		wantError  string
	}{
		{"GET", func(c, v string) req { return req{method: "GET"} }, 405, "invalid_request"},
		{"JSON body", func(c, v string) req {
			return req{contentType: "application/json", body: `{"grant_type":"authorization_code"}`, user: "demo", pass: "demo-secret"}
		}, 400, "invalid_request"},
		{"oversized body", func(c, v string) req {
			return req{body: "grant_type=authorization_code&x=" + strings.Repeat("a", 70<<10), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_request"},
		{"malformed body", func(c, v string) req { return req{body: "%zz=%%%", user: "demo", pass: "demo-secret"} }, 400, "invalid_request"},
		{"no client auth", func(c, v string) req { return req{body: valid(c, v).Encode()} }, 401, "invalid_client"},
		{"client_id without secret", func(c, v string) req {
			f := valid(c, v)
			f.Set("client_id", "demo")
			return req{body: f.Encode()}
		}, 401, "invalid_client"},
		{"wrong secret", func(c, v string) req { return req{body: valid(c, v).Encode(), user: "demo", pass: "wrong"} }, 401, "invalid_client"},
		{"wrong secret post", func(c, v string) req {
			f := valid(c, v)
			f.Set("client_id", "demo")
			f.Set("client_secret", "wrong")
			return req{body: f.Encode()}
		}, 401, "invalid_client"},
		{"unknown client", func(c, v string) req { return req{body: valid(c, v).Encode(), user: "nope", pass: "x"} }, 401, "invalid_client"},
		{"two auth methods", func(c, v string) req {
			f := valid(c, v)
			f.Set("client_secret", "demo-secret")
			return req{body: f.Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_request"},
		{"basic and other client_id", func(c, v string) req {
			f := valid(c, v)
			f.Set("client_id", "other")
			return req{body: f.Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_request"},
		{"public client sends secret", func(c, v string) req { return req{body: valid(c, v).Encode(), user: "demo-public", pass: "x"} }, 401, "invalid_client"},
		{"missing grant_type", func(c, v string) req {
			f := valid(c, v)
			f.Del("grant_type")
			return req{body: f.Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_request"},
		{"password grant", func(c, v string) req {
			return req{body: "grant_type=password&username=a&password=b", user: "demo", pass: "demo-secret"}
		}, 400, "unsupported_grant_type"},
		{"repeated parameter", func(c, v string) req {
			return req{body: valid(c, v).Encode() + "&code=" + c, user: "demo", pass: "demo-secret"}
		}, 400, "invalid_request"},
		{"missing code", func(c, v string) req {
			f := valid(c, v)
			f.Del("code")
			return req{body: f.Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_request"},
		{"garbage code", func(c, v string) req {
			return req{body: valid("garbage", v).Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_grant"},
		{"code of another client", func(c, v string) req { return req{body: valid(c, v).Encode(), user: "other", pass: "other-secret"} }, 400, "invalid_grant"},
		{"missing redirect_uri", func(c, v string) req {
			f := valid(c, v)
			f.Del("redirect_uri")
			return req{body: f.Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_grant"},
		{"other redirect_uri", func(c, v string) req {
			f := valid(c, v)
			f.Set("redirect_uri", "http://127.0.0.1:5555/other")
			return req{body: f.Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_grant"},
		{"missing verifier", func(c, v string) req {
			f := valid(c, v)
			f.Del("code_verifier")
			return req{body: f.Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_grant"},
		{"wrong verifier", func(c, v string) req {
			return req{body: valid(c, oauth2.GenerateVerifier()).Encode(), user: "demo", pass: "demo-secret"}
		}, 400, "invalid_grant"},
		{"malformed verifier", func(c, v string) req { return req{body: valid(c, "short").Encode(), user: "demo", pass: "demo-secret"} }, 400, "invalid_grant"},
		{"missing refresh_token", func(c, v string) req {
			return req{body: "grant_type=refresh_token", user: "demo", pass: "demo-secret"}
		}, 400, "invalid_request"},
		{"garbage refresh_token", func(c, v string) req {
			return req{body: "grant_type=refresh_token&refresh_token=x", user: "demo", pass: "demo-secret"}
		}, 400, "invalid_grant"},
		{"client_credentials for public client", func(c, v string) req {
			return req{body: "grant_type=client_credentials&client_id=demo-public"}
		}, 400, "unauthorized_client"},
		{"client_credentials unknown scope", func(c, v string) req {
			return req{body: "grant_type=client_credentials&scope=admin", user: "demo", pass: "demo-secret"}
		}, 400, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, verifier := freshCode(t, ts, "demo")
			r := tt.build(code, verifier)
			hr, err := http.NewRequest(cmpStr(r.method, "POST"), ts.Issuer+"/token", strings.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			hr.Header.Set("Content-Type", cmpStr(r.contentType, "application/x-www-form-urlencoded"))
			if r.user != "" {
				hr.SetBasicAuth(r.user, r.pass)
			}
			resp, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body := string(b)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
			}
			if got := oauthErr(t, body); got != tt.wantError {
				t.Errorf("error = %q, want %q (body %s)", got, tt.wantError, body)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if tt.wantError == "invalid_client" && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("WWW-Authenticate = %q, want Basic", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func cmpStr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// redeem exchanges a demo code with client_secret_basic.
func redeem(t testing.TB, ts *TestServer, code, verifier string) (*http.Response, string) {
	t.Helper()
	return postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {testRedirect}, "code_verifier": {verifier}}, "demo", "demo-secret")
}

func TestTokenSuccessShape(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithConfig(func(c *Config) { c.AccessTokenTTL = 90 * time.Second }))
	code, verifier := freshCode(t, ts, "demo")
	resp, body := redeem(t, ts, code, verifier)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Content-Type": "application/json"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	if raw["expires_in"] != float64(90) {
		t.Errorf("expires_in = %v, want 90 (whole seconds)", raw["expires_in"])
	}
	if raw["token_type"] != "Bearer" || raw["scope"] != "email openid profile" {
		t.Errorf("token_type, scope = %v, %v", raw["token_type"], raw["scope"])
	}
	h, c := jwtParts(t, raw["access_token"].(string))
	if h["typ"] != "at+jwt" || h["kid"] == nil {
		t.Errorf("access token header = %v, want typ at+jwt and a kid", h)
	}
	for _, k := range []string{"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"} {
		if _, ok := c[k]; !ok {
			t.Errorf("access token lacks %s (RFC 9068)", k)
		}
	}
	if c["exp"].(float64)-c["iat"].(float64) != 90 {
		t.Errorf("access token lifetime = %v s, want 90", c["exp"].(float64)-c["iat"].(float64))
	}
}

func TestTokenClientAuthMethods(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithClients(
		Client{ID: "demo", Secret: "a+b c%:d", AllowLoopbackRedirects: true},
		Client{ID: "demo-public", AllowLoopbackRedirects: true}))
	tests := []struct {
		name       string
		client     string
		form       url.Values
		user, pass string
	}{
		{"basic with special characters", "demo", nil, "demo", "a+b c%:d"},
		{"post", "demo", url.Values{"client_id": {"demo"}, "client_secret": {"a+b c%:d"}}, "", ""},
		{"none", "demo-public", url.Values{"client_id": {"demo-public"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, verifier := freshCode(t, ts, tt.client)
			f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}
			for k, v := range tt.form {
				f[k] = v
			}
			resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", f, tt.user, tt.pass)
			if resp.StatusCode != 200 {
				t.Errorf("status %d: %s", resp.StatusCode, body)
			}
		})
	}
}

func TestTokenPKCEPlainAndNone(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	v := oauth2.GenerateVerifier()
	q := authorizeRedirect(t, newBrowser(t), authURL(ts, map[string]string{"code_challenge": v, "code_challenge_method": "plain"}))
	if resp, body := redeem(t, ts, q.Get("code"), v); resp.StatusCode != 200 {
		t.Errorf("plain: status %d: %s", resp.StatusCode, body)
	}
	// A confidential client may skip PKCE; then a verifier is a downgrade attempt.
	q = authorizeRedirect(t, newBrowser(t), authURL(ts, map[string]string{"code_challenge": "-", "code_challenge_method": "-"}))
	if resp, body := redeem(t, ts, q.Get("code"), ""); resp.StatusCode != 200 {
		t.Errorf("no PKCE: status %d: %s", resp.StatusCode, body)
	}
	q = authorizeRedirect(t, newBrowser(t), authURL(ts, map[string]string{"code_challenge": "-", "code_challenge_method": "-"}))
	if resp, body := redeem(t, ts, q.Get("code"), v); oauthErr(t, body) != "invalid_grant" {
		t.Errorf("verifier without challenge: status %d: %s, want invalid_grant", resp.StatusCode, body)
	}
}

func TestCodeExpired(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	code, verifier := freshCode(t, ts, "demo")
	ts.Advance(time.Minute + time.Second) // the default code lifetime, the test's own value
	if _, body := redeem(t, ts, code, verifier); oauthErr(t, body) != "invalid_grant" {
		t.Errorf("expired code: %s, want invalid_grant", body)
	}
}

func TestCodeReplayRevokes(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	code, verifier := freshCode(t, ts, "demo")
	tok, err := rp.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatalf("UserInfo before replay: %v", err)
	}
	if _, body := redeem(t, ts, code, verifier); oauthErr(t, body) != "invalid_grant" {
		t.Fatalf("replay: %s, want invalid_grant", body)
	}
	if _, err := rp.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("access token from a replayed code still works")
	}
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {tok.RefreshToken}}, "demo", "demo-secret")
	if oauthErr(t, body) != "invalid_grant" {
		t.Errorf("refresh token from a replayed code: %d %s, want invalid_grant", resp.StatusCode, body)
	}
}

func TestCodeConcurrentRedemption(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	for round := range 5 {
		code, verifier := freshCode(t, ts, "demo")
		const n = 12
		var wg sync.WaitGroup
		statuses := make(chan int, n)
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				resp, _ := redeem(t, ts, code, verifier)
				statuses <- resp.StatusCode
			})
		}
		close(start)
		wg.Wait()
		close(statuses)
		ok := 0
		for s := range statuses {
			if s == 200 {
				ok++
			} else if s != 400 {
				t.Errorf("round %d: status %d, want 200 or 400", round, s)
			}
		}
		if ok != 1 {
			t.Errorf("round %d: %d successful redemptions of one code, want exactly 1", round, ok)
		}
	}
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}},
		"demo", "demo-secret")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var tr tokenResponse
	if err := json.Unmarshal([]byte(body), &tr); err != nil {
		t.Fatal(err)
	}
	if tr.IDToken != "" || tr.RefreshToken != "" {
		t.Error("client_credentials returned an ID token or a refresh token")
	}
	if _, c := jwtParts(t, tr.AccessToken); c["sub"] != "demo" || c["scope"] != "profile" {
		t.Errorf("access token sub, scope = %v, %v; want demo, profile", c["sub"], c["scope"])
	}
}
