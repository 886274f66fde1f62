package mockidp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	oauthjwt "golang.org/x/oauth2/jwt"

	"github.com/foyer-oidc/foyer/mockidp"
)

// claimsOf decodes a JWT's claims without checking it (examples only).
func claimsOf(tok string) map[string]any {
	parts := strings.Split(tok, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

// A test of code that calls an HTTPS-only issuer: the test server issues
// its certificate from a throw-away CA, and Client trusts exactly that CA.
func ExampleWithTLS() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t, mockidp.WithTLS())

	resp, err := idp.Client().Get(idp.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(strings.HasPrefix(idp.Issuer, "https://"), resp.StatusCode)
	_, err = http.Get(idp.Issuer + "/healthz") // the system roots do not know the CA
	fmt.Println("without the CA:", err != nil)
	// Output:
	// true 200
	// without the CA: true
}

// A service's token carries the claims its test wants: the client's own
// (Client.Claims), and once a queued set, got with x/oauth2's
// clientcredentials package.
func ExampleProvider_QueueClientClaims() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t, mockidp.WithClients(mockidp.Client{ID: "orders", Secret: "s",
		Scopes: []string{"orders:read"}, Claims: map[string]any{"roles": []string{"reader"}}}))
	idp.QueueClientClaims("orders", map[string]any{"roles": []string{"admin"}, "tenant": "acme"})

	cc := clientcredentials.Config{ClientID: "orders", ClientSecret: "s", TokenURL: idp.Issuer + "/token", Scopes: []string{"orders:read"}}
	for range 2 {
		tok, err := cc.Token(context.Background())
		if err != nil {
			panic(err)
		}
		c := claimsOf(tok.AccessToken)
		fmt.Println(c["sub"], c["roles"], c["tenant"], c["scope"])
	}
	// Output:
	// orders [admin] acme orders:read
	// orders [reader] <nil> orders:read
}

// A gateway trades a user's access token for one meant for a backend
// (RFC 8693), acting for the user: the new token says so in its act claim.
func Example_tokenExchange() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t, mockidp.WithClients(
		mockidp.Client{ID: "web", Secret: "web-secret", AllowLoopbackRedirects: true},
		mockidp.Client{ID: "gateway", Secret: "gw-secret"}))
	ctx := context.Background()

	// alice signs in at the web app...
	web := oauth2.Config{ClientID: "web", ClientSecret: "web-secret", RedirectURL: "http://127.0.0.1:8080/cb",
		Endpoint: oauth2.Endpoint{AuthURL: idp.Issuer + "/authorize", TokenURL: idp.Issuer + "/token"}, Scopes: []string{"openid"}}
	verifier := oauth2.GenerateVerifier()
	q, _ := signIn(web.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	user, err := web.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		panic(err)
	}
	// ... and the gateway, with a token of its own as actor, exchanges hers.
	gw := clientcredentials.Config{ClientID: "gateway", ClientSecret: "gw-secret", TokenURL: idp.Issuer + "/token"}
	own, err := gw.Token(ctx)
	if err != nil {
		panic(err)
	}
	gw.EndpointParams = url.Values{"grant_type": {mockidp.GrantTokenExchange},
		"subject_token": {user.AccessToken}, "subject_token_type": {mockidp.TokenTypeAccessToken},
		"actor_token": {own.AccessToken}, "actor_token_type": {mockidp.TokenTypeAccessToken},
		"audience": {"https://orders.internal"}}
	exchanged, err := gw.Token(ctx)
	if err != nil {
		panic(err)
	}
	c := claimsOf(exchanged.AccessToken)
	fmt.Println(c["sub"], c["aud"], c["act"], exchanged.Extra("issued_token_type"))
	// Output:
	// alice https://orders.internal map[sub:gateway] urn:ietf:params:oauth:token-type:access_token
}

