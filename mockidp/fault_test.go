package mockidp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// jwtParts decodes the header and claims of a compact JWT without checking
// its signature.
func jwtParts(t testing.TB, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

// exchange runs a login and a code exchange, returning the token or error.
func exchange(t *testing.T, rp *rpClient) (*oauth2.Token, error) {
	t.Helper()
	code, verifier := rp.login(t, newBrowser(t), "s", "n")
	return rp.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
}

func TestFaultIDToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     Fault
		verifyErr bool // go-oidc's Verify must fail
		check     func(t *testing.T, header, claims map[string]any)
	}{
		{name: "delete iat", fault: Fault{IDTokenClaims: map[string]any{"iat": nil}},
			check: func(t *testing.T, _, c map[string]any) {
				if _, ok := c["iat"]; ok {
					t.Error("iat present, want deleted")
				}
			}},
		{name: "wrong nonce", fault: Fault{IDTokenClaims: map[string]any{"nonce": "x"}},
			check: func(t *testing.T, _, c map[string]any) {
				if c["nonce"] != "x" {
					t.Errorf("nonce = %v, want x", c["nonce"])
				}
			}},
		{name: "extra aud", fault: Fault{IDTokenClaims: map[string]any{"aud": []string{"c-extra-aud", "other"}}},
			check: func(t *testing.T, _, c map[string]any) {
				if a, ok := c["aud"].([]any); !ok || len(a) != 2 {
					t.Errorf("aud = %v, want [demo other]", c["aud"])
				}
			}},
		{name: "wrong iss", fault: Fault{IDTokenClaims: map[string]any{"iss": "https://evil.example"}}, verifyErr: true},
		{name: "expired", fault: Fault{IDTokenClaims: map[string]any{"exp": 1000}}, verifyErr: true},
		{name: "expired relative", fault: Fault{IDTokenTimes: map[string]time.Duration{"exp": -time.Minute}}, verifyErr: true},
		{name: "iat future relative", fault: Fault{IDTokenClaims: map[string]any{"iat": nil}, IDTokenTimes: map[string]time.Duration{"iat": time.Hour}},
			check: func(t *testing.T, _, c map[string]any) {
				iat, _ := c["iat"].(float64)
				exp, _ := c["exp"].(float64)
				if d := exp - iat; d < -1 || d > 1 { // default ID token TTL is 1h: iat = now+1h ≈ exp
					t.Errorf("iat = %v, exp = %v; want iat one hour after issue (= exp)", iat, exp)
				}
			}},
		{name: "bad signature", fault: Fault{IDTokenSigning: SigningBadSignature}, verifyErr: true},
		{name: "alg none", fault: Fault{IDTokenSigning: SigningNone}, verifyErr: true,
			check: func(t *testing.T, h, _ map[string]any) {
				if h["alg"] != "none" {
					t.Errorf("alg = %v, want none", h["alg"])
				}
			}},
		{name: "unknown key", fault: Fault{IDTokenSigning: SigningUnknownKey}, verifyErr: true,
			check: func(t *testing.T, h, _ map[string]any) {
				if h["kid"] == nil || h["kid"] == "" {
					t.Error("kid missing")
				}
			}},
		{name: "no kid", fault: Fault{IDTokenSigning: SigningNoKID},
			check: func(t *testing.T, h, _ map[string]any) {
				if _, ok := h["kid"]; ok {
					t.Errorf("kid = %v, want none", h["kid"])
				}
			}},
		{name: "hs256", fault: Fault{IDTokenSigning: SigningHS256ClientSecret}, verifyErr: true,
			check: func(t *testing.T, h, _ map[string]any) {
				if h["alg"] != "HS256" {
					t.Errorf("alg = %v, want HS256", h["alg"])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// One client per subtest: faults of parallel tests stay apart.
			clientID := "c-" + strings.ReplaceAll(tt.name, " ", "-")
			ts := NewTestServer(t, WithClients(Client{ID: clientID, Secret: "s", AllowLoopbackRedirects: true}))
			tt.fault.ClientID = clientID
			ts.InjectFault(tt.fault)
			rp := newRP(t, ts)
			tok, err := exchange(t, rp)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			_, verr := rp.verifier.Verify(context.Background(), raw)
			if gotErr := verr != nil; gotErr != tt.verifyErr {
				t.Errorf("Verify error = %v, want error: %v", verr, tt.verifyErr)
			}
			h, c := jwtParts(t, raw)
			if tt.check != nil {
				tt.check(t, h, c)
			}
			// Times 0 means once: the next exchange is clean.
			tok, err = exchange(t, rp)
			if err != nil {
				t.Fatalf("second Exchange: %v", err)
			}
			if _, err := rp.verifier.Verify(context.Background(), tok.Extra("id_token").(string)); err != nil {
				t.Errorf("second Verify: %v", err)
			}
		})
	}
}

