package mockidp

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestSplitHorizon runs go-oidc and x/oauth2 against a provider whose
// issuer, public and internal bases are three different names for one
// server: discovery from the internal base, the browser on the public
// base, the token call on the internal base, one iss throughout.
func TestSplitHorizon(t *testing.T) {
	t.Parallel()
	const (
		issuer   = "http://idp.example:9400/mockidp"
		public   = "http://localhost.public.test:9400"
		internal = "http://mockidp.internal.test:9400"
	)
	ts := NewTestServer(t, WithConfig(func(c *Config) {
		c.Issuer, c.PublicURL, c.InternalURL = issuer, public, internal
	}), WithIssuerPath("/mockidp"))
	// Every host name resolves to the test server.
	addr := ts.Server.Listener.Addr().String()
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: dial}}
	browser := newBrowser(t)
	browser.Transport = client.Transport

	ctx := oidc.ClientContext(context.Background(), client)
	// The relying party's backend fetches discovery from the internal base.
	prov, err := oidc.NewProvider(oidc.InsecureIssuerURLContext(ctx, issuer), internal+"/mockidp")
	if err != nil {
		t.Fatal(err)
	}
	ep := prov.Endpoint()
	if !strings.HasPrefix(ep.AuthURL, public+"/mockidp/") || !strings.HasPrefix(ep.TokenURL, internal+"/mockidp/") {
		t.Fatalf("endpoints = %+v", ep)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
		JWKS       string `json:"jwks_uri"`
		Userinfo   string `json:"userinfo_endpoint"`
		Revoke     string `json:"revocation_endpoint"`
		Introspect string `json:"introspection_endpoint"`
	}
	if err := prov.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ got, base string }{
		"end_session": {meta.EndSession, public}, "jwks": {meta.JWKS, internal}, "userinfo": {meta.Userinfo, internal},
		"revoke": {meta.Revoke, internal}, "introspect": {meta.Introspect, internal},
	} {
		if !strings.HasPrefix(c.got, c.base+"/mockidp/") {
			t.Errorf("%s = %q, want base %s", name, c.got, c.base)
		}
	}
	conf := oauth2.Config{ClientID: "demo", ClientSecret: "demo-secret", Endpoint: ep, RedirectURL: testRedirect,
		Scopes: []string{oidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()
	q := authorizeRedirect(t, browser, conf.AuthCodeURL("st", oidc.Nonce("n"), oauth2.S256ChallengeOption(verifier)))
	if q.Get("iss") != issuer {
		t.Errorf("iss parameter = %q, want %q", q.Get("iss"), issuer)
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: "demo"}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	if idt.Issuer != issuer {
		t.Errorf("iss = %q, want %q", idt.Issuer, issuer)
	}
	if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Errorf("UserInfo: %v", err)
	}
	// Each request went to the base it belongs to.
	for _, c := range []struct{ endpoint, host string }{
		{"authorize", "localhost.public.test:9400"}, {"token", "mockidp.internal.test:9400"},
		{"jwks", "mockidp.internal.test:9400"}, {"userinfo", "mockidp.internal.test:9400"},
	} {
		reqs := ts.Requests(c.endpoint)
		if len(reqs) != 1 || reqs[0].Host != c.host {
			t.Errorf("%s requests = %+v, want one to %s", c.endpoint, reqs, c.host)
		}
	}
	// Discovery is served on the public base too, with the same issuer.
	resp, body := get(t, browser, public+"/mockidp/.well-known/openid-configuration")
	if resp.StatusCode != 200 || !strings.Contains(body, `"issuer":"`+issuer+`"`) {
		t.Errorf("public discovery: %d %s", resp.StatusCode, body)
	}
}

func TestSplitHorizonValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, issuer, public, internal, want string
	}{
		{"path", "http://a", "http://b/x", "", "PublicURL"},
		{"query", "http://a", "", "http://b?x", "InternalURL"},
		{"scheme", "http://a", "ftp://b", "", "scheme"},
		{"auto", IssuerAuto, "http://b", "", "auto issuer"},
		{"relative", "http://a", "", "b:9400", "InternalURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(Config{Issuer: tt.issuer, PublicURL: tt.public, InternalURL: tt.internal})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error about %q", err, tt.want)
			}
		})
	}
	if _, err := New(Config{Issuer: "http://a", PublicURL: "https://b:8443/", InternalURL: "http://c"}); err != nil {
		t.Errorf("valid bases: %v", err)
	}
}
