package mockidp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"
)

// exchangeSetup is a provider that trusts a second one ("sts"), with a
// user's tokens, a service's own token and tokens minted elsewhere.
type exchangeSetup struct {
	ts, sts, rogue *TestServer
	userAT, userID string // alice's access and ID tokens, from the demo client
	svcAT          string // the service's own client_credentials token
}

func newExchangeSetup(t *testing.T) *exchangeSetup {
	t.Helper()
	// Each gets a key of its own: the embedded development key is the same
	// for every provider of an algorithm, and anyone can sign with it.
	sts := NewTestServer(t, WithAlg("ES256"), WithConfig(func(c *Config) { c.SigningKeyPEM = ecKeyPEM(t, false) }))
	rogue := NewTestServer(t, WithAlg("ES256"), WithConfig(func(c *Config) { c.SigningKeyPEM = ecKeyPEM(t, false) }))
	ts := NewTestServer(t, WithConfig(func(c *Config) {
		c.Clients = append(DefaultClients(),
			Client{ID: "svc", Secret: "svc-secret", Scopes: []string{"orders:read"}},
			Client{ID: "svc2", Secret: "svc2-secret"})
		c.TrustedIssuers = []TrustedIssuer{{Issuer: sts.Issuer, JWKSURI: sts.Issuer + "/jwks"}}
	}))
	tok, err := exchange(t, newRP(t, ts))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {"client_credentials"}}, "svc", "svc-secret")
	var cc tokenResponse
	if err := json.Unmarshal([]byte(body), &cc); resp.StatusCode != 200 || err != nil {
		t.Fatalf("client_credentials: %d %s", resp.StatusCode, body)
	}
	return &exchangeSetup{ts: ts, sts: sts, rogue: rogue, userAT: tok.AccessToken, userID: tok.Extra("id_token").(string), svcAT: cc.AccessToken}
}

// mint signs claims with p's key, with iss and a 5 minute exp unless given.
func mintAt(t *testing.T, ts *TestServer, claims map[string]any) string {
	t.Helper()
	c := map[string]any{"iss": ts.Issuer, "exp": ts.Now().Add(5 * time.Minute).Unix(), "iat": ts.Now().Unix()}
	applyClaims(c, claims)
	tok, err := ts.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// exchangeReq posts a token exchange for client svc.
func (s *exchangeSetup) exchangeReq(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	form.Set("grant_type", GrantTokenExchange)
	resp, body := postForm(t, http.DefaultClient, s.ts.Issuer+"/token", form, "svc", "svc-secret")
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("token exchange: %d %s", resp.StatusCode, body)
	}
	return resp.StatusCode, out
}

func subject(tok, typ string) url.Values {
	return url.Values{"subject_token": {tok}, "subject_token_type": {typ}}
}