// A client that authenticates with private_key_jwt (RFC 7523): no secret,
// a short-lived JWT signed with its key, whose public half the provider
// knows (Client.JWKS or JWKSURI). A replayed assertion is refused.
func Example_privateKeyJWT() {
	t := &exampleT{}
	defer t.finish()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "ES256"}}})
	idp := mockidp.NewTestServer(t, mockidp.WithClients(mockidp.Client{ID: "svc", AuthMethod: mockidp.AuthPrivateKeyJWT, JWKS: set}))

	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	now := time.Now()
	assertion, _ := jwt.Signed(signer).Claims(jwt.Claims{Issuer: "svc", Subject: "svc", Audience: jwt.Audience{idp.Issuer + "/token"},
		ID: rand.Text(), IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
	form := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {mockidp.ClientAssertionType},
		"client_assertion": {assertion}}
	for range 2 {
		resp, err := http.PostForm(idp.Issuer+"/token", form)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// 200
	// 401
}

// A CI job in any language registers its own client, with its exact
// redirect URI, through the control API, and removes it with its tag.
func ExampleProvider_AddClient() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t, mockidp.WithControlAPI())
	post := func(path, body string) int {
		resp, err := http.Post(idp.Issuer+path, "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println(post("/_mock/clients", `{"id":"ci-app","secret":"ci-secret","redirect_uris":["http://127.0.0.1:3000/cb"],"tag":"job-17"}`))
	conf := oauth2.Config{ClientID: "ci-app", ClientSecret: "ci-secret", RedirectURL: "http://127.0.0.1:3000/cb",
		Endpoint: oauth2.Endpoint{AuthURL: idp.Issuer + "/authorize", TokenURL: idp.Issuer + "/token"}, Scopes: []string{"openid"}}
	verifier := oauth2.GenerateVerifier()
	q, _ := signIn(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	_, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	fmt.Println("signed in:", err == nil)
	fmt.Println(post("/_mock/reset", `{"tag":"job-17"}`))
	// Output:
	// 201
	// signed in: true
	// 204
}

// A CLI signs in with the device flow (RFC 8628), x/oauth2's DeviceAuth
// and DeviceAccessToken; the test approves the code instead of a person.
func ExampleProvider_ApproveDevice() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t, mockidp.WithConfig(func(c *mockidp.Config) {
		c.DeviceFlow, c.DeviceInterval = true, time.Second
	}))
	conf := oauth2.Config{ClientID: "demo-public", Scopes: []string{"openid"}, Endpoint: oauth2.Endpoint{
		DeviceAuthURL: idp.Issuer + "/device_authorization", TokenURL: idp.Issuer + "/token"}}
	ctx := context.Background()
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(da.VerificationURI == idp.Issuer+"/device", len(da.UserCode))
	if err := idp.ApproveDevice(da.UserCode, mockidp.User{Subject: "carol"}); err != nil {
		panic(err)
	}
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		panic(err)
	}
	fmt.Println(claimsOf(tok.Extra("id_token").(string))["sub"])
	// Output:
	// true 9
	// carol
}

// A client pushes its authorization request first (RFC 9126) and sends
// the browser with the request_uri only.
func Example_pushedAuthorizationRequest() {
	t := &exampleT{}
	defer t.finish()
	idp := mockidp.NewTestServer(t, mockidp.WithConfig(func(c *mockidp.Config) { c.RequirePAR = true }))
	verifier := oauth2.GenerateVerifier()
	push := url.Values{"response_type": {"code"}, "redirect_uri": {"http://127.0.0.1:8080/cb"}, "scope": {"openid"},
		"state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	req, _ := http.NewRequest(http.MethodPost, idp.Issuer+"/par", strings.NewReader(push.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo", "demo-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var pushed struct {
		RequestURI string `json:"request_uri"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&pushed)
	resp.Body.Close()
	q, _ := signIn(idp.Issuer + "/authorize?" + url.Values{"client_id": {"demo"}, "request_uri": {pushed.RequestURI}}.Encode())
	fmt.Println(resp.StatusCode, q.Get("state"), q.Get("code") != "")
	// Output:
	// 201 st true
}

// The back-channel logout token itself can misbehave: here the provider
// ends alice's sessions and sends the relying party a token without the
// events claim, which a careful relying party refuses.
func ExampleProvider_EndSessions() {
	t := &exampleT{}
	defer t.finish()
	var got string
	rpBackchannel := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.FormValue("logout_token")
		w.WriteHeader(http.StatusBadRequest) // what the relying party under test would answer
	})
	srv := httptest.NewServer(rpBackchannel)
	defer srv.Close()
	idp := mockidp.NewTestServer(t, mockidp.WithClients(mockidp.Client{ID: "demo", Secret: "demo-secret",
		AllowLoopbackRedirects: true, BackchannelLogoutURI: srv.URL}))
	conf := oauth2.Config{ClientID: "demo", RedirectURL: "http://127.0.0.1:8080/cb", Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: idp.Issuer + "/authorize"}}
	signIn(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))

	idp.InjectFault(mockidp.Fault{ClientID: "demo", LogoutTokenClaims: map[string]any{"events": nil}})
	n := idp.EndSessions(context.Background(), "alice")
	_, hasEvents := claimsOf(got)["events"]
	fmt.Println(n, hasEvents, idp.BackchannelLogouts()[0].StatusCode)
	// Output:
	// 1 false 400
}

// A service account signs its own assertion and trades it for a token for
// a user (RFC 7523 JWT bearer grant), the way golang.org/x/oauth2/jwt
// talks to Google; the provider knows the account's public key.
func Example_jwtBearer() {
	t := &exampleT{}
	defer t.finish()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "sa-1", Algorithm: "RS256"}}})
	idp := mockidp.NewTestServer(t, mockidp.WithClients(mockidp.Client{ID: "robot@example.iam", JWKS: set}))

	conf := oauthjwt.Config{Email: "robot@example.iam", PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		PrivateKeyID: "sa-1", Subject: "bob", TokenURL: idp.Issuer + "/token", Audience: idp.Issuer + "/token"}
	tok, err := conf.TokenSource(context.Background()).Token()
	if err != nil {
		panic(err)
	}
	c := claimsOf(tok.AccessToken)
	fmt.Println(c["sub"], c["client_id"])
	// Output:
	// bob robot@example.iam
}
