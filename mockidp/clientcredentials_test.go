package mockidp

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"
)

// TestClientCredentialsClaims: a service's token carries the claims of its
// configuration, and a queued claim set (Go or HTTP) for exactly one
// token, driven by golang.org/x/oauth2/clientcredentials.
func TestClientCredentialsClaims(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withControl(), WithClients(
		Client{ID: "orders", Secret: "orders-secret", Scopes: []string{"orders:read", "orders:write"},
			Claims: map[string]any{"roles": []any{"reader"}, "tenant": "acme"}},
		Client{ID: "billing", Secret: "billing-secret"},
	))
	cc := clientcredentials.Config{ClientID: "orders", ClientSecret: "orders-secret", TokenURL: ts.Issuer + "/token",
		Scopes: []string{"orders:read"}}
	claims := func() map[string]any {
		t.Helper()
		tok, err := cc.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		_, c := jwtParts(t, tok.AccessToken)
		return c
	}
	if c := claims(); c["sub"] != "orders" || c["tenant"] != "acme" || !jsonEqual(c["roles"], []any{"reader"}) || c["scope"] != "orders:read" {
		t.Errorf("configured claims: %v", c)
	}
	ts.QueueClientClaims("orders", map[string]any{"roles": []any{"admin"}, "tenant": nil, "sub": "job-42",
		"iss": "https://evil.example", "exp": 1, "client_id": "billing", "jti": "fixed", "iat": 1})
	ts.QueueClientClaims("billing", map[string]any{"roles": []any{"billing"}})
	c := claims()
	if c["sub"] != "job-42" || !jsonEqual(c["roles"], []any{"admin"}) || c["tenant"] != nil {
		t.Errorf("queued claims: %v", c)
	}
	for k, forged := range map[string]any{"iss": "https://evil.example", "exp": float64(1), "client_id": "billing", "jti": "fixed", "iat": float64(1)} {
		if c[k] == forged {
			t.Errorf("queued claims replaced the protected claim %s: %v", k, c[k])
		}
	}
	if c := claims(); c["sub"] != "orders" || !jsonEqual(c["roles"], []any{"reader"}) {
		t.Errorf("a queued claim set served more than one token: %v", c)
	}
	// Over HTTP, for another test in another language.
	if st, body := ctl(t, ts, "POST", "/_mock/client_claims", `{"client_id":"orders","claims":{"roles":["ops"]}}`); st != 204 {
		t.Fatalf("POST client_claims: %d %s", st, body)
	}
	if c := claims(); !jsonEqual(c["roles"], []any{"ops"}) {
		t.Errorf("claims queued over HTTP: %v", c)
	}
	for _, tt := range []struct{ body, text string }{
		{`{"claims":{}}`, "client_id is required"},
		{`{"client_id":"nope","claims":{}}`, "not registered"},
		{`{"client_id":"orders"}`, "claims"},
		{`{"client_id":"orders","claims":[]}`, "cannot unmarshal"},
	} {
		if st, body := ctl(t, ts, "POST", "/_mock/client_claims", tt.body); st != 400 || !strings.Contains(body, tt.text) {
			t.Errorf("POST client_claims %s: %d %s, want 400 %q", tt.body, st, body, tt.text)
		}
	}
	// billing's queued set is still there: queues are per client.
	bc := clientcredentials.Config{ClientID: "billing", ClientSecret: "billing-secret", TokenURL: ts.Issuer + "/token"}
	tok, err := bc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, c := jwtParts(t, tok.AccessToken); !jsonEqual(c["roles"], []any{"billing"}) {
		t.Errorf("billing: %v", c)
	}
}

// TestMachineGrantErrors: scopes per client, grant types per client.
func TestMachineGrantErrors(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithClients(
		Client{ID: "orders", Secret: "s", Scopes: []string{"orders:read"}, GrantTypes: []string{GrantClientCredentials}},
		Client{ID: "web", Secret: "s", AllowLoopbackRedirects: true, GrantTypes: []string{GrantAuthorizationCode, GrantRefreshToken}},
		Client{ID: "billing", Secret: "s"},
	))
	tests := []struct {
		name, client string
		form         url.Values
		status       int
		code         string
	}{
		{"own scope", "orders", url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}, 200, ""},
		{"unknown scope", "orders", url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:write"}}, 400, "invalid_scope"},
		{"another client's scope", "billing", url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}, 400, "invalid_scope"},
		{"grant not allowed", "web", url.Values{"grant_type": {"client_credentials"}}, 400, "unauthorized_client"},
		{"exchange not allowed", "orders", url.Values{"grant_type": {GrantTokenExchange}, "subject_token": {"x"},
			"subject_token_type": {TokenTypeJWT}}, 400, "unauthorized_client"},
		{"unknown grant", "orders", url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"audience repeated outside an exchange", "orders", url.Values{"grant_type": {"client_credentials"}, "audience": {"a", "b"}}, 400, "invalid_request"},
	}
	for _, tt := range tests {
		resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", tt.form, tt.client, "s")
		if resp.StatusCode != tt.status || (tt.code != "" && oauthErr(t, body) != tt.code) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, body, tt.status, tt.code)
		}
	}
}