func TestFaultOmitIDTokenAndRefreshOnly(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	ts.InjectFault(Fault{OmitIDToken: true})
	tok, err := exchange(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Extra("id_token") != nil {
		t.Errorf("id_token = %v, want none", tok.Extra("id_token"))
	}
	ts.InjectFault(Fault{Refresh: true, IDTokenClaims: map[string]any{"sub": "mallory"}})
	tok, err = exchange(t, rp) // not a refresh: no fault
	if err != nil {
		t.Fatal(err)
	}
	if _, c := jwtParts(t, tok.Extra("id_token").(string)); c["sub"] != "alice" {
		t.Errorf("code grant sub = %v, want alice", c["sub"])
	}
	tok.Expiry = tok.Expiry.Add(-48 * 3600e9)
	tok2, err := rp.conf.TokenSource(context.Background(), tok).Token()
	if err != nil {
		t.Fatal(err)
	}
	if _, c := jwtParts(t, tok2.Extra("id_token").(string)); c["sub"] != "mallory" {
		t.Errorf("refresh sub = %v, want mallory", c["sub"])
	}
}

func TestFaultTokenResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      Fault
		wantStatus int
		wantCode   string
		wantBody   string
	}{
		{"error", Fault{TokenError: "invalid_grant"}, 400, "invalid_grant", ""},
		{"status only", Fault{TokenStatus: 503}, 503, "server_error", ""},
		{"error and status", Fault{TokenError: "temporarily_unavailable", TokenStatus: 503}, 503, "temporarily_unavailable", ""},
		{"invalid_client", Fault{TokenError: "invalid_client"}, 401, "invalid_client", ""},
		{"raw body", Fault{TokenBody: "{not json", TokenStatus: 200}, 200, "", "{not json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t)
			rp := newRP(t, ts)
			ts.InjectFault(tt.fault)
			c := newBrowser(t)
			code, verifier := rp.login(t, c, "s", "n")
			resp, body := postForm(t, c, ts.Issuer+"/token", map[string][]string{
				"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier},
			}, "demo", "demo-secret")
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if tt.wantCode != "" {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error != tt.wantCode {
					t.Errorf("error = %q (%v), want %q", e.Error, err, tt.wantCode)
				}
			}
			// The fault did not consume the code.
			if _, err := rp.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
				t.Errorf("Exchange after fault: %v", err)
			}
		})
	}
}

func TestFaultUserinfo(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	tok, err := exchange(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ts.InjectFault(Fault{UserinfoClaims: map[string]any{"sub": "someone-else", "email": nil}})
	ui, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	if ui.Subject != "someone-else" || ui.Email != "" {
		t.Errorf("userinfo sub, email = %q, %q; want someone-else, \"\"", ui.Subject, ui.Email)
	}
	ts.InjectFault(Fault{UserinfoStatus: http.StatusBadGateway, UserinfoBody: "oops", Times: 2})
	for i := range 2 {
		if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Errorf("call %d: UserInfo succeeded, want error", i)
		}
	}
	if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Errorf("after the fault: %v", err)
	}
}

func TestFaultAuthorize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		fault              Fault
		wantState, wantIss string // "-" means absent
		wantError          string
	}{
		{"omit state", Fault{AuthState: FaultOmit}, "-", "ISS", ""},
		{"other state", Fault{AuthState: "forged"}, "forged", "ISS", ""},
		{"omit iss", Fault{AuthIss: FaultOmit}, "st", "-", ""},
		{"other iss", Fault{AuthIss: "https://evil.example"}, "st", "https://evil.example", ""},
		{"error", Fault{AuthError: "server_error"}, "st", "ISS", "server_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t)
			rp := newRP(t, ts)
			ts.InjectFault(tt.fault)
			q := authorizeRedirect(t, newBrowser(t), rp.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			wantIss := strings.ReplaceAll(tt.wantIss, "ISS", ts.Issuer)
			for _, c := range []struct{ key, want string }{{"state", tt.wantState}, {"iss", wantIss}} {
				got, ok := q.Get(c.key), q.Has(c.key)
				if c.want == "-" && ok || c.want != "-" && got != c.want {
					t.Errorf("%s = %q (present %v), want %q", c.key, got, ok, c.want)
				}
			}
			if q.Get("error") != tt.wantError {
				t.Errorf("error = %q, want %q", q.Get("error"), tt.wantError)
			}
			if tt.wantError == "" && q.Get("code") == "" {
				t.Error("no code")
			}
		})
	}
}

