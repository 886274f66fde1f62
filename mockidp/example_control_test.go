package mockidp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/foyer-oidc/foyer/mockidp"
)

// The control API drives a running provider over HTTP, e.g. one started
// as a container by a test written in any language. Here Go plays that
// test: it makes bob's next ID token fail with a wrong nonce, then reads
// the captured token request.
func Example_controlAPI() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t, mockidp.WithConfig(func(c *mockidp.Config) { c.ControlAPI = true }))

	post := func(path, body string) int {
		resp, err := http.Post(idp.Issuer+path, "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println("fault:", post("/_mock/faults", `{"login_hint":"bob","id_token_claims":{"nonce":"012345678"}}`))

	ctx := context.Background()
	provider, _ := oidc.NewProvider(ctx, idp.Issuer)
	conf := oauth2.Config{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: "http://127.0.0.1:8080/auth/callback", Scopes: []string{oidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()
	q, _ := signIn(conf.AuthCodeURL("state", oidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", "bob")))
	tok, _ := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	idToken, _ := provider.Verifier(&oidc.Config{ClientID: idp.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	fmt.Println("nonce matches:", idToken.Nonce == "nonce-1")

	resp, err := http.Get(idp.Issuer + "/_mock/requests?endpoint=token&limit=1")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct{ Requests []mockidp.CapturedRequest }
	_ = json.Unmarshal(b, &out)
	r := out.Requests[0]
	fmt.Println("token request:", r.ClientID, r.Params.Get("grant_type"), "code", r.Params.Get("code"))
	// Output:
	// fault: 201
	// nonce matches: false
	// token request: demo authorization_code code REDACTED
}

// A persona imitates a real provider. Under "entra" the discovery document
// sits under /{tenant}/v2.0 and tokens name the user's tenant.
func Example_persona() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t, mockidp.WithConfig(func(c *mockidp.Config) { c.Persona = mockidp.PersonaEntra }),
		mockidp.WithUsers(mockidp.User{Subject: "ada", Claims: map[string]any{"tid": "11111111-2222-4333-8444-555555555555"}}))

	ctx := context.Background()
	tenantIssuer := idp.Issuer + "/11111111-2222-4333-8444-555555555555/v2.0"
	provider, err := oidc.NewProvider(ctx, tenantIssuer)
	if err != nil {
		panic(err)
	}
	conf := oauth2.Config{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: "http://127.0.0.1:8080/auth/callback", Scopes: []string{oidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()
	q, _ := signIn(conf.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier)))
	tok, _ := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	idToken, err := provider.Verifier(&oidc.Config{ClientID: idp.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		panic(err)
	}
	var claims struct{ TID, Ver string }
	_ = idToken.Claims(&claims)
	fmt.Println(strings.TrimPrefix(idToken.Issuer, idp.Issuer), claims.TID, claims.Ver)
	fmt.Println("iss parameter sent:", q.Has("iss"))

	// The multi-tenant document advertises Entra's issuer template.
	resp, err := http.Get(idp.Issuer + "/common/v2.0/.well-known/openid-configuration")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var doc struct{ Issuer string }
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	fmt.Println(strings.TrimPrefix(doc.Issuer, idp.Issuer))
	// Output:
	// /11111111-2222-4333-8444-555555555555/v2.0 11111111-2222-4333-8444-555555555555 2.0
	// iss parameter sent: false
	// /{tenantid}/v2.0
}
