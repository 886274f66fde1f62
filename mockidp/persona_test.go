package mockidp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// personaUsers carry the claims personas read.
var personaUsers = []User{
	{Subject: "alice", Claims: map[string]any{"email": "alice@corp.example", "name": "Alice Example",
		"groups": []any{"admins"}, "tid": "aaaaaaaa-0000-4000-8000-000000000001"}},
	{Subject: "gina", Claims: map[string]any{"email": "gina@gmail.com", "email_verified": false, "name": "Gina G"}},
}

func TestPersonaDiscoveryAndTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		persona       string
		path          string // issuer path added to the server URL for discovery and the RP
		wantIssuer    string // "ISS" is replaced by the server URL
		discoveryHas  []string
		discoveryLack []string
		hint          string
		idHas         map[string]any // claim -> value (nil: only present)
		idLacks       []string
		respHas       []string
	}{
		{persona: PersonaEntra, path: "/common/v2.0", wantIssuer: "ISS/{tenantid}/v2.0",
			discoveryHas:  []string{"tenant_region_scope", "cloud_instance_name"},
			discoveryLack: []string{"authorization_response_iss_parameter_supported", "introspection_endpoint"},
			hint:          "alice",
			idHas: map[string]any{"iss": "ISS/aaaaaaaa-0000-4000-8000-000000000001/v2.0",
				"tid": "aaaaaaaa-0000-4000-8000-000000000001", "ver": "2.0", "oid": nil},
			idLacks: []string{"sid"}},
		{persona: PersonaEntra, path: "/bbbbbbbb-0000-4000-8000-000000000002/v2.0",
			wantIssuer: "ISS/bbbbbbbb-0000-4000-8000-000000000002/v2.0", hint: "gina",
			idHas: map[string]any{"iss": "ISS/bbbbbbbb-0000-4000-8000-000000000002/v2.0", "tid": "bbbbbbbb-0000-4000-8000-000000000002"}},
		{persona: PersonaGoogle, wantIssuer: "ISS", discoveryLack: []string{"end_session_endpoint", "authorization_response_iss_parameter_supported"},
			hint: "alice", idHas: map[string]any{"hd": "corp.example", "email_verified": true}, idLacks: []string{"sid"}},
		{persona: PersonaGoogle, wantIssuer: "ISS", hint: "gina", idHas: map[string]any{"email_verified": false}, idLacks: []string{"hd"}},
		{persona: PersonaKeycloak, wantIssuer: "ISS", discoveryHas: []string{"end_session_endpoint"}, hint: "alice",
			idHas: map[string]any{"typ": "ID", "sid": nil,
				"realm_access":    map[string]any{"roles": []any{"admins"}},
				"resource_access": nil},
			idLacks: []string{"session_state"}, // Keycloak 26 dropped it from tokens
			respHas: []string{"refresh_expires_in", "not-before-policy", "session_state"}},
		{persona: PersonaAuth0, wantIssuer: "ISS/", discoveryLack: []string{"introspection_endpoint"}, hint: "alice",
			idHas: map[string]any{"iss": "ISS/"}},
		{persona: "", wantIssuer: "ISS", discoveryHas: []string{"authorization_response_iss_parameter_supported"}, hint: "alice",
			idHas: map[string]any{"sid": nil}, idLacks: []string{"hd", "realm_access", "ver"}},
	}
	for _, tt := range tests {
		t.Run(tt.persona+tt.path+"/"+tt.hint, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t, WithUsers(personaUsers...), WithConfig(func(c *Config) { c.Persona = tt.persona }))
			base := ts.Server.URL
			discURL := strings.TrimSuffix(ts.Issuer, "/") + tt.path + "/.well-known/openid-configuration"
			resp, body := get(t, http.DefaultClient, discURL)
			var doc map[string]any
			if err := json.Unmarshal([]byte(body), &doc); resp.StatusCode != 200 || err != nil {
				t.Fatalf("discovery %s: %d %v %s", discURL, resp.StatusCode, err, body)
			}
			if want := strings.ReplaceAll(tt.wantIssuer, "ISS", base); doc["issuer"] != want {
				t.Errorf("issuer = %v, want %s", doc["issuer"], want)
			}
			for _, k := range tt.discoveryHas {
				if _, ok := doc[k]; !ok {
					t.Errorf("discovery lacks %s", k)
				}
			}
			for _, k := range tt.discoveryLack {
				if _, ok := doc[k]; ok {
					t.Errorf("discovery has %s", k)
				}
			}
			// A code flow with the endpoints discovery gave.
			ep := oauth2.Endpoint{AuthURL: doc["authorization_endpoint"].(string), TokenURL: doc["token_endpoint"].(string)}
			conf := oauth2.Config{ClientID: "demo", ClientSecret: "demo-secret", Endpoint: ep, RedirectURL: testRedirect,
				Scopes: []string{"openid", "email", "profile"}}
			verifier := oauth2.GenerateVerifier()
			q := authorizeRedirect(t, newBrowser(t), conf.AuthCodeURL("st", oidc.Nonce("n"), oauth2.S256ChallengeOption(verifier),
				oauth2.SetAuthURLParam("login_hint", tt.hint)))
			if q.Get("code") == "" {
				t.Fatalf("no code: %v", q)
			}
			tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.respHas {
				if tok.Extra(k) == nil {
					t.Errorf("token response lacks %s", k)
				}
			}
			_, claims := jwtParts(t, tok.Extra("id_token").(string))
			for k, v := range tt.idHas {
				got, ok := claims[k]
				if s, isStr := v.(string); isStr {
					v = strings.ReplaceAll(s, "ISS", base)
				}
				if !ok || v != nil && !jsonEqual(got, v) {
					t.Errorf("ID token %s = %v (present %v), want %v", k, got, ok, v)
				}
			}
			for _, k := range tt.idLacks {
				if _, ok := claims[k]; ok {
					t.Errorf("ID token has %s = %v", k, claims[k])
				}
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestPersonaGoOIDC: go-oidc accepts the entra (tenant issuer) and auth0
// (trailing slash) issuers as they are.
func TestPersonaGoOIDC(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ persona, path string }{{PersonaEntra, "/" + EntraDefaultTenant + "/v2.0"}, {PersonaAuth0, ""}, {PersonaKeycloak, ""}} {
		t.Run(c.persona, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t, WithConfig(func(cfg *Config) { cfg.Persona = c.persona }))
			ts.Issuer += c.path
			rp := newRP(t, ts)
			rp.conf.Scopes = []string{"openid"}
			verifier := oauth2.GenerateVerifier()
			q := authorizeRedirect(t, newBrowser(t), rp.conf.AuthCodeURL("s", oidc.Nonce("n"), oauth2.S256ChallengeOption(verifier)))
			tok, err := rp.conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			idt, err := rp.verifier.Verify(context.Background(), tok.Extra("id_token").(string))
			if err != nil {
				t.Fatal(err)
			}
			if idt.Issuer != ts.Issuer {
				t.Errorf("iss = %s, want %s", idt.Issuer, ts.Issuer)
			}
		})
	}
}

