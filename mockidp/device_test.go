package mockidp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func withDevice(interval time.Duration) Option {
	return WithConfig(func(c *Config) { c.DeviceFlow, c.DeviceInterval = true, interval })
}

// deviceStart asks for a device code as client demo-public.
func deviceStart(t *testing.T, ts *TestServer, client string) (deviceCode, userCode string) {
	t.Helper()
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/device_authorization", url.Values{"client_id": {client}, "scope": {"openid profile"}}, "", "")
	var d struct {
		DeviceCode              string `json:"device_code"`
		UserCode                string `json:"user_code"`
		VerificationURI         string `json:"verification_uri"`
		VerificationURIComplete string `json:"verification_uri_complete"`
		ExpiresIn               int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &d); resp.StatusCode != 200 || err != nil {
		t.Fatalf("device_authorization: %d %s", resp.StatusCode, body)
	}
	if d.ExpiresIn != 600 || d.VerificationURI != ts.Issuer+"/device" || d.VerificationURIComplete != d.VerificationURI+"?user_code="+d.UserCode {
		t.Errorf("device_authorization answer: %s", body)
	}
	var raw map[string]any
	_ = json.Unmarshal([]byte(body), &raw)
	if raw["device_code"] == nil || raw["user_code"] == nil || raw["verification_uri"] == nil || raw["interval"] == nil {
		t.Errorf("members missing: %s", body)
	}
	if len(d.UserCode) != 9 || strings.Trim(d.UserCode, userCodeAlphabet+"-") != "" {
		t.Errorf("user code %q, want XXXX-XXXX from %s", d.UserCode, userCodeAlphabet)
	}
	return d.DeviceCode, d.UserCode
}

// poll polls the token endpoint once and returns the status and the error
// code (or "" with the tokens).
func poll(t *testing.T, ts *TestServer, client, deviceCode string) (int, string, tokenResponse) {
	t.Helper()
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token",
		url.Values{"grant_type": {GrantDeviceCode}, "device_code": {deviceCode}, "client_id": {client}}, "", "")
	var tok tokenResponse
	if resp.StatusCode == 200 {
		_ = json.Unmarshal([]byte(body), &tok)
		return 200, "", tok
	}
	return resp.StatusCode, oauthErr(t, body), tok
}

// TestDevicePolling walks the polling rules with the injected clock, at
// both edges of the interval and of the code's lifetime.
func TestDevicePolling(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withDevice(5*time.Second))
	start := ts.Freeze()
	dc, uc := deviceStart(t, ts, "demo-public")
	step := func(name string, advanceTo time.Duration, wantStatus int, wantErr string) tokenResponse {
		t.Helper()
		ts.Advance(start.Add(advanceTo).Sub(ts.Now()))
		st, code, tok := poll(t, ts, "demo-public", dc)
		if st != wantStatus || code != wantErr {
			t.Fatalf("%s (t+%v): %d %s, want %d %s", name, advanceTo, st, code, wantStatus, wantErr)
		}
		return tok
	}
	step("first poll", 0, 400, "authorization_pending")
	step("one second before the interval", 4*time.Second, 400, "slow_down") // interval is now 10 s from t+4
	step("one second before the longer interval", 13*time.Second, 400, "slow_down")
	// interval 15 s from t+13
	step("the interval has passed", 28*time.Second, 400, "authorization_pending")
	step("one second before expiry", DefaultDeviceCodeTTL-time.Second, 400, "authorization_pending")
	step("one second after expiry", DefaultDeviceCodeTTL+time.Second, 400, "expired_token")
	if err := ts.ApproveDevice(uc, User{Subject: "alice"}); err == nil {
		t.Error("an expired code was approved")
	}

	// Approved: tokens once, then invalid_grant.
	dc, uc = deviceStart(t, ts, "demo-public")
	if err := ts.ApproveDevice(strings.ToLower(uc), User{Subject: "carol", Claims: map[string]any{"name": "Carol"}}); err != nil {
		t.Fatal(err)
	}
	st, code, tok := poll(t, ts, "demo-public", dc)
	if st != 200 || tok.IDToken == "" || tok.RefreshToken == "" {
		t.Fatalf("approved: %d %s %+v", st, code, tok)
	}
	if _, c := jwtParts(t, tok.IDToken); c["sub"] != "carol" || c["name"] != "Carol" || c["aud"] != "demo-public" {
		t.Errorf("ID token %v", c)
	}
	ts.Advance(time.Minute)
	if st, code, _ := poll(t, ts, "demo-public", dc); st != 400 || code != "invalid_grant" {
		t.Errorf("second redemption: %d %s, want invalid_grant", st, code)
	}
	if err := ts.ApproveDevice(uc, User{Subject: "alice"}); err == nil {
		t.Error("a used code was approved again")
	}

	// Denied.
	dc, uc = deviceStart(t, ts, "demo-public")
	if err := ts.DenyDevice(uc); err != nil {
		t.Fatal(err)
	}
	if st, code, _ := poll(t, ts, "demo-public", dc); st != 400 || code != "access_denied" {
		t.Errorf("denied: %d %s", st, code)
	}

	// Another client, an unknown code, no code.
	dc, _ = deviceStart(t, ts, "demo-public")
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {GrantDeviceCode}, "device_code": {dc}}, "demo", "demo-secret")
	if resp.StatusCode != 400 || oauthErr(t, body) != "invalid_grant" {
		t.Errorf("another client's device code: %d %s", resp.StatusCode, body)
	}
	if st, code, _ := poll(t, ts, "demo-public", "nope"); st != 400 || code != "invalid_grant" {
		t.Errorf("unknown code: %d %s", st, code)
	}
	if st, code, _ := poll(t, ts, "demo-public", ""); st != 400 || code != "invalid_request" {
		t.Errorf("no code: %d %s", st, code)
	}
}

