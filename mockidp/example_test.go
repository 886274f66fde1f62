package mockidp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/foyer-oidc/foyer/mockidp"
)

// exampleT stands in for the *testing.T a real test receives, so that the
// examples can run; in a test, pass t itself.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                        {}
func (t *exampleT) Cleanup(f func())               { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (t *exampleT) finish() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// signIn runs the browser part of the code flow with no browser: it asks
// for an authorization and returns the code from the redirect.
func signIn(authURL string) (url.Values, error) {
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(authURL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	return loc.Query(), nil
}

// A test starts a provider, chooses who signs in and runs the relying
// party's code against it; here go-oidc and x/oauth2 play the relying party.
func ExampleNewTestServer() {
	t := &exampleT{} // in a test: func TestLogin(t *testing.T) { ... }
	defer t.finish()

	idp := mockidp.NewTestServer(t)
	idp.QueueLogin("", mockidp.User{Subject: "bob", Claims: map[string]any{"tenant": "acme"}})

	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, idp.Issuer)
	if err != nil {
		panic(err)
	}
	conf := oauth2.Config{
		ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: "http://127.0.0.1:8080/auth/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
	}
	verifier := oauth2.GenerateVerifier()
	q, err := signIn(conf.AuthCodeURL("state", oidc.Nonce("nonce"), oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		panic(err)
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		panic(err)
	}
	idToken, err := provider.Verifier(&oidc.Config{ClientID: idp.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		panic(err)
	}
	var claims struct {
		Email  string `json:"email"`
		Tenant string `json:"tenant"`
	}
	if err := idToken.Claims(&claims); err != nil {
		panic(err)
	}
	fmt.Println(idToken.Subject, claims.Email, claims.Tenant, idToken.Nonce)
	// Output: bob bob@example.com acme nonce
}

// Faults make the provider misbehave so that a relying party's error
// paths can be tested; here the ID token's signature is broken once.
func ExampleProvider_InjectFault() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t)
	idp.InjectFault(mockidp.Fault{IDTokenSigning: mockidp.SigningBadSignature})

	ctx := context.Background()
	provider, _ := oidc.NewProvider(ctx, idp.Issuer)
	conf := oauth2.Config{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: "http://127.0.0.1:8080/auth/callback", Scopes: []string{oidc.ScopeOpenID}}
	verify := provider.Verifier(&oidc.Config{ClientID: idp.ClientID})
	for range 2 {
		verifier := oauth2.GenerateVerifier()
		q, _ := signIn(conf.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier)))
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			panic(err)
		}
		_, err = verify.Verify(ctx, tok.Extra("id_token").(string))
		fmt.Println("ID token accepted:", err == nil)
	}
	// Output:
	// ID token accepted: false
	// ID token accepted: true
}

// Mint signs any claims with the provider's key, e.g. an ID token that
// expired an hour ago.
func ExampleProvider_Mint() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t)
	now := idp.Now()
	raw, err := idp.Mint(map[string]any{
		"iss": idp.Issuer, "aud": idp.ClientID, "sub": "alice",
		"iat": now.Add(-2 * 3600e9).Unix(), "exp": now.Add(-3600e9).Unix(),
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	provider, _ := oidc.NewProvider(ctx, idp.Issuer)
	_, err = provider.Verifier(&oidc.Config{ClientID: idp.ClientID}).Verify(ctx, raw)
	var expired *oidc.TokenExpiredError
	fmt.Println("expired:", errors.As(err, &expired))
	// Output: expired: true
}

// A Provider is an http.Handler serving every route under its issuer's
// path, so an application can mount it on its own mux.
func ExampleNew() {
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/mockidp"
	idp, err := mockidp.New(mockidp.Config{Issuer: issuer})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mockidp/", idp)
	srv.Config.Handler = mux
	srv.Start()
	defer srv.Close()

	provider, err := oidc.NewProvider(context.Background(), issuer)
	if err != nil {
		panic(err)
	}
	fmt.Println(provider.Endpoint().TokenURL == issuer+"/token")
	// Output: true
}