func TestPersonaEntraRouting(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithPersona(PersonaEntra))
	for _, c := range []struct {
		path string
		want int
	}{
		{"/common/v2.0/jwks", 200}, {"/organizations/v2.0/.well-known/openid-configuration", 200},
		{"/jwks", 404}, {"/common/jwks", 404}, {"/common/v1.0/jwks", 404}, {"/bad%20tenant/v2.0/jwks", 404}, {"/healthz", 200},
	} {
		if resp, _ := get(t, http.DefaultClient, ts.Issuer+c.path); resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.path, resp.StatusCode, c.want)
		}
	}
}

// appleSecret signs an Apple-style client secret JWT.
func appleSecret(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func TestPersonaApple(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	ts := NewTestServer(t, WithUsers(personaUsers...), WithConfig(func(c *Config) {
		c.Persona = PersonaApple
		c.Clients = []Client{{ID: "com.example.web", SecretJWTKeyPEM: pubPEM, AllowLoopbackRedirects: true}}
	}))
	now := time.Now().Unix()
	good := map[string]any{"iss": "TEAMID1234", "sub": "com.example.web", "aud": ts.Issuer, "iat": now, "exp": now + 3600}
	authorize := func(mode, scope string) (int, string) {
		q := url.Values{"client_id": {"com.example.web"}, "redirect_uri": {testRedirect}, "response_type": {"code"},
			"scope": {scope}, "state": {"st"}, "nonce": {"n"}}
		if mode != "" {
			q.Set("response_mode", mode)
		}
		resp, body := get(t, newBrowser(t), ts.Issuer+"/authorize?"+q.Encode())
		return resp.StatusCode, body
	}
	formValue := regexp.MustCompile(`name="(\w+)" value="([^"]*)"`)
	fields := func(body string) map[string]string {
		m := map[string]string{}
		for _, f := range formValue.FindAllStringSubmatch(body, -1) {
			m[f[1]] = strings.ReplaceAll(strings.ReplaceAll(f[2], "&#34;", `"`), "&amp;", "&")
		}
		return m
	}
	// Default response mode is form_post; the first sign-in carries user.
	st, body := authorize("", "openid name email")
	f := fields(body)
	if st != 200 || f["code"] == "" {
		t.Fatalf("first authorize: %d %.300s", st, body)
	}
	if !strings.Contains(f["user"], `"firstName":"Alice"`) || !strings.Contains(f["user"], `"email":"alice@corp.example"`) {
		t.Errorf("user = %q, want name and email", f["user"])
	}
	if _, ok := f["iss"]; ok {
		t.Error("Apple sends no iss parameter")
	}
	if _, body := authorize("form_post", "openid name email"); fields(body)["user"] != "" {
		t.Error("second sign-in carries user again")
	}
	// query with name/email is refused (redirected error).
	if st, _ := authorize("query", "openid email"); st != http.StatusFound {
		t.Errorf("query mode with email: %d, want an error redirect", st)
	}
	// Token: the client secret must be a valid ES256 JWT.
	tests := []struct {
		name   string
		secret string
		want   int
	}{
		{"valid", appleSecret(t, key, good), 200},
		{"plain secret", "s3cret", 401},
		{"wrong aud", appleSecret(t, key, merge(good, map[string]any{"aud": "https://appleid.apple.com"})), 401},
		{"wrong sub", appleSecret(t, key, merge(good, map[string]any{"sub": "other"})), 401},
		{"expired", appleSecret(t, key, merge(good, map[string]any{"exp": now - 1})), 401},
		{"no team", appleSecret(t, key, merge(good, map[string]any{"iss": ""})), 401},
		{"too long", appleSecret(t, key, merge(good, map[string]any{"exp": now + 200*24*3600})), 401},
		{"other key", func() string { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return appleSecret(t, k, good) }(), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := authorize("", "openid email")
			code := fields(body)["code"]
			resp, tb := postForm(t, http.DefaultClient, ts.Issuer+"/token", url.Values{"grant_type": {"authorization_code"},
				"code": {code}, "redirect_uri": {testRedirect}, "client_id": {"com.example.web"}, "client_secret": {tt.secret}}, "", "")
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, tb)
			}
			if tt.want != 200 {
				return
			}
			var tr struct {
				IDToken string `json:"id_token"`
			}
			_ = json.Unmarshal([]byte(tb), &tr)
			_, c := jwtParts(t, tr.IDToken)
			if c["email_verified"] != "true" || c["nonce_supported"] != true || c["name"] != nil {
				t.Errorf("ID token claims %v: want email_verified \"true\", nonce_supported, no name", c)
			}
		})
	}
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestPersonaValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown persona", Config{Issuer: "http://a", Persona: "okta"}, "Persona"},
		{"slash without auth0", Config{Issuer: "http://a/"}, "must not end with /"},
		{"bad secret key", Config{Issuer: "http://a", Clients: []Client{{ID: "x", SecretJWTKeyPEM: []byte("nope")}}}, "SecretJWTKeyPEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want %q", err, tt.want)
			}
		})
	}
	p, err := New(Config{Issuer: "http://a:1", Persona: PersonaAuth0})
	if err != nil || p.Issuer() != "http://a:1/" {
		t.Errorf("auth0 issuer = %q, %v; want a trailing slash added", p.Issuer(), err)
	}
}

