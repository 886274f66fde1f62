package mockidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2/jwt"
)

// bearerClaims are valid JWT bearer assertion claims from iss for sub at
// ts, with over laid on top.
func bearerClaims(ts *TestServer, iss, sub string, over map[string]any) map[string]any {
	now := ts.Now().Unix()
	c := map[string]any{"iss": iss, "sub": sub, "aud": ts.Issuer + "/token", "iat": now, "exp": now + 300, "jti": randomToken()[:16]}
	applyClaims(c, over)
	return c
}

func TestJWTBearerGrant(t *testing.T) {
	t.Parallel()
	self, sts, otherClient, rogue := newTestKey(t, "self"), newTestKey(t, "sts"), newTestKey(t, "oc"), newTestKey(t, "sts")
	const stsIss = "https://sts.example"
	ts := NewTestServer(t, WithConfig(func(c *Config) {
		c.Clients = append(DefaultClients(),
			Client{ID: "svc", Secret: "svc-secret", JWKS: jwksOf(t, self)},
			Client{ID: "other", AuthMethod: AuthPrivateKeyJWT, JWKS: jwksOf(t, otherClient)},
			Client{ID: "public", AuthMethod: AuthNone, AllowLoopbackRedirects: true})
		c.TrustedIssuers = []TrustedIssuer{{Issuer: stsIss, JWKS: jwksOf(t, sts)}}
	}))
	ts.Freeze()
	replayed := sts.sign(t, bearerClaims(ts, stsIss, "wl-1", nil))
	type req struct {
		assertion string
		scope     string
		user      string // Basic user; "" sends none
	}
	tests := []struct {
		name   string
		req    req
		status int
		code   string
		sub    string
	}{
		{"self-issued, client authenticated", req{self.sign(t, bearerClaims(ts, "svc", "alice", nil)), "", "svc"}, 200, "", "alice"},
		{"self-issued, no client authentication", req{self.sign(t, bearerClaims(ts, "svc", "bob", nil)), "", ""}, 200, "", "bob"},
		{"trusted issuer", req{sts.sign(t, bearerClaims(ts, stsIss, "wl-1", nil)), "", "svc"}, 200, "", "wl-1"},
		{"trusted issuer, public client", req{sts.sign(t, bearerClaims(ts, stsIss, "wl-1", nil)), "", "public"}, 200, "", "wl-1"},
		{"aud is the issuer", req{sts.sign(t, bearerClaims(ts, stsIss, "wl-1", map[string]any{"aud": ts.Issuer})), "", "svc"}, 200, "", "wl-1"},
		{"with a scope", req{sts.sign(t, bearerClaims(ts, stsIss, "wl-1", nil)), "openid profile", "svc"}, 200, "", "wl-1"},
		{"no jti (optional)", req{sts.sign(t, bearerClaims(ts, stsIss, "wl-1", map[string]any{"jti": nil})), "", "svc"}, 200, "", "wl-1"},
		{"exp 24 h ahead", req{sts.sign(t, bearerClaims(ts, stsIss, "wl-1", map[string]any{"exp": ts.Now().Add(maxBearerLifetime).Unix()})), "", "svc"}, 200, "", "wl-1"},

		{"replay: first", req{replayed, "", "svc"}, 200, "", "wl-1"},
		{"replay: second", req{replayed, "", "svc"}, 400, "invalid_grant", ""},
		{"no assertion", req{"", "", "svc"}, 400, "invalid_request", ""},
		{"another client's assertion", req{otherClient.sign(t, bearerClaims(ts, "other", "alice", nil)), "", "svc"}, 400, "invalid_grant", ""},
		{"own key, another client's iss", req{self.sign(t, bearerClaims(ts, "other", "alice", nil)), "", "svc"}, 400, "invalid_grant", ""},
		{"another client's assertion, unauthenticated", req{self.sign(t, bearerClaims(ts, "other", "alice", nil)), "", ""}, 400, "invalid_grant", ""},
		{"untrusted issuer", req{rogue.sign(t, bearerClaims(ts, "https://rogue.example", "alice", nil)), "", "svc"}, 400, "invalid_grant", ""},
		{"untrusted issuer, unauthenticated", req{rogue.sign(t, bearerClaims(ts, stsIss, "alice", nil)), "", ""}, 401, "invalid_client", ""},
		{"rogue key with the trusted kid", req{rogue.sign(t, bearerClaims(ts, stsIss, "alice", nil)), "", "svc"}, 400, "invalid_grant", ""},
		{"bad signature", req{corruptSignature(sts.sign(t, bearerClaims(ts, stsIss, "alice", nil))), "", "svc"}, 400, "invalid_grant", ""},
		{"alg none", req{mustUnsigned(t, map[string]any{"alg": "none"}, bearerClaims(ts, stsIss, "alice", nil)), "", "svc"}, 400, "invalid_grant", ""},
		{"HS256 keyed with the client secret", req{hs256With(t, bearerClaims(ts, "svc", "alice", nil), []byte("svc-secret")), "", "svc"}, 400, "invalid_grant", ""},
		{"wrong aud", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", map[string]any{"aud": "https://other.example/token"})), "", "svc"}, 400, "invalid_grant", ""},
		{"no aud", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", map[string]any{"aud": nil})), "", "svc"}, 400, "invalid_grant", ""},
		{"no sub", req{sts.sign(t, bearerClaims(ts, stsIss, "", map[string]any{"sub": nil})), "", "svc"}, 400, "invalid_grant", ""},
		{"no iss", req{sts.sign(t, bearerClaims(ts, "", "alice", map[string]any{"iss": nil})), "", "svc"}, 400, "invalid_grant", ""},
		{"expired", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", map[string]any{"exp": ts.Now().Unix() - 1})), "", "svc"}, 400, "invalid_grant", ""},
		{"no exp", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", map[string]any{"exp": nil})), "", "svc"}, 400, "invalid_grant", ""},
		{"exp too far", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", map[string]any{"exp": ts.Now().Add(maxBearerLifetime).Unix() + 1})), "", "svc"}, 400, "invalid_grant", ""},
		{"nbf in the future", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", map[string]any{"nbf": ts.Now().Add(assertionLeeway).Unix() + 1})), "", "svc"}, 400, "invalid_grant", ""},
		{"iat in the future", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", map[string]any{"iat": ts.Now().Add(assertionLeeway).Unix() + 1})), "", "svc"}, 400, "invalid_grant", ""},
		{"a logout token", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", map[string]any{"events": map[string]any{backchannelEvent: map[string]any{}}})), "", "svc"}, 400, "invalid_grant", ""},
		{"unknown scope", req{sts.sign(t, bearerClaims(ts, stsIss, "alice", nil)), "admin", "svc"}, 400, "invalid_scope", ""},
	}
	secrets := map[string]string{"svc": "svc-secret", "public": ""}
	for _, tt := range tests { // in order: the replay rows depend on it
		form := url.Values{"grant_type": {GrantJWTBearer}}
		if tt.req.assertion != "" {
			form.Set("assertion", tt.req.assertion)
		}
		if tt.req.scope != "" {
			form.Set("scope", tt.req.scope)
		}
		user, pass := tt.req.user, secrets[tt.req.user]
		if user == "public" {
			form.Set("client_id", "public")
			user = ""
		}
		resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", form, user, pass)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
			continue
		}
		if tt.status != 200 {
			if got := oauthErr(t, body); got != tt.code {
				t.Errorf("%s: error %s, want %s", tt.name, got, tt.code)
			}
			continue
		}
		var tok tokenResponse
		_ = json.Unmarshal([]byte(body), &tok)
		if _, c := jwtParts(t, tok.AccessToken); c["sub"] != tt.sub || tok.IDToken != "" || tok.RefreshToken != "" {
			t.Errorf("%s: claims %v, id_token %q, refresh_token %q", tt.name, c, tok.IDToken, tok.RefreshToken)
		}
	}
}

// TestJWTBearerExpiry moves the clock around an assertion's exp.
func TestJWTBearerExpiry(t *testing.T) {
	t.Parallel()
	k := newTestKey(t, "k")
	ts := NewTestServer(t, WithClients(Client{ID: "svc", Secret: "s", JWKS: jwksOf(t, k)}))
	start := ts.Freeze()
	send := func() int {
		a := k.sign(t, bearerClaims(ts, "svc", "alice", map[string]any{"iat": start.Unix(), "exp": start.Add(time.Minute).Unix()}))
		resp, _ := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {GrantJWTBearer}, "assertion": {a}}, "svc", "s")
		return resp.StatusCode
	}
	ts.Advance(59 * time.Second)
	if got := send(); got != 200 {
		t.Errorf("one second before exp: %d, want 200", got)
	}
	ts.Advance(2 * time.Second)
	if got := send(); got != 400 {
		t.Errorf("one second after exp: %d, want 400", got)
	}
}

// TestJWTBearerWithOAuth2 drives the grant with golang.org/x/oauth2/jwt,
// the way a Google-style service account signs its own assertion (RS256,
// no client authentication), and the token it gets works at userinfo for
// a configured user.
func TestJWTBearerWithOAuth2(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "sa-1", Algorithm: "RS256", Use: "sig"}}})
	ts := NewTestServer(t, WithClients(Client{ID: "robot@example.iam", JWKS: set, AuthMethod: AuthPrivateKeyJWT}))
	conf := jwt.Config{Email: "robot@example.iam", PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		PrivateKeyID: "sa-1", Subject: "alice", Scopes: []string{"openid", "email"}, TokenURL: ts.Issuer + "/token",
		Audience: ts.Issuer + "/token"}
	tok, err := conf.TokenSource(context.Background()).Token()
	if err != nil {
		t.Fatalf("x/oauth2/jwt: %v", err)
	}
	if _, c := jwtParts(t, tok.AccessToken); c["sub"] != "alice" || c["client_id"] != "robot@example.iam" {
		t.Errorf("claims %v", c)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ui map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&ui); err != nil || resp.StatusCode != 200 || ui["email"] != "alice@example.com" {
		t.Errorf("userinfo: %d %v %v", resp.StatusCode, ui, err)
	}
}