// TestDeviceVerificationPage: a person types the code (any case, with
// spaces), picks a user on the login form, and the device gets that
// user's tokens; or refuses, and the device gets access_denied.
func TestDeviceVerificationPage(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withDevice(time.Second), WithLogin(LoginForm))
	dc, uc := deviceStart(t, ts, "demo-public")
	b := newBrowser(t)
	resp, page := get(t, b, ts.Issuer+"/device?user_code="+uc)
	if resp.StatusCode != 200 || !strings.Contains(page, `value="`+uc+`"`) || !strings.Contains(page, "Connect a device") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("verification page: %d %.300s", resp.StatusCode, page)
	}
	resp, page = postForm(t, b, ts.Issuer+"/device", url.Values{"user_code": {"zzzz-zzzz"}}, "", "")
	if resp.StatusCode != 400 || !strings.Contains(page, "unknown, expired or already used") {
		t.Errorf("wrong code: %d %.200s", resp.StatusCode, page)
	}
	typed := strings.ToLower(strings.ReplaceAll(uc, "-", " "))
	resp, page = postForm(t, b, ts.Issuer+"/device", url.Values{"user_code": {typed}}, "", "")
	if resp.StatusCode != 200 || !strings.Contains(page, "Sign in to demo-public") {
		t.Fatalf("code %q: %d %.300s, want the login form", typed, resp.StatusCode, page)
	}
	if st, code, _ := poll(t, ts, "demo-public", dc); code != "authorization_pending" {
		t.Errorf("before the person picks a user: %d %s", st, code)
	}
	id := formValue(t, page, "request")
	resp, page = postForm(t, b, ts.Issuer+"/login", url.Values{"request": {id}, "user": {"bob"}}, "", "")
	if resp.StatusCode != 200 || !strings.Contains(page, `data-testid="device-approved"`) {
		t.Fatalf("login for the device: %d %.300s", resp.StatusCode, page)
	}
	ts.Advance(2 * time.Second)
	st, code, tok := poll(t, ts, "demo-public", dc)
	if st != 200 {
		t.Fatalf("poll after approval: %d %s", st, code)
	}
	if _, c := jwtParts(t, tok.IDToken); c["sub"] != "bob" || c["sid"] == nil {
		t.Errorf("ID token %v", c)
	}
	// The same browser now has a session: a second device is approved at once.
	dc2, uc2 := deviceStart(t, ts, "demo-public")
	if resp, page := postForm(t, b, ts.Issuer+"/device", url.Values{"user_code": {uc2}}, "", ""); !strings.Contains(page, "device-approved") {
		t.Errorf("second device with a session: %d %.200s", resp.StatusCode, page)
	}
	if st, _, tok := poll(t, ts, "demo-public", dc2); st != 200 || tok.AccessToken == "" {
		t.Errorf("second device: %d", st)
	}
	// Refused on the login form.
	dc3, uc3 := deviceStart(t, ts, "demo-public")
	_, page = postForm(t, newBrowser(t), ts.Issuer+"/device", url.Values{"user_code": {uc3}}, "", "")
	resp, page = postForm(t, b, ts.Issuer+"/login", url.Values{"request": {formValue(t, page, "request")}, "action": {"deny"}}, "", "")
	if !strings.Contains(page, "device-denied") {
		t.Errorf("deny: %d %.200s", resp.StatusCode, page)
	}
	if _, code, _ := poll(t, ts, "demo-public", dc3); code != "access_denied" {
		t.Errorf("after deny: %s", code)
	}
}