func TestTokenExchange(t *testing.T) {
	t.Parallel()
	s := newExchangeSetup(t)
	withActor := func(v url.Values, tok, typ string) url.Values {
		v.Set("actor_token", tok)
		v.Set("actor_token_type", typ)
		return v
	}
	with := func(v url.Values, kv ...string) url.Values {
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	chained := mintAt(t, s.ts, map[string]any{"sub": "alice", "act": map[string]any{"sub": "gateway"}})
	mayAct := mintAt(t, s.ts, map[string]any{"sub": "alice", "may_act": map[string]any{"sub": "svc"}})
	mayActOther := mintAt(t, s.ts, map[string]any{"sub": "alice", "may_act": map[string]any{"sub": "svc2"}})
	scoped := mintAt(t, s.ts, map[string]any{"sub": "alice", "scope": "openid profile"})
	tests := []struct {
		name   string
		form   url.Values
		status int
		check  func(t *testing.T, resp, claims map[string]any)
	}{
		{"user access token for an API", with(subject(s.userAT, TokenTypeAccessToken), "audience", "https://orders.example"), 200,
			func(t *testing.T, r, c map[string]any) {
				if r["issued_token_type"] != TokenTypeAccessToken || r["token_type"] != "Bearer" || r["refresh_token"] != nil || r["id_token"] != nil {
					t.Errorf("response %v", r)
				}
				if c["sub"] != "alice" || c["aud"] != "https://orders.example" || c["client_id"] != "svc" || c["iss"] != s.ts.Issuer || c["act"] != nil {
					t.Errorf("claims %v", c)
				}
			}},
		{"requested jwt", with(subject(s.userAT, TokenTypeAccessToken), "requested_token_type", TokenTypeJWT), 200,
			func(t *testing.T, r, c map[string]any) {
				if r["issued_token_type"] != TokenTypeJWT || c["aud"] != "svc" {
					t.Errorf("response %v claims %v", r, c)
				}
			}},
		{"ID token", subject(s.userID, TokenTypeIDToken), 200, nil},
		{"any JWT of this provider", subject(s.userID, TokenTypeJWT), 200, nil},
		{"several audiences and resources", with(subject(s.userAT, TokenTypeAccessToken), "audience", "a", "audience", "b", "resource", "https://r.example/api"), 200,
			func(t *testing.T, _, c map[string]any) {
				if !jsonEqual(c["aud"], []any{"a", "b", "https://r.example/api"}) {
					t.Errorf("aud %v", c["aud"])
				}
			}},
		{"delegation: act", withActor(subject(s.userAT, TokenTypeAccessToken), s.svcAT, TokenTypeAccessToken), 200,
			func(t *testing.T, _, c map[string]any) {
				if c["sub"] != "alice" || !jsonEqual(c["act"], map[string]any{"sub": "svc"}) {
					t.Errorf("act %v", c["act"])
				}
			}},
		{"delegation chain: prior actor nested", withActor(subject(chained, TokenTypeJWT), s.svcAT, TokenTypeAccessToken), 200,
			func(t *testing.T, _, c map[string]any) {
				if !jsonEqual(c["act"], map[string]any{"sub": "svc", "act": map[string]any{"sub": "gateway"}}) {
					t.Errorf("act %v", c["act"])
				}
			}},
		{"no actor keeps the subject's act", subject(chained, TokenTypeJWT), 200,
			func(t *testing.T, _, c map[string]any) {
				if !jsonEqual(c["act"], map[string]any{"sub": "gateway"}) {
					t.Errorf("act %v", c["act"])
				}
			}},
		{"may_act names the actor", withActor(subject(mayAct, TokenTypeJWT), s.svcAT, TokenTypeAccessToken), 200, nil},
		{"may_act names another actor", withActor(subject(mayActOther, TokenTypeJWT), s.svcAT, TokenTypeAccessToken), 400, nil},
		{"trusted issuer's token", subject(mintAt(t, s.sts, map[string]any{"sub": "wl-7"}), TokenTypeJWT), 200,
			func(t *testing.T, _, c map[string]any) {
				if c["sub"] != "wl-7" || c["subject_issuer"] != s.sts.Issuer || c["iss"] != s.ts.Issuer {
					t.Errorf("claims %v", c)
				}
			}},
		{"trusted issuer as actor", withActor(subject(s.userAT, TokenTypeAccessToken), mintAt(t, s.sts, map[string]any{"sub": "wl-7"}), TokenTypeJWT), 200,
			func(t *testing.T, _, c map[string]any) {
				if !jsonEqual(c["act"], map[string]any{"sub": "wl-7", "iss": s.sts.Issuer}) {
					t.Errorf("act %v", c["act"])
				}
			}},
		{"scope within the subject's", with(subject(scoped, TokenTypeJWT), "scope", "profile"), 200,
			func(t *testing.T, r, c map[string]any) {
				if c["scope"] != "profile" {
					t.Errorf("scope %v", c["scope"])
				}
			}},

		{"no subject_token", url.Values{"subject_token_type": {TokenTypeJWT}}, 400, nil},
		{"no subject_token_type", url.Values{"subject_token": {s.userAT}}, 400, nil},
		{"refresh token type", subject(s.userAT, TokenTypeRefreshToken), 400, nil},
		{"SAML type", subject(s.userAT, "urn:ietf:params:oauth:token-type:saml2"), 400, nil},
		{"ID token sent as an access token", subject(s.userID, TokenTypeAccessToken), 400, nil},
		{"access token sent as an ID token", subject(s.userAT, TokenTypeIDToken), 400, nil},
		{"bad signature", subject(corruptSignature(s.userAT), TokenTypeAccessToken), 400, nil},
		{"untrusted issuer", subject(mintAt(t, s.rogue, map[string]any{"sub": "alice"}), TokenTypeJWT), 400, nil},
		{"untrusted key claiming a trusted iss", subject(mintAt(t, s.rogue, map[string]any{"sub": "alice", "iss": s.sts.Issuer}), TokenTypeJWT), 400, nil},
		{"untrusted key claiming this provider's iss", subject(mintAt(t, s.rogue, map[string]any{"sub": "alice", "iss": s.ts.Issuer}), TokenTypeJWT), 400, nil},
		{"expired", subject(mintAt(t, s.ts, map[string]any{"sub": "alice", "exp": s.ts.Now().Add(-time.Second).Unix()}), TokenTypeJWT), 400, nil},
		{"no exp", subject(mintAt(t, s.ts, map[string]any{"sub": "alice", "exp": nil}), TokenTypeJWT), 400, nil},
		{"not yet valid", subject(mintAt(t, s.ts, map[string]any{"sub": "alice", "nbf": s.ts.Now().Add(10 * time.Minute).Unix()}), TokenTypeJWT), 400, nil},
		{"no sub", subject(mintAt(t, s.ts, map[string]any{}), TokenTypeJWT), 400, nil},
		{"a logout token", subject(mintAt(t, s.ts, map[string]any{"sub": "alice", "events": map[string]any{backchannelEvent: map[string]any{}}}), TokenTypeJWT), 400, nil},
		{"alg none", subject(mustUnsigned(t, map[string]any{"alg": "none"}, map[string]any{"iss": s.ts.Issuer, "sub": "alice", "exp": s.ts.Now().Add(time.Minute).Unix()}), TokenTypeJWT), 400, nil},
		{"HS256 with a client secret", subject(hs256With(t, map[string]any{"iss": s.ts.Issuer, "sub": "alice", "exp": s.ts.Now().Add(time.Minute).Unix()}, []byte("svc-secret")), TokenTypeJWT), 400, nil},
		{"actor without its type", with(subject(s.userAT, TokenTypeAccessToken), "actor_token", s.svcAT), 400, nil},
		{"actor type without the token", with(subject(s.userAT, TokenTypeAccessToken), "actor_token_type", TokenTypeAccessToken), 400, nil},
		{"invalid actor", withActor(subject(s.userAT, TokenTypeAccessToken), corruptSignature(s.svcAT), TokenTypeAccessToken), 400, nil},
		{"requested ID token", with(subject(s.userAT, TokenTypeAccessToken), "requested_token_type", TokenTypeIDToken), 400, nil},
		{"resource not absolute", with(subject(s.userAT, TokenTypeAccessToken), "resource", "/api"), 400, nil},
		{"resource with fragment", with(subject(s.userAT, TokenTypeAccessToken), "resource", "https://r.example/api#x"), 400, nil},
		{"empty audience", with(subject(s.userAT, TokenTypeAccessToken), "audience", ""), 400, nil},
		{"scope beyond the subject's", with(subject(scoped, TokenTypeJWT), "scope", "email"), 400, nil},
		{"unknown scope", with(subject(s.userAT, TokenTypeAccessToken), "scope", "admin"), 400, nil},
		{"subject_token repeated", url.Values{"subject_token": {s.userAT, s.svcAT}, "subject_token_type": {TokenTypeAccessToken}}, 400, nil},
	}
	wantCode := map[string]string{
		"may_act names another actor": "invalid_request", "resource not absolute": "invalid_target",
		"resource with fragment": "invalid_target", "empty audience": "invalid_target",
		"scope beyond the subject's": "invalid_scope", "unknown scope": "invalid_scope",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, out := s.exchangeReq(t, tt.form)
			if st != tt.status {
				t.Fatalf("status %d %v, want %d", st, out, tt.status)
			}
			if st != 200 {
				want := wantCode[tt.name]
				if want == "" {
					want = "invalid_request"
				}
				if out["error"] != want {
					t.Errorf("error %v, want %s", out["error"], want)
				}
				return
			}
			_, claims := jwtParts(t, out["access_token"].(string))
			if tt.check != nil {
				tt.check(t, out, claims)
			}
		})
	}
}

