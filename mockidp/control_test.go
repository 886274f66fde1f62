package mockidp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func withControl() Option { return WithControlAPI() }

// ctl sends a control request and returns status and body.
func ctl(t *testing.T, ts *TestServer, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.Issuer+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestControlBadRequests(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withControl())
	tests := []struct {
		name, method, path, body string
		contentType              string // "" means application/json for POST
		wantStatus               int
		wantText                 string
	}{
		{"unknown endpoint", "GET", "/_mock/nope", "", "", 404, "unknown control endpoint"},
		{"wrong method", "PUT", "/_mock/faults", "{}", "", 405, "method not allowed"},
		{"form content type", "POST", "/_mock/faults", `{"token_error":"x"}`, "application/x-www-form-urlencoded", 415, "application/json"},
		{"text/plain (CSRF)", "POST", "/_mock/reset", "", "text/plain", 415, "application/json"},
		{"empty fault", "POST", "/_mock/faults", "", "", 400, "JSON object"},
		{"fault unknown member", "POST", "/_mock/faults", `{"tokenError":"x"}`, "", 400, "unknown field"},
		{"fault trailing data", "POST", "/_mock/faults", `{"token_error":"x"} {}`, "", 400, "after the JSON value"},
		{"fault malformed", "POST", "/_mock/faults", `{"token_error":`, "", 400, "invalid JSON"},
		{"fault bad delay", "POST", "/_mock/faults", `{"delay":"1 fortnight"}`, "", 400, "delay"},
		{"fault does nothing", "POST", "/_mock/faults", `{"times":3}`, "", 400, "changes nothing"},
		{"fault bad signing", "POST", "/_mock/faults", `{"id_token_signing":"rot13"}`, "", 400, "id_token_signing"},
		{"fault scoped jwks", "POST", "/_mock/faults", `{"client_id":"demo","jwks_status":503}`, "", 400, "cannot be scoped"},
		{"fault too large", "POST", "/_mock/faults", `{"token_body":"` + strings.Repeat("a", maxBodyBytes) + `"}`, "", 400, "larger than"},
		{"login without sub", "POST", "/_mock/login", `{"client_id":"demo"}`, "", 400, "sub is required"},
		{"login both scopes", "POST", "/_mock/login", `{"client_id":"demo","login_hint":"x","sub":"a"}`, "", 400, "not both"},
		{"login unknown client", "POST", "/_mock/login", `{"client_id":"nope","sub":"a"}`, "", 400, "not registered"},
		{"rotate bad overlap", "POST", "/_mock/rotate", `{"overlap":"ten"}`, "", 400, "overlap"},
		{"clock nothing", "POST", "/_mock/clock", `{}`, "", 400, "freeze"},
		{"clock bad advance", "POST", "/_mock/clock", `{"advance":"10 minutes"}`, "", 400, "advance"},
		{"clock freeze string", "POST", "/_mock/clock", `{"freeze":"yes"}`, "", 400, "cannot unmarshal"},
		{"requests bad limit", "GET", "/_mock/requests?limit=0", "", "", 400, "limit"},
		{"mint no claims", "POST", "/_mock/mint", `{}`, "", 400, "claims"},
		{"mint claims array", "POST", "/_mock/mint", `{"claims":[]}`, "", 400, "cannot unmarshal"},
		{"mint hs256 without client", "POST", "/_mock/mint", `{"claims":{},"signing":"hs256-client-secret"}`, "", 400, "client_id"},
		{"mint bad signing", "POST", "/_mock/mint", `{"claims":{},"signing":"x"}`, "", 400, "id_token_signing"},
		{"reset with members", "POST", "/_mock/reset", `{"all":true}`, "", 400, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, ts.Issuer+tt.path, strings.NewReader(tt.body))
			ct := tt.contentType
			if ct == "" && tt.method == "POST" {
				ct = "application/json"
			}
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantText) {
				t.Errorf("%s %s: %d %s; want %d containing %q", tt.method, tt.path, resp.StatusCode, b, tt.wantStatus, tt.wantText)
			}
		})
	}
	if got := len(ts.Requests("")); got != 0 {
		t.Errorf("control requests were captured: %d", got)
	}
}

func TestControlAccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		enabled    bool
		allow      []netip.Prefix
		remote     string
		wantStatus int
	}{
		{"off", false, nil, "127.0.0.1:1", 404},
		{"loopback v4", true, nil, "127.0.0.1:1", 200},
		{"loopback v6", true, nil, "[::1]:1", 200},
		{"mapped loopback", true, nil, "[::ffff:127.0.0.1]:1", 200},
		{"remote", true, nil, "192.0.2.7:1", 403},
		{"remote allowed", true, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, "192.0.2.7:1", 200},
		{"remote outside allow", true, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, "198.51.100.1:1", 403},
		{"garbage remote", true, nil, "nonsense", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(Config{Issuer: "http://127.0.0.1:9400", ControlAPI: tt.enabled, ControlAllow: tt.allow})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9400/_mock/clock", nil)
			req.RemoteAddr = tt.remote
			req.Header.Set("X-Forwarded-For", "127.0.0.1")
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
		})
	}
}