// formValue returns the value of the hidden input name in an HTML page.
func formValue(t *testing.T, page, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `name="`+name+`" value="`)
	if !ok {
		t.Fatalf("no input %s in %.300s", name, page)
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// TestDeviceOff: without DeviceFlow there is no endpoint, grant or
// discovery member.
func TestDeviceOff(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	for _, path := range []string{"/device_authorization", "/device"} {
		if resp, _ := get(t, http.DefaultClient, ts.Issuer+path); resp.StatusCode != 404 {
			t.Errorf("%s without DeviceFlow: %d, want 404", path, resp.StatusCode)
		}
	}
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {GrantDeviceCode}, "device_code": {"x"}, "client_id": {"demo-public"}}, "", "")
	if resp.StatusCode != 400 || oauthErr(t, body) != "unsupported_grant_type" {
		t.Errorf("device grant without DeviceFlow: %d %s", resp.StatusCode, body)
	}
	_, disc := get(t, http.DefaultClient, ts.Issuer+"/.well-known/openid-configuration")
	if strings.Contains(disc, "device") {
		t.Errorf("discovery without DeviceFlow mentions the device flow: %s", disc)
	}
}

// TestDeviceWithOAuth2 runs the whole flow with golang.org/x/oauth2's
// DeviceAuth and DeviceAccessToken, approving over the control API.
func TestDeviceWithOAuth2(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withDevice(time.Second), withControl())
	ctx := context.Background()
	prov, err := oidc.NewProvider(ctx, ts.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	var disc struct {
		Device string `json:"device_authorization_endpoint"`
	}
	if err := prov.Claims(&disc); err != nil || disc.Device != ts.Issuer+"/device_authorization" {
		t.Fatalf("discovery: %q %v", disc.Device, err)
	}
	ep := prov.Endpoint()
	ep.DeviceAuthURL = disc.Device
	conf := oauth2.Config{ClientID: "demo-public", Endpoint: ep, Scopes: []string{oidc.ScopeOpenID, "email"}}
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st, body := ctl(t, ts, "POST", "/_mock/device", `{"user_code":"`+da.UserCode+`","action":"approve","sub":"alice"}`); st != 204 {
		t.Fatalf("approve: %d %s", st, body)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tok, err := conf.DeviceAccessToken(pctx, da)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: "demo-public"}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil || idt.Subject != "alice" {
		t.Errorf("ID token: %v %v", idt, err)
	}
	for _, tt := range []struct{ body, text string }{
		{`{"user_code":"BCDF-GHJK","action":"approve","sub":"a"}`, "unknown"},
		{`{"user_code":"` + da.UserCode + `","action":"maybe"}`, "action"},
		{`{"action":"deny"}`, "user_code"},
		{`{"user_code":"x","action":"approve"}`, "sub"},
	} {
		if st, body := ctl(t, ts, "POST", "/_mock/device", tt.body); st != 400 || !strings.Contains(body, tt.text) {
			t.Errorf("POST device %s: %d %s, want 400 %q", tt.body, st, body, tt.text)
		}
	}
}