// TestTokenExchangeRevokedSubject: a revoked access token of this
// provider cannot be exchanged, and an exchanged token is introspectable.
func TestTokenExchangeRevokedSubject(t *testing.T) {
	t.Parallel()
	s := newExchangeSetup(t)
	st, out := s.exchangeReq(t, subject(s.userAT, TokenTypeAccessToken))
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, out)
	}
	_, body := postForm(t, http.DefaultClient, s.ts.Issuer+"/introspect", url.Values{"token": {out["access_token"].(string)}}, "svc2", "svc2-secret")
	var in map[string]any
	if err := json.Unmarshal([]byte(body), &in); err != nil || in["active"] != true || in["sub"] != "alice" || in["client_id"] != "svc" {
		t.Errorf("introspection of the exchanged token: %s", body)
	}
	if resp, _ := postForm(t, http.DefaultClient, s.ts.Issuer+"/revoke", url.Values{"token": {s.userAT}}, "demo", "demo-secret"); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if st, out := s.exchangeReq(t, subject(s.userAT, TokenTypeAccessToken)); st != 400 || out["error"] != "invalid_request" {
		t.Errorf("revoked subject token: %d %v, want 400 invalid_request", st, out)
	}
}

// TestTokenExchangeSubjectExpiry moves the clock around a subject token's
// exp: one second before it is accepted, one second after refused.
func TestTokenExchangeSubjectExpiry(t *testing.T) {
	t.Parallel()
	s := newExchangeSetup(t)
	start := s.ts.Freeze()
	sub := mintAt(t, s.ts, map[string]any{"sub": "alice", "exp": start.Add(time.Minute).Unix()})
	s.ts.Advance(59 * time.Second)
	if st, out := s.exchangeReq(t, subject(sub, TokenTypeJWT)); st != 200 {
		t.Errorf("one second before exp: %d %v", st, out)
	}
	s.ts.Advance(2 * time.Second)
	if st, _ := s.exchangeReq(t, subject(sub, TokenTypeJWT)); st != 400 {
		t.Errorf("one second after exp: %d, want 400", st)
	}
}

// TestTokenExchangeWithOAuth2 drives the exchange with
// golang.org/x/oauth2/clientcredentials, whose EndpointParams may set the
// grant_type, as a service mesh sidecar would.
func TestTokenExchangeWithOAuth2(t *testing.T) {
	t.Parallel()
	s := newExchangeSetup(t)
	cc := clientcredentials.Config{ClientID: "svc", ClientSecret: "svc-secret", TokenURL: s.ts.Issuer + "/token",
		EndpointParams: url.Values{"grant_type": {GrantTokenExchange}, "subject_token": {s.userAT},
			"subject_token_type": {TokenTypeAccessToken}, "audience": {"https://orders.example"}}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Extra("issued_token_type") != TokenTypeAccessToken {
		t.Errorf("issued_token_type %v", tok.Extra("issued_token_type"))
	}
	if _, c := jwtParts(t, tok.AccessToken); c["sub"] != "alice" || c["aud"] != "https://orders.example" {
		t.Errorf("exchanged token claims %v", c)
	}
}