func TestPersonaEntraEndSessionAndSplit(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithUsers(personaUsers...), WithConfig(func(c *Config) {
		c.Persona = PersonaEntra
		c.PublicURL = "http://login.public.test"
	}))
	common := ts.Issuer + "/common/v2.0"
	_, body := get(t, http.DefaultClient, common+"/.well-known/openid-configuration")
	var doc struct {
		Auth  string `json:"authorization_endpoint"`
		Token string `json:"token_endpoint"`
	}
	_ = json.Unmarshal([]byte(body), &doc)
	if doc.Auth != "http://login.public.test/common/v2.0/authorize" || doc.Token != common+"/token" {
		t.Errorf("endpoints %+v", doc)
	}
	conf := oauth2.Config{ClientID: "demo", ClientSecret: "demo-secret", RedirectURL: testRedirect, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: common + "/authorize", TokenURL: doc.Token}}
	verifier := oauth2.GenerateVerifier()
	q := authorizeRedirect(t, newBrowser(t), conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	hint := tok.Extra("id_token").(string)
	for _, c := range []struct {
		tenant string
		want   int
	}{{"common", 200}, {"aaaaaaaa-0000-4000-8000-000000000001", 200}, {"cccccccc-0000-4000-8000-000000000003", 400}} {
		resp, _ := get(t, newBrowser(t), ts.Issuer+"/"+c.tenant+"/v2.0/end_session?"+url.Values{"id_token_hint": {hint}}.Encode())
		if resp.StatusCode != c.want {
			t.Errorf("end_session under %s: %d, want %d", c.tenant, resp.StatusCode, c.want)
		}
	}
}

// TestPersonaLoginForm: the login form posts back under the persona's
// paths (Entra's tenant prefix, Auth0's trailing slash).
func TestPersonaLoginForm(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ persona, path string }{{PersonaEntra, "/common/v2.0"}, {PersonaAuth0, ""}, {"", ""}} {
		t.Run(c.persona, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t, WithLogin(LoginForm), WithPersona(c.persona))
			base := strings.TrimSuffix(ts.Issuer, "/") + c.path
			b := newBrowser(t)
			q := url.Values{"client_id": {"demo"}, "redirect_uri": {testRedirect}, "response_type": {"code"}, "scope": {"openid"}}
			_, body := get(t, b, base+"/authorize?"+q.Encode())
			m := requestField.FindStringSubmatch(body)
			action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(body)
			if m == nil || action == nil {
				t.Fatalf("no login form: %.300s", body)
			}
			if want := strings.TrimPrefix(base, ts.Server.URL) + "/login"; action[1] != want {
				t.Errorf("form action = %q, want %q", action[1], want)
			}
			resp, _ := postForm(t, b, ts.Server.URL+action[1], url.Values{"request": {m[1]}, "user": {"bob"}}, "", "")
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
				t.Errorf("login POST: %d to %q, want a redirect with a code", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