func TestControlFlow(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withControl())
	rp := newRP(t, ts)
	ctx := context.Background()

	// A fault through the API, listed, then cleared.
	if st, body := ctl(t, ts, "POST", "/_mock/faults", `{"client_id":"demo","token_error":"invalid_grant","times":2}`); st != 201 {
		t.Fatalf("POST faults: %d %s", st, body)
	}
	st, body := ctl(t, ts, "GET", "/_mock/faults", "")
	if st != 200 || !strings.Contains(body, `"endpoint":"token","left":2`) {
		t.Errorf("GET faults: %d %s", st, body)
	}
	if _, err := exchange(t, rp); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("Exchange: %v, want invalid_grant", err)
	}
	if st, _ := ctl(t, ts, "DELETE", "/_mock/faults", ""); st != 204 {
		t.Errorf("DELETE faults: %d", st)
	}
	if _, err := exchange(t, rp); err != nil {
		t.Errorf("Exchange after DELETE: %v", err)
	}

	// A queued login by login_hint.
	if st, body := ctl(t, ts, "POST", "/_mock/login", `{"login_hint":"h","sub":"zed","claims":{"tenant":"acme"}}`); st != 204 {
		t.Fatalf("POST login: %d %s", st, body)
	}
	tok, err := exchangeHint(t, rp, "h")
	if err != nil {
		t.Fatal(err)
	}
	if _, c := jwtParts(t, tok.Extra("id_token").(string)); c["sub"] != "zed" {
		t.Errorf("sub = %v, want zed", c["sub"])
	}

	// Clock: freeze, advance, the token expires, unfreeze.
	st, body = ctl(t, ts, "POST", "/_mock/clock", `{"freeze":true,"advance":"2h"}`)
	var clk struct {
		Now    time.Time
		Frozen bool
	}
	if err := json.Unmarshal([]byte(body), &clk); st != 200 || err != nil || !clk.Frozen || !clk.Now.Equal(ts.Now()) {
		t.Errorf("POST clock: %d %s (now %v)", st, body, ts.Now())
	}
	if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo accepted a token two hours old")
	}
	if st, body := ctl(t, ts, "POST", "/_mock/clock", `{"freeze":false}`); st != 200 || !strings.Contains(body, `"frozen":false`) {
		t.Errorf("unfreeze: %d %s", st, body)
	}

	// Rotation with overlap.
	st, body = ctl(t, ts, "POST", "/_mock/rotate", `{"overlap":"-1s"}`)
	var rot struct {
		KID       string
		Published []string
	}
	if err := json.Unmarshal([]byte(body), &rot); st != 200 || err != nil || len(rot.Published) != 1 || rot.Published[0] != rot.KID {
		t.Errorf("rotate: %d %s", st, body)
	}
	if st, _ := ctl(t, ts, "POST", "/_mock/rotate", ``); st != 200 {
		t.Errorf("rotate with no body: %d", st)
	}

	// Requests, newest last, limited.
	st, body = ctl(t, ts, "GET", "/_mock/requests?endpoint=token&limit=1", "")
	var rq struct{ Requests []CapturedRequest }
	if err := json.Unmarshal([]byte(body), &rq); st != 200 || err != nil || len(rq.Requests) != 1 ||
		rq.Requests[0].Params.Get("code") != Redacted {
		t.Errorf("requests: %d %s", st, body)
	}

	// Mint a token without kid, and an expired one.
	st, body = ctl(t, ts, "POST", "/_mock/mint", `{"claims":{"iss":"x","exp":1},"signing":"no-kid"}`)
	var m struct{ Token string }
	if err := json.Unmarshal([]byte(body), &m); st != 200 || err != nil {
		t.Fatalf("mint: %d %s", st, body)
	}
	if h, c := jwtParts(t, m.Token); h["kid"] != nil || c["exp"] != float64(1) {
		t.Errorf("minted header %v claims %v", h, c)
	}

	// Back-channel list (empty) and reset.
	if st, body := ctl(t, ts, "GET", "/_mock/backchannel", ""); st != 200 || body != `{"logouts":[]}` {
		t.Errorf("backchannel: %d %s", st, body)
	}
	ts.InjectFault(Fault{TokenError: "invalid_grant"})
	if st, _ := ctl(t, ts, "POST", "/_mock/reset", ""); st != 204 {
		t.Errorf("reset: %d", st)
	}
	if len(ts.Requests("")) != 0 || jwksKIDs(t, ts)[0] == rot.KID {
		t.Error("reset kept captured requests or the rotated key")
	}
	if _, err := exchange(t, newRP(t, ts)); err != nil {
		t.Errorf("Exchange after reset: %v", err)
	}
}