func TestFaultPerClient(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithClients(
		Client{ID: "a", Secret: "sa", AllowLoopbackRedirects: true},
		Client{ID: "b", Secret: "sb", AllowLoopbackRedirects: true}))
	ts.InjectFault(Fault{ClientID: "a", TokenError: "invalid_grant"})
	rpB := newRP(t, ts)
	rpB.conf.ClientID, rpB.conf.ClientSecret = "b", "sb"
	rpB.verifier = rpB.provider.Verifier(&oidc.Config{ClientID: "b"})
	if _, err := exchange(t, rpB); err != nil {
		t.Fatalf("client b hit client a's fault: %v", err)
	}
	rpA := newRP(t, ts)
	_, err := exchange(t, rpA)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("client a: err = %v, want invalid_grant", err)
	}
}

// TestFaultDelayCancelled checks that a delayed answer ends when the
// request's context does (a client timeout must not leave handlers hanging).
func TestFaultDelayCancelled(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: "http://127.0.0.1:9400"})
	if err != nil {
		t.Fatal(err)
	}
	p.InjectFault(Fault{Delay: time.Hour, Times: 2})
	for i := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader("grant_type=client_credentials")).WithContext(ctx)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("demo", "demo-secret")
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req) // returns at once: the context is done
		if rec.Code != http.StatusOK {
			t.Errorf("request %d: status %d, want 200 after the cancelled delay", i, rec.Code)
		}
	}
	p.faults.mu.Lock()
	left := len(p.faults.entries)
	p.faults.mu.Unlock()
	if left != 0 {
		t.Errorf("%d faults left after Times=2 uses, want 0", left)
	}
}

func TestFaultDiscoveryAndJWKS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("wrong issuer", func(t *testing.T) {
		t.Parallel()
		ts := NewTestServer(t)
		ts.InjectFault(Fault{DiscoveryClaims: map[string]any{"issuer": "https://other.example"}})
		var mismatch *oidc.IssuerMismatchError
		if _, err := oidc.NewProvider(ctx, ts.Issuer); !errors.As(err, &mismatch) {
			t.Errorf("NewProvider: %v, want an issuer mismatch", err)
		}
		if _, err := oidc.NewProvider(ctx, ts.Issuer); err != nil {
			t.Errorf("after the fault: %v", err)
		}
	})
	t.Run("discovery down", func(t *testing.T) {
		t.Parallel()
		ts := NewTestServer(t)
		ts.InjectFault(Fault{DiscoveryStatus: http.StatusServiceUnavailable})
		ts.InjectFault(Fault{ClientID: "demo", DiscoveryStatus: http.StatusTeapot}) // names a client: never matches
		if _, err := oidc.NewProvider(ctx, ts.Issuer); err == nil || !strings.Contains(err.Error(), "503") {
			t.Errorf("NewProvider: %v, want a 503 error", err)
		}
		if _, err := oidc.NewProvider(ctx, ts.Issuer); err != nil {
			t.Errorf("after the fault: %v", err)
		}
	})
	t.Run("jwks down", func(t *testing.T) {
		t.Parallel()
		ts := NewTestServer(t)
		rp := newRP(t, ts)
		tok, err := exchange(t, rp)
		if err != nil {
			t.Fatal(err)
		}
		ts.InjectFault(Fault{JWKSStatus: http.StatusInternalServerError, JWKSBody: `{"error":"down"}`})
		raw := tok.Extra("id_token").(string)
		if _, err := rp.verifier.Verify(ctx, raw); err == nil {
			t.Error("Verify succeeded while /jwks answered 500")
		}
		if _, err := rp.verifier.Verify(ctx, raw); err != nil {
			t.Errorf("Verify after the fault: %v", err)
		}
	})
}
